/**
 * A fixed HTML page the relay answers a browser with (the pairing link's page, a console link
 * opened signed out): the same bytes every time, nothing from the request in them, no script,
 * nothing loaded, no referrer sent, not cached, not indexed.
 */
import type { ServerResponse } from 'node:http'
import { closeIfBodyUnread } from './http-util'

export const STATIC_PAGE_CSP =
  "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/** Answers a GET (or HEAD: the head alone) with `status` and the page. */
export type StaticPage = (method: string | undefined, res: ServerResponse, status?: number) => void

export function staticPage(html: string): StaticPage {
  const body = Buffer.from(html, 'utf8')
  const headers: Readonly<Record<string, string | number>> = {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': body.length,
    'Content-Security-Policy': STATIC_PAGE_CSP,
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'X-Robots-Tag': 'noindex, nofollow',
    'X-Content-Type-Options': 'nosniff',
  }
  return (method, res, status = 200) => {
    // Answered without reading a body a GET may carry: a large one is not read to be dropped.
    closeIfBodyUnread(res)
    res.writeHead(status, headers)
    res.end(method === 'HEAD' ? undefined : body)
  }
}

/** One language's part of a bilingual page: its heading and paragraph (HTML, fixed text). */
export interface PagePart {
  heading: string
  text: string
}

/** A fixed page in Chinese, then English (`lang="en"`), under one title. */
export function bilingualPageHtml(title: string, zh: PagePart, en: PagePart): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${title}</title>
</head>
<body>
<h1>${zh.heading}</h1>
<p>${zh.text}</p>
<h1 lang="en">${en.heading}</h1>
<p lang="en">${en.text}</p>
</body>
</html>
`
}

/**
 * `GET /console/` and `/console/*`: the built console app (ui18's `out/console`) under a strict
 * CSP. A path naming a file serves it; a path without a file extension is a page of the app
 * (index.html, the app routes itself); anything else is 404. Each segment is decoded once and
 * must be a plain name (no `..`, `.`, slashes, backslashes or NUL after decoding), and the
 * resolved path must stay inside the directory, its real path too (a symbolic link placed in it
 * that leads outside is not followed), so nothing outside it is ever read.
 */
import { createReadStream } from 'node:fs'
import { pipeline } from 'node:stream'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { basename, dirname, extname, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sendApiError, sendText } from '../http-util'
import { fileIn } from '../../shared/server/real-file'

export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ')

const SECURITY_HEADERS = {
  'Content-Security-Policy': CONSOLE_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
}

/**
 * Where the built console is when `consoleDir` is not set: `out/console` beside `out/relay`
 * when running the bundle (out/relay/relay.mjs, or a chunk under it), else `<repo>/out/console`
 * when running from source (this file is relay/console/static-console.ts).
 */
export function defaultConsoleDir(moduleUrl: string = import.meta.url): string {
  const here = dirname(fileURLToPath(moduleUrl))
  for (let dir = here, i = 0; i < 3; i++, dir = dirname(dir)) {
    if (basename(dir) === 'relay' && basename(dirname(dir)) === 'out') {
      return join(dirname(dir), 'console')
    }
  }
  return resolve(here, '..', '..', 'out', 'console')
}

/** The path below the console root as safe segments, or null for anything suspicious. */
function segmentsOf(rest: string): string[] | null {
  const out: string[] = []
  for (const raw of rest.split('/')) {
    if (raw === '') continue
    let seg: string
    try {
      seg = decodeURIComponent(raw)
    } catch {
      return null
    }
    if (seg === '.' || seg === '..' || /[/\\\0:]/.test(seg)) return null
    out.push(seg)
  }
  return out
}

export function createConsoleStatic(dir: string) {
  const root = resolve(dir)

  async function send(
    req: IncomingMessage,
    res: ServerResponse,
    name: string,
    path: string,
    size: number,
    immutable: boolean,
  ): Promise<void> {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': size,
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    })
    if (req.method === 'HEAD') {
      res.end()
      return
    }
    // pipeline, not pipe: a client that goes mid-file closes the file too (with pipe the
    // stream waited paused for good, its descriptor open, and this promise never settled),
    // and a failed read cuts the answer short (its length was promised).
    await new Promise<void>((done) => pipeline(createReadStream(path), res, () => done()))
  }

  return async function serveConsole(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
  ): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD')
      sendApiError(res, 405, 'method_not_allowed', 'use GET')
      return
    }
    if (url.pathname === '/console') {
      res.writeHead(308, { Location: '/console/', 'Content-Length': 0 }).end()
      return
    }
    const segments = segmentsOf(url.pathname.slice('/console/'.length))
    if (segments === null) {
      sendApiError(res, 400, 'bad_request', 'bad path')
      return
    }
    const target = resolve(root, ...segments)
    if (target !== root && !target.startsWith(root + sep)) {
      sendApiError(res, 400, 'bad_request', 'bad path')
      return
    }
    const file = target === root ? null : await fileIn(root, target)
    // A file outside (through a link) is answered as a missing one.
    if (file?.kind === 'file') {
      // The type comes from the name asked for, the bytes from the real path checked.
      await send(req, res, target, file.real, file.size, segments[0] === 'assets')
      return
    }
    const last = segments[segments.length - 1] ?? ''
    if (extname(last) !== '') {
      sendApiError(res, 404, 'not_found', 'no such file')
      return
    }
    const index = join(root, 'index.html')
    const indexFile = await fileIn(root, index)
    if (indexFile.kind !== 'file') {
      res.setHeader('Content-Security-Policy', CONSOLE_CSP)
      sendText(res, 404, 'The console app is not built.\n')
      return
    }
    await send(req, res, index, indexFile.real, indexFile.size, false)
  }
}

/** Serves the built renderer (`out/renderer`) for web mode; unknown paths get index.html. */
import { createReadStream, existsSync, statSync } from 'node:fs'
import type { ServerResponse } from 'node:http'
import { extname, join, normalize, sep } from 'node:path'
import { pipeline } from 'node:stream'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.wav': 'audio/wav',
  '.webm': 'audio/webm',
}

/** Resolves `urlPath` inside `root`, or null when it would step outside. */
export function resolveStatic(root: string, urlPath: string): string | null {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return null
  }
  if (decoded.includes('\0')) return null
  const file = normalize(join(root, decoded))
  return file === root || file.startsWith(root.endsWith(sep) ? root : root + sep) ? file : null
}

export function serveStatic(
  root: string,
  urlPath: string,
  res: ServerResponse,
  head: boolean,
): void {
  let file = resolveStatic(root, urlPath === '/' ? '/index.html' : urlPath)
  if (file === null) {
    res.writeHead(400).end()
    return
  }
  const isFile = (f: string) => existsSync(f) && statSync(f).isFile()
  if (!isFile(file)) {
    // Asset requests that miss are real 404s; anything else is a client-side route.
    if (extname(file) !== '' && extname(file) !== '.html') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
      return
    }
    file = join(root, 'index.html')
    if (!isFile(file)) {
      res
        .writeHead(503, { 'content-type': 'text/plain; charset=utf-8' })
        .end(
          'The kiosk UI is not built yet: run `npx electron-vite build` (npm run kiosk:web does).',
        )
      return
    }
  }
  const isHtml = extname(file) === '.html'
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': statSync(file).size,
    // Hashed assets never change; the page itself must always be fresh.
    'cache-control': isHtml ? 'no-store' : 'public, max-age=31536000, immutable',
  })
  if (head) res.end()
  else sendFile(file, res)
}

/**
 * Sends `file` as the body of an answer whose head is written. The file is closed however the
 * answer ends: sent, cancelled by the browser, or cut off by a failed read (the length promised
 * cannot be kept, so the connection goes); `onError` hears of the failed read, not the cancel.
 */
export function sendFile(
  file: string,
  res: ServerResponse,
  onError?: (err: NodeJS.ErrnoException) => void,
): void {
  pipeline(createReadStream(file), res, (err) => {
    if (err && err.code !== 'ERR_STREAM_PREMATURE_CLOSE') onError?.(err)
  })
}

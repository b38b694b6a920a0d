/** Serves the built renderer (`out/renderer`) for web mode; unknown paths get index.html. */
import { createReadStream } from 'node:fs'
import type { ServerResponse } from 'node:http'
import { extname, join, normalize } from 'node:path'
import { pipeline } from 'node:stream'
import { fileIn, isWithin } from '../../../shared/server/real-file'

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
  return isWithin(root, file) ? file : null
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
}

export async function serveStatic(
  root: string,
  urlPath: string,
  res: ServerResponse,
  head: boolean,
): Promise<void> {
  let file = resolveStatic(root, urlPath === '/' ? '/index.html' : urlPath)
  if (file === null) {
    res.writeHead(400).end()
    return
  }
  let found = await fileIn(root, file)
  // Asset requests that miss are real 404s; anything else is a client-side route.
  if (found.kind === 'missing' && (extname(file) === '' || extname(file) === '.html')) {
    file = join(root, 'index.html')
    found = await fileIn(root, file)
    if (found.kind === 'missing') {
      res
        .writeHead(503, { 'content-type': 'text/plain; charset=utf-8' })
        .end(
          'The kiosk UI is not built yet: run `npx electron-vite build` (npm run kiosk:web does).',
        )
      return
    }
  }
  if (found.kind !== 'file') return notFound(res)
  // The type by the name asked for; the bytes from the real file checked above.
  const isHtml = extname(file) === '.html'
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': found.size,
    // Hashed assets never change; the page itself must always be fresh.
    'cache-control': isHtml ? 'no-store' : 'public, max-age=31536000, immutable',
  })
  if (head) res.end()
  else sendFile(found.real, res)
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

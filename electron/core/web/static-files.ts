/** Serves the built renderer (`out/renderer`) for web mode; unknown paths get index.html. */
import { createReadStream, realpathSync, statSync } from 'node:fs'
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
  return within(root, file) ? file : null
}

/** `path` is `root` or lies under it (both absolute and normalized). */
function within(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep)
}

type Found = { kind: 'file'; real: string; size: number } | { kind: 'missing' | 'outside' }

/**
 * What `file` (a path inside `root` by its name) really is. A symbolic link on the way (the file
 * or a folder the path goes through) is followed; when that leads out of the root's real folder
 * the file is `outside`: nothing of it is served, not even its size. The root itself may be
 * reached through a link. `real` is what to open, so a link changed after this check is not
 * followed again.
 */
function find(root: string, file: string): Found {
  let real: string
  let realRoot: string
  try {
    real = realpathSync(file)
    realRoot = realpathSync(root)
  } catch {
    return { kind: 'missing' }
  }
  if (!within(realRoot, real)) return { kind: 'outside' }
  try {
    const stats = statSync(real)
    return stats.isFile() ? { kind: 'file', real, size: stats.size } : { kind: 'missing' }
  } catch {
    return { kind: 'missing' }
  }
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
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
  let found = find(root, file)
  // Asset requests that miss are real 404s; anything else is a client-side route.
  if (found.kind === 'missing' && (extname(file) === '' || extname(file) === '.html')) {
    file = join(root, 'index.html')
    found = find(root, file)
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

/**
 * `GET /console/` and `/console/*`: the built console app (ui18's `out/console`) under a strict
 * CSP. A path naming a file serves it; a path without a file extension is a page of the app
 * (index.html, the app routes itself); anything else is 404. Each segment is decoded once and
 * must be a plain name (no `..`, `.`, slashes, backslashes or NUL after decoding), and the
 * resolved path must stay inside the directory, its real path too (a symbolic link placed in it
 * that leads outside is not followed), so nothing outside it is ever read.
 *
 * A compressible file (text: HTML, scripts, styles) is sent as the brotli or gzip file the build
 * wrote beside it (`x.js.br`, `x.js.gz`: scripts/build-console.mjs) when the request's
 * Accept-Encoding takes that coding, else as it is; with `Vary: Accept-Encoding` either way and
 * an ETag (a hash of the bytes sent), so a reload over a slow link re-downloads nothing (304).
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { pipeline } from 'node:stream'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { basename, dirname, extname, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sendApiError, sendText } from '../http-util'
import { ifNoneMatchHits } from './if-match'
import { fileIn, type FileIn } from '../../shared/server/real-file'
import { acceptedCodings, type ContentCoding } from '../../shared/server/accept-encoding'

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

/**
 * Types worth compressing: text. Images and fonts here are compressed already. The build's
 * compressAssets (scripts/build-console.mjs) writes copies for these; a test checks both agree.
 */
export const COMPRESSIBLE: ReadonlySet<string> = new Set([
  '.html',
  '.js',
  '.mjs',
  '.css',
  '.json',
  '.svg',
  '.txt',
  '.map',
])

/** What scripts/build-console.mjs writes beside each compressible file, best first. */
const VARIANTS: readonly { coding: ContentCoding; suffix: string }[] = [
  { coding: 'br', suffix: '.br' },
  { coding: 'gzip', suffix: '.gz' },
]
const OFFERED = VARIANTS.map((v) => v.coding)

/**
 * How far a compressed copy's time may be from its file's and still be sent. The build gives
 * each copy its file's time exactly (scripts/build-console.mjs), and a copy that keeps times
 * (`cp -p`, `rsync -a`) keeps them equal, so a copy is paired with the file it was made from
 * and no other: one left beside a file that changed since (an `rsync -a` without `--delete`, a
 * rollback) has another time, older or newer, and is never sent. The slack is for filesystems
 * that keep times coarsely (FAT: 2 s). A folder copied without its times (`cp -r`) gets new
 * times on both, a moment apart: within the slack the copy is sent (its bytes are its file's),
 * beyond it the file goes plain.
 */
const COPY_SLACK_MS = 2000

type Found = Extract<FileIn, { kind: 'file' }>

/**
 * A strong validator of the bytes sent: a hash of their content, and their coding. Not the
 * file's size and time: release tooling that gives every release the same times (reproducible
 * builds, SOURCE_DATE_EPOCH) would give a new index.html of the same size the old one's tag, and
 * a reload would get a 304 and keep a page naming assets that are gone. Hashed once per file per
 * process, the hash kept while the file's inode, size, time and change time stay as they were
 * (the change time because the others can all repeat: a file rewritten in place, or removed and
 * made again on a reused inode, with its time set back to the same epoch).
 */
const hashes = new Map<string, { key: string; hash: string }>()

async function contentHash(file: Found): Promise<string> {
  const key = `${file.ino}-${file.size}-${file.mtimeMs}-${file.ctimeMs}`
  const known = hashes.get(file.real)
  if (known?.key === key) return known.hash
  const hash = await new Promise<string>((done, fail) => {
    const sha = createHash('sha256')
    createReadStream(file.real)
      .on('data', (chunk) => sha.update(chunk))
      .on('end', () => done(sha.digest('base64url').slice(0, 27)))
      .on('error', fail)
  })
  hashes.set(file.real, { key, hash })
  return hash
}

async function etagOf(file: Found, coding: ContentCoding | null): Promise<string> {
  let base: string
  try {
    base = await contentHash(file)
  } catch {
    // Unreadable now: the send below fails too; a tag of its size and time until then.
    base = `${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}`
  }
  return `"${coding === null ? base : `${base}-${coding}`}"`
}

/** If-None-Match names `etag` (weak comparison), or is `*`; a header over 4 KiB is not read. */
const notModified = (header: string | undefined, etag: string): boolean =>
  header !== undefined && header.length <= 4096 && ifNoneMatchHits(header, etag)

export function createConsoleStatic(dir: string) {
  const root = resolve(dir)

  /**
   * The compressed file beside `target` the request accepts, if the build wrote one: inside the
   * folder by its real path too (a link beside an asset is checked as the asset is), and with
   * its file's time, within COPY_SLACK_MS either way (a stale one is never sent for new bytes).
   */
  async function variantOf(
    req: IncomingMessage,
    target: string,
    file: Found,
  ): Promise<{ coding: ContentCoding; file: Found } | null> {
    for (const coding of acceptedCodings(req.headers['accept-encoding'], OFFERED)) {
      const suffix = VARIANTS.find((v) => v.coding === coding)?.suffix ?? ''
      const found = await fileIn(root, target + suffix)
      const fresh = found.kind === 'file' && Math.abs(found.mtimeMs - file.mtimeMs) <= COPY_SLACK_MS
      if (fresh) return { coding, file: found }
    }
    return null
  }

  async function send(
    req: IncomingMessage,
    res: ServerResponse,
    name: string,
    file: Found,
    immutable: boolean,
  ): Promise<void> {
    const compressible = COMPRESSIBLE.has(extname(name).toLowerCase())
    const variant = compressible ? await variantOf(req, name, file) : null
    const sent = variant?.file ?? file
    const etag = await etagOf(sent, variant?.coding ?? null)
    const headers = {
      ...SECURITY_HEADERS,
      'Content-Type': TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream',
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      // Whatever was sent, a cache in between keeps each coding apart: a gzip body is never
      // handed to a client that did not ask for one.
      ...(compressible && { Vary: 'Accept-Encoding' }),
      ETag: etag,
    }
    // A reload of a page it already has (index.html is no-cache): the head alone.
    if (notModified(req.headers['if-none-match'], etag)) {
      res.writeHead(304, headers).end()
      return
    }
    res.writeHead(200, {
      ...headers,
      ...(variant !== null && { 'Content-Encoding': variant.coding }),
      'Content-Length': sent.size,
    })
    if (req.method === 'HEAD') {
      res.end()
      return
    }
    // pipeline, not pipe: a client that goes mid-file closes the file too (with pipe the
    // stream waited paused for good, its descriptor open, and this promise never settled),
    // and a failed read cuts the answer short (its length was promised).
    await new Promise<void>((done) => pipeline(createReadStream(sent.real), res, () => done()))
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
      await send(req, res, target, file, segments[0] === 'assets')
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
    await send(req, res, index, indexFile, false)
  }
}

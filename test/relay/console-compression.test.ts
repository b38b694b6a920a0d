// The console's files over a slow link: the brotli or gzip copy the build wrote beside a text
// file is sent when the request's Accept-Encoding takes it (q-values, `*`, case and spaces read
// as RFC 9110 says; junk or a huge header reads as not asked), the plain bytes otherwise, with
// `Vary: Accept-Encoding` so a cache in between never hands one client's coding to another, an
// ETag so a reload re-downloads nothing, and the folder's limits unchanged.
import { randomBytes } from 'node:crypto'
import {
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compressAssets } from '../../scripts/build-console.mjs'
import { COMPRESSIBLE } from '../../relay/console/static-console'
import type { RelayHandle } from '../../relay/server'
import { acceptedCodings } from '../../shared/server/accept-encoding'
import { startTestRelay, tempDir } from './harness'
import { rawRequest, type RawAnswer } from './raw-http'

const root = tempDir('console-coding-')
const app = join(root, 'console')
const SCRIPT = Buffer.from(`export const words = ${JSON.stringify('签到 scan '.repeat(4000))}\n`)
const INDEX = Buffer.from(
  `<!doctype html><title>console</title>${'<!-- padding so it compresses -->'.repeat(40)}`,
)
const PNG = Buffer.alloc(4096, 7)
let relay: RelayHandle

beforeAll(async () => {
  mkdirSync(join(app, 'assets'), { recursive: true })
  writeFileSync(join(app, 'index.html'), INDEX)
  writeFileSync(join(app, 'assets', 'app-1a2b.js'), SCRIPT)
  writeFileSync(join(app, 'assets', 'logo-5e6f.png'), PNG)
  writeFileSync(join(root, 'secret.txt'), 'TOP-SECRET')
  compressAssets(app)
  relay = await startTestRelay('sqlite', null, { consoleDir: app })
})
afterAll(async () => {
  await relay.close()
  rmSync(root, { recursive: true, force: true })
})

/** The raw answer, body not decoded, the path sent as given. */
function get(
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<RawAnswer> {
  return rawRequest(relay.url, path, headers, method)
}

function decoded(a: RawAnswer): Buffer {
  const coding = a.headers['content-encoding']
  if (coding === 'br') return brotliDecompressSync(a.body)
  if (coding === 'gzip') return gunzipSync(a.body)
  expect(coding).toBeUndefined()
  return a.body
}

describe('Accept-Encoding negotiation', () => {
  const offered = ['br', 'gzip'] as const
  it.each([
    [undefined, []],
    ['', []],
    ['gzip, deflate, br', ['br', 'gzip']],
    ['gzip, deflate', ['gzip']],
    ['br;q=0, gzip', ['gzip']],
    ['BR ; Q=0 ,GZIP', ['gzip']],
    ['gzip;q=1.0, br;q=0.5', ['gzip', 'br']],
    ['gzip;q=0.5, br;q=0.5', ['br', 'gzip']],
    ['*', ['br', 'gzip']],
    ['*;q=0', []],
    ['*, br;q=0', ['gzip']],
    ['identity', []],
    ['identity;q=0', []],
    ['x-gzip', ['gzip']],
    ['gzip;q=2', []],
    ['gzip;q=abc, br', ['br']],
    ['gzip;q=0.0001', []],
    ['gzip;q=0.001', ['gzip']],
    // An invalid q-value refuses its coding: it does not fall back to `*`'s weight.
    ['gzip;q=0.0001, *', ['br']],
    ['*, br;q=2', ['gzip']],
    ['x-gzip;q=abc, *;q=0.5', ['br']],
    ['gzip;level=1', ['gzip']],
    ['g zip, b\u00e9r', []],
    [',,, ;;; =,', []],
    ['gzip, gzip;q=0', ['gzip']],
    [`gzip, ${'x'.repeat(2000)}`, []],
  ])('%j takes %j', (header, want) => {
    expect(acceptedCodings(header, offered)).toEqual(want)
  })

  it('never throws and only ever names what was offered, whatever the header', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (header) => {
        const got = acceptedCodings(header, ['gzip'])
        expect(got.every((c) => c === 'gzip')).toBe(true)
      }),
      { seed: 234, numRuns: 500 },
    )
  })
})

describe('the console files compressed', () => {
  it('sends the brotli or gzip copy the client takes, whose bytes are the file exactly', async () => {
    for (const [header, coding] of [
      ['gzip, deflate, br', 'br'],
      ['gzip', 'gzip'],
      ['br;q=0, gzip;q=0.8', 'gzip'],
      ['*', 'br'],
    ] as const) {
      for (const [path, bytes] of [
        ['/console/assets/app-1a2b.js', SCRIPT],
        ['/console/', INDEX],
        ['/console/stats/today', INDEX],
      ] as const) {
        const a = await get(path, { 'Accept-Encoding': header })
        expect(a.status, `${header} ${path}`).toBe(200)
        expect(a.headers['content-encoding'], `${header} ${path}`).toBe(coding)
        expect(a.headers.vary).toBe('Accept-Encoding')
        expect(Number(a.headers['content-length'])).toBe(a.body.length)
        expect(a.body.length).toBeLessThan(bytes.length)
        expect(decoded(a).equals(bytes), `${header} ${path}`).toBe(true)
      }
    }
    const js = await get('/console/assets/app-1a2b.js', { 'Accept-Encoding': 'br' })
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    const page = await get('/console/', { 'Accept-Encoding': 'br' })
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(page.headers['cache-control']).toBe('no-cache')
  })

  it('sends the plain bytes, as before, to a client that does not take a coding', async () => {
    for (const header of [null, '', 'identity', 'br;q=0, gzip;q=0', 'deflate', 'g zip;;q=1']) {
      const a = await get(
        '/console/assets/app-1a2b.js',
        header === null ? {} : { 'Accept-Encoding': header },
      )
      expect(a.status).toBe(200)
      expect(a.headers['content-encoding']).toBeUndefined()
      expect(a.headers['content-length']).toBe(String(SCRIPT.length))
      expect(a.body.equals(SCRIPT)).toBe(true)
      // Vary on the plain answer too: a cache that stored it must not give it to a gzip client
      // (harmless) nor a gzip answer to this one (a page of binary).
      expect(a.headers.vary).toBe('Accept-Encoding')
    }
  })

  it('keeps codings apart for a cache: each has its own ETag and only its own matches', async () => {
    const plain = await get('/console/')
    const br = await get('/console/', { 'Accept-Encoding': 'br' })
    const gz = await get('/console/', { 'Accept-Encoding': 'gzip' })
    const tags = [plain, br, gz].map((a) => a.headers.etag)
    expect(new Set(tags).size).toBe(3)
    // A reload with the tag of what it has: 304, nothing re-sent.
    const again = await get('/console/', { 'Accept-Encoding': 'br', 'If-None-Match': `${tags[1]}` })
    expect(again.status).toBe(304)
    expect(again.body.length).toBe(0)
    expect(again.headers.etag).toBe(tags[1])
    expect(again.headers.vary).toBe('Accept-Encoding')
    // A cache holding the brotli copy revalidating for a client that takes none: a full plain
    // answer, never a 304 that would let the cache hand it the brotli bytes.
    const other = await get('/console/', { 'If-None-Match': `${tags[1]}` })
    expect(other.status).toBe(200)
    expect(other.headers['content-encoding']).toBeUndefined()
    expect(other.body.equals(INDEX)).toBe(true)
    expect((await get('/console/', { 'If-None-Match': `W/${tags[0]}, "x"` })).status).toBe(304)
  })

  it('has the build write a copy of every type the relay sends compressed', async () => {
    // The build's list (scripts/build-console.mjs) and the relay's are written twice: a type the
    // relay takes but the build skips would silently go plain for ever.
    expect(COMPRESSIBLE.size).toBeGreaterThan(0)
    for (const ext of COMPRESSIBLE) {
      const name = `kind-${ext.slice(1)}${ext}`
      writeFileSync(join(app, 'assets', name), SCRIPT)
      compressAssets(app)
      const a = await get(`/console/assets/${name}`, { 'Accept-Encoding': 'gzip, br' })
      expect(a.headers['content-encoding'], ext).toBe('br')
      expect(decoded(a).equals(SCRIPT), ext).toBe(true)
      for (const suffix of ['', '.br', '.gz']) rmSync(join(app, 'assets', name + suffix))
    }
  })

  it('answers HEAD with the headers and length of the GET, and no body', async () => {
    for (const header of ['br', 'gzip', 'identity']) {
      const got = await get('/console/assets/app-1a2b.js', { 'Accept-Encoding': header })
      const head = await get('/console/assets/app-1a2b.js', { 'Accept-Encoding': header }, 'HEAD')
      expect(head.status).toBe(200)
      expect(head.body.length).toBe(0)
      for (const name of ['content-length', 'content-encoding', 'content-type', 'vary', 'etag'])
        expect(head.headers[name], `${header} ${name}`).toBe(got.headers[name])
    }
  })

  it('never compresses what is compressed already, and sends a stale copy never', async () => {
    const png = await get('/console/assets/logo-5e6f.png', { 'Accept-Encoding': 'gzip, br' })
    expect(png.headers['content-encoding']).toBeUndefined()
    expect(png.headers.vary).toBeUndefined()
    expect(png.body.equals(PNG)).toBe(true)
    // A file rebuilt after its copies: the copies are older, so the new bytes go plain.
    const fresh = join(app, 'assets', 'late-7a7a.js')
    writeFileSync(fresh, SCRIPT)
    compressAssets(app)
    const newer = Buffer.from(`${SCRIPT.toString()}// rebuilt\n`)
    writeFileSync(fresh, newer)
    const later = (Date.now() + 60_000) / 1000
    utimesSync(fresh, later, later)
    const a = await get('/console/assets/late-7a7a.js', { 'Accept-Encoding': 'gzip, br' })
    expect(a.headers['content-encoding']).toBeUndefined()
    expect(a.body.equals(newer)).toBe(true)
    // A folder copied without its times (`cp -r`): a copy a moment older than its file is sent.
    const copied = join(app, 'assets', 'copied-8b8b.js')
    writeFileSync(copied, SCRIPT)
    compressAssets(app)
    const moment = (Date.now() + 1000) / 1000
    utimesSync(copied, moment, moment)
    const c = await get('/console/assets/copied-8b8b.js', { 'Accept-Encoding': 'br' })
    expect(c.headers['content-encoding']).toBe('br')
    expect(decoded(c).equals(SCRIPT)).toBe(true)
  })

  it('tags a page by its content: a new index.html of the same size and time is not a 304', async () => {
    const dir = join(root, 'same-times')
    mkdirSync(dir)
    const first = Buffer.from(`<!doctype html><script src="/console/assets/a-1111.js"></script>`)
    const second = Buffer.from(`<!doctype html><script src="/console/assets/b-2222.js"></script>`)
    expect(first.length).toBe(second.length)
    const epoch = 1_700_000_000
    writeFileSync(join(dir, 'index.html'), first)
    utimesSync(join(dir, 'index.html'), epoch, epoch)
    const other = await startTestRelay('sqlite', null, { consoleDir: dir })
    try {
      const fetchPage = async (headers: Record<string, string> = {}) => {
        const r = await fetch(`${other.url}/console/`, { headers })
        return { status: r.status, etag: r.headers.get('etag'), body: await r.text() }
      }
      const old = await fetchPage()
      expect(old.body).toBe(first.toString())
      // The next release, built with the same times (SOURCE_DATE_EPOCH): same size, same mtime.
      rmSync(join(dir, 'index.html'))
      writeFileSync(join(dir, 'index.html'), second)
      utimesSync(join(dir, 'index.html'), epoch, epoch)
      const reload = await fetchPage({ 'If-None-Match': old.etag ?? '' })
      expect(reload.status).toBe(200)
      expect(reload.body).toBe(second.toString())
      expect(reload.etag).not.toBe(old.etag)
      expect((await fetchPage({ 'If-None-Match': reload.etag ?? '' })).status).toBe(304)
    } finally {
      await other.close()
    }
  })

  it('pairs a copy with its file by time: one left beside a changed file is never sent', async () => {
    // An `rsync -a` without --delete, or a rollback: the old copy keeps a time newer than the
    // file that changed beside it.
    const changed = join(app, 'assets', 'rolled-9c9c.js')
    writeFileSync(changed, SCRIPT)
    compressAssets(app)
    const older = Buffer.from(`${SCRIPT.toString()}// rolled back\n`)
    writeFileSync(changed, older)
    const earlier = (Date.now() - 3600_000) / 1000
    utimesSync(changed, earlier, earlier)
    for (const header of ['br', 'gzip', 'gzip, br']) {
      const a = await get('/console/assets/rolled-9c9c.js', { 'Accept-Encoding': header })
      expect(a.headers['content-encoding'], header).toBeUndefined()
      expect(a.body.equals(older), header).toBe(true)
    }
    // The build rewrites the copies for the changed file, with its time.
    compressAssets(app)
    const fixed = await get('/console/assets/rolled-9c9c.js', { 'Accept-Encoding': 'br' })
    expect(fixed.headers['content-encoding']).toBe('br')
    expect(decoded(fixed).equals(older)).toBe(true)
    // Times kept (`cp -p`, `rsync -a`): all moved by the same amount, still sent compressed.
    const moved = (Date.now() - 86_400_000) / 1000
    for (const suffix of ['', '.br', '.gz']) utimesSync(changed + suffix, moved, moved)
    const kept = await get('/console/assets/rolled-9c9c.js', { 'Accept-Encoding': 'gzip' })
    expect(kept.headers['content-encoding']).toBe('gzip')
    expect(decoded(kept).equals(older)).toBe(true)
  })

  it('replaces a copy by renaming a whole new one, and drops one no longer worth keeping', () => {
    const page = join(app, 'assets', 'swap-4d4d.js')
    writeFileSync(page, SCRIPT)
    compressAssets(app)
    // A second name for the old copy's bytes: a copy rewritten in place would change them too.
    linkSync(`${page}.br`, join(root, 'held.br'))
    const next = Buffer.from(`${SCRIPT.toString()}// next\n`)
    writeFileSync(page, next)
    const later = (Date.now() + 10_000) / 1000
    utimesSync(page, later, later)
    compressAssets(app)
    expect(brotliDecompressSync(readFileSync(join(root, 'held.br'))).equals(SCRIPT)).toBe(true)
    expect(brotliDecompressSync(readFileSync(`${page}.br`)).equals(next)).toBe(true)
    expect(readdirSync(join(app, 'assets')).filter((n) => n.endsWith('.tmp'))).toEqual([])
    // Rebuilt as bytes that do not compress: the old copies go, the file is sent as it is.
    writeFileSync(page, randomBytes(64))
    utimesSync(page, later + 10, later + 10)
    compressAssets(app)
    expect(existsSync(`${page}.br`)).toBe(false)
    expect(existsSync(`${page}.gz`)).toBe(false)
    rmSync(page)
  })

  it('reads nothing outside its folder with a coding asked for, copies through links included', async () => {
    // A copy beside an asset that is a link out of the folder is not followed.
    const copy = join(app, 'assets', 'app-1a2b.js.gz')
    renameSync(copy, `${copy}.aside`)
    symlinkSync(join(root, 'secret.txt'), copy, 'file')
    try {
      const a = await get('/console/assets/app-1a2b.js', { 'Accept-Encoding': 'gzip' })
      expect(a.status).toBe(200)
      expect(a.body.toString()).not.toContain('TOP-SECRET')
      expect(decoded(a).equals(SCRIPT)).toBe(true)
    } finally {
      rmSync(copy)
      renameSync(`${copy}.aside`, copy)
    }
    for (const path of [
      '/console/../secret.txt',
      '/console/%2e%2e/secret.txt',
      '/console/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/console/..%5csecret.txt',
      '/console/%00index.html',
    ]) {
      for (const header of ['gzip, br', '*']) {
        const a = await get(path, { 'Accept-Encoding': header })
        expect(decoded(a).toString(), path).not.toContain('TOP-SECRET')
        expect([200, 400, 404], path).toContain(a.status)
        if (a.status === 200) expect(decoded(a).equals(INDEX), path).toBe(true)
      }
    }
  })
})

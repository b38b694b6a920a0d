// The built console app at /console/: strict CSP and the other headers on every page, the SPA
// fallback for app routes, 404 for missing files, and no way out of the directory (raw `..`,
// encoded `%2e%2e` and `%2f`, backslashes, absolute paths), sent as raw request lines.
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CONSOLE_CSP, defaultConsoleDir } from '../../relay/console/static-console'
import { jsonLogger } from '../../relay/log'
import type { RelayHandle } from '../../relay/server'
import { openFds } from '../helpers/fds'
import { rawHttp } from '../helpers/raw-http'
import { UNDER_LOAD } from '../helpers/wait'
import { startTestRelay, tempDir } from './harness'

const root = tempDir('console-static-')
const app = join(root, 'console')
let relay: RelayHandle

beforeAll(async () => {
  mkdirSync(join(app, 'assets'), { recursive: true })
  writeFileSync(join(app, 'index.html'), '<!doctype html><title>console</title>')
  writeFileSync(join(app, 'assets', 'app-1a2b.js'), 'console.log(1)')
  writeFileSync(join(app, 'assets', 'big-3c4d.js'), Buffer.alloc(20 * 1024 * 1024))
  // Beside the app, not in it: no request may read this.
  writeFileSync(join(root, 'secret.txt'), 'TOP-SECRET')
  writeFileSync(join(root, 'console-evil.txt'), 'TOP-SECRET')
  relay = await startTestRelay('sqlite', null, { consoleDir: app })
})
afterAll(async () => {
  await relay.close()
  rmSync(root, { recursive: true, force: true })
})

/** GET with the path exactly as given (fetch would normalise `..` away). */
function rawGet(
  path: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const { hostname, port } = new URL(relay.url)
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: 'GET' }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('the console app at /console/', () => {
  it('serves index.html and assets with a strict CSP, nosniff and no-referrer', async () => {
    for (const path of ['/console/', '/console/index.html', '/console/assets/app-1a2b.js']) {
      const res = await rawGet(path)
      expect(res.status, path).toBe(200)
      expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP)
      expect(res.headers['x-content-type-options']).toBe('nosniff')
      expect(res.headers['referrer-policy']).toBe('no-referrer')
      expect(res.headers['x-frame-options']).toBe('DENY')
    }
    expect(CONSOLE_CSP).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    )
    const js = await rawGet('/console/assets/app-1a2b.js')
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(js.body).toBe('console.log(1)')
    expect((await rawGet('/console/')).headers['cache-control']).toBe('no-cache')
  })

  it('answers app routes with index.html, missing files with 404, /console with a redirect', async () => {
    for (const path of ['/console/kiosks', '/console/stats/today', '/console/attendance?q=x']) {
      const res = await rawGet(path)
      expect(res.status, path).toBe(200)
      expect(res.body).toContain('<title>console</title>')
    }
    expect((await rawGet('/console/assets/missing.js')).status).toBe(404)
    const bare = await rawGet('/console')
    expect(bare.status).toBe(308)
    expect(bare.headers.location).toBe('/console/')
    const post = await fetch(`${relay.url}/console/`, { method: 'POST' })
    expect(post.status).toBe(405)
  })

  it.skipIf(!existsSync('/proc/self/fd'))(
    'closes a file whose download the client abandons midway',
    async () => {
      const file = join(app, 'assets', 'big-3c4d.js')
      const until = async (check: () => boolean, what: string) => {
        for (const deadline = Date.now() + UNDER_LOAD.timeout; !check();) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
          await new Promise((resolve) => setTimeout(resolve, 20))
        }
      }
      // The head arrives, the body is never read: the relay is held mid-file, then the client goes.
      const req = request(`${relay.url}/console/assets/big-3c4d.js`)
      await new Promise((resolve, reject) => req.on('response', resolve).on('error', reject).end())
      await until(() => openFds(file) === 1, 'the file being sent')
      req.destroy()
      await until(() => openFds(file) === 0, 'the file closed after the client went')
    },
  )

  it('never reads outside its directory', async () => {
    const attempts = [
      '/console/../secret.txt',
      '/console/assets/../../secret.txt',
      '/console/%2e%2e/secret.txt',
      '/console/%2E%2E/secret.txt',
      '/console/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/console/..%2fsecret.txt',
      '/console/..%5csecret.txt',
      '/console/..\\secret.txt',
      `/console/${encodeURIComponent(join(root, 'secret.txt'))}`,
      `/console//${join(root, 'secret.txt').slice(1)}`,
      '/console/%2fetc%2fpasswd',
      '/console/../console-evil.txt',
      '/console/%00index.html',
      '/console/%zz',
    ]
    for (const path of attempts) {
      const res = await rawGet(path)
      expect(res.body, path).not.toContain('TOP-SECRET')
      expect(res.body, path).not.toContain('root:')
      expect([200, 400, 404], path).toContain(res.status)
      // A 200 can only be the app's own index (an app route), never another file.
      if (res.status === 200) expect(res.body, path).toContain('<title>console</title>')
    }
  })

  it('says the app is not built when the directory has no index.html, and logs it at start', async () => {
    const empty = tempDir('console-empty-')
    const lines: string[] = []
    const r = await startTestRelay(
      'sqlite',
      null,
      { consoleDir: empty },
      { log: jsonLogger((l) => lines.push(l)) },
    )
    try {
      const res = await fetch(`${r.url}/console/`)
      expect(res.status).toBe(404)
      expect(await res.text()).toContain('not built')
      // A server given only out/relay: said where the deployer looks, with the fix.
      const warned = lines.filter((l) => l.includes('pages are not built'))
      expect(warned).toHaveLength(1)
      expect(warned[0]).toContain(empty)
      expect(warned[0]).toContain('SCANDESK_RELAY_CONSOLE_DIR')
      // The setting was given: the hint says it names the wrong folder, not "or set it".
      expect(warned[0]).toContain('holds no index.html')
      expect(warned[0]).not.toContain('or set SCANDESK_RELAY_CONSOLE_DIR')
    } finally {
      await r.close()
      rmSync(empty, { recursive: true, force: true })
    }
  })

  it('serves nothing a symbolic link inside it points to outside it, to GET or HEAD', async () => {
    const outside = join(root, 'outside')
    mkdirSync(outside, { recursive: true })
    writeFileSync(join(outside, 'key.js'), 'TOP-SECRET')
    symlinkSync(join(root, 'secret.txt'), join(app, 'assets', 'leak-9f9f.js'))
    symlinkSync('../../secret.txt', join(app, 'assets', 'rel-9f9f.js'))
    symlinkSync(outside, join(app, 'linked'))
    // A link that stays inside the app serves as before.
    symlinkSync('app-1a2b.js', join(app, 'assets', 'alias-1a2b.js'))
    try {
      for (const path of [
        '/console/assets/leak-9f9f.js',
        '/console/assets/rel-9f9f.js',
        '/console/linked/key.js',
      ]) {
        for (const method of ['GET', 'HEAD']) {
          const res = await rawHttp(new URL(path, relay.url).href, { method })
          expect(res.status, `${method} ${path}`).toBe(404)
          expect(res.body).not.toContain('TOP-SECRET')
          expect(res.headers['content-length'], `${method} ${path}`).not.toBe('10')
        }
      }
      const inside = await rawHttp(new URL('/console/assets/alias-1a2b.js', relay.url).href)
      expect(inside.status).toBe(200)
      expect(inside.body).toBe('console.log(1)')
    } finally {
      for (const link of [
        'assets/leak-9f9f.js',
        'assets/rel-9f9f.js',
        'linked',
        'assets/alias-1a2b.js',
      ])
        rmSync(join(app, link), { force: true })
    }
  })

  it('finds out/console beside the bundle, or in the repo when run from source', () => {
    expect(defaultConsoleDir('file:///srv/app/out/relay/relay.mjs')).toBe('/srv/app/out/console')
    expect(defaultConsoleDir('file:///srv/app/out/relay/chunks/x.mjs')).toBe('/srv/app/out/console')
    expect(defaultConsoleDir('file:///repo/relay/console/static-console.ts')).toBe(
      '/repo/out/console',
    )
  })
})

// Web mode's static files (`kiosk web` serving out/renderer): a symbolic link inside the web root
// is followed only to what lies inside the root's real folder. One that leads out (to a file,
// or a folder the path goes through) is a 404, as a file that is not there, never its contents,
// for an asset, a page or a client-side route alike. Links within the root, and a root that is
// itself reached through a link (a deployment's `out` linked elsewhere), are served as before.
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { newWebSecret, startWebServer } from '../../electron/core/web/web-server'
import { rawHttp as raw } from '../helpers/raw-http'
import { cleanup, onCleanup, tempDir } from './helpers'

afterEach(cleanup)

const SECRET_TEXT = 'outside the web root'

/** A web server on `staticDir`; the core is never called for static files. */
async function serve(staticDir: string) {
  const target = {
    call: () => Promise.reject(new Error('unused')),
    events: { onAny: () => () => undefined },
    unshownGreetings: () => [],
  } as unknown as Parameters<typeof startWebServer>[0]['target']
  const web = await startWebServer({ target, secret: newWebSecret(), staticDir, port: 0 })
  onCleanup(() => web.close())
  return web
}

/** A temp folder holding a renderer build (`renderer/`) and, beside it, files it must not show. */
function layout() {
  const dir = tempDir()
  const root = join(dir, 'renderer')
  mkdirSync(join(root, 'assets'), { recursive: true })
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>kiosk</title>')
  writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)')
  mkdirSync(join(dir, 'private'))
  writeFileSync(join(dir, 'private', 'secret.txt'), SECRET_TEXT)
  writeFileSync(join(dir, 'private', 'secret.js'), SECRET_TEXT)
  writeFileSync(join(dir, 'private', 'page.html'), SECRET_TEXT)
  return { dir, root }
}

describe('kiosk web static files and symbolic links', () => {
  it('a link that leads out of the web root is a 404, never the file it points at', async () => {
    const { dir, root } = layout()
    // Absolute and relative targets; a file, and a folder the path goes through.
    symlinkSync(join(dir, 'private', 'secret.txt'), join(root, 'assets', 'leak.txt'))
    symlinkSync('../../private/secret.js', join(root, 'assets', 'leak.js'))
    symlinkSync(join(dir, 'private'), join(root, 'assets', 'linked'))
    symlinkSync(join(dir, 'private', 'page.html'), join(root, 'page.html'))
    // No extension: a client-side route's name, yet a real file (outside) is there.
    symlinkSync(join(dir, 'private', 'secret.txt'), join(root, 'route'))
    const web = await serve(root)
    for (const path of [
      '/assets/leak.txt',
      '/assets/leak.js',
      '/assets/linked/secret.txt',
      '/assets/linked/secret.js',
      '/page.html',
      '/route',
    ]) {
      const got = await raw(`${web.url}${path}`)
      expect({ path, status: got.status }).toEqual({ path, status: 404 })
      expect(got.body).not.toContain(SECRET_TEXT)
      // HEAD neither: no length of the file outside.
      const head = await raw(`${web.url}${path}`, { method: 'HEAD' })
      expect({ path, status: head.status }).toEqual({ path, status: 404 })
    }
  })

  it('an index.html that leads out is not served for a page or a route', async () => {
    const { dir, root } = layout()
    writeFileSync(join(dir, 'private', 'index.html'), SECRET_TEXT)
    rmSync(join(root, 'index.html'))
    symlinkSync(join(dir, 'private', 'index.html'), join(root, 'index.html'))
    const web = await serve(root)
    for (const path of ['/', '/index.html', '/admin']) {
      const got = await raw(`${web.url}${path}`)
      expect({ path, status: got.status }).toEqual({ path, status: 404 })
      expect(got.body).not.toContain(SECRET_TEXT)
    }
  })

  it('links within the root, and a root reached through a link, are served', async () => {
    const { dir, root } = layout()
    symlinkSync('app.js', join(root, 'assets', 'alias.js'))
    symlinkSync(join(root, 'assets'), join(root, 'assets-link'))
    const linkedRoot = join(dir, 'renderer-link')
    symlinkSync(root, linkedRoot)
    for (const web of [await serve(root), await serve(linkedRoot)]) {
      for (const path of ['/assets/app.js', '/assets/alias.js', '/assets-link/app.js']) {
        const got = await raw(`${web.url}${path}`)
        expect({ path, status: got.status, body: got.body }).toEqual({
          path,
          status: 200,
          body: 'console.log(1)',
        })
        expect(got.headers['content-type']).toBe('text/javascript; charset=utf-8')
      }
      expect((await raw(`${web.url}/admin`)).body).toContain('<title>kiosk</title>')
      expect((await raw(`${web.url}/assets/missing.js`)).status).toBe(404)
    }
  })
})

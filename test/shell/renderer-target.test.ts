import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { isOwnUrl, rendererUrl, resolveRendererTarget } from '../../electron/main/renderer-target'

const rendererFile = join(
  '/opt',
  'ScanDesk',
  'resources',
  'app.asar',
  'out',
  'renderer',
  'index.html',
)

describe('resolveRendererTarget', () => {
  it('uses the dev server only in an unpackaged run and only on loopback', () => {
    expect(
      resolveRendererTarget({ isPackaged: false, rendererFile, devUrl: 'http://localhost:5173' }),
    ).toEqual({ kind: 'dev', url: 'http://localhost:5173/' })
    for (const devUrl of [
      'http://evil.example:5173',
      'https://localhost:5173',
      'file:///tmp/x.html',
      'nonsense',
    ]) {
      expect(resolveRendererTarget({ isPackaged: false, rendererFile, devUrl }).kind, devUrl).toBe(
        'file',
      )
    }
  })

  it('ignores ELECTRON_RENDERER_URL in the packaged app', () => {
    const target = resolveRendererTarget({
      isPackaged: true,
      rendererFile,
      devUrl: 'http://127.0.0.1:5173',
    })
    expect(target).toEqual({ kind: 'file', file: rendererFile })
    expect(rendererUrl(target)).toBe(pathToFileURL(rendererFile).href)
  })
})

describe('isOwnUrl', () => {
  const file = { kind: 'file', file: rendererFile } as const
  const own = pathToFileURL(rendererFile).href

  it('accepts our page with any hash or query', () => {
    expect(isOwnUrl(file, own)).toBe(true)
    expect(isOwnUrl(file, `${own}#/admin`)).toBe(true)
    expect(isOwnUrl(file, `${own}?x=1#/`)).toBe(true)
  })

  it('rejects every other file, scheme and host', () => {
    expect(isOwnUrl(file, pathToFileURL(join('/opt', 'ScanDesk', 'other.html')).href)).toBe(false)
    expect(isOwnUrl(file, `${own}/../../../../etc/passwd`)).toBe(false)
    expect(isOwnUrl(file, own.replace('file:///', 'file://evil-host/'))).toBe(false)
    expect(isOwnUrl(file, 'https://example.com/index.html')).toBe(false)
    expect(isOwnUrl(file, 'data:text/html,hi')).toBe(false)
    expect(isOwnUrl(file, 'not a url')).toBe(false)
  })

  it('compares origins for the dev server', () => {
    const dev = { kind: 'dev', url: 'http://localhost:5173/' } as const
    expect(isOwnUrl(dev, 'http://localhost:5173/#/admin')).toBe(true)
    expect(isOwnUrl(dev, 'http://localhost:5174/')).toBe(false)
    expect(isOwnUrl(dev, 'http://127.0.0.1:5173/')).toBe(false)
  })
})

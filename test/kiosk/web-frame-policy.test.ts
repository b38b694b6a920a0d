// Web mode's CSP header on the page (added to its <meta> policy): frames from the relay's
// origin only, following the relay the kiosk is set up with at each request; none without one.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startWebServer, newWebSecret } from '../../electron/core/web/web-server'
import { relayFrameOrigin } from '../../shared/screen-paths'
import { cleanup, onCleanup, tempDir } from './helpers'

afterEach(cleanup)

describe('web mode frame policy', () => {
  it('frames only the relay of the moment; never framed itself', async () => {
    const dir = tempDir()
    const staticDir = join(dir, 'renderer')
    mkdirSync(staticDir, { recursive: true })
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>kiosk</title>')
    let relayUrl: string | null = null
    const target = {
      call: () => Promise.reject(new Error('unused')),
      events: { on: () => () => undefined },
      exports: { file: () => null },
    } as unknown as Parameters<typeof startWebServer>[0]['target']
    const web = await startWebServer({
      target,
      secret: newWebSecret(),
      staticDir,
      port: 0,
      frameOrigin: () => relayFrameOrigin(relayUrl),
    })
    onCleanup(() => web.close())
    const policy = async () => {
      const res = await fetch(`${web.url}/`)
      await res.text()
      expect(res.status).toBe(200)
      return res.headers.get('content-security-policy') ?? ''
    }
    expect(await policy()).toContain("frame-src 'none'")
    relayUrl = 'wss://relay.example.com/base'
    const csp = await policy()
    expect(csp).toContain('frame-src https://relay.example.com;')
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toContain('key=')
  })
})

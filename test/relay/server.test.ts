import { afterEach, describe, expect, it, vi } from 'vitest'
import { RelayConfigError } from '../../relay/config'
import { startRelay, type RelayHandle } from '../../relay/server'
import { KioskClient, TOKEN, postPush, scanXml } from './harness'

const relays: RelayHandle[] = []
afterEach(async () => {
  vi.restoreAllMocks()
  await Promise.all(relays.splice(0).map((r) => r.close()))
})

describe('startRelay as a library', () => {
  it('runs in memory on a free port and prints nothing', async () => {
    const out = vi.spyOn(process.stdout, 'write')
    const err = vi.spyOn(process.stderr, 'write')
    const log = vi.spyOn(console, 'log')
    const r = await startRelay({ port: 0, data: ':memory:', wechat: { token: TOKEN } })
    relays.push(r)
    expect(r.url).toBe(`http://127.0.0.1:${r.port}`)
    const token = await r.addKiosk('demo')
    const kiosk = await KioskClient.hello(r.url, token, { kioskId: 'demo' })
    expect((await postPush(r.url, scanXml('v', 'demo:1'))).status).toBe(200)
    await kiosk.waitForScans(1)
    await kiosk.close()
    expect(out).not.toHaveBeenCalled()
    expect(err).not.toHaveBeenCalled()
    expect(log).not.toHaveBeenCalled()
  })

  it('refuses to start without a push token, naming the field', async () => {
    await expect(startRelay({ port: 0, data: ':memory:' })).rejects.toThrow(RelayConfigError)
    await expect(startRelay({ port: 0, data: ':memory:' })).rejects.toThrow(/wechat\.token/)
    await expect(
      startRelay({ port: 0, data: ':memory:', wechat: { token: 't', mode: 'safe', appId: 'wx' } }),
    ).rejects.toThrow(/wechat\.encodingAESKey/)
  })

  it('rejects a busy port', async () => {
    const first = await startRelay({ port: 0, data: ':memory:', wechat: { token: TOKEN } })
    relays.push(first)
    await expect(
      startRelay({ port: first.port, data: ':memory:', wechat: { token: TOKEN } }),
    ).rejects.toThrow(/EADDRINUSE/)
  })

  it('rejects kiosk ids outside the contract', async () => {
    const r = await startRelay({ port: 0, data: ':memory:', wechat: { token: TOKEN } })
    relays.push(r)
    await expect(r.addKiosk('Booth_1')).rejects.toThrow(/\[a-z0-9-\]/)
    await expect(r.addKiosk('x'.repeat(25))).rejects.toThrow(/\[a-z0-9-\]/)
  })
})

describe('the route table', () => {
  it('answers an unknown path 404 and a known one with another method 405 with Allow, in the v1 shape', async () => {
    const r = await startRelay({ port: 0, data: ':memory:', wechat: { token: TOKEN } })
    relays.push(r)
    const missing = await fetch(`${r.url}/api/nope`)
    expect(missing.status).toBe(404)
    expect(await missing.json()).toMatchObject({ error: { code: 'not_found' } })
    for (const [method, path, allow] of [
      ['PUT', '/wechat', 'GET, HEAD, POST'],
      ['DELETE', '/wechat', 'GET, HEAD, POST'],
      ['GET', '/api/tickets', 'POST'],
      ['GET', '/api/fallback-code', 'POST'],
      ['POST', '/healthz', 'GET, HEAD'],
      ['POST', '/metrics', 'GET, HEAD'],
    ] as const) {
      const res = await fetch(`${r.url}${path}`, { method })
      expect(res.status, `${method} ${path}`).toBe(405)
      expect(res.headers.get('allow'), `${method} ${path}`).toBe(allow)
      expect(await res.json()).toMatchObject({ error: { code: 'method_not_allowed' } })
    }
    // HEAD is a GET without the body (load balancers' health checks send it).
    const head = await fetch(`${r.url}/healthz`, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await head.text()).toBe('')
    // A wrong method is refused before anything else: no push counted, nothing stored.
    expect(r.metrics.pushCount('malformed')).toBe(0)
  })
})

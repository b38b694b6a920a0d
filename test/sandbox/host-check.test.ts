// DNS rebinding: a web page on evil.example whose name is made to resolve to 127.0.0.1 is, to
// the browser, the same origin as the sandbox, so it may POST JSON and read the answers. Its
// requests still carry its own name in Host: those are refused before any route, so such a
// page cannot make the sandbox push signed scans into a relay, switch its faults, or read its
// pushes. Addresses, localhost and the names the sandbox was started with still work.
import { afterEach, describe, expect, it } from 'vitest'
import { rawHttp } from '../helpers/raw-http'
import { closeAll, receiver, sandbox, tempCode } from './helpers'

afterEach(closeAll)

function withHost(
  url: string,
  host: string,
  o: { method?: string; body?: string } = {},
): Promise<{ status: number; body: string }> {
  const json = o.body !== undefined && { 'content-type': 'application/json' }
  return rawHttp(url, { ...o, headers: { host, ...json } })
}

async function sandboxFaults(url: string): Promise<unknown> {
  return JSON.parse((await withHost(`${url}/sandbox/faults`, new URL(url).host)).body)
}

describe('the Host header', () => {
  it('refuses a rebound name: no scan is pushed, nothing is read or changed', async () => {
    const r = await receiver(() => ({}))
    const sb = await sandbox({ pushUrl: r.url })
    const code = await tempCode(sb, 'k:1')
    const faultsBefore = await sandboxFaults(sb.url)
    for (const host of [`evil.example:${sb.port}`, 'evil.example', `localhost.evil.example`]) {
      const scan = await withHost(`${sb.url}/sandbox/scan`, host, {
        method: 'POST',
        body: JSON.stringify({ url: code.url, openid: 'oAttacker' }),
      })
      expect(scan.status, host).toBe(421)
      const faults = await withHost(`${sb.url}/sandbox/faults`, host, {
        method: 'POST',
        body: JSON.stringify({ http5xx: true }),
      })
      expect(faults.status, host).toBe(421)
      for (const path of ['/sandbox/pushes', '/sandbox/tickets', '/']) {
        expect((await withHost(`${sb.url}${path}`, host)).status, `${host}${path}`).toBe(421)
      }
    }
    expect(r.received).toHaveLength(0)
    expect(sb.options.pushUrl).toBe(r.url)
    expect(await sandboxFaults(sb.url)).toEqual(faultsBefore)
  })

  it('serves addresses, localhost, the --host name and the public base', async () => {
    const sb = await sandbox({ host: '127.0.0.1', publicBase: 'https://sandbox.dev.example/' })
    for (const host of [
      `127.0.0.1:${sb.port}`,
      '127.0.0.1',
      `localhost:${sb.port}`,
      `LocalHost:${sb.port}`,
      `[::1]:${sb.port}`,
      `192.168.1.20:${sb.port}`,
      'sandbox.dev.example',
    ]) {
      expect(
        (await withHost(`http://127.0.0.1:${sb.port}/sandbox/pushes`, host)).status,
        host,
      ).toBe(200)
    }
    const named = await sandbox({ host: 'localhost' })
    expect(
      (await withHost(`http://localhost:${named.port}/sandbox/pushes`, `localhost:${named.port}`))
        .status,
    ).toBe(200)
  })
})

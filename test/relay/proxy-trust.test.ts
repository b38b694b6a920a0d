// A relay behind Caddy or nginx with trustProxyHops left at 0 took every client for the proxy
// (one sign-in lockout and pairing limit for the whole venue, cookies never Secure) without a
// word: it now says so once, with the setting that fixes it.
import { afterEach, describe, expect, it } from 'vitest'
import { jsonLogger } from '../../relay/log'
import { isProxyLikePeer } from '../../relay/proxy-trust'
import type { RelayHandle } from '../../relay/server'
import { startTestRelay } from './harness'

let relay: RelayHandle | null = null
afterEach(async () => {
  await relay?.close()
  relay = null
})

async function warningsAfter(
  trustProxyHops: number,
  requests: ReadonlyArray<Record<string, string>>,
): Promise<string[]> {
  const lines: string[] = []
  relay = await startTestRelay(
    'sqlite',
    null,
    { trustProxyHops },
    { log: jsonLogger((l) => lines.push(l)) },
  )
  for (const headers of requests) {
    expect((await fetch(`${relay.url}/healthz`, { headers })).status).toBe(200)
  }
  return lines.filter((l) => l.includes('reverse proxy'))
}

const VIA_PROXY = { 'X-Forwarded-For': '203.0.113.77', 'X-Forwarded-Proto': 'https' }

describe('a relay behind a proxy it does not trust', () => {
  it('says once that trustProxyHops is 0 and how to set it, without the header values', async () => {
    const warned = await warningsAfter(0, [
      {},
      VIA_PROXY,
      VIA_PROXY,
      { 'X-Forwarded-Proto': 'http' },
    ])
    expect(warned).toHaveLength(1)
    const line = warned[0] ?? ''
    expect(line).toContain('SCANDESK_RELAY_TRUST_PROXY_HOPS=1')
    expect(line).toContain('x-forwarded-for')
    expect(line).not.toContain('203.0.113.77')
  })

  it('says nothing with trustProxyHops set, or with no forwarded headers', async () => {
    expect(await warningsAfter(1, [VIA_PROXY])).toEqual([])
    await relay?.close()
    relay = null
    expect(await warningsAfter(0, [{}, {}])).toEqual([])
  })

  it('counts only peers a proxy connects from: loopback and private networks', () => {
    for (const peer of ['127.0.0.1', '::ffff:127.0.0.1', '::1', '10.1.2.3', '172.18.0.4']) {
      expect(isProxyLikePeer(peer), peer).toBe(true)
    }
    for (const peer of ['192.168.1.10', '::ffff:10.0.0.2', 'fd12:3456::1', 'fe80::1']) {
      expect(isProxyLikePeer(peer), peer).toBe(true)
    }
    // A client on the internet writes these headers itself: trusting them would let it choose.
    for (const peer of ['203.0.113.77', '172.32.0.1', '11.0.0.1', '2001:db8::1', undefined]) {
      expect(isProxyLikePeer(peer), String(peer)).toBe(false)
    }
  })
})

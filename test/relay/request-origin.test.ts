// The client address behind a trusted proxy: the lockout and rate limits count under it.
import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { clientAddress, clientLimitKey } from '../../relay/console/request-origin'

function request(forwardedFor: string | undefined, peer = '127.0.0.1'): IncomingMessage {
  const headers = forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor }
  return { headers, socket: { remoteAddress: peer } } as unknown as IncomingMessage
}

describe('clientAddress behind a trusted proxy', () => {
  it('takes the address the proxy wrote, with or without the port some proxies add', () => {
    expect(clientAddress(request('203.0.113.9'), 1)).toBe('203.0.113.9')
    // Azure Application Gateway and some load balancers write `ip:port` and `[v6]:port`.
    expect(clientAddress(request('203.0.113.9:51234'), 1)).toBe('203.0.113.9')
    expect(clientAddress(request('[2001:db8::1]:443'), 1)).toBe('2001:db8::1')
    expect(clientAddress(request('[2001:db8::1]'), 1)).toBe('2001:db8::1')
    expect(clientAddress(request('::ffff:198.51.100.7'), 1)).toBe('198.51.100.7')
    expect(clientAddress(request('[::ffff:198.51.100.7]:80'), 1)).toBe('198.51.100.7')
    // Some proxies write the mapped form in capitals or in full; it is still one IPv4 client,
    // counted apart from the proxy's other IPv4 clients.
    expect(clientAddress(request('::FFFF:198.51.100.7'), 1)).toBe('198.51.100.7')
    expect(clientAddress(request('0:0:0:0:0:ffff:198.51.100.7'), 1)).toBe('198.51.100.7')
    expect(clientAddress(request('[0000:0000:0000:0000:0000:FFFF:198.51.100.7]:80'), 1)).toBe(
      '198.51.100.7',
    )
    expect(clientLimitKey(request('0:0:0:0:0:ffff:203.0.113.9'), 1)).not.toBe(
      clientLimitKey(request('0:0:0:0:0:ffff:203.0.113.10'), 1),
    )
    // Two clients through the same proxy are two keys, not the proxy's one.
    expect(clientLimitKey(request('203.0.113.9:1'), 1)).not.toBe(
      clientLimitKey(request('203.0.113.10:1'), 1),
    )
  })

  it('falls back to the peer for anything that is not an address', () => {
    for (const bad of [
      '203.0.113.9:port',
      '203.0.113.9:123456',
      'example.com:80',
      '[::1',
      '[203.0.113.9]:80',
      '',
    ]) {
      expect(clientAddress(request(bad, '10.0.0.5'), 1), bad).toBe('10.0.0.5')
    }
  })

  it('ignores the header unless a proxy is trusted, port or not', () => {
    expect(clientAddress(request('203.0.113.9:51234', '192.0.2.1'), 0)).toBe('192.0.2.1')
    expect(clientAddress(request('203.0.113.9', '192.0.2.1'), 0)).toBe('192.0.2.1')
  })
})

// A backoff after the relay could not be reached ends as its link is welcomed again
// (`relayBack`), for the ticket supply and the fallback code alike. A venue network that answered
// the relay's TLS handshake itself (a captive portal, a filtering proxy's block page) is such a
// failure too, since 157f510f read as `tls_untrusted`: once staff sign in to the Wi-Fi and the
// link is back, the codes must not wait out a backoff of up to a minute with the pool empty.
import { describe, expect, it } from 'vitest'
import { waitEndsWithRelay } from '../../electron/core/tickets/ticket-supply'

const proxy = { kind: 'proxy' } as const
const direct = { kind: 'direct' } as const

describe('waitEndsWithRelay', () => {
  it('ends a wait after the relay could not be reached, or its TLS was answered by the network', () => {
    expect(waitEndsWithRelay(proxy, { code: 'unreachable' })).toBe(true)
    expect(waitEndsWithRelay(proxy, { code: 'tls_untrusted' })).toBe(true)
  })

  it("keeps a wait a refusal of the relay or of WeChat began, and every direct source's", () => {
    expect(waitEndsWithRelay(proxy, { code: 'rate_limited' })).toBe(false)
    expect(waitEndsWithRelay(proxy, null)).toBe(false)
    expect(waitEndsWithRelay(direct, { code: 'unreachable' })).toBe(false)
    expect(waitEndsWithRelay(direct, { code: 'tls_untrusted' })).toBe(false)
    expect(waitEndsWithRelay(null, { code: 'unreachable' })).toBe(false)
  })
})

/**
 * A relay behind a reverse proxy (Caddy, nginx) with `trustProxyHops` left at 0 ignores the
 * proxy's X-Forwarded-For and X-Forwarded-Proto: every client counts as the proxy's address
 * (one sign-in lockout, pairing limit and screen limit for the whole venue) and console cookies
 * are never Secure. Nothing failed, so nobody noticed: say it once, in the log, with the fix.
 *
 * Only for a proxy-like peer (loopback or a private network, where a proxy on the same host or
 * Docker network connects from): a client reaching a relay exposed directly can write those
 * headers itself, and trusting them there would let it choose its address.
 */
import type { IncomingMessage } from 'node:http'
import { isIP } from 'node:net'
import type { Logger } from './log'

/** [first octets, prefix length]: loopback, RFC 1918 and link-local networks. */
const PRIVATE_V4: ReadonlyArray<readonly [readonly number[], number]> = [
  [[127], 8],
  [[10], 8],
  [[172, 16], 12],
  [[192, 168], 16],
  [[169, 254], 16],
]

function isPrivateV4(address: string): boolean {
  const value = address.split('.').reduce((n, p) => n * 256 + Number(p), 0)
  return PRIVATE_V4.some(([octets, bits]) => {
    const network = [0, 1, 2, 3].reduce((n, i) => n * 256 + (octets[i] ?? 0), 0)
    const size = 2 ** (32 - bits)
    return Math.floor(value / size) === Math.floor(network / size)
  })
}

/** Loopback, RFC 1918, link-local, IPv6 loopback, unique-local (fc00::/7) or link-local. */
export function isProxyLikePeer(address: string | undefined): boolean {
  if (address === undefined) return false
  const bare = address.replace(/^::ffff:(?=\d+\.)/i, '').toLowerCase()
  if (isIP(bare) === 4) return isPrivateV4(bare)
  if (isIP(bare) !== 6) return false
  return bare === '::1' || /^f[cd][0-9a-f]{0,2}:/.test(bare) || /^fe[89ab][0-9a-f]?:/.test(bare)
}

/**
 * Returns what the request handler calls for each request: the first one that came through a
 * proxy while none is trusted logs one warning (names and the peer only, never header values).
 */
export function proxyTrustWarning(
  trustProxyHops: number,
  log: Logger,
): (req: IncomingMessage) => void {
  let warned = trustProxyHops > 0
  return (req) => {
    if (warned) return
    const headers = ['x-forwarded-for', 'x-forwarded-proto'].filter(
      (h) => req.headers[h] !== undefined,
    )
    if (headers.length === 0 || !isProxyLikePeer(req.socket.remoteAddress)) return
    warned = true
    log.warn('requests come through a reverse proxy, but trustProxyHops is 0', {
      headers,
      proxy: req.socket.remoteAddress,
      hint:
        'set SCANDESK_RELAY_TRUST_PROXY_HOPS=1 (--trust-proxy-hops 1) for the one proxy in front: ' +
        'until then every client counts as the proxy (one sign-in lockout and pairing limit for ' +
        'all) and console cookies are not Secure. Leave it 0 if clients can reach the relay ' +
        'without the proxy.',
    })
  }
}

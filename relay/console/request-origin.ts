/**
 * Where a console request came from: the client's address (the lockout's key), whether it
 * reached us over https (the Secure cookie), and whether a state-changing request comes from
 * a page of this same origin. Forwarded headers count only with `trustProxyHops` > 0: the
 * address a proxy appended (the n-th from the right), never one the client wrote itself.
 */
import type { IncomingMessage } from 'node:http'
import { isIP } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { portFromText, splitHostPort } from '../../shared/net-address'

function forwarded(req: IncomingMessage, header: string, hops: number): string | null {
  if (hops <= 0) return null
  const raw = req.headers[header]
  const all = (Array.isArray(raw) ? raw.join(',') : (raw ?? ''))
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  if (all.length === 0) return null
  return all[Math.max(0, all.length - hops)] ?? null
}

/**
 * An IPv4 client in IPv6's mapped form as its IPv4 address, however the proxy spelled it
 * (`::ffff:`, `::FFFF:`, `0:0:0:0:0:ffff:`): left mapped, every IPv4 client of that proxy would
 * share one /64 limit key, so one client's failed sign-ins would lock out all the others.
 */
const unmapped = (address: string): string =>
  address.replace(/^(?:::|(?:0{1,4}:){5})ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '')

/**
 * The address in a forwarded value, which some proxies (Azure Application Gateway, some load
 * balancers) write with the client's port: `ip`, `ip:port`, `[v6]` or `[v6]:port`. Null when it
 * is not an address: then every client would have counted as the proxy.
 */
function forwardedAddress(value: string): string | null {
  // A bare IPv6 address is whole (`::1:80` is one): only brackets set a port off it.
  if (isIP(value) !== 0) return unmapped(value)
  const parts = splitHostPort(value)
  if (parts === null || (parts.port !== null && portFromText(parts.port) === null)) return null
  // In brackets an IPv6 address, else an IPv4 one with its port.
  return isIP(parts.host) === (parts.ipv6 ? 6 : 4) ? unmapped(parts.host) : null
}

export function clientAddress(req: IncomingMessage, trustProxyHops: number): string {
  const socketAddress = unmapped(req.socket.remoteAddress ?? 'unknown')
  const given = forwarded(req, 'x-forwarded-for', trustProxyHops)
  return (given !== null ? forwardedAddress(given) : null) ?? socketAddress
}

/** An IPv6 address's first four 16-bit groups, written short (`2001:db8:0:5`). */
function leadingGroups(address: string): string[] {
  const bare = (address.split('%')[0] ?? address).toLowerCase()
  const [left = '', right] = bare.split('::')
  const head = left === '' ? [] : left.split(':')
  let groups = head
  if (right !== undefined) {
    const tail = right === '' ? [] : right.split(':')
    // An embedded IPv4 address (the last 32 bits) counts as two groups.
    const tailGroups = tail.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0)
    groups = [
      ...head,
      ...Array<string>(Math.max(0, 8 - head.length - tailGroups)).fill('0'),
      ...tail,
    ]
  }
  return groups.slice(0, 4).map((g) => (Number.parseInt(g, 16) || 0).toString(16))
}

/**
 * The key a per-address limit (sign-in lockout, pairing and screen rate limits) counts under:
 * an IPv4 address as itself, an IPv6 one by its /64. One subscriber, one venue's router, gets
 * at least a /64 and can use any address in it: counted one by one, rotating through them
 * would be a fresh allowance per try.
 */
export function addressLimitKey(address: string): string {
  if (isIP(address) !== 6) return address
  return `${leadingGroups(address).join(':')}::/64`
}

/**
 * The wider block an IPv6 address's /64 belongs to, its /48, which the pairing and screen
 * limits also count as one (relay/rate-limit.ts AddressLimiter): a site or a tunnel broker's
 * customer gets a /48, 65,536 /64s, each a key of its own. Null for IPv4 (no such block).
 */
export function addressGroupKey(address: string): string | null {
  if (isIP(address) !== 6) return null
  return `${leadingGroups(address).slice(0, 3).join(':')}::/48`
}

/** The key the client's requests count under in a per-address limit (see addressLimitKey). */
export function clientLimitKey(req: IncomingMessage, trustProxyHops: number): string {
  return addressLimitKey(clientAddress(req, trustProxyHops))
}

/** The client's /64 (or IPv4 address) and its /48, for an AddressLimiter. */
export function clientLimitKeys(
  req: IncomingMessage,
  trustProxyHops: number,
): { key: string; group: string | null } {
  const address = clientAddress(req, trustProxyHops)
  return { key: addressLimitKey(address), group: addressGroupKey(address) }
}

/**
 * Sent with every answer that went out over https (cameOverHttps): for half a year the browser
 * goes to this host over https only, even when the organizer types the bare name or an http://
 * link. Otherwise that first plain-http request, on a venue's Wi-Fi, could be answered by
 * anyone there with a look-alike sign-in page. Not `includeSubDomains`: other hosts under the
 * relay's domain are not the relay's to decide.
 */
export const STRICT_TRANSPORT_SECURITY = 'max-age=15552000'

export function cameOverHttps(req: IncomingMessage, trustProxyHops: number): boolean {
  if ((req.socket as Partial<TLSSocket>).encrypted === true) return true
  return forwarded(req, 'x-forwarded-proto', trustProxyHops)?.toLowerCase() === 'https'
}

/** `host[:port]` as a URL of `protocol` would write it (default ports dropped), or null. */
function authority(protocol: string, host: string): string | null {
  try {
    return new URL(`${protocol}//${host}`).host.toLowerCase()
  } catch {
    return null
  }
}

/**
 * Null when the request may change state: Sec-Fetch-Site (if sent) is same-origin, and the
 * Origin (else the Referer), if sent, names the host the request came to. Otherwise why not.
 * A request with neither header is not a browser's (every browser sends Origin with a POST,
 * PUT or DELETE, "null" when it hides it) but a script's, such as curl or Node's fetch, which
 * a forged cross-site request can never be: it is let through, as the contract's "from
 * another origin" asks. Browsers are held by the rest as well: JSON bodies only (another
 * site's form cannot send one without a CORS preflight we never answer) and SameSite=Strict.
 * A request known to have come over https (cameOverHttps) needs an https page: http and https
 * of one host are two origins, and anyone on a venue's network can answer for the http one.
 */
export function crossOriginReason(req: IncomingMessage, trustProxyHops: number): string | null {
  const site = req.headers['sec-fetch-site']
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return `Sec-Fetch-Site is ${site}`
  }
  const host = req.headers.host
  if (host === undefined || host === '') return 'no Host header'
  // An empty Origin is no Origin (no browser sends one): the Referer, if any, still counts.
  const origin = req.headers.origin
  const source = origin !== undefined && origin !== '' ? origin : req.headers.referer
  if (source === undefined || source === '') return null
  let url: URL
  try {
    url = new URL(source)
  } catch {
    return 'Origin is not a URL'
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'Origin is not http(s)'
  if (url.protocol === 'http:' && cameOverHttps(req, trustProxyHops)) return 'Origin is not https'
  const expected = authority(url.protocol, host)
  return expected !== null && expected === url.host.toLowerCase() ? null : 'another origin'
}

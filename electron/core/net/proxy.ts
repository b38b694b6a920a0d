/**
 * The venue's HTTP proxy: a booth in a company office or a hotel often gets out only through
 * one. Every request the kiosk makes to the relay or to WeChat (the link's websocket, pairing,
 * Test connection, the ticket and fallback sources, the WeChat API) asks here which proxy, if
 * any, goes to its address, as curl and most tools do: `https_proxy`/`HTTPS_PROXY` for https://
 * and wss://, `http_proxy`/`HTTP_PROXY` for http:// and ws:// (lower case first), except the
 * hosts `no_proxy`/`NO_PROXY` names. Loopback (the demo, an SSH tunnel, the tests) never goes
 * through a proxy. docs/DEPLOY.md "6. Kiosks".
 *
 * A proxy is always asked to tunnel (CONNECT), for http:// too: it never sees the token.
 */
import { HttpsProxyAgent } from 'https-proxy-agent'
import { BlockList, isIP } from 'node:net'
import type { ProxyAgent } from 'undici'
import { causes } from '../../../shared/error-code'
import { isLoopbackHost } from '../../../shared/url-rule'
import type { AddressFetch } from '../../../shared/wechat/http'

export type ProxyEnv = Readonly<Record<string, string | undefined>>

/** `name` as set, lower case before upper case; an empty value is as good as unset. */
function envValue(env: ProxyEnv, name: string): string | undefined {
  const value = env[name.toLowerCase()] ?? env[name.toUpperCase()]
  const trimmed = value?.trim()
  return trimmed === undefined || trimmed === '' ? undefined : trimmed
}

const DEFAULT_PORTS: Record<string, string> = {
  'http:': '80',
  'ws:': '80',
  'https:': '443',
  'wss:': '443',
}

/**
 * Whether NO_PROXY (`host`, `.suffix` or `*.suffix`, `host:port`, an IP address, a network as
 * CIDR `10.0.0.0/8` or `fd00::/8`, `*` for all; comma or space separated, case-insensitive) keeps
 * `url` off the proxy. A bare name covers its subdomains too, as curl's does; an IP address only
 * itself or the networks it is in (never as a name's suffix: `0.0.5` is not 10.0.0.5's).
 */
export function bypassesProxy(url: URL, noProxy: string | undefined): boolean {
  if (noProxy === undefined) return false
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '')
  const port = url.port === '' ? (DEFAULT_PORTS[url.protocol] ?? '') : url.port
  const hostFamily = isIP(host)
  for (const raw of noProxy.split(/[\s,]+/)) {
    let entry = raw.trim().toLowerCase()
    if (entry === '') continue
    if (entry === '*') return true
    const cidr = /^\[?([0-9a-f.:]+)\]?\/(\d{1,3})$/.exec(entry)
    if (cidr !== null) {
      if (hostFamily !== 0 && inNetwork(host, cidr[1] as string, Number(cidr[2]))) return true
      continue
    }
    let entryPort: string | null = null
    const withPort = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(entry)
    if (withPort !== null) {
      entry = withPort[1] as string
      entryPort = withPort[2] as string
    }
    if (entryPort !== null && entryPort !== port) continue
    entry = entry.replace(/^\[|\]$/g, '').replace(/^\*?\./, '.')
    const bare = entry.startsWith('.') ? entry.slice(1) : entry
    if (hostFamily !== 0) {
      if (isIP(bare) !== 0 && inNetwork(host, bare, isIP(bare) === 4 ? 32 : 128)) return true
    } else if (host === bare || host.endsWith(`.${bare}`)) return true
  }
  return false
}

/** Whether the IP address `host` is in `network`/`prefix` (same family; no match otherwise). */
function inNetwork(host: string, network: string, prefix: number): boolean {
  const family = isIP(network)
  if (family === 0 || family !== isIP(host) || prefix > (family === 4 ? 32 : 128)) return false
  const type = family === 4 ? 'ipv4' : 'ipv6'
  const list = new BlockList()
  list.addSubnet(network, prefix, type)
  return list.check(host, type)
}

/**
 * The proxy for `target` (an http(s):// or ws(s):// address), or null to go direct. A proxy
 * address without a scheme (`proxy.corp:3128`, as some set it) is taken as http://.
 * Throws `ProxySettingError` for a proxy address that is not one: going direct instead would
 * fail later with "unreachable" and send staff to the Wi-Fi.
 */
export function proxyFor(target: string, env: ProxyEnv = process.env): URL | null {
  const url = new URL(target)
  if (isLoopbackHost(url.hostname)) return null
  const secure = url.protocol === 'https:' || url.protocol === 'wss:'
  const own = secure ? 'https_proxy' : 'http_proxy'
  const name = envValue(env, own) === undefined ? 'all_proxy' : own
  const value = envValue(env, name)
  if (value === undefined) return null
  if (bypassesProxy(url, envValue(env, 'no_proxy'))) return null
  const setting = name.toUpperCase()
  let proxy: URL
  try {
    proxy = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`)
  } catch {
    throw new ProxySettingError(setting, `${setting} is not an address`)
  }
  if (proxy.protocol !== 'http:' && proxy.protocol !== 'https:')
    throw new ProxySettingError(
      setting,
      `${setting} ${describeProxy(proxy)}: only an http:// or https:// proxy is supported`,
    )
  // Both the link's agent and the fetch's Proxy-Authorization decode them: a bare `%` threw.
  try {
    decodeURIComponent(proxy.username)
    decodeURIComponent(proxy.password)
  } catch {
    throw new ProxySettingError(
      setting,
      `${setting} ${describeProxy(proxy)}: its user name or password has a % that encodes nothing: write a % in them as %25`,
    )
  }
  return proxy
}

export class ProxySettingError extends Error {
  override name = 'ProxySettingError'
  constructor(
    /** The variable at fault, as staff set it: `HTTPS_PROXY`, `HTTP_PROXY` or `ALL_PROXY`. */
    readonly setting: string,
    message: string,
  ) {
    super(message)
  }
}

/** The proxy setting `err` (or one it was caused by) found at fault, or null. */
export function proxySettingFault(err: unknown): ProxySettingError | null {
  for (const e of causes(err)) if (e instanceof ProxySettingError) return e
  return null
}

/** A proxy's address for the log and Diagnostics: never its user name or password. */
export function describeProxy(proxy: URL): string {
  return `${proxy.protocol}//${proxy.host}`
}

/**
 * What Diagnostics say: the proxy `target` goes through, null for direct (or no address), or
 * why the setting is not a proxy's address.
 */
export function proxyInUse(target: string | null, env: ProxyEnv = process.env): string | null {
  if (target === null) return null
  try {
    const proxy = proxyFor(target, env)
    return proxy === null ? null : describeProxy(proxy)
  } catch (err) {
    return err instanceof ProxySettingError ? `invalid: ${err.message}` : null
  }
}

const fetchAgents = new Map<string, ProxyAgent>()

/**
 * A fresh tunnelling agent for one websocket to `target`, or undefined to go direct: fresh, so
 * its `proxyConnect` event (the proxy's answer to CONNECT) is this socket's alone.
 */
export function websocketAgent(
  target: string,
  env: ProxyEnv = process.env,
): HttpsProxyAgent<string> | undefined {
  const proxy = proxyFor(target, env)
  return proxy === null ? undefined : new HttpsProxyAgent(proxy.href)
}

/** The HTTP status a proxy refused a tunnel with (undici's message, https-proxy-agent's answer). */
export function proxyRefusal(err: unknown): number | null {
  for (const e of causes(err)) {
    const m = /^Proxy response \((\d{3})\) !== 200/.exec(e.message)
    if (m !== null) return Number(m[1])
    if (/Proxy Authentication Required \(407\)/.test(e.message)) return 407
  }
  return null
}

/**
 * Why a request never got past the venue's proxy, as the kiosk's failure codes (shared/errors.ts)
 * say it: the proxy refused the tunnel, or the setting is not a proxy's address. Null: anything
 * else (the proxy, if any, let it through).
 */
export type ProxyFault =
  | { code: 'proxy_refused'; params: { status: number } }
  /** `message`: the setting's fault, as `ProxySettingError` says it. */
  | { code: 'proxy_invalid'; params: { setting: string }; message: string }

export function proxyFault(err: unknown): ProxyFault | null {
  const status = proxyRefusal(err)
  if (status !== null) return { code: 'proxy_refused', params: { status } }
  const badProxy = proxySettingFault(err)
  return badProxy === null
    ? null
    : { code: 'proxy_invalid', params: { setting: badProxy.setting }, message: badProxy.message }
}

/**
 * Node's fetch, through the proxy `proxyFor` picks for each address: given an address (a string
 * or URL) and its init, never a `Request`, which would slip past the proxy.
 */
export const netFetch: AddressFetch = async (input, init) => {
  const target = String(input)
  const proxy = proxyFor(target)
  if (proxy === null) return fetch(input, init)
  // Loaded only behind a proxy: a megabyte a direct booth's start need not parse.
  const undici = await import('undici')
  let dispatcher = fetchAgents.get(proxy.href)
  if (dispatcher === undefined) {
    const token = proxyAuthorization(proxy)
    dispatcher = new undici.ProxyAgent({
      uri: proxy.href,
      proxyTunnel: true,
      ...(token === undefined ? {} : { token }),
    })
    fetchAgents.set(proxy.href, dispatcher)
  }
  // undici's own fetch: Node's global one is a different undici copy, whose dispatcher
  // interface this ProxyAgent need not match.
  return undici.fetch(target, { ...(init as Parameters<typeof undici.fetch>[1]), dispatcher })
}

/**
 * The Proxy-Authorization the proxy's address carries, as https-proxy-agent (the link) sends it:
 * with a user name alone too (`http://token@proxy`), which undici's ProxyAgent would leave out.
 */
function proxyAuthorization(proxy: URL): string | undefined {
  if (proxy.username === '' && proxy.password === '') return undefined
  const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`
  return `Basic ${Buffer.from(credentials).toString('base64')}`
}

/** Drops kept agents (tests that change the environment between cases). */
export function forgetProxyAgents(): void {
  for (const a of fetchAgents.values()) void a.close().catch(() => undefined)
  fetchAgents.clear()
}

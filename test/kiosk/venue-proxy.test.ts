// A booth in a company office or a hotel that gets out only through the venue's HTTP proxy
// (HTTPS_PROXY / HTTP_PROXY, NO_PROXY): the relay link, Test connection and pairing go through
// it, a proxy that refuses says so (not "relay unreachable"), and NO_PROXY and loopback go
// direct. The proxy here is a real one (CONNECT), on 127.0.0.1, that resolves the relay's name
// itself as a venue's does: the booth never looks `relay.venue.test` up.
import { createServer, type IncomingMessage } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { KioskError } from '../../electron/core/api/kiosk-error'
import {
  forgetProxyAgents,
  netFetch,
  proxyFor,
  proxyInUse,
  ProxySettingError,
  websocketAgent,
} from '../../electron/core/net/proxy'
import { defaultSettings, type Settings } from '../../electron/core/config/settings'
import { MemoryVault } from '../../electron/core/config/vault'
import { makeFallbackSource } from '../../electron/core/tickets/fallback-source'
import { sourceErrorBody } from '../../electron/core/tickets/ticket-source'
import { createDirectTicketSource } from '../../electron/core/tickets/ticket-source-direct'
import { createProxyTicketSource } from '../../electron/core/tickets/ticket-source-proxy'
import { kioskMethods } from '../../shared/ipc'
import { redactText } from '../../shared/server/redact'
import { cleanup, kioskOn, listenForTest, startPlatform, TEST_PIN, waitFor } from './helpers'

afterEach(async () => {
  vi.unstubAllEnvs()
  forgetProxyAgents()
  await cleanup()
})

const RELAY_NAME = 'relay.venue.test'

/**
 * A CONNECT proxy; with `credentials` it answers 407 to a tunnel without them. With `blockPage`
 * it is a venue's filtering proxy: "200 Connection Established", then that page in reply to the
 * booth's first bytes (its TLS hello), where the relay's certificate should be.
 */
async function startProxy(relayPort: number, o: { credentials?: string; blockPage?: string } = {}) {
  const tunnels: string[] = []
  let refused = 0
  const open = new Set<Socket>()
  const server = createServer((_req, res) => res.writeHead(405).end())
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    open.add(client)
    client.on('close', () => open.delete(client))
    client.on('error', () => client.destroy())
    const auth = req.headers['proxy-authorization']
    if (
      o.credentials !== undefined &&
      auth !== `Basic ${Buffer.from(o.credentials).toString('base64')}`
    ) {
      refused++
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="venue"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
      )
      return
    }
    const [host, port] = (req.url ?? '').split(':')
    tunnels.push(`${host}:${port}`)
    if (o.blockPage !== undefined) {
      const page = o.blockPage
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      client.once('data', () => client.end(page))
      return
    }
    // The venue's proxy knows the relay's name; anything else it cannot reach.
    if (host !== RELAY_NAME) {
      client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
      return
    }
    const upstream = connect(relayPort, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length > 0) upstream.write(head)
      client.pipe(upstream).pipe(client)
    })
    upstream.on('error', () => client.destroy())
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  await listenForTest(server, open)
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    tunnels: () => tunnels.length,
    refused: () => refused,
  }
}

function relayThroughName(relayUrl: string): string {
  return `http://${RELAY_NAME}:${new URL(relayUrl).port}`
}

/** Pairs with the relay by its https:// name; what the attempt was refused with (null: paired). */
async function pairOverHttps(core: Awaited<ReturnType<typeof kioskOn>>['core']): Promise<unknown> {
  return core
    .call('pairWithCode', {
      ticketSource: 'proxy',
      relayUrl: `https://${RELAY_NAME}`,
      code: 'ACDEFGHJ',
    })
    .then(
      () => null,
      (err: unknown) => (err instanceof KioskError ? err.body : err),
    )
}

describe('which proxy an address goes through', () => {
  const env = {
    https_proxy: 'http://user:pw@proxy.corp:3128',
    HTTP_PROXY: 'proxy.corp:8080',
    NO_PROXY: 'intranet.corp, .svc.local,10.0.0.5, example.org:8443',
  }
  it('the scheme’s variable, lower case first, a bare host:port as http://', () => {
    expect(proxyFor('https://relay.example.com', env)?.href).toBe('http://user:pw@proxy.corp:3128/')
    expect(proxyFor('wss://relay.example.com/kiosk', env)?.host).toBe('proxy.corp:3128')
    expect(proxyFor('http://relay.example.com', env)?.href).toBe('http://proxy.corp:8080/')
    expect(
      proxyFor('https://a.example', { https_proxy: 'http://low:1', HTTPS_PROXY: 'http://up:2' })
        ?.host,
    ).toBe('low:1')
    expect(proxyFor('https://a.example', { HTTPS_PROXY: '  ' })).toBeNull()
  })
  it('NO_PROXY: a host and its subdomains, a .suffix, an IP, a host:port, *', () => {
    expect(proxyFor('https://intranet.corp', env)).toBeNull()
    expect(proxyFor('https://relay.intranet.corp', env)).toBeNull()
    expect(proxyFor('https://notintranet.corp', env)).not.toBeNull()
    expect(proxyFor('https://a.svc.local', env)).toBeNull()
    expect(proxyFor('https://10.0.0.5', env)).toBeNull()
    expect(proxyFor('https://example.org:8443', env)).toBeNull()
    expect(proxyFor('https://example.org', env)).not.toBeNull()
    expect(proxyFor('https://anything', { ...env, no_proxy: '*' })).toBeNull()
  })
  it('NO_PROXY: a venue network by CIDR (10.0.0.0/8, fd00::/8); an IP is never a name suffix', () => {
    const lan = { ...env, NO_PROXY: '10.0.0.0/8, 192.168.1.0/24,fd00::/8, 2001:db8:0::7' }
    expect(proxyFor('https://10.20.30.40', lan)).toBeNull()
    expect(proxyFor('wss://192.168.1.9:8443/kiosk', lan)).toBeNull()
    expect(proxyFor('https://192.168.2.9', lan)).not.toBeNull()
    expect(proxyFor('https://[fd12::5]', lan)).toBeNull()
    expect(proxyFor('https://[2001:db8::7]', lan)).toBeNull()
    expect(proxyFor('https://[2001:db8::8]', lan)).not.toBeNull()
    expect(proxyFor('https://11.0.0.1', lan)).not.toBeNull()
    // `0.0.5` is no suffix of 10.0.0.5 (IP addresses are not names).
    expect(proxyFor('https://10.0.0.5', { ...env, NO_PROXY: '0.0.5' })).not.toBeNull()
  })
  it('the proxied fetch takes an address, never a Request (which would slip past the proxy)', () => {
    // Checked by the typecheck: a Request is not an address. Not called: only its type matters.
    const given = (): unknown =>
      // @ts-expect-error a Request would go direct, around the venue's proxy
      netFetch(new Request('https://relay.venue.test/healthz'))
    expect(typeof given).toBe('function')
  })

  it('a user name or password with a % that encodes nothing: the setting is at fault, not the network', () => {
    // https-proxy-agent (the link) and the fetch's Proxy-Authorization decode them: a bare `%`
    // threw a URIError there, said as "unreachable" (the link) or a general failure (fetch).
    for (const value of [
      'http://venue:50%off@proxy.corp:3128',
      'http://us%zz:pw@proxy.corp:3128',
    ]) {
      const thrown = (): unknown => {
        try {
          return proxyFor('https://relay.example.com', { HTTPS_PROXY: value })
        } catch (err) {
          return err
        }
      }
      const err = thrown()
      expect(err).toBeInstanceOf(ProxySettingError)
      expect((err as ProxySettingError).setting).toBe('HTTPS_PROXY')
      expect((err as Error).message).toMatch(/HTTPS_PROXY .*%25/)
      expect((err as Error).message).not.toMatch(/off|pw/)
      expect(() => websocketAgent('wss://relay.example.com/kiosk', { HTTPS_PROXY: value })).toThrow(
        ProxySettingError,
      )
    }
    expect(
      proxyFor('https://relay.example.com', { HTTPS_PROXY: 'http://v:50%25off@p:1' })?.host,
    ).toBe('p:1')
  })

  it('loopback never goes through a proxy', () => {
    for (const url of ['http://127.0.0.1:8080', 'ws://localhost:1/kiosk', 'http://[::1]:9'])
      expect(proxyFor(url, env)).toBeNull()
  })
  it('Diagnostics and the log name the proxy without its user name and password', () => {
    expect(proxyInUse('https://relay.example.com', env)).toBe('http://proxy.corp:3128')
    expect(proxyInUse('https://relay.example.com', {})).toBeNull()
    expect(proxyInUse('https://relay.example.com', { HTTPS_PROXY: 'socks5://p:1' })).toMatch(
      /^invalid: HTTPS_PROXY socks5:\/\/p:1/,
    )
    expect(redactText('proxy http://venue:s3cr3t-pass@proxy.corp:3128 refused')).toBe(
      'proxy http://[redacted]@proxy.corp:3128 refused',
    )
    // Typed without percent-encoding (an @ in the password), or a token as the user name alone.
    for (const [typed, shown] of [
      ['http://venue:p@ss#w0rd@proxy.corp:3128', 'http://[redacted]@proxy.corp:3128'],
      ['http://Zq8tokenX71@proxy.corp:3128/', 'http://[redacted]@proxy.corp:3128/'],
      // A password with no user name.
      ['rediss://:s3cr3t@redis.corp:6380', 'rediss://[redacted]@redis.corp:6380'],
    ])
      expect(redactText(`proxy ${typed} refused`)).toBe(`proxy ${shown} refused`)
    // An address with no user part, or an @ after its path, is left as it is.
    expect(redactText('relay https://relay.example.com/kiosk?to=a@b')).toBe(
      'relay https://relay.example.com/kiosk?to=a@b',
    )
  })
})

describe('a booth behind the venue’s HTTP proxy', () => {
  it('the link comes up through the proxy (its password in HTTP_PROXY) and a scan arrives', async () => {
    const p = await startPlatform()
    const proxy = await startProxy(Number(new URL(p.relay.url).port), {
      credentials: 'booth:pa ss',
    })
    vi.stubEnv('HTTP_PROXY', `http://booth:pa%20ss@${proxy.address}`)
    const { core } = await kioskOn(p, { relayUrl: relayThroughName(p.relay.url) })
    await waitFor(() => core.status().relay.state === 'connected', 'the link through the proxy')
    expect(proxy.tunnels()).toBeGreaterThan(0)
    expect(proxy.refused()).toBe(0)
    const shown = await waitFor(() => core.pool.current() ?? undefined, 'a code via the relay')
    await p.sandbox.scan(shown.url, 'o_behind_venue_proxy')
    await waitFor(
      () =>
        (
          core.db
            .prepare('SELECT count(*) AS n FROM attendance WHERE openid = ?')
            .get('o_behind_venue_proxy') as { n: number }
        ).n === 1,
      'the scan through the proxy',
    )
    // Test connection goes the same way, health check and link.
    await core.call('unlockAdmin', { pin: TEST_PIN })
    const check = kioskMethods.testConnection.output.parse(
      await core.call('testConnection', undefined),
    )
    expect(check.relay).toMatchObject({ ok: true })
    // Diagnostics name the proxy, never its password.
    const diagnostics = kioskMethods.getDiagnostics.output.parse(
      await core.call('getDiagnostics', undefined),
    )
    expect(diagnostics.relay.proxy).toBe(`http://${proxy.address}`)
  })

  it('a proxy that wants a password it was not given: proxy_refused 407 for the link, Test connection and pairing', async () => {
    const p = await startPlatform()
    const proxy = await startProxy(Number(new URL(p.relay.url).port), { credentials: 'u:p' })
    vi.stubEnv('HTTP_PROXY', `http://${proxy.address}`)
    vi.stubEnv('HTTPS_PROXY', `http://${proxy.address}`)
    const { core } = await kioskOn(p, { relayUrl: relayThroughName(p.relay.url) })
    await waitFor(
      () => core.status().relay.lastError?.code === 'proxy_refused',
      'the proxy’s refusal',
    )
    expect(core.status().relay.lastError).toEqual({
      code: 'proxy_refused',
      params: { status: 407 },
    })
    // The codes come through the same proxy: the corner says it is the proxy, not "unreachable".
    await waitFor(
      () => core.status().api.lastError?.code === 'proxy_refused',
      'the ticket request’s refusal',
      20_000,
    )
    expect(core.status().api.lastError).toEqual({ code: 'proxy_refused', params: { status: 407 } })
    // So does the booth's permanent fallback code, asked of the relay through the same proxy.
    await waitFor(
      () => core.fallback.status().lastError?.code === 'proxy_refused',
      'the fallback code request’s refusal',
      20_000,
    )
    expect(core.fallback.status().lastError).toEqual({
      code: 'proxy_refused',
      params: { status: 407 },
    })
    await core.call('unlockAdmin', { pin: TEST_PIN })
    const check = kioskMethods.testConnection.output.parse(
      await core.call('testConnection', undefined),
    )
    expect(check.relay).toMatchObject({ ok: false, code: 'proxy_refused', params: { status: 407 } })
    // Pairing (https: the refusal comes before any TLS) says the proxy, and the code was kept.
    const paired = await pairOverHttps(core)
    expect(paired).toEqual({ code: 'relay_proxy_refused', params: { status: 407 } })
    expect(proxy.tunnels()).toBe(0)
  })

  it('a token as the proxy’s user name alone (http://token@proxy): the link and Test connection’s health check both send it', async () => {
    const p = await startPlatform()
    const proxy = await startProxy(Number(new URL(p.relay.url).port), { credentials: 'vt%1:' })
    vi.stubEnv('HTTP_PROXY', `http://vt%251@${proxy.address}`)
    const { core } = await kioskOn(p, { relayUrl: relayThroughName(p.relay.url) })
    await waitFor(() => core.status().relay.state === 'connected', 'the link through the proxy')
    await core.call('unlockAdmin', { pin: TEST_PIN })
    // The health check is a fetch (undici), the link a websocket (https-proxy-agent).
    const check = kioskMethods.testConnection.output.parse(
      await core.call('testConnection', undefined),
    )
    expect(check.relay).toMatchObject({ ok: true })
    expect(proxy.refused()).toBe(0)
  })

  it('a proxy setting that is not an http(s) proxy’s address: proxy_invalid for the link, Test connection and pairing, not "unreachable"', async () => {
    const p = await startPlatform()
    vi.stubEnv('HTTP_PROXY', 'socks5://127.0.0.1:1080')
    vi.stubEnv('HTTPS_PROXY', 'http://[not an address')
    const { core } = await kioskOn(p, { relayUrl: relayThroughName(p.relay.url) })
    await waitFor(
      () => core.status().relay.lastError?.code === 'proxy_invalid',
      'the setting’s fault',
    )
    expect(core.status().relay.lastError).toEqual({
      code: 'proxy_invalid',
      params: { setting: 'HTTP_PROXY' },
    })
    await waitFor(
      () => core.status().api.lastError?.code === 'proxy_invalid',
      'the ticket request’s setting fault',
      20_000,
    )
    expect(core.status().api.lastError).toEqual({
      code: 'proxy_invalid',
      params: { setting: 'HTTP_PROXY' },
    })
    await waitFor(
      () => core.fallback.status().lastError?.code === 'proxy_invalid',
      'the fallback code request’s setting fault',
      20_000,
    )
    expect(core.fallback.status().lastError).toEqual({
      code: 'proxy_invalid',
      params: { setting: 'HTTP_PROXY' },
    })
    await core.call('unlockAdmin', { pin: TEST_PIN })
    const check = kioskMethods.testConnection.output.parse(
      await core.call('testConnection', undefined),
    )
    expect(check.relay).toMatchObject({
      ok: false,
      code: 'proxy_invalid',
      params: { setting: 'HTTP_PROXY' },
    })
    const paired = await pairOverHttps(core)
    expect(paired).toEqual({ code: 'relay_proxy_invalid', params: { setting: 'HTTPS_PROXY' } })
  })

  it('a proxy that opens the tunnel and then answers the TLS handshake with its own page: tls_untrusted (the network intercepts), not "unreachable"', async () => {
    const p = await startPlatform()
    const proxy = await startProxy(Number(new URL(p.relay.url).port), {
      blockPage:
        'HTTP/1.1 403 Forbidden\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n<html>Blocked by the venue policy</html>',
    })
    vi.stubEnv('HTTPS_PROXY', `http://${proxy.address}`)
    const { core } = await kioskOn(p, { relayUrl: `https://${RELAY_NAME}` })
    await waitFor(
      () => core.status().relay.lastError?.code === 'tls_untrusted',
      'the link’s failure named as the network intercepting it',
    )
    await core.call('unlockAdmin', { pin: TEST_PIN })
    const check = kioskMethods.testConnection.output.parse(
      await core.call('testConnection', undefined),
    )
    expect(check.relay).toMatchObject({ ok: false, code: 'tls_untrusted' })
    expect(await pairOverHttps(core)).toEqual({ code: 'relay_tls_untrusted', params: {} })
    expect(proxy.tunnels()).toBeGreaterThan(0)
    // The codes and the fallback code, asked of the relay through the same proxy, say so too.
    await waitFor(
      () => core.status().api.lastError?.code === 'tls_untrusted',
      'the ticket request’s failure named as the network intercepting it',
      20_000,
    )
    await waitFor(
      () => core.fallback.status().lastError?.code === 'tls_untrusted',
      'the fallback code request’s failure named as the network intercepting it',
      20_000,
    )
  })

  it('NO_PROXY and loopback go direct: the proxy sees no tunnel', async () => {
    const p = await startPlatform()
    const proxy = await startProxy(Number(new URL(p.relay.url).port))
    vi.stubEnv('HTTP_PROXY', `http://${proxy.address}`)
    // Loopback: the relay at 127.0.0.1 is reached directly.
    const { core } = await kioskOn(p)
    await waitFor(() => core.status().relay.state === 'connected', 'the direct link')
    // NO_PROXY names the relay: the booth goes direct, and cannot look the venue's name up.
    vi.stubEnv('NO_PROXY', '.venue.test')
    const other = await kioskOn(p, {
      kioskId: 'booth-2',
      relayUrl: relayThroughName(p.relay.url),
    })
    await waitFor(
      () => other.core.status().relay.lastError?.code === 'unreachable',
      'the direct attempt',
    )
    expect(proxy.tunnels()).toBe(0)
  })
})

describe('ticket sources behind the venue’s HTTP proxy', () => {
  const BLOCK_PAGE =
    'HTTP/1.1 403 Forbidden\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n<html>Blocked</html>'
  /** A direct booth's setup: its WeChat API at a name only the venue's proxy could reach. */
  function directBooth(): { settings: Settings; vault: MemoryVault } {
    const vault = new MemoryVault()
    vault.set('appSecret', 'secret')
    const settings: Settings = {
      ...defaultSettings(),
      kioskId: 'booth-1',
      ticketSource: 'direct',
      appId: 'wx0123456789abcdef',
      apiBase: 'https://api.wechat.venue.test',
    }
    return { settings, vault }
  }
  async function failureOf(p: Promise<unknown> | undefined): Promise<unknown> {
    if (p === undefined) throw new Error('no source')
    return p.then(
      () => null,
      (err: unknown) => sourceErrorBody(err),
    )
  }

  it('a direct booth’s fallback code goes through the proxy like its other WeChat calls', async () => {
    // It went direct, to an address the venue lets nothing reach: "unreachable", and no code.
    const proxy = await startProxy(1, { credentials: 'u:p' })
    vi.stubEnv('HTTPS_PROXY', `http://${proxy.address}`)
    const { settings, vault } = directBooth()
    const fallback = makeFallbackSource(settings, vault)
    if (fallback === null) throw new Error('no fallback source')
    expect(await failureOf(fallback.create())).toEqual({
      code: 'proxy_refused',
      params: { status: 407 },
    })
    expect(proxy.refused()).toBeGreaterThan(0)
  })

  it('a proxy answering the TLS handshake with its own page: tls_untrusted from every source, not "unreachable"', async () => {
    const proxy = await startProxy(1, { blockPage: BLOCK_PAGE })
    vi.stubEnv('HTTPS_PROXY', `http://${proxy.address}`)
    const { settings, vault } = directBooth()
    const direct = createDirectTicketSource({
      appId: settings.appId ?? '',
      appSecret: 'secret',
      apiBase: settings.apiBase,
      kioskId: 'booth-1',
    })
    const untrusted = { code: 'tls_untrusted', params: {} }
    expect(await failureOf(direct.create(1, 600))).toEqual(untrusted)
    expect(await failureOf(makeFallbackSource(settings, vault)?.create())).toEqual(untrusted)
    const relayUrl = `https://${RELAY_NAME}`
    const viaRelay = createProxyTicketSource({ relayUrl, kioskId: 'booth-1', token: 'tok' })
    expect(await failureOf(viaRelay.create(1, 600))).toEqual(untrusted)
    vault.set('relayToken', 'tok')
    const relayFallback = makeFallbackSource(
      { ...settings, ticketSource: 'proxy', relayUrl },
      vault,
    )
    expect(await failureOf(relayFallback?.create())).toEqual(untrusted)
    expect(proxy.tunnels()).toBe(4)
  })
})

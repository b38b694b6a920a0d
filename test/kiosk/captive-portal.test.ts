// A venue Wi-Fi whose sign-in lapses mid-event: from then on a captive portal answers every
// request, the relay link's websocket upgrade too, with its login page (a redirect to it, the
// page itself, or RFC 6585's 511). The booth staff must read that the Wi-Fi wants a sign-in (not
// "the relay address is wrong", which sends them to change a right address), the booth keeps
// showing codes, and once someone signs in the link comes back by itself with every scan made
// meanwhile.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { connect, createServer, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { createServer as createTlsServer } from 'node:tls'
import { afterEach, describe, expect, it } from 'vitest'
import { KioskError } from '../../electron/core/api/kiosk-error'
import { kioskMethods } from '../../shared/ipc'
import {
  cleanup,
  kioskOn,
  listenForTest,
  onCleanup,
  startPlatform,
  tempDir,
  TEST_PIN,
  waitFor,
} from './helpers'

afterEach(cleanup)

const LOGIN_PAGE =
  '<!DOCTYPE html><html><head><title>Guest Wi-Fi</title></head><body><form>Sign in</form></body></html>'

type PortalAnswer = 'redirect' | 'page' | 'network-auth'

function portalReply(answer: PortalAnswer): string {
  const head =
    answer === 'redirect'
      ? 'HTTP/1.1 302 Found\r\nLocation: http://login.guest-wifi.test/portal?continue=1\r\n'
      : answer === 'page'
        ? 'HTTP/1.1 200 OK\r\n'
        : 'HTTP/1.1 511 Network Authentication Required\r\n'
  return `${head}Content-Type: text/html\r\nContent-Length: ${Buffer.byteLength(LOGIN_PAGE)}\r\nConnection: close\r\n\r\n${LOGIN_PAGE}`
}

/**
 * The venue's gateway in front of the relay: signed in, it passes every connection through;
 * signed out, it drops the connections open now and answers every new request itself.
 */
async function startPortal(relayPort: number, answer: PortalAnswer) {
  let signedIn = true
  const open = new Set<Socket>()
  let intercepted = 0
  const server = createServer((client) => {
    open.add(client)
    client.on('close', () => open.delete(client))
    client.on('error', () => client.destroy())
    if (signedIn) {
      const upstream = connect(relayPort, '127.0.0.1')
      upstream.on('error', () => client.destroy())
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
      client.pipe(upstream).pipe(client)
      return
    }
    let head = ''
    client.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1')
      if (!head.includes('\r\n\r\n')) return
      intercepted++
      client.end(portalReply(answer))
    })
  })
  await listenForTest(server, open)
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    intercepted: () => intercepted,
    signOut(): void {
      signedIn = false
      for (const s of open) s.destroy()
    },
    signIn(): void {
      signedIn = true
    },
  }
}

describe('a captive portal between the booth and the relay', () => {
  it.each([
    ['redirect', 302],
    ['page', 200],
    ['network-auth', 511],
  ] as const)(
    'answering the upgrade with its login (%s): network_sign_in, codes still shown, back by itself with the scan made meanwhile',
    async (answer, status) => {
      const p = await startPlatform()
      const portal = await startPortal(Number(new URL(p.relay.url).port), answer)
      const { core } = await kioskOn(p, { relayUrl: portal.url })
      await waitFor(() => core.status().relay.state === 'connected', 'the link through the Wi-Fi')
      const shown = await waitFor(() => core.pool.current() ?? undefined, 'a code')

      portal.signOut()
      await waitFor(
        () => core.status().relay.lastError?.code === 'network_sign_in',
        'the sign-in the Wi-Fi wants',
      )
      expect(core.status().relay.lastError).toEqual({ code: 'network_sign_in', params: { status } })
      expect(portal.intercepted()).toBeGreaterThan(0)
      // Setup's Test connection says the same, and blames no field: the address is right.
      await core.call('unlockAdmin', { pin: TEST_PIN })
      const check = kioskMethods.testConnection.output.parse(
        await core.call('testConnection', undefined),
      )
      expect(check.relay).toEqual({ ok: false, code: 'network_sign_in', params: { status } })
      // The booth still shows a code from its pool, and a visitor scans it (WeChat reaches the
      // relay on its own network).
      expect(core.pool.current()).not.toBeNull()
      await p.sandbox.scan(shown.url, 'o_behind_portal')

      portal.signIn()
      await waitFor(
        () => core.status().relay.state === 'connected' && core.status().relay.lastError === null,
        'the link back once signed in',
      )
      await waitFor(
        () =>
          (
            core.db
              .prepare('SELECT count(*) AS n FROM attendance WHERE openid = ?')
              .get('o_behind_portal') as { n: number }
          ).n === 1,
        'the scan made while signed out',
      )
    },
  )

  it.each([
    ['redirect', 302],
    ['page', 200],
    ['network-auth', 511],
  ] as const)(
    'Test connection while pairing (the health check only) behind its login (%s): network_sign_in, not passed',
    async (answer, status) => {
      // No kiosk id yet: the relay half is its /healthz. The portal's login page is a 200 and its
      // redirect leads to one: neither is the relay's health.
      const p = await startPlatform()
      const portal = await startPortal(Number(new URL(p.relay.url).port), answer)
      const { core } = await kioskOn(p)
      await core.call('unlockAdmin', { pin: TEST_PIN })
      const test = async () =>
        kioskMethods.testConnection.output.parse(
          await core.call('testConnection', { ticketSource: 'proxy', relayUrl: portal.url }),
        )
      expect((await test()).relay).toMatchObject({ ok: true, code: 'ok' })
      portal.signOut()
      expect((await test()).relay).toEqual({
        ok: false,
        code: 'network_sign_in',
        params: { status },
      })
      expect(portal.intercepted()).toBeGreaterThan(0)
    },
  )

  it('Test connection while pairing at an address that is no relay (404, a website’s 200): the address, not the relay’s health', async () => {
    const p = await startPlatform()
    const { core } = await kioskOn(p)
    await core.call('unlockAdmin', { pin: TEST_PIN })
    const site = (status: number, type: string) =>
      createServer((socket) => {
        socket.on('error', () => socket.destroy())
        socket.once('data', () =>
          socket.end(
            `HTTP/1.1 ${status} X\r\nContent-Type: ${type}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi`,
          ),
        )
      })
    for (const [status, type] of [
      [404, 'text/html'],
      [200, 'text/plain'],
    ] as const) {
      const server = site(status, type)
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
      onCleanup(() => new Promise<void>((r) => server.close(() => r())))
      const relayUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      const check = kioskMethods.testConnection.output.parse(
        await core.call('testConnection', { ticketSource: 'proxy', relayUrl }),
      )
      expect(check.relay).toEqual({
        ok: false,
        code: 'link_refused',
        params: { status },
        field: 'relayUrl',
      })
    }
  })

  it('a redirect on the relay host itself is still a wrong address, not a sign-in', async () => {
    const p = await startPlatform()
    const server = createServer((socket) => {
      socket.once('data', () =>
        socket.end(
          'HTTP/1.1 301 Moved Permanently\r\nLocation: /relay/kiosk\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
        ),
      )
      socket.on('error', () => socket.destroy())
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    onCleanup(() => new Promise<void>((r) => server.close(() => r())))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const { core } = await kioskOn(p, { relayUrl: url })
    await waitFor(() => core.status().relay.lastError !== null, 'a link error')
    expect(core.status().relay.lastError).toEqual({ code: 'link_refused', params: { status: 301 } })
  })

  it('intercepting the relay’s https with a certificate for its own name: tls_untrusted, not a plain network failure', async () => {
    // The portal (or a company's TLS-inspecting proxy) answers the TLS handshake itself, with a
    // certificate the booth does not trust: waiting alone does not cure it, and "reconnecting"
    // with the offline banner left staff waiting.
    const p = await startPlatform()
    const dir = tempDir()
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
        ...['-nodes', '-keyout', join(dir, 'portal.key'), '-out', join(dir, 'portal.pem')],
        ...['-days', '1', '-subj', '/CN=login.guest-wifi.test'],
      ],
      { stdio: 'ignore' },
    )
    const server = createTlsServer(
      { key: readFileSync(join(dir, 'portal.key')), cert: readFileSync(join(dir, 'portal.pem')) },
      (socket) => {
        socket.on('error', () => socket.destroy())
        socket.once('data', () => socket.end(portalReply('redirect')))
      },
    )
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    onCleanup(() => new Promise<void>((r) => server.close(() => r())))
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
    const { core } = await kioskOn(p, { relayUrl: url })
    await waitFor(() => core.status().relay.lastError !== null, 'a link error')
    expect(core.status().relay.lastError).toEqual({ code: 'tls_untrusted', params: {} })
    await core.call('unlockAdmin', { pin: TEST_PIN })
    const check = kioskMethods.testConnection.output.parse(
      await core.call('testConnection', undefined),
    )
    expect(check.relay).toEqual({ ok: false, code: 'tls_untrusted', params: {} })
    // Pairing there: the handshake ended before the code was sent. Not "cannot reach the relay,
    // check the address", which sends staff to retype a right address.
    const paired = await core
      .call('pairWithCode', { ticketSource: 'proxy', relayUrl: url, code: 'ACDEFGHJ' })
      .then(
        () => null,
        (err: unknown) => (err instanceof KioskError ? err.body : err),
      )
    expect(paired).toEqual({ code: 'relay_tls_untrusted', params: {} })
  })
})

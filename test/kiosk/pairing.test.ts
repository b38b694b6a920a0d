// Pairing from the admin area (`pairWithCode`) against a stand-in relay that answers
// `POST /api/pair` as contract v2 says: the token lands in the vault, settings name the relay
// and the kiosk id, the relay link reconnects with the new token; every failure is a code the
// admin area words, and changes nothing (not even spends the code when the setup would fail).
import { existsSync, readFileSync } from 'node:fs'
import type { ServerResponse } from 'node:http'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { pairWithRelay, requestPairing } from '../../electron/core/config/pairing'
import { KioskError } from '../../electron/core/api/kiosk-error'
import type { KioskCore } from '../../electron/core/kiosk-core'
import { openFileKeyVault, type SecretVault } from '../../electron/core/config/vault'
import { cleanup, provisionDir, startCore, tempDir, TEST_PIN, waitFor } from './helpers'
import { PAIR_TOKEN, startPairStub } from './pair-stub'

afterEach(cleanup)

const OLD_TOKEN = 'booth-1.the-token-typed-before-0123456789'

/** A kiosk set up with a v1 token for another relay, admin unlocked. */
async function configuredKiosk(): Promise<{
  core: KioskCore
  dataDir: string
  vault: SecretVault
}> {
  const dataDir = tempDir()
  const vault = openFileKeyVault(dataDir)
  provisionDir(dataDir, vault, {
    relayUrl: 'https://relay-a.example',
    kioskId: 'booth-1',
    token: OLD_TOKEN,
  })
  const core = startCore(dataDir, vault)
  await core.call('unlockAdmin', { pin: TEST_PIN })
  return { core, dataDir, vault }
}

/** What pairing could change: settings.json, the vault file, the token the core would use. */
function snapshot(dataDir: string, vault: SecretVault) {
  const read = (name: string) =>
    existsSync(join(dataDir, name)) ? readFileSync(join(dataDir, name), 'utf8') : null
  return {
    settings: read('settings.json'),
    vault: read('vault.json'),
    token: vault.get('relayToken'),
  }
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; params: unknown }> {
  try {
    await promise
  } catch (err) {
    if (err instanceof KioskError) return err.body
    throw err
  }
  throw new Error('expected a failure')
}

describe('pairWithCode: the contract answers', () => {
  it('stores the token and the relay, reconnects with it; the same code again is refused as used', async () => {
    const stub = await startPairStub()
    const { core, dataDir, vault } = await configuredKiosk()
    // Typed grouped, in lower case, with spaces: normalized before it is sent.
    const result = await core.call('pairWithCode', {
      ticketSource: 'proxy',
      relayUrl: stub.url,
      code: ' acde-fghj ',
    })
    expect(result).toEqual({ ok: true, kioskId: 'booth-7' })
    expect(stub.pairRequests).toEqual(['{"code":"ACDEFGHJ"}'])
    expect(vault.get('relayToken')).toBe(PAIR_TOKEN)
    // On disk too, and sealed: a fresh vault on the same folder reads it, the file does not show it.
    expect(openFileKeyVault(dataDir).get('relayToken')).toBe(PAIR_TOKEN)
    expect(readFileSync(join(dataDir, 'vault.json'), 'utf8')).not.toContain(PAIR_TOKEN)
    const settings = JSON.parse(readFileSync(join(dataDir, 'settings.json'), 'utf8')) as Record<
      string,
      unknown
    >
    expect(settings).toMatchObject({
      relayUrl: stub.url,
      kioskId: 'booth-7',
      ticketSource: 'proxy',
    })
    await expect(core.call('getSettings', undefined)).resolves.toMatchObject({
      relayUrl: stub.url,
      kioskId: 'booth-7',
      hasRelayToken: true,
    })
    // The relay link was restarted against the new relay, with the new token.
    await waitFor(() => stub.upgrades.length > 0, 'the relay link to reconnect')
    expect(stub.upgrades.every((h) => h === `Bearer ${PAIR_TOKEN}`)).toBe(true)

    const before = snapshot(dataDir, vault)
    const again = await failure(
      core.call('pairWithCode', { ticketSource: 'proxy', relayUrl: stub.url, code: 'ACDEFGHJ' }),
    )
    expect(again).toEqual({ code: 'pairing_code_used', params: {} })
    expect(snapshot(dataDir, vault)).toEqual(before)
  })

  it('takes a pasted <relay>/pair/<code> link as the code', async () => {
    const stub = await startPairStub()
    const { core } = await configuredKiosk()
    await expect(
      core.call('pairWithCode', {
        ticketSource: 'proxy',
        relayUrl: stub.url,
        code: `${stub.url}/pair/ACDE-FGHJ`,
      }),
    ).resolves.toEqual({ ok: true, kioskId: 'booth-7' })
    expect(stub.pairRequests).toEqual(['{"code":"ACDEFGHJ"}'])
  })

  it('an unknown or expired code (404) changes nothing', async () => {
    const stub = await startPairStub()
    const { core, dataDir, vault } = await configuredKiosk()
    const before = snapshot(dataDir, vault)
    expect(
      await failure(
        core.call('pairWithCode', { ticketSource: 'proxy', relayUrl: stub.url, code: 'KMNPQRTU' }),
      ),
    ).toEqual({ code: 'pairing_code_invalid', params: {} })
    expect(snapshot(dataDir, vault)).toEqual(before)
    expect(vault.get('relayToken')).toBe(OLD_TOKEN)
  })

  it('429 passes on the Retry-After seconds, changes nothing', async () => {
    const stub = await startPairStub()
    stub.override = (_req, res) => {
      res
        .writeHead(429, { 'retry-after': '30', 'content-type': 'application/json' })
        .end('{"error":{"code":"rate_limited","message":"slow down"}}')
      return true
    }
    const { core, dataDir, vault } = await configuredKiosk()
    const before = snapshot(dataDir, vault)
    expect(
      await failure(
        core.call('pairWithCode', { ticketSource: 'proxy', relayUrl: stub.url, code: 'ACDEFGHJ' }),
      ),
    ).toEqual({ code: 'pairing_rate_limited', params: { seconds: 30 } })
    expect(snapshot(dataDir, vault)).toEqual(before)
  })
})

describe('pairWithCode: answers that are not the contract', () => {
  const garbage: Array<[string, (res: ServerResponse) => void]> = [
    ['not JSON', (res) => res.writeHead(200).end('<html>captive portal</html>')],
    [
      'a kiosk id the relay protocol refuses',
      (res) => res.writeHead(200).end(JSON.stringify({ kioskId: '../Booth', token: PAIR_TOKEN })),
    ],
    [
      'a token that would break the Authorization header',
      (res) =>
        res
          .writeHead(200)
          .end(JSON.stringify({ kioskId: 'booth-7', token: 'abcdefghijklmnop\r\nX-Evil: 1' })),
    ],
    [
      'extra fields (the contract answer is strict)',
      (res) =>
        res
          .writeHead(200)
          .end(JSON.stringify({ kioskId: 'booth-7', token: PAIR_TOKEN, appSecret: 'x' })),
    ],
    ['a 500', (res) => res.writeHead(500).end('{"error":{"code":"internal","message":"x"}}')],
    // Another server at the address (a website, the WeChat sandbox's port): its 404 is not the
    // relay's answer about the code, and a new code from the organizer would not help.
    [
      'a web server’s 404 page',
      (res) => res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>'),
    ],
    [
      'a 404 without the contract’s error',
      (res) => res.writeHead(404).end('{"error":"not found"}'),
    ],
    ['a 410 without the contract’s error', (res) => res.writeHead(410).end('Gone')],
    [
      'an answer of megabytes',
      (res) => {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(`{"kioskId":"booth-7","token":"${'a'.repeat(4 << 20)}"}`)
      },
    ],
  ]
  /**
   * A reverse proxy in front of the relay (deploy/Caddyfile, deploy/nginx.conf) answers for it
   * while it is down or restarting (502, 503), or gave up waiting for it (504: the relay may have
   * used the code meanwhile). The address is right: "not a ScanDesk relay, check the address"
   * would send staff to retype a good one.
   */
  const proxyPage = (status: number) => (res: ServerResponse) =>
    res.writeHead(status, { 'content-type': 'text/html' }).end(`<h1>${status}</h1> nginx`)
  const proxied: Array<[string, string, (res: ServerResponse) => void]> = [
    ["a proxy's 502 Bad Gateway", 'relay_unreachable', proxyPage(502)],
    ["a proxy's 503 Service Unavailable", 'relay_unreachable', proxyPage(503)],
    ["a proxy's 504 Gateway Timeout", 'relay_timeout', proxyPage(504)],
  ]
  it.each([
    ...garbage.map(([name, answer]): [string, string, (res: ServerResponse) => void] => [
      name,
      'relay_bad_answer',
      answer,
    ]),
    ...proxied,
  ])('%s → %s, nothing changed', async (_name, code, answer) => {
    const stub = await startPairStub()
    stub.override = (_req, res) => {
      answer(res)
      return true
    }
    const { core, dataDir, vault } = await configuredKiosk()
    const before = snapshot(dataDir, vault)
    expect(
      await failure(
        core.call('pairWithCode', { ticketSource: 'proxy', relayUrl: stub.url, code: 'ACDEFGHJ' }),
      ),
    ).toEqual({ code, params: {} })
    expect(snapshot(dataDir, vault)).toEqual(before)
  })

  /**
   * A venue Wi-Fi's captive portal answers the pairing request itself (its sign-in lapsed): not
   * a wrong address and not "not a ScanDesk relay": the code never reached the relay.
   */
  const loginPage = '<!DOCTYPE html><html><body><form>Sign in to Guest Wi-Fi</form></body></html>'
  it.each([
    ['a redirect to its login host', 302, { location: 'http://login.guest-wifi.test/portal' }],
    ['its login page as a 200', 200, {}],
    ['511 Network Authentication Required', 511, {}],
  ] as const)(
    'a captive portal answering with %s → wifi_sign_in, nothing changed',
    async (_name, status, headers) => {
      const stub = await startPairStub()
      stub.override = (_req, res) => {
        res.writeHead(status, { 'content-type': 'text/html', ...headers }).end(loginPage)
        return true
      }
      const { core, dataDir, vault } = await configuredKiosk()
      const before = snapshot(dataDir, vault)
      expect(
        await failure(
          core.call('pairWithCode', {
            ticketSource: 'proxy',
            relayUrl: stub.url,
            code: 'ACDEFGHJ',
          }),
        ),
      ).toEqual({ code: 'wifi_sign_in', params: {} })
      expect(snapshot(dataDir, vault)).toEqual(before)
    },
  )

  it('does not follow a redirect: the code goes to the named relay only', async () => {
    const elsewhere = await startPairStub()
    const stub = await startPairStub()
    stub.override = (_req, res) => {
      res.writeHead(307, { location: `${elsewhere.url}/api/pair` }).end()
      return true
    }
    const { core, dataDir, vault } = await configuredKiosk()
    const before = snapshot(dataDir, vault)
    expect(
      await failure(
        core.call('pairWithCode', { ticketSource: 'proxy', relayUrl: stub.url, code: 'ACDEFGHJ' }),
      ),
    ).toEqual({ code: 'relay_bad_answer', params: {} })
    expect(elsewhere.pairRequests).toEqual([])
    expect(snapshot(dataDir, vault)).toEqual(before)
  })

  it('a relay that never answers → relay_timeout, nothing changed', async () => {
    const stub = await startPairStub()
    stub.override = () => true // holds the request open
    const { core, dataDir, vault } = await configuredKiosk()
    const before = snapshot(dataDir, vault)
    const err = await failure(
      pairWithRelay(
        core.setup,
        { ticketSource: 'proxy', relayUrl: stub.url, code: 'ACDEFGHJ' },
        { timeoutMs: 300 },
      ),
    )
    expect(err).toEqual({ code: 'relay_timeout', params: {} })
    expect(snapshot(dataDir, vault)).toEqual(before)
  })

  it('nothing listening → relay_unreachable', async () => {
    const stub = await startPairStub()
    const closedUrl = stub.url.replace(/:\d+$/, ':1')
    expect(await failure(requestPairing({ relayUrl: closedUrl, code: 'ACDEFGHJ' }))).toEqual({
      code: 'relay_unreachable',
      params: {},
    })
  })
})

describe('pairWithCode: refused before any request (the one-time code is not spent)', () => {
  it('a malformed code or a plain-http remote relay is refused by the contract', async () => {
    const stub = await startPairStub()
    const { core } = await configuredKiosk()
    for (const code of ['ACDEFGH', 'ACDEFGHJK', 'ACDEFGH0', 'ACDE FGHI', '']) {
      expect(
        await failure(
          core.call('pairWithCode', { ticketSource: 'proxy', relayUrl: stub.url, code }),
        ),
        code,
      ).toEqual({ code: 'bad_input', params: { field: 'code' } })
    }
    expect(
      await failure(
        core.call('pairWithCode', {
          ticketSource: 'proxy',
          relayUrl: 'http://relay.example.com',
          code: 'ACDEFGHJ',
        }),
      ),
    ).toEqual({ code: 'bad_input', params: { field: 'relayUrl' } })
    await expect(
      requestPairing({ relayUrl: 'http://relay.example.com', code: 'ACDEFGHJ' }),
    ).rejects.toMatchObject({ code: 'bad_input' })
    expect(stub.pairRequests).toEqual([])
  })

  it('a setup the core would refuse afterwards (direct codes, no AppSecret) spends no code', async () => {
    const stub = await startPairStub()
    const { core, dataDir, vault } = await configuredKiosk()
    const before = snapshot(dataDir, vault)
    const result = await core.call('pairWithCode', {
      ticketSource: 'direct',
      relayUrl: stub.url,
      appId: 'wx0123456789abcdef',
      code: 'ACDEFGHJ',
    })
    expect(result).toEqual({ ok: false, errors: [{ field: 'appSecret', code: 'required' }] })
    expect(stub.pairRequests).toEqual([])
    expect(snapshot(dataDir, vault)).toEqual(before)
  })

  it('a vault that cannot store now (no OS encryption) spends no code', async () => {
    const stub = await startPairStub()
    const { core, vault } = await configuredKiosk()
    vault.checkWritable = () => {
      throw new KioskError('secure_storage_unavailable', 'no keyring')
    }
    expect(
      await failure(
        core.call('pairWithCode', { ticketSource: 'proxy', relayUrl: stub.url, code: 'ACDEFGHJ' }),
      ),
    ).toEqual({ code: 'secure_storage_unavailable', params: {} })
    expect(stub.pairRequests).toEqual([])
  })

  it('needs the admin area unlocked', async () => {
    const stub = await startPairStub()
    const { core } = await configuredKiosk()
    await core.call('lockAdmin', undefined)
    expect(
      await failure(
        core.call('pairWithCode', { ticketSource: 'proxy', relayUrl: stub.url, code: 'ACDEFGHJ' }),
      ),
    ).toEqual({ code: 'admin_locked', params: {} })
    expect(stub.pairRequests).toEqual([])
  })
})

// Plain http:// (and ws://) relay and API addresses only for this computer: the kiosk token,
// the AppSecret and access tokens travel there. Setup, headless provisioning flags (kiosk web
// and the Electron shell) and the relay's wechat.apiBase all refuse a remote http address.
import { afterEach, describe, expect, it } from 'vitest'
import { setupInputSchema } from '../../shared/ipc'
import { isInsecureRemoteUrl } from '../../shared/url-rule'
import { parseWebArgs } from '../../electron/core/cli/cli-web'
import { parseLaunchArgs, UsageError } from '../../electron/core/config/provisioning-args'
import { startKioskRuntime, StartupError } from '../../electron/core/kiosk-runtime'
import { MemoryVault } from '../../electron/core/config/vault'
import { requestPairing } from '../../electron/core/config/pairing'
import { loadRelayConfig, RelayConfigError } from '../../relay/config'
import { cleanup, startCore, tempDir, TEST_PIN } from './helpers'

afterEach(cleanup)

const REMOTE_HTTP = [
  'http://relay.example.com',
  'http://192.168.1.20:8787',
  'ws://relay.example.com/kiosk',
  'http://10.0.0.1',
  'http://localhost.evil.example',
  'http://a.localhost',
  'http://[::ffff:127.0.0.1]',
  'http://128.0.0.1',
]
const LOOPBACK_HTTP = [
  'http://127.0.0.1:8787',
  'http://127.1.2.3',
  'http://127.1', // the URL parser spells it 127.0.0.1
  'http://localhost:5170',
  'http://LOCALHOST',
  'http://[::1]:8787',
  'ws://127.0.0.1:9/kiosk',
]

const setup = (relayUrl: string, apiBase?: string) =>
  setupInputSchema.safeParse({
    ticketSource: 'proxy',
    relayUrl,
    kioskId: 'booth-1',
    ...(apiBase !== undefined ? { apiBase } : {}),
  })

describe('plain http only to loopback', () => {
  it('tells remote http from loopback http and from https', () => {
    for (const url of REMOTE_HTTP) expect(isInsecureRemoteUrl(url), url).toBe(true)
    for (const url of [...LOOPBACK_HTTP, 'https://relay.example.com', 'wss://r.example/kiosk'])
      expect(isInsecureRemoteUrl(url), url).toBe(false)
  })

  it('setup refuses a remote http relay or API address, with the code the page translates', () => {
    for (const url of REMOTE_HTTP) {
      const r = setup(url)
      expect(r.success, url).toBe(false)
      expect(r.error?.issues[0]).toMatchObject({
        path: ['relayUrl'],
        params: { code: 'insecure_http' },
      })
    }
    const api = setup('https://relay.example.com', 'http://api.weixin.qq.com')
    expect(api.error?.issues[0]).toMatchObject({
      path: ['apiBase'],
      params: { code: 'insecure_http' },
    })
    for (const url of LOOPBACK_HTTP) expect(setup(url).success, url).toBe(true)
    expect(setup('https://relay.example.com', 'http://127.0.0.1:9000').success).toBe(true)
  })

  it('saveSetup through the core refuses it and changes nothing', async () => {
    const core = startCore(tempDir(), new MemoryVault(), { tickMs: 0 })
    await core.call('unlockAdmin', { pin: TEST_PIN })
    const before = core.settings()
    await expect(
      core.call('saveSetup', {
        ticketSource: 'proxy',
        relayUrl: 'http://relay.example.com',
        kioskId: 'booth-1',
        relayToken: 't'.repeat(32),
      }),
    ).rejects.toMatchObject({ code: 'bad_input' })
    expect(core.settings()).toEqual(before)
  })

  it('provisioning flags refuse it: kiosk web, the Electron shell, and the runtime', async () => {
    const flags = (relay: string, apiBase?: string) => [
      '--relay',
      relay,
      '--kiosk-id',
      'booth-1',
      '--ticket-source',
      'direct',
      ...(apiBase !== undefined ? ['--api-base', apiBase] : []),
    ]
    expect(() => parseWebArgs(flags('http://relay.example.com'))).toThrow(UsageError)
    expect(() => parseWebArgs(flags('http://relay.example.com'))).toThrow(
      /--relay http:\/\/relay\.example\.com: plain http/,
    )
    expect(() => parseWebArgs(flags('https://r.example', 'http://api.example'))).toThrow(
      /--api-base/,
    )
    expect(parseWebArgs(flags('http://127.0.0.1:8787')).provisioning).toMatchObject({
      relayUrl: 'http://127.0.0.1:8787',
    })
    expect(() => parseLaunchArgs(['.', ...flags('http://relay.example.com')])).toThrow(UsageError)
    expect(() => parseLaunchArgs(['.', ...flags('https://r.example', 'http://a.example')])).toThrow(
      /--api-base/,
    )
    expect(parseLaunchArgs(['.', ...flags('http://localhost:8787')]).provisioning).toMatchObject({
      relayUrl: 'http://localhost:8787',
    })
    // The runtime checks with the setup schema too (a caller that skipped the flag parser).
    const dataDir = tempDir()
    await expect(
      startKioskRuntime({
        dataDir,
        vault: new MemoryVault(),
        env: { SCANDESK_KIOSK_TOKEN: 't'.repeat(32) },
        provisioning: {
          relayUrl: 'http://relay.example.com',
          kioskId: 'booth-1',
          ticketSource: 'proxy',
        },
      }),
    ).rejects.toThrow(StartupError)
  })

  it("the relay's wechat.apiBase: https, or http to this machine only", () => {
    expect(() =>
      loadRelayConfig({ flags: { 'wechat-api-base': 'http://api.weixin.qq.com' } }),
    ).toThrow(RelayConfigError)
    expect(() =>
      loadRelayConfig({ env: { SCANDESK_RELAY_WECHAT_API_BASE: 'http://10.1.1.1:80' } }),
    ).toThrow(/wechat\.apiBase.*plain http/)
    expect(
      loadRelayConfig({ flags: { 'wechat-api-base': 'http://127.0.0.1:9100' } }).wechat.apiBase,
    ).toBe('http://127.0.0.1:9100')
  })
})

// `https://user:password@relay` is never a working address (fetch refuses one, and the kiosk
// token is the relay's credential), yet it was taken, kept in settings.json in clear, shown in
// the admin area and written into every message about the relay: refused up front, in words
// that never repeat the address.
describe('an address with a user name or password', () => {
  const PASSWORD = 'Pa55-in-the-url'
  const WITH_USER = [
    `https://booth:${PASSWORD}@relay.example.com`,
    `https://:${PASSWORD}@relay.example.com`,
    `wss://${PASSWORD}@relay.example.com/kiosk`,
    `http://booth:${PASSWORD}@127.0.0.1:8787`,
  ]

  it('setup refuses it for the relay and the API, naming the field, not the address', () => {
    for (const url of WITH_USER) {
      const r = setup(url)
      expect(r.success, url).toBe(false)
      expect(r.error?.issues[0]?.path, url).toEqual(['relayUrl'])
      expect(JSON.stringify(r.error?.issues), url).not.toContain(PASSWORD)
    }
    const api = setup('https://relay.example.com', `https://wx:${PASSWORD}@api.weixin.qq.com`)
    expect(api.error?.issues[0]?.path).toEqual(['apiBase'])
    expect(JSON.stringify(api.error?.issues)).not.toContain(PASSWORD)
  })

  it('kiosk web flags and a pairing refuse it without printing the password', async () => {
    const flags = (relay: string, apiBase?: string) => [
      '--relay',
      relay,
      '--pairing-code',
      'ACDEFGHJ',
      ...(apiBase !== undefined ? ['--api-base', apiBase] : []),
    ]
    for (const args of [
      flags(`https://booth:${PASSWORD}@relay.example.com`),
      flags('https://relay.example.com', `https://wx:${PASSWORD}@api.example`),
    ]) {
      let thrown: unknown
      try {
        parseWebArgs(args)
      } catch (err) {
        thrown = err
      }
      expect(thrown, args.join(' ')).toBeInstanceOf(UsageError)
      expect(String(thrown)).toMatch(/user name or password/)
      expect(String(thrown)).not.toContain(PASSWORD)
    }
    const paired = requestPairing({ relayUrl: WITH_USER[0] ?? '', code: 'ACDEFGHJ' })
    await expect(paired).rejects.toMatchObject({
      code: 'bad_input',
      body: { params: { field: 'relayUrl' } },
    })
    await expect(paired).rejects.toThrow(/^(?!.*Pa55-in-the-url).*user name or password/)
  })

  it('a pairing refuses an address that does not parse without repeating it', async () => {
    // A host with a space or a port past 65535: URL throws, so no user-name rule can run.
    for (const url of [
      `https://booth:${PASSWORD}@relay example.com`,
      `https://booth:${PASSWORD}@relay.example.com:99999`,
    ]) {
      const paired = requestPairing({ relayUrl: url, code: 'ACDEFGHJ' })
      await expect(paired, url).rejects.toMatchObject({
        code: 'bad_input',
        body: { params: { field: 'relayUrl' } },
      })
      await expect(paired, url).rejects.toThrow(/^(?!.*Pa55-in-the-url).*not an address/)
    }
  })
})

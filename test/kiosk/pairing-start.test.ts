// Headless pairing: `--relay URL --pairing-code CODE` (or SCANDESK_PAIRING_CODE) for `kiosk web`
// and the Electron shell. Pairs at start unless already paired with that relay with that code
// (then the used code is no error: the kiosk keeps its token; another code re-pairs); a failure
// is one clear line and exit 1.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { parseWebArgs } from '../../electron/core/cli/cli-web'
import { UsageError } from '../../electron/core/config/provisioning-args'
import { loadSettings } from '../../electron/core/config/settings'
import { openFileKeyVault } from '../../electron/core/config/vault'
import { startKioskRuntime, StartupError } from '../../electron/core/kiosk-runtime'
import { parseLaunchArgs } from '../../electron/main/core-adapter'
import { cleanup, fastLink, onCleanup, runKioskWeb, tempDir, waitFor } from './helpers'
import { PAIR_TOKEN, startPairStub } from './pair-stub'

afterEach(cleanup)

const RELAY = 'https://relay.example'

describe('pairing flags', () => {
  it('--relay with --pairing-code (or SCANDESK_PAIRING_CODE) pairs, through the relay by default', () => {
    const paired = { relayUrl: RELAY, pairingCode: 'ACDE-FGHJ', ticketSource: 'proxy' }
    expect(
      parseWebArgs(['--relay', RELAY, '--pairing-code', 'ACDE-FGHJ'], {}).provisioning,
    ).toEqual(paired)
    expect(
      parseWebArgs(['--relay', RELAY], { SCANDESK_PAIRING_CODE: 'ACDE-FGHJ' }).provisioning,
    ).toEqual(paired)
    expect(
      parseWebArgs(
        ['--relay', RELAY, '--pairing-code', 'X', '--ticket-source', 'direct', '--appid', 'wx1'],
        {},
      ).provisioning,
    ).toEqual({ relayUrl: RELAY, pairingCode: 'X', ticketSource: 'direct', appId: 'wx1' })
    // The Electron shell reads the same flags among Chromium's switches, and the same variable.
    expect(
      parseLaunchArgs(['.', '--no-sandbox', '--relay', RELAY, '--pairing-code', 'ACDE-FGHJ'], {})
        .provisioning,
    ).toEqual(paired)
    expect(
      parseLaunchArgs(['.', '--relay', RELAY], { SCANDESK_PAIRING_CODE: 'ACDE-FGHJ' }).provisioning,
    ).toEqual(paired)
  })

  it('the variable alone, or beside an explicit --kiosk-id, is not pairing', () => {
    const env = { SCANDESK_PAIRING_CODE: 'ACDE-FGHJ' }
    expect(parseWebArgs([], env).provisioning).toBeNull()
    expect(parseLaunchArgs(['.'], env).provisioning).toBeNull()
    const v1 = ['--relay', RELAY, '--kiosk-id', 'booth-1', '--ticket-source', 'proxy']
    expect(parseWebArgs(v1, env).provisioning).toEqual({
      relayUrl: RELAY,
      kioskId: 'booth-1',
      ticketSource: 'proxy',
    })
  })

  it('refuses what cannot work, in one line', () => {
    expect(() => parseWebArgs(['--pairing-code', 'ACDE-FGHJ'], {})).toThrow(/--relay/)
    expect(() =>
      parseWebArgs(['--relay', RELAY, '--pairing-code', 'A', '--kiosk-id', 'booth-1'], {}),
    ).toThrow(/--pairing-code and --kiosk-id/)
    expect(() =>
      parseWebArgs(['--relay', RELAY, '--pairing-code', 'A', '--ticket-source', 'magic'], {}),
    ).toThrow(UsageError)
    expect(() =>
      parseWebArgs(['--relay', 'http://relay.example', '--pairing-code', 'ACDE-FGHJ'], {}),
    ).toThrow(/https/)
    expect(() =>
      parseLaunchArgs(['.', '--relay', RELAY, '--pairing-code', 'A', '--kiosk-id', 'b'], {}),
    ).toThrow(UsageError)
  })
})

describe('pairing at start', () => {
  it('pairs once; restarted with the same (now used) code it keeps its token and asks nothing', async () => {
    const stub = await startPairStub()
    const dataDir = tempDir()
    const start = () =>
      startKioskRuntime({
        dataDir,
        vault: openFileKeyVault(dataDir),
        provisioning: { relayUrl: stub.url, pairingCode: 'acde fghj', ticketSource: 'proxy' },
        env: {},
        core: { tickMs: 0, relayLink: fastLink },
      })
    const first = await start()
    expect(stub.pairRequests).toEqual(['{"code":"ACDEFGHJ"}'])
    expect(first.demo).toBeNull()
    expect(loadSettings(dataDir)).toMatchObject({
      relayUrl: stub.url,
      kioskId: 'booth-7',
      ticketSource: 'proxy',
      demo: false,
    })
    expect(openFileKeyVault(dataDir).get('relayToken')).toBe(PAIR_TOKEN)
    await waitFor(() => stub.upgrades.includes(`Bearer ${PAIR_TOKEN}`), 'the relay link')
    await first.close()

    // The relay would answer 410 now; the kiosk does not even ask.
    const second = await start()
    onCleanup(() => second.close())
    expect(stub.pairRequests).toHaveLength(1)
    expect(second.core.settings()).toMatchObject({ relayUrl: stub.url, kioskId: 'booth-7' })
    expect(openFileKeyVault(dataDir).get('relayToken')).toBe(PAIR_TOKEN)
  })

  it('another code re-pairs a paired kiosk (a booth revoked and given a new code); that code again is a restart', async () => {
    const stub = await startPairStub()
    const NEW_TOKEN = 'booth-9.AnotherTokenFromTheRelay0123456789abcdefghijk'
    stub.codes.set('KMNPQRTU', { kioskId: 'booth-9', token: NEW_TOKEN, used: false })
    const dataDir = tempDir()
    const start = async (pairingCode: string) => {
      const rt = await startKioskRuntime({
        dataDir,
        vault: openFileKeyVault(dataDir),
        provisioning: { relayUrl: stub.url, pairingCode, ticketSource: 'proxy' },
        env: {},
        core: { tickMs: 0, relayLink: fastLink },
      })
      await rt.close()
    }
    await start('ACDE-FGHJ')
    // A typed variant of the same code is the same code: no request.
    await start('acde fghj')
    expect(stub.pairRequests).toEqual(['{"code":"ACDEFGHJ"}'])

    await start('kmnp-qrtu')
    expect(stub.pairRequests).toEqual(['{"code":"ACDEFGHJ"}', '{"code":"KMNPQRTU"}'])
    expect(loadSettings(dataDir)).toMatchObject({ relayUrl: stub.url, kioskId: 'booth-9' })
    expect(openFileKeyVault(dataDir).get('relayToken')).toBe(NEW_TOKEN)
    await start('KMNPQRTU')
    expect(stub.pairRequests).toHaveLength(2)

    // A code the relay refuses stops the start and keeps the pairing there was.
    const refused = await start('ACDEFGHK').then(
      () => null,
      (e: unknown) => e,
    )
    expect(refused).toBeInstanceOf(StartupError)
    expect((refused as Error).message).toMatch(/does not know this pairing code/)
    expect(loadSettings(dataDir)).toMatchObject({ kioskId: 'booth-9' })
    expect(openFileKeyVault(dataDir).get('relayToken')).toBe(NEW_TOKEN)

    // Paired before the code was kept (no hash in settings.json): any code is a restart.
    const file = join(dataDir, 'settings.json')
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
    delete saved.pairedCodeHash
    writeFileSync(file, JSON.stringify(saved))
    await start('ACDEFGHK')
    expect(stub.pairRequests).toHaveLength(3)
    expect(openFileKeyVault(dataDir).get('relayToken')).toBe(NEW_TOKEN)
  })

  it('a pairing code wins over SCANDESK_KIOSK_TOKEN left in the environment: the relay’s token is kept', async () => {
    const stub = await startPairStub()
    const dataDir = tempDir()
    const rt = await startKioskRuntime({
      dataDir,
      vault: openFileKeyVault(dataDir),
      provisioning: { relayUrl: stub.url, pairingCode: 'ACDE-FGHJ', ticketSource: 'proxy' },
      env: { SCANDESK_KIOSK_TOKEN: 'booth-1.a-token-from-kiosk-add-0123456789' },
      core: { tickMs: 0, relayLink: fastLink },
    })
    onCleanup(() => rt.close())
    expect(stub.pairRequests).toEqual(['{"code":"ACDEFGHJ"}'])
    expect(rt.core.settings()).toMatchObject({ relayUrl: stub.url, kioskId: 'booth-7' })
    expect(openFileKeyVault(dataDir).get('relayToken')).toBe(PAIR_TOKEN)
  })

  it('direct codes: SCANDESK_APP_SECRET is taken, and one setup would refuse stops the start before the code is spent', async () => {
    const stub = await startPairStub()
    const secret = '0123456789abcdef0123456789ABCDEF'
    const start = (dataDir: string, appSecret: string) =>
      startKioskRuntime({
        dataDir,
        vault: openFileKeyVault(dataDir),
        provisioning: {
          relayUrl: stub.url,
          pairingCode: 'ACDE-FGHJ',
          ticketSource: 'direct',
          appId: 'wx0123456789abcdef',
          apiBase: 'http://127.0.0.1:9',
        },
        env: { SCANDESK_APP_SECRET: appSecret },
        core: { tickMs: 0, relayLink: fastLink },
      })
    const refusedDir = tempDir()
    const refused = await start(refusedDir, 'not-an-app-secret').then(
      () => null,
      (e: unknown) => e,
    )
    expect(refused).toBeInstanceOf(StartupError)
    expect((refused as Error).message).toMatch(/SCANDESK_APP_SECRET: AppSecret is 32 letters/)
    expect((refused as Error).message).not.toContain('not-an-app-secret')
    // The one-time code was not spent on a start that could not finish: it still pairs.
    expect(stub.pairRequests).toEqual([])
    expect(existsSync(join(refusedDir, 'settings.json'))).toBe(false)
    // Through the relay no AppSecret is needed, but one given must still be one.
    const proxyDir = tempDir()
    const proxyRefused = await startKioskRuntime({
      dataDir: proxyDir,
      vault: openFileKeyVault(proxyDir),
      provisioning: { relayUrl: stub.url, pairingCode: 'ACDE-FGHJ', ticketSource: 'proxy' },
      env: { SCANDESK_APP_SECRET: 'not-an-app-secret' },
      core: { tickMs: 0 },
    }).then(
      () => null,
      (e: unknown) => e,
    )
    expect((proxyRefused as Error).message).toMatch(/SCANDESK_APP_SECRET: AppSecret is 32 letters/)
    expect(stub.pairRequests).toEqual([])

    const dataDir = tempDir()
    const rt = await start(dataDir, secret)
    onCleanup(() => rt.close())
    expect(stub.pairRequests).toEqual(['{"code":"ACDEFGHJ"}'])
    expect(loadSettings(dataDir)).toMatchObject({
      kioskId: 'booth-7',
      ticketSource: 'direct',
      appId: 'wx0123456789abcdef',
    })
    expect(openFileKeyVault(dataDir).get('appSecret')).toBe(secret)
    expect(openFileKeyVault(dataDir).get('relayToken')).toBe(PAIR_TOKEN)
  })

  it('a code the relay refuses stops the start with a clear message and writes nothing', async () => {
    const stub = await startPairStub()
    stub.codes.set('KMNPQRTU', { kioskId: 'booth-8', token: PAIR_TOKEN, used: true })
    for (const [code, words] of [
      [
        'ACDEFGHK',
        /does not know this pairing code.*a newer code was made for this booth.*ask the organizer for the latest code/,
      ],
      [
        'KMNPQRTU',
        /already used \(a code pairs one device, once\).*another device.*this booth's own code/,
      ],
      ['NOT-A-CODE', /not a pairing code/],
    ] as const) {
      const dataDir = tempDir()
      const err = await startKioskRuntime({
        dataDir,
        vault: openFileKeyVault(dataDir),
        provisioning: { relayUrl: stub.url, pairingCode: code, ticketSource: 'proxy' },
        env: {},
        core: { tickMs: 0 },
      }).then(
        () => null,
        (e: unknown) => e,
      )
      expect(err, code).toBeInstanceOf(StartupError)
      expect((err as Error).message).toMatch(words)
      expect((err as Error).message).toContain(stub.url)
      expect(existsSync(join(dataDir, 'settings.json'))).toBe(false)
      expect(existsSync(join(dataDir, 'vault.json'))).toBe(false)
    }
  })
})

describe('kiosk web --pairing-code', () => {
  const runWeb = (args: string[], env: Record<string, string> = {}) =>
    runKioskWeb(['--port', '0', ...args], env)

  it('exits 1 with one line saying why when the relay refuses the code', async () => {
    const stub = await startPairStub()
    const dataDir = tempDir()
    const run = runWeb(['--data', dataDir, '--relay', stub.url, '--pairing-code', 'KMNP-QRTU'])
    expect(await run.exited).toBe(1)
    expect(run.stderr()).toMatch(
      /^error: pairing with http:\/\/127\.0\.0\.1:\d+: the relay does not know this pairing code/m,
    )
    expect(run.out.some((l) => l.startsWith('kiosk: '))).toBe(false)
    expect(existsSync(join(dataDir, 'settings.json'))).toBe(false)
  }, 60_000)

  it('pairs with SCANDESK_PAIRING_CODE and serves the paired kiosk', async () => {
    const stub = await startPairStub()
    const dataDir = tempDir()
    const run = runWeb(['--data', dataDir, '--relay', stub.url], {
      SCANDESK_PAIRING_CODE: 'ACDE-FGHJ',
    })
    await waitFor(() => run.out.find((l) => l.startsWith('kiosk: ')), 'kiosk line', 40_000)
    expect(stub.pairRequests).toEqual(['{"code":"ACDEFGHJ"}'])
    const settings = JSON.parse(readFileSync(join(dataDir, 'settings.json'), 'utf8')) as unknown
    expect(settings).toMatchObject({ kioskId: 'booth-7', relayUrl: stub.url })
    // The token never reaches the terminal.
    expect(run.out.join('\n') + run.stderr()).not.toContain(PAIR_TOKEN)
  }, 60_000)
})

// A kiosk paired with a code counts as one whose relay serves campaigns (the screen state's
// campaignsFromRelay), though that relay has sent it no campaign frame: a relay sends none to a
// booth in no campaign (a v1 kiosk knows no such frame), which is exactly the booth just paired
// and not yet assigned. Only `POST /api/pair` (contract v2) pairs, so the relay does serve
// campaigns, and the no-campaign hint names the event console. A kiosk set up with a typed
// token keeps the old hint until its relay says otherwise, also one paired before and set up
// with a typed token since.
import { afterEach, describe, expect, it } from 'vitest'
import { pairingCodeHash } from '../../electron/core/config/pairing'
import { loadSettings } from '../../electron/core/config/settings'
import { openFileKeyVault } from '../../electron/core/config/vault'
import { startKioskRuntime } from '../../electron/core/kiosk-runtime'
import { cleanup, fastLink, onCleanup, provisionDir, startCore, tempDir, TEST_PIN } from './helpers'
import { startPairStub } from './pair-stub'

afterEach(cleanup)

const TYPED_TOKEN = 'booth-1.the-token-typed-before-0123456789'

describe('campaignsFromRelay for a kiosk paired with a code', () => {
  it('paired from the admin area: true at once, with no campaign frame; a typed token since: false', async () => {
    // The stub answers /api/pair and drops every /kiosk link: no frame ever arrives.
    const stub = await startPairStub()
    const dataDir = tempDir()
    const vault = openFileKeyVault(dataDir)
    provisionDir(dataDir, vault, {
      relayUrl: 'https://relay-a.example',
      kioskId: 'booth-1',
      token: TYPED_TOKEN,
      settings: { activeCampaignId: null },
    })
    const core = startCore(dataDir, vault)
    await core.call('unlockAdmin', { pin: TEST_PIN })
    expect(core.screenState()).toMatchObject({ campaign: null, campaignsFromRelay: false })

    const screens: boolean[] = []
    core.on('screen', (s) => screens.push(s.campaignsFromRelay))
    await expect(
      core.call('pairWithCode', { ticketSource: 'proxy', relayUrl: stub.url, code: 'ACDE-FGHJ' }),
    ).resolves.toEqual({ ok: true, kioskId: 'booth-7' })
    expect(core.screenState()).toMatchObject({ campaign: null, campaignsFromRelay: true })
    // Kept as a headless pairing keeps it: that code at start is a restart, another re-pairs.
    expect(loadSettings(dataDir)?.pairedCodeHash).toBe(pairingCodeHash('ACDEFGHJ'))
    // The screens hear it with the new setup.
    expect(screens.at(-1)).toBe(true)
    // Kept across a restart (the settings say how the token came).
    await core.stop()
    const again = startCore(dataDir, vault)
    expect(again.screenState().campaignsFromRelay).toBe(true)

    // Set up again with a typed token (another relay): no longer known to serve campaigns.
    await again.call('unlockAdmin', { pin: TEST_PIN })
    await expect(
      again.call('saveSetup', {
        ticketSource: 'proxy',
        relayUrl: 'https://relay-b.example',
        kioskId: 'booth-2',
        relayToken: TYPED_TOKEN,
      }),
    ).resolves.toEqual({ ok: true })
    expect(again.screenState().campaignsFromRelay).toBe(false)
    expect(loadSettings(dataDir)?.pairedCodeHash).toBeNull()
  })

  it('saving the setup of a paired kiosk without a new token keeps it paired', async () => {
    const stub = await startPairStub()
    const dataDir = tempDir()
    const vault = openFileKeyVault(dataDir)
    const core = startCore(dataDir, vault)
    await core.call('unlockAdmin', { pin: TEST_PIN })
    await core.call('pairWithCode', { ticketSource: 'proxy', relayUrl: stub.url, code: 'ACDEFGHJ' })
    // The admin switches to direct codes; the relay token stays the paired one.
    await expect(
      core.call('saveSetup', {
        ticketSource: 'direct',
        relayUrl: stub.url,
        kioskId: 'booth-7',
        appId: 'wx0123456789abcdef',
        appSecret: 'abcdef0123456789abcdef0123456789',
      }),
    ).resolves.toEqual({ ok: true })
    expect(core.screenState().campaignsFromRelay).toBe(true)
  })

  it('paired at start (--pairing-code): true, also when restarted with the used code', async () => {
    const stub = await startPairStub()
    const dataDir = tempDir()
    const start = () =>
      startKioskRuntime({
        dataDir,
        vault: openFileKeyVault(dataDir),
        provisioning: { relayUrl: stub.url, pairingCode: 'ACDE-FGHJ', ticketSource: 'proxy' },
        env: {},
        core: { tickMs: 0, relayLink: fastLink },
      })
    const first = await start()
    expect(first.core.screenState()).toMatchObject({ campaign: null, campaignsFromRelay: true })
    await first.close()
    const second = await start()
    onCleanup(() => second.close())
    expect(stub.pairRequests).toHaveLength(1)
    expect(second.core.screenState().campaignsFromRelay).toBe(true)
  })

  it('a typed token at start: false', async () => {
    const dataDir = tempDir()
    const rt = await startKioskRuntime({
      dataDir,
      vault: openFileKeyVault(dataDir),
      provisioning: {
        relayUrl: 'https://relay.example',
        kioskId: 'booth-1',
        ticketSource: 'proxy',
      },
      env: { SCANDESK_KIOSK_TOKEN: TYPED_TOKEN },
      core: { tickMs: 0, relayLink: fastLink },
    })
    onCleanup(() => rt.close())
    expect(rt.core.screenState()).toMatchObject({ campaign: null, campaignsFromRelay: false })
  })
})

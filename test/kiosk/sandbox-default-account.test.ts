// The sandbox stands in for a WeChat account, so the account it makes up when started without
// --appid must be one the kiosk's setup takes: `npm run sandbox`, then a kiosk provisioned with
// `--ticket-source direct --api-base <sandbox> --appid <its appid>` (or the setup page) and
// SCANDESK_APP_SECRET from its credentials file. Its default AppID was "wx" and 15 characters,
// which the kiosk refuses ("AppID looks like wx followed by 16 letters or digits"), so a kiosk
// could make its own codes against the sandbox only when the sandbox was given another AppID.
import { afterEach, describe, expect, it } from 'vitest'
import { openFileKeyVault } from '../../electron/core/config/vault'
import { startKioskRuntime } from '../../electron/core/kiosk-runtime'
import { setupInputSchema } from '../../shared/ipc'
import { cleanup, fastLink, onCleanup, startPlatform, tempDir, waitFor } from './helpers'

afterEach(cleanup)

describe("the sandbox's default account", () => {
  it('is taken by the kiosk headless: it starts and makes its own codes at the sandbox', async () => {
    const p = await startPlatform()
    const { apiBase, appId, appSecret } = p.sandbox.credentials()
    expect(
      setupInputSchema.safeParse({
        ticketSource: 'direct',
        relayUrl: p.relay.url,
        kioskId: 'booth-1',
        apiBase,
        appId,
        appSecret,
      }).success,
    ).toBe(true)

    const token = await p.relay.addKiosk('booth-1')
    const dataDir = tempDir()
    const rt = await startKioskRuntime({
      dataDir,
      vault: openFileKeyVault(dataDir),
      provisioning: {
        relayUrl: p.relay.url,
        kioskId: 'booth-1',
        ticketSource: 'direct',
        apiBase,
        appId,
      },
      env: { SCANDESK_KIOSK_TOKEN: token, SCANDESK_APP_SECRET: appSecret },
      core: { tickMs: 50, relayLink: fastLink },
    })
    onCleanup(() => rt.close())
    // The fallback code is made at once, campaign or none: with direct codes, at the sandbox.
    const code = await waitFor(() => {
      const fallback = rt.core.fallback.status()
      return fallback.state === 'ready' && fallback
    }, 'the fallback code made at the sandbox')
    expect(code.scene).toBe('booth-1:fallback')
  })
})

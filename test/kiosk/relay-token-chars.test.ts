// A relay token must go into an HTTP header as it is: one with a space, a line break, a control
// or a non-ASCII character (a token pasted with its line's end, an env file's stray newline) is
// refused where it is given, in words, and storing nothing; one stored by an older build that
// took it does not take the kiosk down when its link (or a ticket request) would send it.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openFileKeyVault, MemoryVault } from '../../electron/core/config/vault'
import { startKioskRuntime, StartupError } from '../../electron/core/kiosk-runtime'
import { openRelaySocket } from '../../electron/core/scans/relay-socket'
import { createProxyTicketSource } from '../../electron/core/tickets/ticket-source-proxy'
import { closedPort } from '../helpers/closed-port'
import { cleanup, provisionDir, startCore, tempDir, TEST_PIN, waitFor } from './helpers'

afterEach(cleanup)

const GOOD = 'booth-1.AbCdEfGhIjKlMnOpQrSt'
const BAD = [`${GOOD}\n`, `${GOOD} x`, `${GOOD}\u0000`, `${GOOD}中文`, `${GOOD}\u00e9`]

describe('relay tokens that cannot go into a header', () => {
  it('the setup refuses them as bad input on the token field, changing nothing', async () => {
    const relay = `http://127.0.0.1:${await closedPort()}`
    const dataDir = tempDir()
    const vault = new MemoryVault()
    provisionDir(dataDir, vault, { relayUrl: relay, kioskId: 'booth-1', token: GOOD })
    const core = startCore(dataDir, vault)
    await core.call('unlockAdmin', { pin: TEST_PIN })
    const settings = readFileSync(join(dataDir, 'settings.json'), 'utf8')
    for (const token of BAD) {
      const input = {
        ticketSource: 'proxy',
        relayUrl: relay,
        kioskId: 'booth-2',
        relayToken: token,
      }
      await expect(core.call('saveSetup', input)).rejects.toMatchObject({
        body: { code: 'bad_input', params: { field: 'relayToken' } },
      })
      expect(vault.get('relayToken')).toBe(GOOD)
      expect(readFileSync(join(dataDir, 'settings.json'), 'utf8')).toBe(settings)
    }
  })

  it('headless provisioning refuses SCANDESK_KIOSK_TOKEN in words, without the token', async () => {
    const relay = `http://127.0.0.1:${await closedPort()}`
    for (const token of BAD) {
      const dataDir = tempDir()
      const start = startKioskRuntime({
        dataDir,
        vault: () => openFileKeyVault(dataDir),
        provisioning: { relayUrl: relay, kioskId: 'booth-1', ticketSource: 'proxy' },
        env: { SCANDESK_KIOSK_TOKEN: token },
        core: { tickMs: 0 },
      })
      const err = await start.then(
        async (r) => {
          await r.close()
          return null
        },
        (e: unknown) => e,
      )
      expect(err).toBeInstanceOf(StartupError)
      expect(String(err)).toMatch(/SCANDESK_KIOSK_TOKEN/)
      expect(String(err)).not.toContain(GOOD)
      expect(existsSync(join(dataDir, 'settings.json'))).toBe(false)
    }
  })

  it('one stored by an older build: the kiosk runs and says the link failed', async () => {
    const relay = `http://127.0.0.1:${await closedPort()}`
    const dataDir = tempDir()
    const vault = new MemoryVault()
    provisionDir(dataDir, vault, { relayUrl: relay, kioskId: 'booth-1', token: `${GOOD}\n` })
    const core = startCore(dataDir, vault)
    const status = await waitFor(
      () => core.status().relay.lastError !== null && core.status().relay,
      'the link to say why it failed',
    )
    expect(status.lastError?.code).toBe('unauthorized')
    // And it keeps trying on its backoff (a new token may be set up meanwhile).
    await waitFor(() => core.status().relay.retryAt !== null, 'a retry planned')
  })
})

describe('openRelaySocket (the link and the connection test both open the relay with it)', () => {
  it('a token that cannot go into a header is refused as unauthorized, without a throw', () => {
    for (const token of [`${GOOD}\n`, `${GOOD}\u0000`, `${GOOD}中文`]) {
      const opening = openRelaySocket('http://127.0.0.1:9', token, { handshakeTimeout: 100 })
      expect(opening.ws).toBeUndefined()
      expect(opening.refused?.code).toBe('unauthorized')
      expect(opening.message).toMatch(/Invalid character/)
    }
  })

  it('a good token opens the request', async () => {
    const relay = `http://127.0.0.1:${await closedPort()}`
    const opening = openRelaySocket(relay, GOOD, { handshakeTimeout: 1000 })
    expect(opening.refused).toBeUndefined()
    const failed = new Promise((resolve) => opening.ws?.on('error', resolve))
    await failed
  })
})

describe('the proxy ticket source with a token stored by an older build', () => {
  it('says unauthorized, as the link does, not the relay unreachable', async () => {
    const relay = `http://127.0.0.1:${await closedPort()}`
    for (const token of BAD) {
      const source = createProxyTicketSource({ relayUrl: relay, kioskId: 'booth-1', token })
      await expect(source.create(1, 300)).rejects.toMatchObject({ code: 'unauthorized' })
    }
    // A good token goes out (and finds nobody there).
    const good = createProxyTicketSource({ relayUrl: relay, kioskId: 'booth-1', token: GOOD })
    await expect(good.create(1, 300)).rejects.toMatchObject({ code: 'unreachable' })
  })
})

// What booth staff see when the kiosk's link to the relay fails: the kiosk's status (the screen's
// status corner, diagnostics) carries why, as a status code from shared/errors.ts, for every
// failure kind, and drops it once the link works again.
import { afterEach, describe, expect, it } from 'vitest'
import { MemoryVault } from '../../electron/core/config/vault'
import { kioskStatusSchema } from '../../shared/domain'
import { kioskMethods } from '../../shared/ipc'
import { fakeV2Relay } from './fake-v2-relay'
import { refusingAddress } from './relay-stand-in'
import {
  cleanup,
  kioskOn,
  provisionDir,
  startCore,
  startPlatform,
  tempDir,
  TEST_PIN,
  waitFor,
} from './helpers'

afterEach(cleanup)

describe('relay link failures in the kiosk status', () => {
  it('a wrong token: unauthorized, in the status the screen gets', async () => {
    const p = await startPlatform()
    await p.relay.addKiosk('booth-1')
    const dataDir = tempDir()
    const vault = new MemoryVault()
    provisionDir(dataDir, vault, {
      relayUrl: p.relay.url,
      kioskId: 'booth-1',
      token: 'not-the-token-the-relay-gave-out-0000000000',
    })
    const core = startCore(dataDir, vault)
    const status = await waitFor(
      () => (core.status().relay.lastError !== null ? core.status() : undefined),
      'a link error',
    )
    expect(status.relay.lastError).toEqual({ code: 'unauthorized', params: {} })
    // What the bridge validates and sends to the renderer keeps it.
    expect(kioskStatusSchema.parse(status).relay.lastError?.code).toBe('unauthorized')
    await core.call('unlockAdmin', { pin: TEST_PIN })
    const check = kioskMethods.testConnection.output.parse(
      await core.call('testConnection', undefined),
    )
    expect(check.relay).toEqual({ ok: false, code: 'unauthorized', params: {} })
  })

  it('an address that is not the relay (HTTP 404 to the upgrade): link_refused with the status', async () => {
    const p = await startPlatform()
    const url = await refusingAddress(404, 'Not Found')
    const { core } = await kioskOn(p, { relayUrl: url })
    await waitFor(() => core.status().relay.lastError !== null, 'a link error')
    expect(core.status().relay.lastError).toEqual({ code: 'link_refused', params: { status: 404 } })
    await core.call('unlockAdmin', { pin: TEST_PIN })
    const check = kioskMethods.testConnection.output.parse(
      await core.call('testConnection', undefined),
    )
    expect(check.relay).toEqual({ ok: false, code: 'link_refused', params: { status: 404 } })
  })

  it('a relay down behind its proxy (HTTP 502 to the upgrade): unhealthy, which waiting may cure', async () => {
    const p = await startPlatform()
    const url = await refusingAddress(502, 'Bad Gateway')
    const { core } = await kioskOn(p, { relayUrl: url })
    await waitFor(() => core.status().relay.lastError !== null, 'a link error')
    expect(core.status().relay.lastError).toEqual({ code: 'unhealthy', params: { status: 502 } })
    await core.call('unlockAdmin', { pin: TEST_PIN })
    const check = kioskMethods.testConnection.output.parse(
      await core.call('testConnection', undefined),
    )
    expect(check.relay).toEqual({ ok: false, code: 'unhealthy', params: { status: 502 } })
  })

  it('a scan the kiosk cannot store (a full disk): store_failed, gone once it is stored', async () => {
    const p = await startPlatform()
    const { core } = await kioskOn(p)
    await waitFor(() => core.status().relay.state === 'connected', 'link')
    const shown = await waitFor(() => core.pool.current() ?? undefined, 'code')
    core.db.exec(`CREATE TEMP TRIGGER full_disk BEFORE INSERT ON attendance
      BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`)
    await p.sandbox.scan(shown.url, 'o_full')
    await waitFor(() => core.status().relay.lastError?.code === 'store_failed', 'store_failed')
    expect(core.relayDiagnostics()?.lastError).toEqual({ code: 'store_failed', params: {} })
    // "Test connection" says so too: not "connecting", nor "OK" between two failed attempts.
    await core.call('unlockAdmin', { pin: TEST_PIN })
    const check = kioskMethods.testConnection.output.parse(
      await core.call('testConnection', undefined),
    )
    expect(check.relay).toEqual({ ok: false, code: 'store_failed', params: {} })
    core.db.exec('DROP TRIGGER full_disk')
    await waitFor(() => core.status().relay.lastError === null, 'error cleared once stored')
    expect(core.status().relay.state).toBe('connected')
  })

  it('an older relay (contract v1) refusing the v2 hello: the kiosk connects with a v1 hello and takes its scans', async () => {
    // Mixed fleet on upgrade day: this kiosk against last month's relay, which closed every
    // hello carrying `version` with 4400 "bad frame", so the booth never connected.
    const relay = await fakeV2Relay({ v1Hello: true })
    relay.onHello((c) =>
      c.send(
        { type: 'welcome', epoch: 'e-v1', headSeq: 1 },
        {
          type: 'scan',
          seq: 1,
          id: 'ev_v1_1',
          event: 'subscribe',
          openid: 'o_v1',
          scene: 'booth-1:abc',
          ticket: 't1',
          createTime: 1_790_000_000,
          receivedAt: 1_790_000_000_000,
        },
      ),
    )
    const dataDir = tempDir()
    const vault = new MemoryVault()
    provisionDir(dataDir, vault, { relayUrl: relay.url, kioskId: 'booth-1', token: 'tok-v1-0123' })
    const core = startCore(dataDir, vault, { version: '1.4.0' })
    await waitFor(() => relay.received.some((f) => f.type === 'ack' && f.seq === 1), 'scan acked')
    expect(core.status().relay).toMatchObject({ state: 'connected', lastError: null })
    expect(relay.hellos[0]?.version).toBe('1.4.0')
    expect(relay.hellos.at(-1)).toEqual({ type: 'hello', kioskId: 'booth-1' })
  })
})

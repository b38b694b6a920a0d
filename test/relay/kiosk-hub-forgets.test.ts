// A relay that runs for an agency for months: kiosks paired, used and revoked by the hundred, and
// on a Redis store, other instances' kiosks heard of through the change feed. What the hub keeps
// per kiosk (its newest connection generation, when its last-seen was written, its recent
// replacements) is kept only while the kiosk has a link on this instance, or its replacements are
// recent enough to flag a conflict: a kiosk gone for good leaves nothing, on either store.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { CampaignDirectory } from '../../relay/campaign-directory'
import { addKiosk, revokeKiosk } from '../../relay/kiosk-admin'
import { CONFLICT_WINDOW_MS } from '../../relay/kiosk-hub'
import { silentLogger } from '../../relay/log'
import { RelayMetrics } from '../../relay/metrics'
import { openRedisStore } from '../../relay/store/redis/store'
import { openSqliteStore } from '../../relay/store/sqlite/store'
import type { RelayStore, StoreChange } from '../../relay/store/types'
import { RelayCloseCode } from '../../shared/relay-protocol'
import { startRedis, type TestRedis } from '../helpers/redis'
import { serveKioskHub } from './hub-server'
import { waitFor } from '../kiosk/helpers'
import { KioskClient } from './harness'

/** Kiosks paired, connected, gone and revoked, one after another. */
const KIOSKS = 300
/** Changes about kiosks never linked here (another instance's), of each kind. */
const FOREIGN = 1000

/** What the hub keeps per kiosk, by its own names. */
interface HubState {
  peers: Set<unknown>
  live: Map<string, unknown>
  newestGeneration: Map<string, number>
  seenWritten: Map<string, number>
  replacedAt: Map<string, number[]>
  conflictTimers: Map<string, unknown>
}

let redis: TestRedis
let prefixN = 0
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await redis.stop()
})

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const stores: Array<{ name: string; open: () => Promise<RelayStore> | RelayStore }> = [
  { name: 'sqlite', open: () => openSqliteStore({ data: ':memory:' }) },
  { name: 'redis', open: () => openRedisStore({ url: redis.url, prefix: `khf${++prefixN}:` }) },
]

async function hubOn(store: RelayStore) {
  let clock = Date.now()
  const campaigns = new CampaignDirectory(store, () => clock)
  const { url, hub, close } = await serveKioskHub({
    store,
    log: silentLogger,
    metrics: new RelayMetrics(),
    now: () => clock,
    campaigns,
  })
  cleanups.push(async () => {
    await close(200)
    campaigns.close()
    await store.close()
  })
  const state = hub as unknown as HubState
  return {
    url,
    hub,
    state,
    advance: (ms: number) => (clock += ms),
  }
}

describe.each(stores)('kiosk hub forgets kiosks that are gone ($name store)', ({ open }) => {
  it(`keeps nothing for ${KIOSKS} kiosks paired, gone and revoked`, async () => {
    const store = await open()
    const h = await hubOn(store)
    for (let i = 0; i < KIOSKS; i++) {
      const id = `k${i}`
      const token = await addKiosk(store, id, {}, Date.now())
      const link = await KioskClient.hello(h.url, token, { kioskId: id })
      await waitFor(() => h.hub.isOnline(id), `${id} online`)
      await link.close()
      await revokeKiosk(store, id, Date.now())
    }
    await waitFor(() => h.state.peers.size === 0, 'every link gone', 10_000)
    expect(h.state.live.size).toBe(0)
    expect(h.state.newestGeneration.size).toBe(0)
    expect(h.state.seenWritten.size).toBe(0)

    // The one kiosk still here is still handled: a second link replaces the first.
    const token = await addKiosk(store, 'still', {}, Date.now())
    const first = await KioskClient.hello(h.url, token, { kioskId: 'still' })
    await waitFor(() => h.hub.isOnline('still'), 'still online')
    const second = await KioskClient.hello(h.url, token, { kioskId: 'still' })
    expect((await first.closed).code).toBe(RelayCloseCode.replaced)
    await second.close()
  }, 120_000)

  it(`keeps nothing for ${FOREIGN} kiosks only heard of from other instances`, async () => {
    const store = await open()
    const h = await hubOn(store)
    let heard = 0
    cleanups.push(store.subscribe(() => heard++))
    for (let i = 0; i < FOREIGN; i++) {
      const kioskId = `elsewhere-${i}`
      const connected: StoreChange = {
        type: 'connected',
        kioskId,
        connectionId: 'c',
        generation: 1,
      }
      await store.announce(connected)
      // Each replacement long after the one before: none of them flags a conflict any more.
      h.advance(CONFLICT_WINDOW_MS)
      await store.announce({ type: 'replaced', kioskId })
    }
    await waitFor(() => heard >= 2 * FOREIGN, 'every change heard', 30_000)
    expect(h.state.newestGeneration.size).toBe(0)
    // Only the latest replacement can still count towards a conflict.
    expect(h.state.replacedAt.size).toBeLessThanOrEqual(1)
    expect(h.state.conflictTimers.size).toBe(0)
  }, 60_000)

  it('still flags a kiosk whose links keep replacing each other, until its window is over', async () => {
    const store = await open()
    const h = await hubOn(store)
    let heard = 0
    cleanups.push(store.subscribe(() => heard++))
    for (let i = 0; i < 3; i++) await store.announce({ type: 'replaced', kioskId: 'twin' })
    await waitFor(() => heard >= 3, 'replacements heard')
    expect(h.hub.identityConflict('twin')).toBe(true)
    h.advance(CONFLICT_WINDOW_MS)
    await store.announce({ type: 'replaced', kioskId: 'other' })
    await waitFor(() => heard >= 4, 'another replacement heard')
    expect(h.hub.identityConflict('twin')).toBe(false)
    expect(h.state.replacedAt.has('twin')).toBe(false)
  })
})

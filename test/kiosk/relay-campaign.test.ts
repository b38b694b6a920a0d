// Contract v2 on the kiosk: the relay's campaign frame (stored, applied, kept offline, older
// versions ignored, applied before the scans replayed after it), greetings with the relay's
// campaign-wide number, a 50,000-row roster over a link cut twice, and desk bindings both ways.
import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type ExportProgress,
  kioskStatusSchema,
  statsSchema as statsShape,
  type Greeting,
  type KioskStatus,
} from '../../shared/domain'
import type { RelayRosterEntry } from '../../shared/campaign'
import {
  rosterChunkEnd,
  type KioskFrame,
  type RelayFrame,
  type RosterFrame,
} from '../../shared/relay-protocol'
import { MemoryVault } from '../../electron/core/config/vault'
import type { KioskCore, KioskCoreOptions } from '../../electron/core/kiosk-core'
import {
  cleanup,
  fastLink,
  provisionDir,
  startCore,
  startCutProxy,
  tempDir,
  TEST_PIN,
  waitFor,
} from './helpers'
import {
  fakeV2Relay,
  relayCampaign,
  scanFrame,
  type FakeConn,
  type FakeV2Relay,
} from './fake-v2-relay'

afterEach(cleanup)

const welcome = { type: 'welcome', epoch: 'e1', headSeq: 0 } as const

function kiosk(
  relay: FakeV2Relay,
  dataDir = tempDir(),
  vault = new MemoryVault(),
  extra: Partial<KioskCoreOptions> = {},
) {
  provisionDir(dataDir, vault, {
    relayUrl: relay.url,
    kioskId: 'booth-1',
    token: 'tok-booth-1-xyz0123',
  })
  const core = startCore(dataDir, vault, extra)
  const greetings: Greeting[] = []
  core.on('greeting', (g) => greetings.push(g))
  return { core, dataDir, vault, greetings }
}

function rosterRows(
  core: KioskCore,
  campaignId: string,
): Array<{ id: string; openid: string | null }> {
  return core.db
    .prepare('SELECT id, openid FROM roster_entries WHERE campaign_id = ? ORDER BY id')
    .all(campaignId) as Array<{ id: string; openid: string | null }>
}

describe('campaign frame', () => {
  it('is stored and applied: active, read-only, greetings follow; an older version is ignored', async () => {
    const relay = await fakeV2Relay()
    relay.onHello((c) =>
      c.send(welcome, { type: 'campaign', campaign: relayCampaign(), version: 3 }),
    )
    const { core } = kiosk(relay)
    const campaigns: Array<string | null> = []
    core.on('campaign', (c) => campaigns.push(c?.name ?? null))
    const active = await waitFor(
      () => (core.activeCampaign()?.managedBy === 'relay' && core.activeCampaign()) || undefined,
      'relay campaign',
    )
    expect(active).toMatchObject({
      id: 'expo-2026',
      name: 'Expo 2026',
      rotationSeconds: 60,
      ticketLifetimeSeconds: 600,
      mode: 'booth',
    })
    expect(campaigns).toEqual(['Expo 2026'])
    expect(core.screenState().campaign?.id).toBe('expo-2026')
    // Read-only here: listed, but not editable, and no other campaign can be activated over it.
    const h = core.handlers
    const later = <T>(fn: () => T) => Promise.resolve().then(fn)
    expect((await later(() => h.listCampaigns(undefined as never)))[0]?.managedBy).toBe('relay')
    await expect(later(() => h.saveCampaign({ ...active, name: 'Mine' }))).rejects.toThrow(
      /relay console/,
    )
    await expect(later(() => h.activateCampaign({ id: 'expo' }))).rejects.toThrow(/relay console/)
    expect((await later(() => h.getSettings(undefined as never))).activeCampaignId).toBe(
      'expo-2026',
    )

    const conn = relay.current() as FakeConn
    const edited = relayCampaign({ name: 'Expo 2026 (day 2)', mode: 'desk' })
    conn.send({ type: 'campaign', campaign: edited, version: 4 })
    await waitFor(() => core.activeCampaign()?.name === 'Expo 2026 (day 2)', 'edit applied')
    expect(core.activeCampaign()?.mode).toBe('desk')
    conn.send({ type: 'campaign', campaign: relayCampaign({ name: 'stale' }), version: 2 })
    conn.send(scanFrame(1)) // a frame after it, so we know the stale one was handled
    await waitFor(
      () => core.attendance.byEventId('ev-1') ?? undefined,
      'scan after the stale frame',
    )
    expect(core.activeCampaign()?.name).toBe('Expo 2026 (day 2)')

    // null: back to the kiosk's own campaign.
    conn.send({ type: 'campaign', campaign: null, version: 5 })
    await waitFor(() => core.activeCampaign()?.id === 'expo', 'local campaign again')
    expect(core.activeCampaign()?.managedBy).toBeUndefined()
  })

  it('counts versions per relay store: a replaced store (new epoch) starts over', async () => {
    const relay = await fakeV2Relay()
    let n = 0
    relay.onHello((c) => {
      n++
      if (n === 1) c.send(welcome, { type: 'campaign', campaign: relayCampaign(), version: 9 })
      else {
        const fresh = relayCampaign({ name: 'Fresh store' })
        c.send({ ...welcome, epoch: 'e2' }, { type: 'campaign', campaign: fresh, version: 1 })
      }
    })
    const { core } = kiosk(relay)
    await waitFor(() => core.activeCampaign()?.name === 'Expo 2026', 'first store')
    relay.current()?.cut()
    await waitFor(() => core.activeCampaign()?.name === 'Fresh store', 'the new store’s campaign')
  })

  it('takes the roster of a store restored from a backup (new epoch), though its version is older', async () => {
    const relay = await fakeV2Relay()
    const rosterOf = (version: number, all: RelayRosterEntry[]): RosterFrame => ({
      type: 'roster',
      campaignId: 'expo-2026',
      rosterVersion: version,
      offset: 0,
      total: all.length,
      entries: all,
      final: true,
    })
    let n = 0
    relay.onHello((c) => {
      n++
      const campaign = relayCampaign()
      // The restored store gave the roster version 3; the one uploaded since, 50, is gone.
      if (n === 1) {
        c.send(welcome, { type: 'campaign', campaign, version: 50 }, rosterOf(50, entries(2, 50)))
      } else {
        c.send(
          { ...welcome, epoch: 'e2' },
          { type: 'campaign', campaign, version: 2 },
          rosterOf(3, entries(1, 3)),
        )
      }
    })
    const { core } = kiosk(relay)
    await waitFor(() => rosterRows(core, 'expo-2026').length === 2, 'the first store’s roster')
    relay.current()?.cut()
    await waitFor(() => relay.hellos.length === 2, 'the second hello')
    // The kiosk says what it holds: without forgetting it on the new epoch, it would keep
    // ignoring the restored store's roster, and every upload until the clock passed 50.
    await waitFor(
      () => relay.received.some((f) => f.type === 'roster-ack' && f.rosterVersion === 3),
      'the ack of the restored roster',
    )
    await waitFor(() => rosterRows(core, 'expo-2026').length === 1, 'the restored roster')
  })

  it('survives a restart with the relay unreachable, and hello says which version it holds', async () => {
    const relay = await fakeV2Relay()
    const proxy = await startCutProxy(relay.url)
    relay.onHello((c) =>
      c.send(welcome, { type: 'campaign', campaign: relayCampaign(), version: 7 }),
    )
    const dataDir = tempDir()
    const vault = new MemoryVault()
    provisionDir(dataDir, vault, {
      relayUrl: proxy.url,
      kioskId: 'booth-1',
      token: 'tok-booth-1-xyz0123',
    })
    const first = startCore(dataDir, vault)
    await waitFor(() => first.activeCampaign()?.id === 'expo-2026', 'campaign')
    expect(relay.hellos[0]?.campaignVersion).toBeUndefined()
    await first.stop()
    proxy.cut()

    const again = startCore(dataDir, vault)
    await waitFor(() => typeof again.status().relay.retryAt === 'number', 'offline')
    expect(again.activeCampaign()).toMatchObject({ id: 'expo-2026', managedBy: 'relay' })
    expect(again.screenState().campaign?.name).toBe('Expo 2026')
    proxy.restore()
    await waitFor(() => relay.hellos.length === 2, 'hello after the relay is back')
    expect(relay.hellos[1]?.campaignVersion).toBe(7)
    expect(again.activeCampaign()?.id).toBe('expo-2026')
  })

  it('is applied before the scans replayed after it are greeted, in one socket read', async () => {
    const relay = await fakeV2Relay()
    const old = relayCampaign({ greetings: relayCampaign().greetings })
    const greetings = {
      'zh-CN': { first: '新 {number}', returning: '回 {number}', named: '{name} {number}' },
      en: {
        first: 'new {number}',
        returning: 'back again, no. {number}',
        named: '{name} {number}',
      },
    }
    let connections = 0
    relay.onHello((c) => {
      connections++
      if (connections === 1) c.send(welcome, { type: 'campaign', campaign: old, version: 1 })
      // Reconnect after the organizer edited the greeting: campaign first, then the replay.
      else
        c.send(
          { ...welcome, headSeq: 3 },
          { type: 'campaign', campaign: relayCampaign({ greetings }), version: 2 },
          scanFrame(1, { number: 12, firstInCampaign: false }),
          scanFrame(2, { number: 40, firstInCampaign: true }),
          scanFrame(3),
        )
    })
    const { core, greetings: seen } = kiosk(relay)
    await waitFor(() => core.activeCampaign()?.id === 'expo-2026', 'first campaign')
    relay.current()?.cut()
    await waitFor(() => seen.length === 3, 'replayed scans greeted')
    // A scan without the relay's number is numbered here, after the relay's numbers it has seen.
    expect(seen.map((g) => g.texts.en)).toEqual(['back again, no. 12', 'new 40', 'new 41'])
    expect(seen.map((g) => g.kind)).toEqual(['welcome-back', 'first-visit', 'first-visit'])
    // The relay's number is the one recorded, too.
    expect(core.attendance.byEventId('ev-1')).toMatchObject({
      checkInNumber: 12,
      firstVisit: false,
    })
    expect(core.attendance.byEventId('ev-2')).toMatchObject({ checkInNumber: 40, firstVisit: true })
  })

  it('scans received before a campaign frame are greeted with the campaign they came under', async () => {
    const relay = await fakeV2Relay()
    const en = { first: 'NEW {number}', returning: 'AGAIN {number}', named: '{name}' }
    relay.onHello((c) =>
      c.send(
        { ...welcome, headSeq: 0 },
        { type: 'campaign', campaign: relayCampaign(), version: 1 },
        scanFrame(1, { number: 5, firstInCampaign: true }),
        {
          type: 'campaign',
          campaign: relayCampaign({ greetings: { 'zh-CN': en, en } }),
          version: 2,
        },
        scanFrame(2, { number: 5, firstInCampaign: false, openid: 'o_1' }),
      ),
    )
    const { greetings: seen } = kiosk(relay)
    await waitFor(() => seen.length === 2, 'greetings')
    expect(seen.map((g) => g.texts.en)).toEqual(['en first #5', 'AGAIN 5'])
  })

  it('a code shown before the booth moved, scanned after, counts where the relay counted it', async () => {
    // At the booth: o_a checked in at expo-2026 as no. 5; the organizer moves the booth to
    // next-2026 while a visitor's phone still holds the expo-2026 code. The relay counts that
    // live scan in next-2026 (its no. 1): the booth records and greets it there too, and leaves
    // o_a's expo-2026 number alone.
    const relay = await fakeV2Relay()
    relay.onHello((c) =>
      c.send(welcome, { type: 'campaign', campaign: relayCampaign(), version: 1 }),
    )
    const { core, greetings: seen } = kiosk(relay)
    const codeOfA = await waitFor(() => {
      const t = core.pool.current()
      return t && core.tickets.byScene(t.scene)?.campaignId === 'expo-2026' ? t : undefined
    }, 'an expo-2026 code')
    const conn = relay.current() as FakeConn
    conn.send(
      scanFrame(1, { openid: 'o_a', scene: codeOfA.scene, number: 5, firstInCampaign: true }),
    )
    await waitFor(() => seen.length === 1, 'first greeting')
    const b = { first: 'B first {number}', returning: 'B back {number}', named: 'B {name}' }
    const next = relayCampaign({ id: 'next-2026', greetings: { 'zh-CN': b, en: b } })
    conn.send({ type: 'campaign', campaign: next, version: 2 })
    conn.send(
      scanFrame(2, { openid: 'o_a', scene: codeOfA.scene, number: 1, firstInCampaign: true }),
    )
    await waitFor(() => seen.length === 2, 'greeting after the move')
    expect(seen.map((g) => g.texts.en)).toEqual(['en first #5', 'B first 1'])
    expect(core.attendance.byEventId('ev-1')).toMatchObject({
      campaignId: 'expo-2026',
      checkInNumber: 5,
    })
    expect(core.attendance.byEventId('ev-2')).toMatchObject({
      campaignId: 'next-2026',
      checkInNumber: 1,
      firstVisit: true,
    })
    const numbers = core.db
      .prepare('SELECT campaign_id AS c, check_in_number AS n FROM visitors ORDER BY c')
      .all()
    expect(numbers).toEqual([
      { c: 'expo-2026', n: 5 },
      { c: 'next-2026', n: 1 },
    ])
  })

  it('counts as returning a visitor whose first visit was at another booth, as its own rows say', async () => {
    const relay = await fakeV2Relay()
    relay.onHello((c) =>
      c.send(
        { ...welcome, headSeq: 4 },
        { type: 'campaign', campaign: relayCampaign(), version: 1 },
        // o_a checked in at another booth first: here once, not a first visit.
        scanFrame(1, { openid: 'o_a', number: 3, firstInCampaign: false }),
        // o_b's first visit is here, and o_b comes back.
        scanFrame(2, { openid: 'o_b', number: 7, firstInCampaign: true, event: 'subscribe' }),
        scanFrame(3, { openid: 'o_b', number: 7, firstInCampaign: false }),
        scanFrame(4, { openid: 'o_c', number: 8, firstInCampaign: true, event: 'subscribe' }),
      ),
    )
    const { core, greetings: seen } = kiosk(relay)
    await waitFor(() => seen.length === 4, 'greetings')
    await core.call('unlockAdmin', { pin: TEST_PIN })
    const stats = statsShape.parse(await core.call('getStats', { campaignId: 'expo-2026' }))
    // Booth B at the venue showed 回访 1 beside 5 rows marked 再次到访 (its own chart's count).
    expect(stats).toMatchObject({ total: 4, uniqueVisitors: 3, newFollowers: 2, returning: 2 })
    const repeats = stats.buckets.reduce((n, b) => n + b.repeats, 0)
    expect(repeats).toBe(2)
  })

  it('ignores frame types it does not know, and keeps the link', async () => {
    const relay = await fakeV2Relay()
    relay.onHello((c) => {
      c.send(welcome)
      ;(c as unknown as { send(f: unknown): void }).send({ type: 'stats', anything: 1 })
      c.send(scanFrame(1))
    })
    const { core } = kiosk(relay)
    await waitFor(
      () => core.attendance.byEventId('ev-1') ?? undefined,
      'scan after the unknown frame',
    )
    expect(relay.hellos).toHaveLength(1)
  })

  it('ignores a campaign, screens or roster frame that fails its check: the last good campaign stays, scans keep flowing', async () => {
    const relay = await fakeV2Relay()
    const raw = (c: FakeConn, ...frames: unknown[]) =>
      (c as unknown as { send(...f: unknown[]): void }).send(...frames)
    relay.onHello((c) => {
      c.send(welcome, { type: 'campaign', campaign: relayCampaign(), version: 1 })
      raw(
        c,
        // A newer relay's field, a value out of range, a roster slice that lies about final.
        {
          type: 'campaign',
          campaign: { ...relayCampaign({ name: 'v2' }), badge: 'x' },
          version: 2,
        },
        { type: 'campaign', campaign: relayCampaign({ rotationSeconds: 1 }), version: 3 },
        { type: 'screens', campaignId: 'expo-2026', version: 1, screens: { wall: '//evil' } },
        {
          type: 'roster',
          campaignId: 'expo-2026',
          rosterVersion: 1,
          offset: 0,
          total: 5,
          entries: [],
          final: true,
        },
      )
      c.send(scanFrame(1, { number: 4, firstInCampaign: true }), {
        type: 'roster',
        campaignId: 'expo-2026',
        rosterVersion: 1,
        offset: 0,
        total: 0,
        entries: [],
        final: true,
      })
    })
    const { core, greetings } = kiosk(relay)
    // The kiosk answers the good roster frame after them on the same connection: a link
    // closing (or closed) for a bad frame sends nothing more.
    await waitFor(
      () => relay.received.some((f) => f.type === 'roster-ack' && f.rosterVersion === 1),
      'the ack of the good roster frame',
    )
    expect(relay.hellos).toHaveLength(1)
    expect(core.attendance.byEventId('ev-1')).not.toBeNull()
    expect(core.activeCampaign()).toMatchObject({ name: 'Expo 2026', rotationSeconds: 60 })
    await waitFor(() => greetings.length === 1, 'its greeting')
    expect(greetings[0]?.texts.en).toBe('en first #4')
    expect(core.relayDiagnostics()?.lastError).toBeNull()
  })
})

/**
 * A kiosk (started with `extra`) on a fresh relay that serves 3 roster entries of expo-2026:
 * once they are in, the desk code for reg-00001 (asked again until the desk campaign lets the
 * kiosk show it).
 */
async function deskCodeOnceRostered(
  extra: Partial<KioskCoreOptions> = {},
  relayClock?: () => number,
) {
  const relay = await fakeV2Relay(relayClock === undefined ? {} : { clock: relayClock })
  serveRoster(relay, { campaignId: 'expo-2026', version: 1, all: entries(3, 1), cutAt: [] })
  const { core } = kiosk(relay, tempDir(), new MemoryVault(), extra)
  await waitFor(() => rosterRows(core, 'expo-2026').length === 3, 'roster')
  const shown = await waitFor(async () => {
    try {
      return await core.handlers.showDeskTicket({ rosterEntryId: 'reg-00001' })
    } catch {
      return undefined
    }
  }, 'desk code')
  return { relay, core, shown }
}

/** What the relay sends on (re)connect after the guest scanned that desk code offline. */
function sendDeskScan(c: FakeConn, scene: string): void {
  c.send(
    welcome,
    { type: 'campaign', campaign: relayCampaign({ mode: 'desk' }), version: 1 },
    scanFrame(1, { openid: 'o_here', scene }),
  )
}

/** The relay stored the bind. */
function ackBind(c: FakeConn, f: Extract<KioskFrame, { type: 'bind' }>): void {
  c.send({
    type: 'bind-ack',
    campaignId: f.campaignId,
    registrationId: f.registrationId,
    openid: f.openid,
    at: f.at,
  })
}

function entries(n: number, version: number): RelayRosterEntry[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `reg-${String(i).padStart(5, '0')}`,
    name: `访客 ${i} v${version}`,
    company: `公司 ${i % 97}`,
    phone: `138${String(i).padStart(8, '0')}`,
    code: `C${i}`,
    openid: i === 7 ? 'o_seven' : null,
  }))
}

/**
 * The relay's side of roster sync: resume where hello says, one slice per ack (of `frameRows`
 * rows at most). The link is cut at each of `cutAt`; at each of `pauseAt` the relay waits for
 * `resume()`.
 */
function serveRoster(
  relay: FakeV2Relay,
  o: {
    campaignId: string
    version: number
    all: RelayRosterEntry[]
    cutAt: number[]
    pauseAt?: number[]
    frameRows?: number
  },
): { starts: number[]; sentEntries: () => number; paused: () => boolean; resume: () => void } {
  const starts: number[] = []
  let sent = 0
  let paused: { c: FakeConn; offset: number } | null = null
  const sendFrom = (c: FakeConn, offset: number) => {
    const end = Math.min(rosterChunkEnd(o.all, offset), offset + (o.frameRows ?? Infinity))
    const frame: RosterFrame = {
      type: 'roster',
      campaignId: o.campaignId,
      rosterVersion: o.version,
      offset,
      total: o.all.length,
      entries: o.all.slice(offset, end),
      final: end === o.all.length,
    }
    sent += end - offset
    c.send(frame)
  }
  relay.onHello((c) => {
    const held = c.hello.roster
    const start =
      held && held.campaignId === o.campaignId && held.version === o.version ? held.offset : 0
    starts.push(start)
    c.send(welcome, { type: 'campaign', campaign: relayCampaign({ mode: 'desk' }), version: 1 })
    if (start < o.all.length) sendFrom(c, start)
  })
  relay.onFrame((c, f) => {
    if (f.type !== 'roster-ack' || f.offset >= o.all.length) return
    const next = o.cutAt[0]
    if (next !== undefined && f.offset >= next) {
      o.cutAt.shift()
      return c.cut()
    }
    const pause = o.pauseAt?.[0]
    if (pause !== undefined && f.offset >= pause) {
      o.pauseAt?.shift()
      paused = { c, offset: f.offset }
      return
    }
    sendFrom(c, f.offset)
  })
  return {
    starts,
    sentEntries: () => sent,
    paused: () => paused !== null,
    resume: () => {
      if (paused) sendFrom(paused.c, paused.offset)
      paused = null
    },
  }
}

describe('scan-campaign: the campaign the relay counted a scan in', () => {
  const b = { first: 'B first {number}', returning: 'B back {number}', named: 'B {name}' }
  const next = relayCampaign({ id: 'next-2026', greetings: { 'zh-CN': b, en: b } })
  const countedIn = (seq: number, campaignId: string) =>
    ({ type: 'scan-campaign', seq, campaignId }) as const

  /**
   * A booth in expo-2026: o_z checks in live (no. 1). Its link drops; the relay keeps o_a's
   * scan of the expo-2026 code (expo no. 2), the organizer moves the booth to next-2026, then
   * o_b and o_a scan that same code (next no. 1 and 2). `frames` is what the relay sends on
   * the next hello, the campaign frame and the scans in the order of the case.
   */
  async function movedWhileOffline(
    frames: (scene: string, campaignFrame: RelayFrame) => RelayFrame[],
  ): Promise<{ core: KioskCore; seen: Greeting[] }> {
    const relay = await fakeV2Relay()
    relay.onHello((c) =>
      c.send(welcome, { type: 'campaign', campaign: relayCampaign(), version: 1 }),
    )
    const { core, greetings: seen } = kiosk(relay)
    const code = await waitFor(() => {
      const t = core.pool.current()
      return t && core.tickets.byScene(t.scene)?.campaignId === 'expo-2026' ? t : undefined
    }, 'an expo-2026 code')
    const scene = code.scene
    relay
      .current()
      ?.send(
        countedIn(1, 'expo-2026'),
        scanFrame(1, { openid: 'o_z', scene, number: 1, firstInCampaign: true }),
      )
    await waitFor(() => core.attendance.byEventId('ev-1') !== null, 'the live scan')
    relay.onHello((c) =>
      c.send(
        { ...welcome, headSeq: 4 },
        ...frames(scene, { type: 'campaign', campaign: next, version: 2 }),
      ),
    )
    relay.current()?.cut()
    await waitFor(() => core.attendance.byEventId('ev-4') !== null, 'the replayed scans')
    await waitFor(() => core.activeCampaign()?.id === 'next-2026', 'the move')
    await core.whenIdle()
    return { core, seen }
  }

  const replayed = (scene: string): RelayFrame[] => [
    countedIn(2, 'expo-2026'),
    scanFrame(2, { openid: 'o_a', scene, number: 2, firstInCampaign: true }),
    countedIn(3, 'next-2026'),
    scanFrame(3, { openid: 'o_b', scene, number: 1, firstInCampaign: true }),
    countedIn(4, 'next-2026'),
    scanFrame(4, { openid: 'o_a', scene, number: 2, firstInCampaign: true }),
  ]

  function expectFiledWhereCounted(core: KioskCore): void {
    const filed = ['ev-1', 'ev-2', 'ev-3', 'ev-4'].map((id) => {
      const r = core.attendance.byEventId(id)
      return [r?.openid, r?.campaignId, r?.checkInNumber, r?.firstVisit]
    })
    expect(filed).toEqual([
      ['o_z', 'expo-2026', 1, true],
      ['o_a', 'expo-2026', 2, true],
      ['o_b', 'next-2026', 1, true],
      ['o_a', 'next-2026', 2, true],
    ])
    // One no. 1 per campaign: none of next-2026's numbers given in expo-2026.
    const numbers = core.db
      .prepare('SELECT campaign_id AS c, openid, check_in_number AS n FROM visitors ORDER BY c, n')
      .all()
    expect(numbers).toEqual([
      { c: 'expo-2026', openid: 'o_z', n: 1 },
      { c: 'expo-2026', openid: 'o_a', n: 2 },
      { c: 'next-2026', openid: 'o_b', n: 1 },
      { c: 'next-2026', openid: 'o_a', n: 2 },
    ])
  }

  it('files replayed scans where the relay counted them: the new campaign frame first', async () => {
    const { core, seen } = await movedWhileOffline((scene, moved) => [moved, ...replayed(scene)])
    expectFiledWhereCounted(core)
    // Each greeted with its own campaign's words and number.
    expect(seen.map((g) => g.texts.en)).toEqual([
      'en first #1',
      'en first #2',
      'B first 1',
      'B first 2',
    ])
  })

  it('the same with the scans first and the campaign frame after them', async () => {
    const { core } = await movedWhileOffline((scene, moved) => [...replayed(scene), moved])
    expectFiledWhereCounted(core)
  })

  it('the same with the campaign frame between the scans', async () => {
    const { core } = await movedWhileOffline((scene, moved) => {
      const frames = replayed(scene)
      return [...frames.slice(0, 2), moved, ...frames.slice(2)]
    })
    expectFiledWhereCounted(core)
  })

  it('files a scan counted in a campaign it holds no roster or campaign for there, and binds no desk entry of another', async () => {
    const { relay, core, shown } = await deskCodeOnceRostered()
    // Offline, the booth is moved to next-2026 (no roster here) and the desk code of expo-2026's
    // reg-00001 is scanned: once while the relay held the booth in gone-2026, a campaign this
    // kiosk never held, then after the move.
    relay.onHello((c) =>
      c.send(
        { ...welcome, headSeq: 2 },
        {
          type: 'campaign',
          campaign: relayCampaign({ id: 'next-2026', mode: 'desk' }),
          version: 2,
        },
        countedIn(1, 'gone-2026'),
        scanFrame(1, { openid: 'o_x', scene: shown.scene, number: 4, firstInCampaign: true }),
        countedIn(2, 'next-2026'),
        scanFrame(2, { openid: 'o_here', scene: shown.scene, number: 1, firstInCampaign: true }),
      ),
    )
    relay.current()?.cut()
    await waitFor(() => core.attendance.byEventId('ev-2') !== null, 'both scans')
    await core.whenIdle()
    expect(core.attendance.byEventId('ev-1')).toMatchObject({
      campaignId: 'gone-2026',
      checkInNumber: 4,
      rosterEntryId: null,
      rosterName: null,
    })
    expect(core.attendance.byEventId('ev-2')).toMatchObject({
      campaignId: 'next-2026',
      checkInNumber: 1,
      rosterEntryId: null,
    })
    // Neither scan counted in expo-2026: its registration stays unbound, and no bind is sent.
    expect(rosterRows(core, 'expo-2026').find((r) => r.id === 'reg-00001')?.openid).toBeNull()
    expect(relay.received.filter((f) => f.type === 'bind')).toEqual([])
    await waitFor(
      () => relay.received.some((f) => f.type === 'ack' && f.seq === 2),
      'both acknowledged',
    )
  })
})

describe('roster sync', () => {
  it('50,000 rows over a link cut twice: resumed, never restarted, complete and once', async () => {
    const relay = await fakeV2Relay()
    const all = entries(50_000, 2)
    const sync = serveRoster(relay, {
      campaignId: 'expo-2026',
      version: 2,
      all,
      cutAt: [15_000, 35_000],
    })
    const { core } = kiosk(relay)
    // The roster the kiosk had before (an older version) stays whole until the new one is in.
    core.db
      .prepare(
        `INSERT INTO roster_entries (id, campaign_id, name, company, phone, code, match_key, imported_at)
         VALUES ('reg-old', 'expo-2026', 'Old', '', '', '', 'relay:reg-old', 0)`,
      )
      .run()
    await waitFor(() => sync.starts.length === 2, 'first cut', 60_000)
    expect(rosterRows(core, 'expo-2026').map((r) => r.id)).toEqual(['reg-old'])
    await waitFor(
      () => core.relayRoster.held(core.settings().connectionId)?.offset === 50_000,
      'roster complete',
      120_000,
    )
    // One start per link: the first and one after each cut, or more if the kiosk also
    // reconnected on its own (a loaded machine); every one after the first resumed where the
    // kiosk was, never behind an earlier one, past each cut once that cut has happened.
    expect(sync.starts.length).toBeGreaterThanOrEqual(3)
    expect(sync.starts[0]).toBe(0)
    for (const [i, start] of sync.starts.entries()) {
      if (i > 0) expect(start).toBeGreaterThanOrEqual(sync.starts[i - 1] ?? 0)
    }
    expect(sync.starts.filter((start) => start >= 15_000).length).toBeGreaterThanOrEqual(2)
    expect(sync.starts.at(-1)).toBeGreaterThanOrEqual(35_000)
    // Each entry crossed the link once (a slice cut mid-flight may be sent again; never from 0).
    expect(sync.sentEntries()).toBeLessThan(50_000 + (sync.starts.length - 1) * 200 + 1)
    const rows = rosterRows(core, 'expo-2026')
    expect(rows).toHaveLength(50_000)
    expect(new Set(rows.map((r) => r.id)).size).toBe(50_000)
    expect(rows.find((r) => r.id === 'reg-00007')?.openid).toBe('o_seven')
    expect(core.relayRoster.stagedCount()).toBe(0)
    // Desk mode can pick any registered visitor.
    const found = await Promise.resolve(
      core.handlers.searchRoster({ query: '访客 49999', limit: 5 }),
    )
    expect(found.map((r) => r.id)).toEqual(['reg-49999'])
  }, 180_000)
})

describe('roster sync in the kiosk status', () => {
  it('says how much of the new roster is in, at whole percents, and nothing once it is all in', async () => {
    const relay = await fakeV2Relay()
    const all = entries(1_000, 1)
    // 3 rows a frame: 334 frames, a whole percent every 3 or 4 of them.
    const sync = serveRoster(relay, {
      campaignId: 'expo-2026',
      version: 1,
      all,
      cutAt: [],
      pauseAt: [500],
      frameRows: 3,
    })
    const { core } = kiosk(relay)
    const told: Array<KioskStatus['relay']['roster']> = []
    core.on('status', (s) => told.push(s.relay.roster))
    await waitFor(() => sync.paused(), 'half the roster')
    // The desk searches the previous roster until the new one is in: the status says why.
    const half = kioskStatusSchema.parse(core.status()).relay.roster
    expect(half).toEqual({ received: 501, total: 1_000 })
    sync.resume()
    await waitFor(() => rosterRows(core, 'expo-2026').length === 1_000, 'roster complete')
    await waitFor(() => told.at(-1) === undefined, 'the status after the last slice')
    expect(core.status().relay.roster).toBeUndefined()
    // Each status event carries it (the pool's and the link's too): what changed between them.
    const progress = told.filter((r) => r !== undefined)
    const moves = progress.filter((r, i) => i === 0 || r.received !== progress[i - 1]?.received)
    const percents = moves.map((r) => Math.floor((r.received * 100) / r.total))
    // Told as it rose, once per whole percent (not once per frame: 334 frames).
    expect(percents.length).toBeGreaterThanOrEqual(90)
    expect(percents.length).toBeLessThanOrEqual(100)
    for (const [i, p] of percents.entries())
      if (i > 0) expect(p).toBeGreaterThan(percents[i - 1] ?? 0)
    expect(percents).toContain(50)
  })
})

describe('roster sync at the desk', () => {
  it("tells the desk the moved booth's roster is in when it comes in a read after the campaign", async () => {
    // The organizer moves the booth from 春季展 to 秋季展: the campaign frame comes first, and
    // 秋季展's roster (one frame) in a later read. The desk searched when the campaign changed
    // (nothing of 秋季展 yet) and nothing in the kiosk said the roster was in: the list stayed
    // empty until staff typed something.
    const relay = await fakeV2Relay()
    const spring = relayCampaign({ id: 'spring', mode: 'desk' })
    const autumn = relayCampaign({ id: 'autumn', mode: 'desk' })
    const rosterOf = (campaignId: string, all: RelayRosterEntry[]): RosterFrame => ({
      type: 'roster',
      campaignId,
      rosterVersion: 1,
      offset: 0,
      total: all.length,
      entries: all,
      final: true,
    })
    relay.onHello((c) =>
      c.send(
        welcome,
        { type: 'campaign', campaign: spring, version: 1 },
        rosterOf('spring', entries(2, 1)),
      ),
    )
    const { core } = kiosk(relay)
    await waitFor(() => rosterRows(core, 'spring').length === 2, 'the first roster')
    const search = async () =>
      (await Promise.resolve(core.handlers.searchRoster({ query: '', limit: 50 }))).map(
        (e) => e.name,
      )
    const told: Array<{ campaignId: string; found: string[] }> = []
    core.on('roster', (r) => void search().then((found) => told.push({ ...r, found })))
    let atMove: string[] | null = null
    core.on('campaign', () => void search().then((found) => (atMove = found)))
    const c = relay.current()
    if (!c) throw new Error('no connection')
    c.send({ type: 'campaign', campaign: autumn, version: 2 })
    await waitFor(() => atMove !== null, 'the desk searching when the booth moved')
    expect(atMove).toEqual([])
    c.send(rosterOf('autumn', entries(3, 2)))
    await waitFor(() => told.length > 0, 'the roster replaced, told')
    expect(told).toEqual([{ campaignId: 'autumn', found: ['访客 0 v2', '访客 1 v2', '访客 2 v2'] }])
  })
})

describe('roster sync across a kiosk restart', () => {
  it('resumes from what the kiosk stored before it stopped', async () => {
    const relay = await fakeV2Relay()
    const all = entries(2_000, 1)
    const sync = serveRoster(relay, { campaignId: 'expo-2026', version: 1, all, cutAt: [600] })
    const dataDir = tempDir()
    const vault = new MemoryVault()
    const first = kiosk(relay, dataDir, vault)
    const conn = first.core.settings().connectionId
    await waitFor(
      () => sync.starts.length >= 1 && (first.core.relayRoster.held(conn)?.offset ?? 0) >= 600,
      'part of it',
    )
    await first.core.stop()
    const again = startCore(dataDir, vault)
    await waitFor(() => again.relayRoster.held(conn)?.offset === 2_000, 'roster complete')
    // Every hello after the first resumed past what was stored; none started over.
    expect(sync.starts[0]).toBe(0)
    for (const start of sync.starts.slice(1)) expect(start).toBeGreaterThanOrEqual(600)
    expect(sync.sentEntries()).toBeLessThanOrEqual(2_000 + 2 * 200)
    expect(rosterRows(again, 'expo-2026')).toHaveLength(2_000)
  })
})

describe('desk bindings', () => {
  it('a binding made at another booth names the visitor here', async () => {
    const relay = await fakeV2Relay()
    const all = entries(3, 1)
    serveRoster(relay, { campaignId: 'expo-2026', version: 1, all, cutAt: [] })
    const { core, greetings } = kiosk(relay)
    await waitFor(() => rosterRows(core, 'expo-2026').length === 3, 'roster')
    relay.current()?.send(
      {
        type: 'binding',
        campaignId: 'expo-2026',
        registrationId: 'reg-00002',
        openid: 'o_desk',
        at: Date.now(),
      },
      scanFrame(1, { openid: 'o_desk', number: 3, firstInCampaign: false }),
    )
    await waitFor(() => greetings.length === 1, 'greeting')
    expect(greetings[0]).toMatchObject({ kind: 'named', name: '访客 2 v1', checkInNumber: 3 })
  })

  it('a binding made here reaches the relay, queued while offline, until it is acknowledged', async () => {
    const { relay, core, shown } = await deskCodeOnceRostered()
    // The link drops before the scan's bind reaches the relay: the scan is replayed on reconnect.
    let n = 0
    relay.onHello((c) => {
      n++
      sendDeskScan(c, shown.scene)
    })
    relay.onFrame((c, f) => {
      // The first bind is "lost" (the link is cut before the relay stores it); later ones are acked.
      if (f.type !== 'bind') return
      if (n === 1) return c.cut()
      ackBind(c, f)
    })
    relay.current()?.cut()
    const conn = core.settings().connectionId
    await waitFor(
      () => n >= 2 && core.relayRoster.pendingBinds(conn).length === 0,
      'bind acknowledged',
    )
    const binds = relay.received.filter((f) => f.type === 'bind')
    expect(binds.length).toBeGreaterThanOrEqual(2)
    for (const b of binds)
      expect(b).toMatchObject({
        campaignId: 'expo-2026',
        registrationId: 'reg-00001',
        openid: 'o_here',
      })
    // The same binding every time: one binding, however often it is sent.
    expect(new Set(binds.map((b) => JSON.stringify(b))).size).toBe(1)
    expect(rosterRows(core, 'expo-2026').find((r) => r.id === 'reg-00001')?.openid).toBe('o_here')
  })

  it('a booth whose clock is a day off stamps its binds on the relay’s clock, so they order with other desks’', async () => {
    const DAY = 86_400_000
    for (const kioskOffMs of [-DAY, DAY]) {
      const { relay, core, shown } = await deskCodeOnceRostered(
        { now: () => Date.now() + kioskOffMs },
        () => Date.now(),
      )
      relay.onHello((c) => sendDeskScan(c, shown.scene))
      relay.onFrame((c, f) => {
        if (f.type === 'bind') ackBind(c, f)
      })
      const before = Date.now()
      relay.current()?.cut()
      const conn = core.settings().connectionId
      await waitFor(
        () =>
          relay.received.some((f) => f.type === 'bind') &&
          core.relayRoster.pendingBinds(conn).length === 0,
        'bind acknowledged',
      )
      const bind = relay.received.find((f) => f.type === 'bind')
      // The relay's Date is whole seconds: within 2 s of the relay's clock, not a day apart.
      expect(Math.abs((bind?.type === 'bind' ? bind.at : 0) - before)).toBeLessThan(5_000)
      await core.stop()
    }
  })

  it('a desk code scanned before its booth moved still sends the bind for the campaign of the scan', async () => {
    const { relay, core, shown } = await deskCodeOnceRostered()
    // Offline, the guest scans the desk code (the relay counts it in expo-2026); the organizer
    // moves the booth; back online, the new campaign comes first, then the scan (replayed: the
    // relay stored it before this link's welcome).
    relay.onHello((c) =>
      c.send(
        { ...welcome, headSeq: 1 },
        {
          type: 'campaign',
          campaign: relayCampaign({ id: 'next-2026', mode: 'desk' }),
          version: 2,
        },
        scanFrame(1, { openid: 'o_here', scene: shown.scene, number: 1, firstInCampaign: true }),
      ),
    )
    relay.current()?.cut()
    await waitFor(() => relay.received.some((f) => f.type === 'bind'), 'bind sent')
    expect(relay.received.filter((f) => f.type === 'bind')).toEqual([
      expect.objectContaining({
        campaignId: 'expo-2026',
        registrationId: 'reg-00001',
        openid: 'o_here',
      }),
    ])
    expect(rosterRows(core, 'expo-2026').find((r) => r.id === 'reg-00001')?.openid).toBe('o_here')
  })

  it('a booth moved to another campaign and back: each campaign its own names, check-ins and binds', async () => {
    const { relay, core, shown } = await deskCodeOnceRostered()
    // Offline, 访客 1 checks in at the expo-2026 desk; the relay is slow to store the bind.
    relay.onHello((c) => sendDeskScan(c, shown.scene))
    relay.onFrame(() => undefined)
    relay.current()?.cut()
    await waitFor(() => core.attendance.byEventId('ev-1') ?? undefined, 'the desk check-in')
    const conn = core.settings().connectionId
    expect(core.relayRoster.pendingBinds(conn)).toHaveLength(1)

    // The organizer moves the booth to next-2026: 访客 1 is on both rosters, 访客 2 on
    // expo-2026's only (bound there to o_two), 新客 on next-2026's only.
    relay.current()?.send({
      type: 'binding',
      campaignId: 'expo-2026',
      registrationId: 'reg-00002',
      openid: 'o_two',
      at: Date.now(),
    })
    const [, one] = entries(2, 1)
    const newcomer: RelayRosterEntry = {
      id: 'reg-b',
      name: '新客',
      company: '',
      phone: '13900000000',
      code: 'NB',
      openid: null,
    }
    const nextRoster = one ? [one, newcomer] : []
    const binds: KioskFrame[] = []
    relay.onHello((c) =>
      c.send(
        { ...welcome, headSeq: 1 },
        {
          type: 'campaign',
          campaign: relayCampaign({ id: 'next-2026', mode: 'desk' }),
          version: 2,
        },
        {
          type: 'roster',
          campaignId: 'next-2026',
          rosterVersion: 1,
          offset: 0,
          total: 2,
          entries: nextRoster,
          final: true,
        },
        scanFrame(2, { openid: 'o_two', number: 1, firstInCampaign: true }),
        scanFrame(3, { openid: 'o_here', number: 2, firstInCampaign: true }),
      ),
    )
    relay.onFrame((c, f) => {
      if (f.type !== 'bind') return
      binds.push(f)
      ackBind(c, f)
    })
    const greeted: Greeting[] = []
    core.on('greeting', (g) => greeted.push(g))
    relay.current()?.cut()
    await waitFor(() => greeted.length >= 2, 'greetings under next-2026')
    // Known by name only where the openid is bound: neither is, in next-2026.
    expect(greeted.map((g) => [g.kind, g.name])).toEqual([
      ['first-visit', null],
      ['first-visit', null],
    ])
    await core.call('unlockAdmin', { pin: TEST_PIN })
    const names = async () =>
      ((await core.call('searchRoster', { query: '', limit: 50 })) as Array<{ name: string }>)
        .map((e) => e.name)
        .sort()
    await waitFor(async () => ((await names()).length === 2 ? true : undefined), 'next roster')
    expect(await names()).toEqual(['新客', '访客 1 v1'])
    // The check-in made under expo-2026 reaches the relay under expo-2026, and is acknowledged.
    await waitFor(() => core.relayRoster.pendingBinds(conn).length === 0, 'bind acknowledged')
    expect(binds).toEqual([
      expect.objectContaining({
        campaignId: 'expo-2026',
        registrationId: 'reg-00001',
        openid: 'o_here',
      }),
    ])
    const listed = async (campaignId: string) =>
      (
        (await core.call('listAttendance', { campaignId })) as {
          rows: Array<{ eventId: string }>
        }
      ).rows
        .map((r) => r.eventId)
        .sort()
    expect(await listed('expo-2026')).toEqual(['ev-1'])
    expect(await listed('next-2026')).toEqual(['ev-2', 'ev-3'])
    // Tonight's attendance sheet of expo-2026, though the booth is in next-2026 now: it is one
    // of the kiosk's campaigns still (read-only), and exports its own rows under its name.
    const campaigns = (await core.call('listCampaigns', undefined)) as Array<{
      id: string
      name: string
    }>
    expect(campaigns.map((c) => c.id)).toEqual(['next-2026', 'expo-2026', 'expo'])
    const progress: ExportProgress[] = []
    core.on('exportProgress', (p) => progress.push(p))
    const { exportId } = (await core.call('startExport', {
      campaignId: 'expo-2026',
      format: 'csv',
    })) as { exportId: string }
    const done = await waitFor(
      () => progress.find((p) => p.exportId === exportId && p.state === 'done'),
      'expo-2026 exported',
    )
    expect(done).toMatchObject({ rowsDone: 1, rowsTotal: 1 })
    expect(readFileSync(core.exports.file(exportId)?.path ?? '', 'utf8')).toContain('Expo 2026')

    // Moved back: expo-2026's roster with its check-in, not next-2026's.
    relay
      .current()
      ?.send({ type: 'campaign', campaign: relayCampaign({ mode: 'desk' }), version: 3 })
    await waitFor(() => (core.activeCampaign()?.id === 'expo-2026' ? true : undefined), 'back')
    const back = (await core.call('searchRoster', { query: '', limit: 50 })) as Array<{
      id: string
      checkedInAt: number | null
    }>
    expect(back.map((e) => e.id).sort()).toEqual(['reg-00000', 'reg-00001', 'reg-00002'])
    expect(back.find((e) => e.id === 'reg-00001')?.checkedInAt).not.toBeNull()

    // Handed back to the kiosk's own campaigns: next-2026 is listed (its attendance), but it is
    // the relay's to run, not one to start scanning for here.
    relay.current()?.send({ type: 'campaign', campaign: null, version: 4 })
    await waitFor(() => (core.activeCampaign()?.managedBy ? undefined : true), 'handed back')
    const h = core.handlers
    const later = <T>(fn: () => T) => Promise.resolve().then(fn)
    await expect(later(() => h.activateCampaign({ id: 'next-2026' }))).rejects.toThrow(
      /relay console/,
    )
    await expect(later(() => h.activateCampaign({ id: 'expo' }))).resolves.toEqual({ ok: true })
  })

  it('a replay after hours offline sends each desk bind once, not again with every later batch', async () => {
    const { relay, core, shown } = await deskCodeOnceRostered()
    relay.onHello((c) => sendDeskScan(c, shown.scene))
    // The relay is slow to store binds (catching up itself): none is acked during the replay.
    relay.current()?.cut()
    await waitFor(() => core.attendance.byEventId('ev-1') ?? undefined, 'the desk scan')
    const conn = relay.current() as FakeConn
    // The walk-ups kept while offline come after it, batch after batch.
    for (let seq = 2; seq <= 21; seq++) {
      conn.send(scanFrame(seq))
      await waitFor(() => core.attendance.byEventId(`ev-${seq}`) ?? undefined, `scan ${seq}`)
    }
    await core.whenIdle()
    const binds = relay.received.filter((f) => f.type === 'bind')
    // Once when made; again only by the resend timer (seconds away) or after a reconnect.
    expect(binds).toHaveLength(1)
  })

  it('a bind lost on a live link is sent again on that link, not only after a reconnect', async () => {
    const { relay, core, shown } = await deskCodeOnceRostered({
      relayLink: { ...fastLink, bindResendMs: 100, bindResendMaxMs: 400 },
    })
    let hellos = 0
    relay.onHello((c) => {
      hellos++
      sendDeskScan(c, shown.scene)
    })
    const binds: KioskFrame[] = []
    relay.onFrame((c, f) => {
      if (f.type !== 'bind') return
      binds.push(f)
      // The first is lost on a link that stays up (the relay restarted between the send and
      // the ack and the socket has not noticed yet, or its store refused the bind).
      if (binds.length === 1) return
      ackBind(c, f)
    })
    relay.current()?.cut()
    const conn = core.settings().connectionId
    await waitFor(
      () => binds.length >= 1 && core.relayRoster.pendingBinds(conn).length === 0,
      'bind acknowledged on the same link',
    )
    expect(hellos).toBe(1)
    expect(binds).toHaveLength(2)
    expect(binds[1]).toEqual(binds[0])
    expect(binds[0]).toMatchObject({
      campaignId: 'expo-2026',
      registrationId: 'reg-00001',
      openid: 'o_here',
    })
    // Acknowledged: nothing more is sent (the resend stops once the outbox is empty).
    await new Promise((r) => setTimeout(r, 600))
    expect(binds).toHaveLength(2)
  })
})

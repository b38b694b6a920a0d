// The `erasure` frame on the kiosk's relay link: a good one erases the visitor's rows of the
// relay campaign at once, in order with the scans around it; a bad one (an openid where the
// tombstone goes, no time) is ignored with the link kept up and nothing changed, as the other
// sync frames are; the scan after either is stored as usual.
import { afterEach, describe, expect, it } from 'vitest'
import { MemoryVault } from '../../electron/core/config/vault'
import type { KioskCore } from '../../electron/core/kiosk-core'
import { isErasedOpenid } from '../../shared/console-api'
import type { RelayFrame } from '../../shared/relay-protocol'
import { visitorTombstone } from '../../shared/server/visitor-tombstone'
import { attendanceRows, cleanup, provisionDir, startCore, tempDir, waitFor } from './helpers'
import { fakeV2Relay, relayCampaign, scanFrame, type FakeConn } from './fake-v2-relay'

afterEach(cleanup)

const welcome = { type: 'welcome', epoch: 'e1', headSeq: 0 } as const
const CAMPAIGN = relayCampaign().id

async function linked(
  o: { clock?: () => number; roster?: RelayFrame } = {},
): Promise<{ core: KioskCore; conn: FakeConn }> {
  const relay = await fakeV2Relay(o.clock === undefined ? {} : { clock: o.clock })
  relay.onHello((c) => {
    c.send(welcome, { type: 'campaign', version: 1, campaign: relayCampaign() })
    if (o.roster) c.send(o.roster)
  })
  const vault = new MemoryVault()
  const dataDir = tempDir()
  provisionDir(dataDir, vault, {
    relayUrl: relay.url,
    kioskId: 'booth-1',
    token: 'tok-booth-1-xyz0123',
  })
  const core = startCore(dataDir, vault)
  await waitFor(() => core.status().relay.state === 'connected', 'connected')
  const conn = relay.current()
  if (conn === null) throw new Error('no connection')
  return { core, conn }
}

const at = (n: number) => ({ receivedAt: n, number: 1, firstInCampaign: n === 1_000 })

describe('erasure frame on the relay link', () => {
  it('erases the visitor’s scans stored before it, in order with the scans', async () => {
    const { core, conn } = await linked()
    // What the attendance page and the stats hear (they read their rows again on each).
    const heard: string[] = []
    core.events.on('attendance', (row) => heard.push(row.openid))
    conn.send(
      { type: 'scan-campaign', seq: 1, campaignId: CAMPAIGN },
      scanFrame(1, { openid: 'o-ann', ...at(1_000) }),
      { type: 'scan-campaign', seq: 2, campaignId: CAMPAIGN },
      scanFrame(2, { openid: 'o-bob', receivedAt: 2_000, number: 2 }),
      {
        type: 'erasure',
        campaignId: CAMPAIGN,
        visitors: [{ visitor: visitorTombstone(CAMPAIGN, 'o-ann'), at: 5_000 }],
      },
      // Ann back after the erasure: a new visitor, kept.
      { type: 'scan-campaign', seq: 3, campaignId: CAMPAIGN },
      scanFrame(3, { openid: 'o-ann', receivedAt: 6_000, number: 3 }),
    )
    await waitFor(() => attendanceRows(core).length === 3, 'three scans')
    const openids = attendanceRows(core).map((r) => r.openid)
    expect(isErasedOpenid(openids[0] ?? '')).toBe(true)
    expect(openids.slice(1)).toEqual(['o-bob', 'o-ann'])
    expect(core.status().relay.state).toBe('connected')
    // The two scans, Ann's row as the erasure left it, Ann back: the page follows the erasure.
    await waitFor(() => heard.length === 4, 'four attendance events')
    expect(heard).toEqual(['o-ann', 'o-bob', openids[0], 'o-ann'])
  })

  it('ignores a bad one, changing nothing, and stores the scan after it', async () => {
    const { core, conn } = await linked()
    conn.send(
      { type: 'scan-campaign', seq: 1, campaignId: CAMPAIGN },
      scanFrame(1, { openid: 'o-ann', ...at(1_000) }),
    )
    await waitFor(() => attendanceRows(core).length === 1, 'first scan')
    const bad = [
      { visitors: [{ visitor: 'o-ann', at: 5_000 }] },
      { visitors: [{ visitor: visitorTombstone(CAMPAIGN, 'o-ann') }] },
      { visitors: [visitorTombstone(CAMPAIGN, 'o-ann')] },
    ]
    for (const b of bad)
      conn.sendRaw(JSON.stringify({ type: 'erasure', campaignId: CAMPAIGN, ...b }))
    conn.send(scanFrame(2, { openid: 'o-bob', receivedAt: 2_000 }))
    await waitFor(() => attendanceRows(core).length === 2, 'the scan after them')
    expect(attendanceRows(core).map((r) => r.openid)).toEqual(['o-ann', 'o-bob'])
    expect(core.status().relay.state).toBe('connected')
    expect(conn.open()).toBe(true)
  })

  it('compares a check-in here with the erasure on one clock, the kiosk 2 minutes behind', async () => {
    const relayClock = () => Date.now() + 2 * 60_000
    const { core, conn } = await linked({
      clock: relayClock,
      roster: {
        type: 'roster',
        campaignId: CAMPAIGN,
        rosterVersion: 1,
        offset: 0,
        total: 1,
        entries: [{ id: 'r-ann', name: '安', company: '', phone: '', code: 'A1', openid: 'o-ann' }],
        final: true,
      },
    })
    const entry = () =>
      core.db
        .prepare<[], { openid: string | null; checkedInAt: number | null }>(
          `SELECT openid, checked_in_at AS checkedInAt FROM roster_entries WHERE code = 'A1'`,
        )
        .get()
    await waitFor(() => entry(), 'the roster')
    // Ann, erased a minute ago on the relay's clock, comes back now: her check-in here (on the
    // kiosk's clock, 2 minutes behind) is after the erasure, so it stays.
    const now = relayClock()
    conn.send(
      { type: 'scan-campaign', seq: 1, campaignId: CAMPAIGN },
      scanFrame(1, { openid: 'o-ann', receivedAt: now, number: 2 }),
      {
        type: 'erasure',
        campaignId: CAMPAIGN,
        visitors: [{ visitor: visitorTombstone(CAMPAIGN, 'o-ann'), at: now - 60_000 }],
      },
      scanFrame(2, { openid: 'o-bob', receivedAt: now, number: 3 }),
    )
    await waitFor(() => attendanceRows(core).length === 2, 'both scans')
    expect(attendanceRows(core).map((r) => r.openid)).toEqual(['o-ann', 'o-bob'])
    expect(entry()?.openid).toBe('o-ann')
    expect(entry()?.checkedInAt).not.toBeNull()
  })
})

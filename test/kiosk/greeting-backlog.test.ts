// The greetings kept for a page that was not listening when they were sent: the recent ones not
// yet shown, oldest first, bounded; a replayed scan's greeting ages from the scan, not from when
// the kiosk heard of it.
import { describe, expect, it } from 'vitest'
import type { AttendanceRow, Greeting } from '../../shared/domain'
import type { ScanFrame } from '../../shared/relay-protocol'
import { KioskEvents } from '../../electron/core/api/kiosk-events'
import { GreetingBacklog } from '../../electron/core/scans/greeting-backlog'
import { takeScans, type ScanIntakeDeps } from '../../electron/core/scans/scan-intake'
import { testCampaign } from './helpers'

/** A greeting for a scan made at `at` (the backlog ages it from there). */
function greeting(eventId: string, at: number): Greeting {
  return {
    eventId,
    kind: 'first-visit',
    name: null,
    checkInNumber: 1,
    texts: { 'zh-CN': '欢迎', en: 'Welcome' },
    at,
  }
}

/** The relay's scan frame `seq`, received at `receivedAt`. */
const frame = (seq: number, receivedAt: number): ScanFrame => ({
  type: 'scan',
  seq,
  id: `ev-${seq}`,
  event: 'scan',
  openid: `o_${seq}`,
  scene: 'booth-1:s',
  ticket: 't',
  createTime: 1_700_000_000,
  receivedAt,
})
/** The attendance row the frame is stored as. */
const row = (f: ScanFrame): AttendanceRow => ({
  id: f.seq,
  eventId: f.id,
  campaignId: 'expo',
  kioskId: 'booth-1',
  openid: f.openid,
  scene: f.scene,
  kind: 'scan',
  createTime: f.createTime,
  receivedAt: f.receivedAt,
  firstVisit: true,
  checkInNumber: f.seq,
  rosterEntryId: null,
  rosterName: null,
  greetingShown: false,
  unknownTicket: false,
  fallback: false,
})

/** Scan intake at `now` with a one-minute window, each greeting's id and `at` put in `added`. */
function intake(now: number, added: Array<[string, number]>): ScanIntakeDeps {
  return {
    attendance: { record: (f) => ({ inserted: true, row: row(f as ScanFrame) }) },
    cursor: { commit: (_seq, store) => store() },
    campaigns: { get: () => testCampaign() },
    events: new KioskEvents(),
    pool: { scanned: () => undefined },
    now: () => now,
    context: { kioskId: 'booth-1', fallbackCampaignId: 'expo' },
    relayCampaignId: null,
    greetWindowMs: 60_000,
    backlog: { add: (g) => void added.push([g.eventId, g.at]) },
  }
}

describe('greeting backlog', () => {
  it('keeps the recent unshown greetings in order, at most the limit, within the window', () => {
    let t = 1_000_000
    const backlog = new GreetingBacklog({ now: () => t, windowMs: 60_000, limit: 3 })
    const ids = (): string[] => backlog.recent().map((g) => g.eventId)
    backlog.add(greeting('a', t - 30_000))
    backlog.add(greeting('b', t))
    backlog.add(greeting('c', t))
    expect(ids()).toEqual(['a', 'b', 'c'])
    backlog.shown('b')
    expect(ids()).toEqual(['a', 'c'])
    backlog.add(greeting('d', t))
    backlog.add(greeting('e', t))
    // Over the limit: the oldest goes.
    expect(ids()).toEqual(['c', 'd', 'e'])
    backlog.add(greeting('f', t - 50_000))
    t += 15_000
    // f's scan is 65 s old now: the visitor has walked on.
    expect(ids()).toEqual(['d', 'e'])
    t += 46_000
    expect(ids()).toEqual([])
    backlog.add(greeting('g', t))
    backlog.clear()
    expect(ids()).toEqual([])
  })

  it('a replayed scan is kept for what is left of its window, a live one for the whole', () => {
    const now = 5_000_000
    const backlog = new GreetingBacklog({ now: () => now, windowMs: 60_000 })
    /** Each greeting's `at`, which the backlog and the screen age it from. */
    const added: Array<[string, number]> = []
    const announce = takeScans(intake(now, added), [
      // The relay's clock two minutes behind: a live scan is greeted and kept all the same.
      { frame: frame(1, now - 120_000), live: true },
      { frame: frame(2, now - 50_000), live: false },
      { frame: frame(3, now - 70_000), live: false },
    ])
    announce()
    expect(added).toEqual([
      ['ev-1', now],
      ['ev-2', now - 50_000],
    ])
    for (const [id, at] of added) backlog.add(greeting(id, at))
    expect(backlog.recent().map((g) => g.eventId)).toEqual(['ev-1', 'ev-2'])
  })

  it('a scan WeChat pushed late is greeted by when the visitor scanned, live or replayed', () => {
    // WeChat's backlog after its own incident arrives live, each push's CreateTime minutes
    // before the relay got it: the booth greeted every one of those visitors as if there now.
    const now = 1_800_000_000_000
    const added: Array<[string, number]> = []
    /** Scan `seq`, received by the relay at `receivedAt`, scanned `lagMs` before that. */
    const late = (seq: number, receivedAt: number, lagMs: number): ScanFrame => ({
      ...frame(seq, receivedAt),
      createTime: Math.floor((receivedAt - lagMs) / 1000),
    })
    const announce = takeScans(intake(now, added), [
      // Live, scanned three minutes before WeChat pushed it: the visitor has walked on.
      { frame: late(1, now, 180_000), live: true },
      // Live, WeChat's third try 10 s after the scan: the visitor is still at the booth.
      { frame: late(2, now, 10_000), live: true },
      // Replayed, received 20 s ago but scanned 50 s before that: over the minute.
      { frame: late(3, now - 20_000, 50_000), live: false },
      // Replayed, received 20 s ago, scanned 5 s before that.
      { frame: late(4, now - 20_000, 5_000), live: false },
    ])
    announce()
    expect(added).toEqual([
      ['ev-2', now - 10_000],
      ['ev-4', now - 25_000],
    ])
  })

  it('a booth clock minutes slow still skips a late backlog as old as its lag', () => {
    // The booth 3 minutes behind the relay (booth PCs often are), the relay on time. A push
    // WeChat sent 176 s after the scan is 176 s late whatever the booth's clock: read on the
    // booth's clock too (received 180 s "before" now, scanned 176 s before that) and the shorter
    // taken, it read as 0 s and a visitor long gone was greeted.
    const relayNow = 1_800_000_000_000
    const kioskNow = relayNow - 180_000
    const added: Array<[string, number]> = []
    const late = (seq: number, lagMs: number): ScanFrame => ({
      ...frame(seq, relayNow),
      createTime: Math.floor((relayNow - lagMs) / 1000),
    })
    const announce = takeScans(intake(kioskNow, added), [
      { frame: late(1, 176_000), live: true, relayAheadMs: 180_000 },
      { frame: late(2, 10_000), live: true, relayAheadMs: 180_000 },
    ])
    announce()
    expect(added).toEqual([['ev-2', kioskNow - 10_000]])
  })

  it('a greeting that cannot be made costs the visitor the greeting, never the stored scan', () => {
    // Greeted inside the transaction: a throw there rolled back the batch, and every resend of
    // it by the relay the same way, so the booth stored nothing more.
    const now = 5_000_000
    const events = new KioskEvents()
    const attendance: string[] = []
    events.on('attendance', (r) => attendance.push(r.eventId))
    const errors: string[] = []
    let committed = false
    const announce = takeScans(
      {
        attendance: { record: (f) => ({ inserted: true, row: row(f as ScanFrame) }) },
        cursor: {
          commit: (_seq, store) => {
            const rows = store()
            committed = true
            return rows
          },
        },
        campaigns: {
          get: () => {
            throw new Error('campaign unreadable')
          },
        },
        events,
        pool: { scanned: () => undefined },
        now: () => now,
        context: { kioskId: 'booth-1', fallbackCampaignId: 'expo' },
        relayCampaignId: null,
        greetWindowMs: 60_000,
        backlog: { add: () => undefined },
        log: { error: (msg) => void errors.push(msg) },
      },
      [
        { frame: frame(1, now), live: true },
        { frame: frame(2, now), live: true },
      ],
    )
    expect(committed).toBe(true)
    announce()
    expect(attendance).toEqual(['ev-1', 'ev-2'])
    expect(errors).toEqual([
      'greeting scan ev-1 failed: campaign unreadable',
      'greeting scan ev-2 failed: campaign unreadable',
    ])
  })
})

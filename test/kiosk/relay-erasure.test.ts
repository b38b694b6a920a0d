/**
 * The relay's `erasure` frame on the kiosk (docs/DESIGN.md "Visitor erasure (added after
 * v2)"): the visitor's scans of that campaign stored up to the erasure carry a pseudonym, their roster binding and
 * check-in go, their unsent desk bindings are dropped; the booth's scans stay as they were, its
 * visitors and returning ones drop by them (as the relay's);
 * the visitor in another campaign, everyone else, and a scan of theirs after the erasure are
 * untouched; the same frame again changes nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AttendanceQueries } from '../../electron/core/scans/attendance-queries'
import { isErasedOpenid } from '../../shared/console-api'
import {
  erasureFrameSchema,
  type ErasureFrame,
  type RosterFrame,
} from '../../shared/relay-protocol'
import { visitorTombstone } from '../../shared/server/visitor-tombstone'
import { openErasureBed, type ErasureBed } from './erasure-bed'

let bed: ErasureBed
beforeEach(() => {
  bed = openErasureBed('kiosk-erasure-')
})
afterEach(() => bed.close())

const ERASED_AT = 50_000
let seq = 0
function scan(campaignId: string, openid: string, receivedAt: number, number: number): void {
  seq++
  bed.attendance.record(
    {
      id: `ev-${seq}`,
      event: 'scan',
      openid,
      scene: `booth-1:n${seq}`,
      ticket: '',
      createTime: Math.floor(receivedAt / 1000),
      receivedAt,
      number,
    },
    { kioskId: 'booth-1', fallbackCampaignId: campaignId, countedIn: campaignId },
    receivedAt,
  )
}

const roster2: RosterFrame = {
  type: 'roster',
  campaignId: 'day-1',
  rosterVersion: 1,
  offset: 0,
  total: 2,
  entries: [
    { id: 'r-ann', name: '安', company: '', phone: '', code: 'A1', openid: 'o-ann' },
    { id: 'r-bob', name: '博', company: '', phone: '', code: 'B1', openid: 'o-bob' },
  ],
  final: true,
}

/** Ann and Bob scanned twice each in day-1 (Ann bound at the desk), Ann once in day-2. */
function booth(): void {
  const { sync, roster } = bed
  sync.applySlice('conn', roster2, 1)
  roster.markCheckedIn(roster.byOpenid('day-1', 'o-ann')?.id ?? '', 1_000)
  scan('day-1', 'o-ann', 1_000, 1)
  scan('day-1', 'o-bob', 2_000, 2)
  scan('day-1', 'o-ann', 3_000, 1)
  scan('day-1', 'o-bob', 4_000, 2)
  scan('day-2', 'o-ann', 5_000, 1)
  // Desk bindings not yet acknowledged: Ann's made before the erasure, Bob's.
  sync.queueBind('conn', { campaignId: 'day-1', registrationId: 'r-ann', openid: 'o-ann', at: 10 })
  sync.queueBind('conn', { campaignId: 'day-1', registrationId: 'r-bob', openid: 'o-bob', at: 11 })
}

/** What apply answers for a frame that finds nothing to change. */
const NOTHING_CHANGED = { visitors: 0, rows: 0, unbound: 0, binds: 0, latestRow: null }

const annErased: ErasureFrame = {
  type: 'erasure',
  campaignId: 'day-1',
  visitors: [{ visitor: visitorTombstone('day-1', 'o-ann'), at: ERASED_AT }],
}

/** Every openid the kiosk holds for `campaignId`, in every table that holds one. */
function openidsOf(campaignId: string): string[] {
  return bed.db
    .prepare<[{ c: string }], { openid: string }>(
      `SELECT openid FROM attendance WHERE campaign_id = @c
       UNION ALL SELECT openid FROM visitors WHERE campaign_id = @c
       UNION ALL SELECT openid FROM roster_entries WHERE campaign_id = @c AND openid IS NOT NULL
       UNION ALL SELECT openid FROM bind_outbox WHERE campaign_id = @c`,
    )
    .all({ c: campaignId })
    .map((r) => r.openid)
}

function dump(): unknown {
  return ['attendance', 'visitors', 'roster_entries', 'bind_outbox'].map((t) =>
    bed.db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all(),
  )
}

describe('an erasure frame on the kiosk', () => {
  it('leaves no trace of the visitor in the campaign, and the scans as they were', () => {
    booth()
    const queries = new AttendanceQueries(bed.db)
    const stats = queries.stats('day-1')
    const day2 = openidsOf('day-2')

    // Ann's latest row pseudonymised is her second scan of day-1 (the booth's third row).
    expect(bed.erasures.apply(annErased)).toEqual({
      visitors: 1,
      rows: 2,
      unbound: 1,
      binds: 1,
      latestRow: 3,
    })

    expect(openidsOf('day-1')).not.toContain('o-ann')
    // One pseudonym for the visitor's rows and number; their number stays with it.
    const rows = bed.db
      .prepare<[], { openid: string; n: number; entry: string | null }>(
        `SELECT openid, check_in_number AS n, roster_entry_id AS entry FROM attendance
         WHERE campaign_id = 'day-1' AND openid NOT LIKE 'o-bob' ORDER BY id`,
      )
      .all()
    expect(rows).toHaveLength(2)
    expect(new Set(rows.map((r) => r.openid)).size).toBe(1)
    expect(rows.every((r) => isErasedOpenid(r.openid) && r.n === 1 && r.entry === null)).toBe(true)
    const visitor = bed.db
      .prepare<[], { openid: string }>(
        `SELECT openid FROM visitors WHERE campaign_id = 'day-1' AND check_in_number = 1`,
      )
      .get()
    expect(visitor?.openid).toBe(rows[0]?.openid)
    // The attendance page finds them by neither openid nor name; the roster entry is free.
    expect(queries.list({ ...page, query: 'o-ann' }).total).toBe(0)
    expect(queries.list({ ...page, query: '安' }).total).toBe(0)
    expect(bed.roster.byRegistration('day-1', 'r-ann')).toMatchObject({
      openid: null,
      checkedInAt: null,
    })
    // The booth's figures: the same scans and timeline; Ann no longer a visitor nor returning
    // (as at the relay, whose campaign figures drop by the erased visitor).
    expect(stats).toMatchObject({ total: 4, uniqueVisitors: 2, returning: 2 })
    expect(queries.stats('day-1')).toEqual({ ...stats, uniqueVisitors: 1, returning: 1 })
    // Bob, and Ann in day-2, untouched; Bob's unsent binding still goes.
    expect(queries.list({ ...page, query: 'o-bob' }).total).toBe(2)
    expect(bed.roster.byOpenid('day-1', 'o-bob')?.name).toBe('博')
    expect(openidsOf('day-2')).toEqual(day2)
    expect(bed.sync.pendingBinds('conn').map((b) => b.openid)).toEqual(['o-bob'])
  })

  it('changes nothing when sent again, or for a visitor of another campaign', () => {
    booth()
    bed.erasures.apply(annErased)
    const after = dump()
    expect(bed.erasures.apply(annErased)).toEqual(NOTHING_CHANGED)
    expect(dump()).toEqual(after)
    // Day-2's tombstone of Ann said as day-1's: the hash names day-2, nobody here matches.
    const wrong = {
      ...annErased,
      visitors: [{ visitor: visitorTombstone('day-2', 'o-bob'), at: 1e9 }],
    }
    expect(bed.erasures.apply(wrong)).toEqual(NOTHING_CHANGED)
    expect(dump()).toEqual(after)
  })

  it('keeps the scans of the visitor come back after the erasure (a new visitor)', () => {
    booth()
    scan('day-1', 'o-ann', ERASED_AT + 1, 3)
    bed.sync.queueBind('conn', {
      campaignId: 'day-1',
      registrationId: 'r-ann',
      openid: 'o-ann',
      at: ERASED_AT + 2,
    })
    bed.erasures.apply(annErased)
    const kept = bed.db
      .prepare<[], { n: number; at: number }>(
        `SELECT check_in_number AS n, received_at AS at FROM attendance
         WHERE campaign_id = 'day-1' AND openid = 'o-ann'`,
      )
      .all()
    expect(kept).toEqual([{ n: 3, at: ERASED_AT + 1 }])
    expect(bed.sync.pendingBinds('conn').filter((b) => b.openid === 'o-ann')).toHaveLength(1)
    // Sent again (every welcome), it finds them again but changes nothing: nothing to log.
    const after = dump()
    expect(bed.erasures.apply(annErased)).toEqual(NOTHING_CHANGED)
    expect(dump()).toEqual(after)
  })

  it('the frame is checked: no openid, no tombstone that is not a hash, no empty list', () => {
    const bad = [
      { ...annErased, visitors: [{ visitor: 'o-ann', at: 1 }] },
      {
        ...annErased,
        visitors: [{ visitor: visitorTombstone('day-1', 'o-ann').toUpperCase(), at: 1 }],
      },
      { ...annErased, visitors: [] },
      { ...annErased, visitors: [{ visitor: visitorTombstone('day-1', 'o-ann') }] },
      { ...annErased, openid: 'o-ann' },
    ]
    for (const f of bad) expect(erasureFrameSchema.safeParse(f).success).toBe(false)
    expect(erasureFrameSchema.safeParse(annErased).success).toBe(true)
  })
})

const page = { campaignId: 'day-1', from: null, to: null, offset: 0, limit: 50 }

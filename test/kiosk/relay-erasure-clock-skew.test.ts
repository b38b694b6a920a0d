/**
 * An erasure on a kiosk whose clock is off from the relay's: the erasure's `at` is the relay's
 * clock, the kiosk's scans and unsent desk bindings carry the relay's times, but a roster
 * check-in is on the kiosk's own clock. With the kiosk 2 minutes behind the relay and 2 minutes
 * ahead, what the visitor did a minute before the erasure (relay time) is all erased, and what
 * a visitor did a minute after it (come back) is all kept: the scan, the desk binding waiting
 * for the relay, and the roster entry's binding and check-in, whether made by a desk scan here
 * or by a binding frame from another booth.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isErasedOpenid } from '../../shared/console-api'
import type { RosterFrame } from '../../shared/relay-protocol'
import { visitorTombstone } from '../../shared/server/visitor-tombstone'
import { openErasureBed, type ErasureBed } from './erasure-bed'

let bed: ErasureBed
beforeEach(() => {
  bed = openErasureBed('kiosk-erasure-skew-')
})
afterEach(() => bed.close())

const MINUTE = 60_000
/** The erasure's time on the relay's clock. */
const T = 1_000_000_000

const rosterFrame: RosterFrame = {
  type: 'roster',
  campaignId: 'day-1',
  rosterVersion: 1,
  offset: 0,
  total: 4,
  entries: [
    { id: 'r-ann', name: '安', company: '', phone: '', code: 'A1', openid: null },
    { id: 'r-cy', name: '茜', company: '', phone: '', code: 'C1', openid: null },
    { id: 'r-eve', name: '伊', company: '', phone: '', code: 'E1', openid: null },
    { id: 'r-fay', name: '菲', company: '', phone: '', code: 'F1', openid: null },
  ],
  final: true,
}

let seq = 0
/**
 * A desk scan of `openid` at relay time `relayAt`, stored by the kiosk at once (its clock:
 * `relayAt - relayAheadMs`), as the link stores it.
 */
function deskScan(openid: string, registrationId: string, relayAt: number, ahead: number): void {
  const entry = bed.roster.byRegistration('day-1', registrationId)
  if (!entry) throw new Error(`no entry ${registrationId}`)
  seq++
  bed.attendance.record(
    {
      id: `ev-${seq}`,
      event: 'scan',
      openid,
      scene: `desk:${entry.id}`,
      ticket: '',
      createTime: Math.floor(relayAt / 1000),
      receivedAt: relayAt,
      number: seq,
    },
    { kioskId: 'booth-1', fallbackCampaignId: 'day-1', countedIn: 'day-1', relayAheadMs: ahead },
    relayAt - ahead,
  )
}

function heldOf(openid: string): {
  rows: number
  erasedRows: number
  entry: { openid: string | null; checkedIn: boolean } | null
  binds: number
} {
  const n = (sql: string, ...p: string[]): number =>
    (bed.db.prepare(sql).get(...p) as { n: number }).n
  const regOf: Record<string, string> = {
    'o-ann': 'r-ann',
    'o-cy': 'r-cy',
    'o-eve': 'r-eve',
    'o-fay': 'r-fay',
  }
  const e = bed.roster.byRegistration('day-1', regOf[openid] ?? '')
  return {
    rows: n('SELECT count(*) AS n FROM attendance WHERE openid = ?', openid),
    erasedRows: bed.db
      .prepare<[], { openid: string }>('SELECT openid FROM attendance')
      .all()
      .filter((r) => isErasedOpenid(r.openid)).length,
    entry: e ? { openid: e.openid, checkedIn: e.checkedInAt !== null } : null,
    binds: n('SELECT count(*) AS n FROM bind_outbox WHERE openid = ?', openid),
  }
}

describe.each([
  ['2 minutes behind the relay', 2 * MINUTE],
  ['2 minutes ahead of the relay', -2 * MINUTE],
])('an erasure on a kiosk %s', (_, ahead) => {
  it('erases what was made before it in relay time, and keeps what was made after', () => {
    bed.sync.applySlice('conn', rosterFrame, T - 10 * MINUTE)
    // Ann checks in at this desk a minute before her erasure; Cy a minute after his.
    deskScan('o-ann', 'r-ann', T - MINUTE, ahead)
    deskScan('o-cy', 'r-cy', T + MINUTE, ahead)
    // Eve and Fay check in at another booth (binding frames, the relay's times): Eve a minute
    // before her erasure, Fay a minute after hers.
    const binding = (registrationId: string, openid: string, at: number) =>
      bed.sync.applyBinding(
        { type: 'binding', campaignId: 'day-1', registrationId, openid, at },
        ahead,
      )
    expect(binding('r-eve', 'o-eve', T - MINUTE)).toBe(true)
    expect(binding('r-fay', 'o-fay', T + MINUTE)).toBe(true)

    const done = bed.erasures.apply(
      {
        type: 'erasure',
        campaignId: 'day-1',
        visitors: ['o-ann', 'o-cy', 'o-eve', 'o-fay'].map((o) => ({
          visitor: visitorTombstone('day-1', o),
          at: T,
        })),
      },
      ahead,
    )

    // Ann: her scan pseudonymised, her entry free, her unsent binding dropped.
    expect(heldOf('o-ann')).toEqual({
      rows: 0,
      erasedRows: 1,
      entry: { openid: null, checkedIn: false },
      binds: 0,
    })
    // Cy came after the erasure: all of it kept.
    expect(heldOf('o-cy')).toMatchObject({
      rows: 1,
      entry: { openid: 'o-cy', checkedIn: true },
      binds: 1,
    })
    // Eve's binding from another booth (before): gone; Fay's (after): kept.
    expect(heldOf('o-eve').entry).toEqual({ openid: null, checkedIn: false })
    expect(heldOf('o-fay').entry).toEqual({ openid: 'o-fay', checkedIn: true })
    expect(done).toEqual({ visitors: 2, rows: 1, unbound: 2, binds: 1, latestRow: 1 })
  })
})

/**
 * Relay rosters of two campaigns on one kiosk. The relay derives a registration's id from its
 * match key, so the same person has the same id in every campaign that lists them: the kiosk
 * must keep one row per campaign, each with its own check-in and binding.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RelayRosterSync } from '../../electron/core/campaigns/relay-roster'
import { openKioskDb, type KioskDb } from '../../electron/core/db/db'
import { RosterStore } from '../../electron/core/roster/roster-store'
import type { RosterFrame } from '../../shared/relay-protocol'

let dir: string
let db: KioskDb
let roster: RosterStore
let sync: RelayRosterSync

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kiosk-roster-'))
  db = openKioskDb(join(dir, 'kiosk.db'))
  roster = new RosterStore(db)
  sync = new RelayRosterSync(db, roster)
})
afterEach(() => {
  db.close()
  rmSync(dir, { recursive: true, force: true })
})

type Entry = RosterFrame['entries'][number]
const person = (id: string, code: string, openid: string | null = null): Entry => ({
  id,
  name: `访客${code}`,
  company: '',
  phone: '',
  code,
  openid,
})
const wholeRoster = (campaignId: string, version: number, entries: Entry[]): RosterFrame => ({
  type: 'roster',
  campaignId,
  rosterVersion: version,
  offset: 0,
  total: entries.length,
  entries,
  final: true,
})

describe('a relay roster at the desk', () => {
  it('is found as staff type it, and by its new details after the relay changes them', () => {
    const jose = { ...person('r-j', 'SD-7'), name: 'José Álvarez', phone: '+86 138-0013-8000' }
    sync.applySlice('conn', wholeRoster('day-1', 1, [jose]), 1)
    const found = (q: string) => roster.search('day-1', q, 10).map((e) => e.name)
    expect(found('jose alvarez')).toEqual(['José Álvarez'])
    expect(found('13800138000')).toEqual(['José Álvarez'])
    expect(found('sd7')).toEqual(['José Álvarez'])

    sync.applySlice('conn', wholeRoster('day-1', 2, [{ ...jose, name: 'Zoë Wang' }]), 2)
    expect(found('zoe')).toEqual(['Zoë Wang'])
    expect(found('jose')).toEqual([])
  })
})

describe('a roster transfer given up', () => {
  it('leaves none of its rows behind when the kiosk forgets it (a new relay epoch)', () => {
    const staged = () =>
      (db.prepare('SELECT count(*) AS n FROM roster_staging').get() as { n: number }).n
    const first = [person('r-1', 'A1'), person('r-2', 'A2')]
    sync.applySlice('conn', { ...wholeRoster('day-1', 1, first), total: 3, final: false }, 1)
    expect(staged()).toBe(2)
    expect(sync.held('conn')).toEqual({ campaignId: 'day-1', version: 1, offset: 2 })
    // Names and phones nothing could reach any more: the next transfer starts from row 0.
    sync.forgetProgress('conn')
    expect(sync.held('conn')).toBeUndefined()
    expect(staged()).toBe(0)
    expect(roster.byRegistration('day-1', 'r-1')).toBeNull()
  })
})

describe('one person in two relay campaigns', () => {
  it('is a row in each, and a check-in in one is not one in the other', () => {
    sync.applySlice('conn', wholeRoster('day-1', 1, [person('r-p', 'P1')]), 1000)
    const [day1] = roster.search('day-1', 'P1', 10)
    roster.markCheckedIn(day1?.id ?? '', 1000)

    sync.applySlice('conn', wholeRoster('day-2', 2, [person('r-p', 'P1')]), 2000)
    expect(roster.search('day-1', 'P1', 10).map((e) => e.checkedInAt)).toEqual([1000])
    const [day2] = roster.search('day-2', 'P1', 10)
    expect(day2?.checkedInAt).toBeNull()
    expect(day2?.id).not.toBe(day1?.id)
    // Both rows stand for the relay's one registration (what a desk binding sends back).
    expect(roster.registrationIdOf(day1?.id ?? '')).toBe('r-p')
    expect(roster.registrationIdOf(day2?.id ?? '')).toBe('r-p')

    // A new version of day 2's roster updates its row in place, check-in kept.
    roster.markCheckedIn(day2?.id ?? '', 2500)
    sync.applySlice('conn', wholeRoster('day-2', 3, [person('r-p', 'P1')]), 3000)
    expect(roster.search('day-2', 'P1', 10).map((e) => [e.id, e.checkedInAt])).toEqual([
      [day2?.id, 2500],
    ])
  })

  it('takes day 2’s binding of an openid day 1 gave someone else, without failing', () => {
    sync.applySlice('conn', wholeRoster('day-1', 1, [person('r-p', 'P1')]), 1)
    const [p1] = roster.search('day-1', 'P1', 10)
    roster.bind({ id: p1?.id ?? '', campaignId: 'day-1' }, 'oZ')
    const day2 = [person('r-p', 'P1'), person('r-q', 'Q1', 'oZ')]
    expect(() => sync.applySlice('conn', wholeRoster('day-2', 2, day2), 2)).not.toThrow()
    expect(roster.byOpenid('day-2', 'oZ')?.name).toBe('访客Q1')
    expect(roster.byOpenid('day-1', 'oZ')?.name).toBe('访客P1')
  })

  it('applies a binding from another booth to the campaign it names only', () => {
    sync.applySlice('conn', wholeRoster('day-1', 1, [person('r-p', 'P1')]), 1)
    sync.applySlice('conn', wholeRoster('day-2', 2, [person('r-p', 'P1')]), 2)
    const binding = {
      type: 'binding',
      campaignId: 'day-2',
      registrationId: 'r-p',
      openid: 'oB',
      at: 3,
    } as const
    expect(sync.applyBinding(binding)).toBe(true)
    expect(roster.byOpenid('day-2', 'oB')?.name).toBe('访客P1')
    expect(roster.byOpenid('day-1', 'oB')).toBeNull()
    expect(sync.applyBinding({ ...binding, campaignId: 'day-3' })).toBe(false)
  })
})

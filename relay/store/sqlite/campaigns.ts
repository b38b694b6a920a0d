/**
 * The campaign half of the SQLite store (relay/store/campaign-types.ts), and the check-in
 * number step the store's appendEvent runs inside the push's own transaction.
 */
import { randomBytes } from 'node:crypto'
import { setImmediate as nextTurn } from 'node:timers/promises'
import type Database from 'better-sqlite3'
import { z } from 'zod'
import {
  consoleCampaignSchema,
  type CampaignInput,
  type ConsoleCampaign,
} from '../../../shared/campaign'
import type {
  Binding,
  CampaignRecord,
  CheckinRecord,
  CampaignStore,
  RosterSlice,
  RosterState,
  StoredRosterEntry,
} from '../campaign-types'
import type { StoreChange } from '../types'
import { statement, writeTransaction } from './statements'

const campaignRow = z.object({
  campaign: z.string(),
  version: z.number(),
  updated_at: z.number(),
})
const visitorRow = z.object({ number: z.number(), first_event_id: z.string() })
const lastNumberRow = z.object({ last_number: z.number() })
const valueRow = z.object({ value: z.number() })
const versionRow = z.object({ version: z.number() })
const rosterKeyRow = z.object({
  roster_version: z.number(),
  roster_total: z.number(),
  roster_key: z.string().nullable(),
})
const rosterEntryRow = z.object({
  id: z.string(),
  name: z.string(),
  company: z.string(),
  phone: z.string(),
  code: z.string(),
})
const checkinRow = z.object({
  number: z.number(),
  openid: z.string(),
  at: z.number().nullable(),
})
const bindingRow = z.object({ registration_id: z.string(), openid: z.string(), at: z.number() })
const toBinding = (raw: unknown): Binding => {
  const r = bindingRow.parse(raw)
  return { registrationId: r.registration_id, openid: r.openid, at: r.at }
}

function toRecord(raw: unknown): CampaignRecord {
  const r = campaignRow.parse(raw)
  return {
    campaign: consoleCampaignSchema.parse(JSON.parse(r.campaign)),
    version: r.version,
    updatedAt: r.updated_at,
  }
}

/** Roster rows written or deleted per transaction, a turn of the event loop after each (~40 ms on one core). */
export const ROSTER_ROWS_PER_WRITE = 5_000

function attempt<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn())
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)))
  }
}

export class SqliteCampaignStore implements CampaignStore {
  constructor(
    private readonly db: Database.Database,
    private readonly emit: (change: StoreChange) => void,
    /** Resolves once the attendance rows pending now are in the attendance table. */
    private readonly attendanceSettled: () => Promise<void>,
  ) {}

  /** Keys of the uploads being written now (replaceRoster), which dropLeftovers leaves alone. */
  private readonly staging = new Set<string>()

  private read(id: string): CampaignRecord | null {
    const row = statement(this.db, 'SELECT * FROM campaigns WHERE id = ?').get(id)
    return row === undefined ? null : toRecord(row)
  }

  private tick(): number {
    const row = statement(
      this.db,
      'UPDATE campaign_clock SET value = value + 1 WHERE id = 1 RETURNING value',
    ).get()
    return valueRow.parse(row).value
  }

  createCampaign(c: ConsoleCampaign, now: number): Promise<CampaignRecord | null> {
    return attempt(() => {
      const created = writeTransaction(this.db, () => {
        if (this.read(c.id) !== null) return false
        statement(
          this.db,
          'INSERT INTO campaigns (id, campaign, version, updated_at) VALUES (?, ?, ?, ?)',
        ).run(c.id, JSON.stringify(c), this.tick(), now)
        statement(
          this.db,
          'INSERT INTO campaign_counters (campaign_id, last_number) VALUES (?, 0)',
        ).run(c.id)
        return true
      })
      if (!created) return null
      this.emit({ type: 'campaign', campaignId: c.id })
      return this.read(c.id)
    })
  }

  getCampaign(id: string): Promise<CampaignRecord | null> {
    return attempt(() => this.read(id))
  }

  listCampaigns(): Promise<CampaignRecord[]> {
    return attempt(() =>
      statement(this.db, 'SELECT * FROM campaigns ORDER BY updated_at DESC, id')
        .all()
        .map(toRecord),
    )
  }

  clock(): Promise<number> {
    return attempt(
      () =>
        valueRow.parse(statement(this.db, 'SELECT value FROM campaign_clock WHERE id = 1').get())
          .value,
    )
  }

  private change(
    id: string,
    edit: (c: ConsoleCampaign) => ConsoleCampaign,
    now: number,
    ifVersions?: readonly number[],
  ): CampaignRecord | null | 'stale' {
    const changed = writeTransaction(this.db, (): boolean | 'stale' => {
      const old = this.read(id)
      if (old === null) return false
      if (ifVersions !== undefined && !ifVersions.includes(old.version)) return 'stale'
      const next = consoleCampaignSchema.parse(edit(old.campaign))
      statement(
        this.db,
        'UPDATE campaigns SET campaign = ?, version = ?, updated_at = ? WHERE id = ?',
      ).run(JSON.stringify(next), this.tick(), now, id)
      return true
    })
    if (changed === 'stale') return changed
    if (!changed) return null
    this.emit({ type: 'campaign', campaignId: id })
    return this.read(id)
  }

  updateCampaign(
    id: string,
    fields: CampaignInput,
    now: number,
    ifVersions?: readonly number[],
  ): Promise<CampaignRecord | null | 'stale'> {
    return attempt(() =>
      this.change(id, (c) => ({ ...fields, id: c.id, screenKey: c.screenKey }), now, ifVersions),
    )
  }

  setScreenKey(id: string, screenKey: string, now: number): Promise<CampaignRecord | null> {
    return attempt(() => {
      const changed = this.change(id, (c) => ({ ...c, screenKey }), now)
      return changed === 'stale' ? null : changed
    })
  }

  noteAssignment(kioskId: string): Promise<number> {
    return attempt(() =>
      writeTransaction(this.db, () => {
        const version = this.tick()
        statement(
          this.db,
          `INSERT INTO kiosk_campaign_versions (kiosk_id, version) VALUES (?, ?)
             ON CONFLICT (kiosk_id) DO UPDATE SET version = excluded.version`,
        ).run(kioskId, version)
        return version
      }),
    )
  }

  assignmentVersion(kioskId: string): Promise<number> {
    return attempt(() => this.readAssignmentVersion(kioskId))
  }

  private readAssignmentVersion(kioskId: string): number {
    const row = statement(
      this.db,
      'SELECT version FROM kiosk_campaign_versions WHERE kiosk_id = ?',
    ).get(kioskId)
    return row === undefined ? 0 : versionRow.parse(row).version
  }

  assignKiosk(
    kioskId: string,
    campaignId: string | null,
    ifVersions?: readonly number[],
  ): Promise<number | 'stale'> {
    return attempt(() =>
      writeTransaction(this.db, (): number | 'stale' => {
        const old = this.readAssignmentVersion(kioskId)
        if (ifVersions !== undefined && !ifVersions.includes(old)) return 'stale'
        statement(
          this.db,
          `INSERT INTO kiosk_meta (kiosk_id, campaign_id) VALUES (?, ?)
             ON CONFLICT (kiosk_id) DO UPDATE SET campaign_id = excluded.campaign_id`,
        ).run(kioskId, campaignId)
        const version = this.tick()
        statement(
          this.db,
          `INSERT INTO kiosk_campaign_versions (kiosk_id, version) VALUES (?, ?)
             ON CONFLICT (kiosk_id) DO UPDATE SET version = excluded.version`,
        ).run(kioskId, version)
        return version
      }),
    )
  }

  /**
   * The new roster goes in in slices of ROSTER_ROWS_PER_WRITE, each its own transaction with a
   * turn of the event loop after it, under a key of its own (`<campaign id>/<random>`), and is
   * made current by one short transaction (the version check, the clock, the key); the old rows
   * then go the same way. 100,000 guests in one transaction held the loop ~0.5 s on a fast
   * core (pushes, kiosk links and the console waiting), seconds on a small VM's disk. Readers
   * meanwhile read the old roster whole (readRoster, the draw's names follow the key).
   */
  async replaceRoster(
    campaignId: string,
    entries: StoredRosterEntry[],
    ifVersions?: readonly number[],
  ): Promise<RosterState | null | 'stale'> {
    const before = this.rosterRow(campaignId)
    if (before === null) return null
    if (ifVersions !== undefined && !ifVersions.includes(before.roster_version)) return 'stale'
    const key = `${campaignId}/${randomBytes(9).toString('base64url')}`
    this.staging.add(key)
    let swapped: { state: RosterState; old: string } | null | 'stale' = null
    try {
      await this.dropLeftovers(campaignId)
      const insert = statement(
        this.db,
        `INSERT INTO campaign_roster (campaign_id, idx, id, name, company, phone, code)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      for (let from = 0; from < entries.length; from += ROSTER_ROWS_PER_WRITE) {
        writeTransaction(this.db, () => {
          const to = Math.min(entries.length, from + ROSTER_ROWS_PER_WRITE)
          for (let idx = from; idx < to; idx++) {
            const e = entries[idx]!
            insert.run(key, idx, e.id, e.name, e.company, e.phone, e.code)
          }
        })
        await nextTurn()
      }
      swapped = writeTransaction(this.db, () => {
        const row = this.rosterRow(campaignId)
        if (row === null) return null
        if (ifVersions !== undefined && !ifVersions.includes(row.roster_version)) return 'stale'
        const version = this.tick()
        statement(
          this.db,
          `UPDATE campaigns SET roster_version = ?, roster_total = ?, roster_key = ?
             WHERE id = ?`,
        ).run(version, entries.length, key, campaignId)
        return { state: { version, total: entries.length }, old: row.roster_key ?? campaignId }
      })
    } finally {
      this.staging.delete(key)
      // Not made current (stale, gone, or a write failed): its rows go; left behind by a
      // failure here too, the campaign's next upload drops them.
      if (swapped === null || swapped === 'stale') await this.dropRows(key).catch(() => {})
    }
    if (swapped === null || swapped === 'stale') return swapped
    this.emit({ type: 'roster', campaignId })
    // The roster is replaced whatever happens to the old rows; left behind, the next upload drops them.
    await this.dropRows(swapped.old).catch(() => {})
    return swapped.state
  }

  /** The campaign's roster version, size and key; null: no such campaign. */
  private rosterRow(campaignId: string): z.infer<typeof rosterKeyRow> | null {
    const row = statement(
      this.db,
      'SELECT roster_version, roster_total, roster_key FROM campaigns WHERE id = ?',
    ).get(campaignId)
    return row === undefined ? null : rosterKeyRow.parse(row)
  }

  /** Deletes the rows under `key` in slices, a turn of the event loop after each. */
  private async dropRows(key: string): Promise<void> {
    const drop = statement(
      this.db,
      `DELETE FROM campaign_roster WHERE campaign_id = ? AND idx IN
         (SELECT idx FROM campaign_roster WHERE campaign_id = ? ORDER BY idx LIMIT ?)`,
    )
    while (writeTransaction(this.db, () => drop.run(key, key, ROSTER_ROWS_PER_WRITE)).changes > 0)
      await nextTurn()
  }

  /**
   * Rows under the campaign's keys that are neither its current roster nor an upload under way
   * here: an upload cut by a crash or a failed write, or the roster under the campaign's own id
   * once a later one is current.
   */
  private async dropLeftovers(campaignId: string): Promise<void> {
    const next = statement(
      this.db,
      `SELECT campaign_id FROM campaign_roster
         WHERE campaign_id > ? AND campaign_id < ? ORDER BY campaign_id LIMIT 1`,
    ).pluck()
    const keys = [campaignId]
    // '/' then '0' in ASCII: every `<id>/…` key is between the two; one look-up per key.
    for (let after = `${campaignId}/`; ;) {
      const key: unknown = next.get(after, `${campaignId}0`)
      if (typeof key !== 'string') break
      keys.push(key)
      after = key
    }
    for (const key of keys) {
      // The current key read again before each key: another upload here may have been made
      // current while an earlier key was dropped (its key no longer staging). A key neither
      // current nor staging now can never become current (only a staging key is switched to).
      const current = this.rosterRow(campaignId)?.roster_key ?? campaignId
      if (key !== current && !this.staging.has(key)) await this.dropRows(key)
    }
  }

  /**
   * A page (limit > 0) is read after a turn of the event loop: whoever reads the whole roster
   * (the upload's match, the export's names, the name book, the follow-up) reads page after page,
   * which on SQLite were all answered within one task (100 pages: ~1 s on a small VM, the
   * pushes' sockets unread). A version read (limit 0) is answered at once.
   */
  async readRoster(campaignId: string, offset: number, limit: number): Promise<RosterSlice> {
    if (limit > 0) await nextTurn()
    return attempt(() => {
      const st = this.rosterRow(campaignId)
      if (st === null) return { version: 0, total: 0, entries: [] }
      const entries = statement(
        this.db,
        `SELECT id, name, company, phone, code FROM campaign_roster
           WHERE campaign_id = ? AND idx >= ? ORDER BY idx LIMIT ?`,
      )
        .all(st.roster_key ?? campaignId, offset, limit)
        .map((r) => rosterEntryRow.parse(r))
      return { version: st.roster_version, total: st.roster_total, entries }
    })
  }

  putBinding(campaignId: string, b: Binding): Promise<boolean> {
    return attempt(() => {
      const changed = writeTransaction(this.db, () => {
        const byReg = statement(
          this.db,
          `SELECT registration_id, openid, at FROM campaign_bindings
             WHERE campaign_id = ? AND registration_id = ?`,
        ).get(campaignId, b.registrationId)
        if (byReg !== undefined && toBinding(byReg).at >= b.at) return false
        const byOpenid = statement(
          this.db,
          `SELECT registration_id, openid, at FROM campaign_bindings
             WHERE campaign_id = ? AND openid = ?`,
        )
          .all(campaignId, b.openid)
          .map(toBinding)
        if (byOpenid.some((x) => x.at > b.at)) return false
        statement(
          this.db,
          'DELETE FROM campaign_bindings WHERE campaign_id = ? AND openid = ?',
        ).run(campaignId, b.openid)
        statement(
          this.db,
          `INSERT INTO campaign_bindings (campaign_id, registration_id, openid, at)
             VALUES (?, ?, ?, ?) ON CONFLICT (campaign_id, registration_id)
             DO UPDATE SET openid = excluded.openid, at = excluded.at`,
        ).run(campaignId, b.registrationId, b.openid, b.at)
        return true
      })
      if (changed) this.emit({ type: 'binding', campaignId, ...b })
      return changed
    })
  }

  bindings(campaignId: string): Promise<Binding[]> {
    return attempt(() =>
      statement(
        this.db,
        'SELECT registration_id, openid, at FROM campaign_bindings WHERE campaign_id = ?',
      )
        .all(campaignId)
        .map(toBinding),
    )
  }

  checkinCount(campaignId: string): Promise<number> {
    return attempt(() => {
      const row = statement(
        this.db,
        'SELECT last_number FROM campaign_counters WHERE campaign_id = ?',
      ).get(campaignId)
      return row === undefined ? 0 : lastNumberRow.parse(row).last_number
    })
  }

  recentCheckins(campaignId: string, limit: number): Promise<CheckinRecord[]> {
    return this.checkins('ORDER BY v.number DESC LIMIT ?', campaignId, limit)
  }

  async checkinOf(campaignId: string, openid: string): Promise<CheckinRecord | null> {
    return (await this.checkins('AND v.openid = ?', campaignId, openid))[0] ?? null
  }

  /** The campaign's check-ins `where` picks (`params` after the campaign id). */
  private async checkins(
    where: string,
    campaignId: string,
    ...params: Array<string | number>
  ): Promise<CheckinRecord[]> {
    // The first scan's receive time from its attendance row (the openid index finds it), or,
    // while that row is still pending past the read's wait, from its queue entry (the prune
    // keeps those): the newest check-ins are the ones most likely pending.
    await this.attendanceSettled()
    return attempt(() =>
      statement(
        this.db,
        `SELECT v.number, v.openid, coalesce(
             (SELECT a.received_at FROM attendance a
                WHERE a.openid = v.openid AND a.event_id = v.first_event_id LIMIT 1),
             (SELECT e.received_at FROM events e WHERE e.id = v.first_event_id)) AS at
           FROM campaign_visitors v WHERE v.campaign_id = ? ${where}`,
      )
        .all(campaignId, ...params)
        .map((raw) => {
          const r = checkinRow.parse(raw)
          return { number: r.number, openid: r.openid, at: r.at ?? 0 }
        }),
    )
  }
}

/**
 * The visitor's number in the campaign, taking the next one on a first scan. Runs inside the
 * push's transaction (the group commit's savepoint), so a failed push takes no number, and
 * only the push that took it (`eventId`, stable across WeChat's retries) is the first.
 */
export function assignNumber(
  db: Database.Database,
  campaignId: string,
  openid: string,
  eventId: string,
): { number: number; firstInCampaign: boolean } | null {
  const seen = statement(
    db,
    'SELECT number, first_event_id FROM campaign_visitors WHERE campaign_id = ? AND openid = ?',
  ).get(campaignId, openid)
  if (seen !== undefined) {
    const v = visitorRow.parse(seen)
    return { number: v.number, firstInCampaign: v.first_event_id === eventId }
  }
  const bumped = statement(
    db,
    `UPDATE campaign_counters SET last_number = last_number + 1 WHERE campaign_id = ?
       RETURNING last_number`,
  ).get(campaignId)
  // A campaign deleted under a stale cache: the scan is stored without a number.
  if (bumped === undefined) return null
  const number = lastNumberRow.parse(bumped).last_number
  statement(
    db,
    `INSERT INTO campaign_visitors (campaign_id, openid, number, first_event_id)
       VALUES (?, ?, ?, ?)`,
  ).run(campaignId, openid, number, eventId)
  return { number, firstInCampaign: true }
}

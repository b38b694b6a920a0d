/** Registered visitors per campaign (desk mode), and which WeChat openid each one is. */
import { randomBytes } from 'node:crypto'
import type { RosterEntry } from '../../../shared/domain'
import type { KioskDb } from '../db/db'

export interface RosterInput {
  name: string
  company: string
  phone: string
  code: string
}

const COLUMNS = `id, name, company, phone, code, openid, checked_in_at AS checkedInAt`

/** Re-importing the same list updates entries instead of doubling them: by code, else name + phone. */
export function rosterMatchKey(r: RosterInput): string {
  return r.code !== '' ? `code:${r.code}` : `name:${r.name}\u0000${r.phone}`
}

export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`)
}

export class RosterStore {
  constructor(private readonly db: KioskDb) {}

  byId(id: string): (RosterEntry & { campaignId: string }) | null {
    return (
      this.db
        .prepare<[string], RosterEntry & { campaignId: string }>(
          `SELECT ${COLUMNS}, campaign_id AS campaignId FROM roster_entries WHERE id = ?`,
        )
        .get(id) ?? null
    )
  }

  search(campaignId: string, query: string, limit: number): RosterEntry[] {
    const q = `%${escapeLike(query.trim())}%`
    return this.db
      .prepare<[string, string, string, string, string, number], RosterEntry>(
        `SELECT ${COLUMNS} FROM roster_entries WHERE campaign_id = ?
         AND (name LIKE ? ESCAPE '\\' OR company LIKE ? ESCAPE '\\' OR phone LIKE ? ESCAPE '\\'
              OR code LIKE ? ESCAPE '\\')
         ORDER BY name, id LIMIT ?`,
      )
      .all(campaignId, q, q, q, q, limit)
  }

  /** Inserts or updates (keeping any openid binding); returns how many rows were written. */
  upsertMany(campaignId: string, rows: RosterInput[], now: number): number {
    const stmt = this.db.prepare(
      `INSERT INTO roster_entries (id, campaign_id, name, company, phone, code, match_key, imported_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (campaign_id, match_key) DO UPDATE SET
         name = excluded.name, company = excluded.company, phone = excluded.phone,
         code = excluded.code, imported_at = excluded.imported_at`,
    )
    const run = this.db.transaction(() => {
      for (const r of rows) {
        const id = `r_${randomBytes(9).toString('base64url')}`
        stmt.run(id, campaignId, r.name, r.company, r.phone, r.code, rosterMatchKey(r), now)
      }
    })
    run()
    return rows.length
  }
}

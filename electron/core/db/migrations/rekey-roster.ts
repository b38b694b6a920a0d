import type Database from 'better-sqlite3'
import { rosterMatchKey } from '../../../../shared/roster/roster-input'

/**
 * Keys anew the roster entries whose match key starts with one of `prefixes` (`name:`, `code:`),
 * by the match key of today (shared/roster/roster-input.ts), for a migration that changed how a
 * key is spelled (009: phones as numbers; 010: names and codes in NFC). Relay rows (`relay:`) are
 * never touched.
 *
 * Two entries of one campaign that now share a key (the same guest imported twice before, written
 * two ways) both stay, with their check-ins and bindings: the first in the order below takes the
 * new key, the others keep the key they have. A bound or checked-in one comes first (as the relay
 * keeps a bound one of such a pair), so a re-import updates the guest staff see at the desk. When
 * a later copy already holds the new key (written the plain way, or left there by 009 as released,
 * whose UPDATE OR IGNORE skipped the first copy), the two swap keys. Only keys that change are
 * written.
 */
export function rekeyRosterEntries(
  db: Database.Database,
  prefixes: readonly ('name:' | 'code:')[],
): void {
  const setKey = db.prepare<[string, string]>(
    'UPDATE roster_entries SET match_key = ? WHERE id = ?',
  )
  const holderOf = db.prepare<[string, string], { id: string }>(
    'SELECT id FROM roster_entries WHERE campaign_id = ? AND match_key = ?',
  )
  const entries = db.prepare<
    string[],
    { id: string; campaignId: string; name: string; phone: string; code: string; matchKey: string }
  >(
    `SELECT id, campaign_id AS campaignId, name, phone, code, match_key AS matchKey
     FROM roster_entries WHERE ${prefixes.map(() => "match_key LIKE ? || '%'").join(' OR ')}
     ORDER BY campaign_id, openid IS NULL, checked_in_at IS NULL, imported_at, id`,
  )
  // Campaign and key of each key given, in the order above: the first copy takes it.
  const taken = new Set<string>()
  for (const e of entries.all(...prefixes)) {
    // An entry keyed by name was imported without a code: its key is its name and phone.
    const code = e.matchKey.startsWith('code:') ? e.code : ''
    const key = rosterMatchKey({ name: e.name, company: '', phone: e.phone, code })
    const slot = `${e.campaignId}\u0000${key}`
    if (taken.has(slot)) continue
    taken.add(slot)
    if (key === e.matchKey) continue
    const holder = holderOf.get(e.campaignId, key)
    if (holder !== undefined) {
      // A later copy holds it: it takes this one's old key (through a key no entry has, as keys
      // are unique in a campaign). Being later, it finds its own key taken and keeps that one.
      setKey.run(`swap:${e.id}`, e.id)
      setKey.run(e.matchKey, holder.id)
    }
    setKey.run(key, e.id)
  }
}

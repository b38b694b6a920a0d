import type { Migration } from '../../../../shared/server/migrate'
import { rosterMatchKey } from '../../../../shared/roster/roster-input'

/**
 * Entries keyed by name + phone (no code) keyed by the phone's number instead of its spelling
 * (shared/roster/roster-input.ts), so re-importing `13800138000` updates the guest imported as
 * `138 0013 8000`. Two entries of one campaign that now share a key (the same guest imported
 * twice before, the phone written two ways) both stay, with their check-ins and bindings: the
 * first takes the new key, the others keep their old one. A bound or checked-in one comes first
 * (as the relay keeps a bound one of such a pair), so a re-import updates the guest staff see at
 * the desk; when a copy after it already holds the new key (written the plain way), the two swap
 * keys. Relay rows (`relay:`) and entries keyed by code are not touched.
 */
export const m009RosterPhoneMatch: Migration = {
  version: 9,
  name: 'roster-phone-match',
  up(db) {
    const setKey = db.prepare<[string, string]>(
      'UPDATE roster_entries SET match_key = ? WHERE id = ?',
    )
    const holderOf = db.prepare<[string, string], { id: string }>(
      'SELECT id FROM roster_entries WHERE campaign_id = ? AND match_key = ?',
    )
    const entries = db.prepare<
      [],
      { id: string; campaignId: string; name: string; phone: string; matchKey: string }
    >(
      `SELECT id, campaign_id AS campaignId, name, phone, match_key AS matchKey FROM roster_entries
       WHERE match_key LIKE 'name:%'
       ORDER BY campaign_id, openid IS NULL, checked_in_at IS NULL, imported_at, id`,
    )
    // Campaign and key of each new key given, in the order above: the first copy takes it.
    const taken = new Set<string>()
    for (const e of entries.all()) {
      const key = rosterMatchKey({ name: e.name, company: '', phone: e.phone, code: '' })
      const slot = `${e.campaignId}\u0000${key}`
      if (taken.has(slot)) continue
      taken.add(slot)
      if (key === e.matchKey) continue
      const holder = holderOf.get(e.campaignId, key)
      if (holder !== undefined) {
        // A later copy holds it as written: it takes this one's old key (through a key no entry
        // has, as keys are unique in a campaign).
        setKey.run(`swap:${e.id}`, e.id)
        setKey.run(e.matchKey, holder.id)
      }
      setKey.run(key, e.id)
    }
  },
}

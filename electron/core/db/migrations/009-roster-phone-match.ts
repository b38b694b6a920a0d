import type { Migration } from '../../../../shared/server/migrate'
import { rekeyRosterEntries } from './rekey-roster'

/**
 * Entries keyed by name + phone (no code) keyed by the phone's number instead of its spelling
 * (shared/roster/roster-input.ts), so re-importing `13800138000` updates the guest imported as
 * `138 0013 8000`. Two entries of one campaign that now share a key (the same guest imported
 * twice before, the phone written two ways) both stay, the bound or checked-in one taking the new
 * key (rekey-roster.ts). Relay rows (`relay:`) and entries keyed by code are not touched.
 *
 * As released, 009 gave the new key with UPDATE OR IGNORE, so a checked-in copy kept its old key
 * when the other copy already held the new one; 010 heals a kiosk that ran that.
 */
export const m009RosterPhoneMatch: Migration = {
  version: 9,
  name: 'roster-phone-match',
  up(db) {
    rekeyRosterEntries(db, ['name:'])
  },
}

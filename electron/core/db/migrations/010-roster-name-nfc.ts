import type { Migration } from '../../../../shared/server/migrate'
import { rekeyRosterEntries } from './rekey-roster'

/**
 * Entries keyed by a name or a code as it was encoded (a decomposed `Nguyễn`, saved from a Mac or
 * a web form) keyed as it reads (NFC, shared/roster/roster-input.ts), so re-importing the
 * precomposed spelling updates the guest. As in 009, two entries of one campaign that now share a
 * key both stay, the bound or checked-in one taking the new key (rekey-roster.ts); relay rows
 * (`relay:`) are not touched.
 *
 * Keying name entries anew by today's key also heals a kiosk that ran 009 as released (UPDATE OR
 * IGNORE): a checked-in copy of a guest imported twice that kept its phone as written, while the
 * other copy held the key by number, takes that key now.
 */
export const m010RosterNameNfc: Migration = {
  version: 10,
  name: 'roster-name-nfc',
  up(db) {
    rekeyRosterEntries(db, ['name:', 'code:'])
  },
}

// The kiosk's SQLite schema, one numbered file per step, run by shared/server/migrate.ts.
import type { Migration } from '../../../../shared/server/migrate'
import { m001Initial } from './001-initial'
import { m002FallbackCode } from './002-fallback-code'
import { m003RelayCampaign } from './003-relay-campaign'
import { m004RelayScreens } from './004-relay-screens'
import { m005RosterSortKey } from './005-roster-sort-key'
import { m006RosterSearchKey } from './006-roster-search-key'
import { m007RelayCampaignHistory } from './007-relay-campaign-history'
import { m008AttendanceStatsCover } from './008-attendance-stats-cover'
import { m009RosterPhoneMatch } from './009-roster-phone-match'
import { m010RosterNameNfc } from './010-roster-name-nfc'

export type { Migration }

/** In order; a migration is never edited once released, only followed by a new one. */
export const migrations: readonly Migration[] = [
  m001Initial,
  m002FallbackCode,
  m003RelayCampaign,
  m004RelayScreens,
  m005RosterSortKey,
  m006RosterSearchKey,
  m007RelayCampaignHistory,
  m008AttendanceStatsCover,
  m009RosterPhoneMatch,
  m010RosterNameNfc,
]

/**
 * The relay's SQLite schema, one numbered file per step, run by shared/server/migrate.ts.
 * In order; a migration is never edited once released, only followed by a new one.
 */
import type { Migration } from '../../../../shared/server/migrate'
import { m001Initial } from './001-initial'
import { m002FallbackCodes } from './002-fallback-codes'
import { m003SignedQueries } from './003-signed-queries'
import { m004Console } from './004-console'
import { m005Attendance } from './005-attendance'
import { m006Campaigns } from './006-campaigns'
import { m007AttendanceVisitors } from './007-attendance-visitors'
import { m008Stamps } from './008-stamps'
import { m009Draws } from './009-draws'
import { m010AttendanceNumber } from './010-attendance-number'
import { m011FollowUp } from './011-follow-up'
import { m012AttendanceCampaign } from './012-attendance-campaign'
import { m013AttendanceCampaignCounters } from './013-attendance-campaign-counters'
import { m014AttendancePending } from './014-attendance-pending'
import { m015RelaySecrets } from './015-relay-secrets'
import { m016EventCampaign } from './016-event-campaign'
import { m017KioskReplacements } from './017-kiosk-replacements'
import { m018OrganizerGenerations } from './018-organizer-generations'
import { m019TicketBudget } from './019-ticket-budget'
import { m020FollowUpCounts } from './020-follow-up-counts'
import { m021Erasures } from './021-erasures'
import { m022SceneClaims } from './022-scene-claims'
import { m023ErasureTombstones } from './023-erasure-tombstones'
import { m024ErasureVisitorIndex } from './024-erasure-visitor-index'
import { m025RosterKey } from './025-roster-key'

export const migrations: readonly Migration[] = [
  m001Initial,
  m002FallbackCodes,
  m003SignedQueries,
  m004Console,
  m005Attendance,
  m006Campaigns,
  m007AttendanceVisitors,
  m008Stamps,
  m009Draws,
  m010AttendanceNumber,
  m011FollowUp,
  m012AttendanceCampaign,
  m013AttendanceCampaignCounters,
  m014AttendancePending,
  m015RelaySecrets,
  m016EventCampaign,
  m017KioskReplacements,
  m018OrganizerGenerations,
  m019TicketBudget,
  m020FollowUpCounts,
  m021Erasures,
  m022SceneClaims,
  m023ErasureTombstones,
  m024ErasureVisitorIndex,
  m025RosterKey,
]

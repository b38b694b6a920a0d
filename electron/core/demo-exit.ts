/**
 * Leaving demo mode: what the demo recorded is deleted, not archived. Its visitors were the
 * sandbox's made-up openids, so keeping them (even marked) would let demo check-ins reach a
 * real export, a real check-in count or a real roster's "checked in" column.
 */
import type { CampaignStore } from './campaigns/campaign-store'
import type { KioskDb } from './db/db'
import { DEMO_CAMPAIGN_ID, DEMO_KIOSK_ID } from './demo'
import type { RosterStore } from './roster/roster-store'
import type { AttendanceStore } from './scans/attendance-store'
import type { TicketRepo } from './tickets/ticket-repo'

export interface DemoForgotten {
  attendance: number
  tickets: number
}

/** The tables' owners, and the database only for the one transaction around them. */
export interface DemoDataOwners {
  db: Pick<KioskDb, 'transaction'>
  attendance: Pick<AttendanceStore, 'forget'>
  roster: Pick<RosterStore, 'forgetScansOf' | 'deleteCampaign'>
  tickets: Pick<TicketRepo, 'forgetDemo'>
  campaigns: Pick<CampaignStore, 'remove'>
}

/**
 * Deletes the demo campaign with everything under it, and every scan that came through the
 * demo relay (kiosk id `demo`: demo mode always uses it) in campaigns the organizer made while
 * trying the demo, with the check-in numbers and roster check-ins those scans gave. The
 * campaigns themselves stay: they are the organizer's. Demo codes are dropped too, so a scene
 * can never lead a later scan back to the demo campaign, and so is the quota count (sandbox
 * codes do not spend the real account's quota).
 */
export function forgetDemoData(o: DemoDataOwners): DemoForgotten {
  const result = o.db.transaction(() => {
    // Roster first: which entries to undo is read from the demo's scans, deleted next.
    o.roster.forgetScansOf(DEMO_KIOSK_ID)
    const attendance = o.attendance.forget(DEMO_KIOSK_ID, DEMO_CAMPAIGN_ID)
    o.roster.deleteCampaign(DEMO_CAMPAIGN_ID)
    const tickets = o.tickets.forgetDemo(DEMO_CAMPAIGN_ID, DEMO_KIOSK_ID)
    return { attendance, tickets }
  })()
  // After the database: were this to fail, only an empty, inactive demo campaign is left.
  o.campaigns.remove(DEMO_CAMPAIGN_ID)
  return result
}

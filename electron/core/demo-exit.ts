/**
 * Leaving demo mode: what the demo recorded is deleted, not archived. Its visitors were the
 * sandbox's made-up openids, so keeping them (even marked) would let demo check-ins reach a
 * real export, a real check-in count or a real roster's "checked in" column.
 */
import type { CampaignStore } from './campaigns/campaign-store'
import type { KioskDb } from './db/db'
import { DEMO_CAMPAIGN_ID, DEMO_KIOSK_ID } from './demo'
import { QUOTA_META } from './tickets/ticket-repo'

export interface DemoForgotten {
  attendance: number
  tickets: number
}

/**
 * Deletes the demo campaign with everything under it, and every scan that came through the
 * demo relay (kiosk id `demo`: demo mode always uses it) in campaigns the organizer made while
 * trying the demo, with the check-in numbers and roster check-ins those scans gave. The
 * campaigns themselves stay: they are the organizer's. Demo codes are dropped too, so a scene
 * can never lead a later scan back to the demo campaign, and so is the quota count (sandbox
 * codes do not spend the real account's quota).
 */
export function forgetDemoData(db: KioskDb, campaigns: CampaignStore): DemoForgotten {
  const demoScans = `SELECT campaign_id, openid FROM attendance WHERE kiosk_id = @kiosk`
  const result = db.transaction(() => {
    const p = { kiosk: DEMO_KIOSK_ID, campaign: DEMO_CAMPAIGN_ID, scenes: `${DEMO_KIOSK_ID}:` }
    db.prepare(
      `UPDATE roster_entries SET openid = NULL, checked_in_at = NULL
       WHERE (campaign_id, openid) IN (${demoScans})`,
    ).run(p)
    db.prepare(`DELETE FROM visitors WHERE (campaign_id, openid) IN (${demoScans})`).run(p)
    const attendance = db
      .prepare('DELETE FROM attendance WHERE kiosk_id = @kiosk OR campaign_id = @campaign')
      .run(p).changes
    db.prepare('DELETE FROM visitors WHERE campaign_id = @campaign').run(p)
    db.prepare('DELETE FROM roster_entries WHERE campaign_id = @campaign').run(p)
    const tickets = db
      .prepare(
        `DELETE FROM tickets WHERE campaign_id = @campaign
         OR substr(scene, 1, length(@scenes)) = @scenes`,
      )
      .run(p).changes
    db.prepare('DELETE FROM quota_usage').run()
    db.prepare('DELETE FROM meta WHERE key = ?').run(QUOTA_META)
    return { attendance, tickets }
  })()
  // After the database: were this to fail, only an empty, inactive demo campaign is left.
  campaigns.remove(DEMO_CAMPAIGN_ID)
  return result
}

/**
 * A scan frame from the relay: stored with the relay cursor in one transaction (the link acks
 * only after this returns), then the attendance and greeting events, then the screen moves on.
 */
import type { ScanFrame } from '../../shared/relay-protocol'
import type { AttendanceStore } from './attendance-store'
import type { CampaignStore } from './campaign-store'
import type { KioskDb } from './db'
import { makeGreeting } from './greeter'
import type { KioskEvents } from './kiosk-events'
import { loadCursor, saveCursor } from './meta-state'
import type { TicketPool } from './ticket-pool'

export interface ScanIntakeDeps {
  db: KioskDb
  attendance: AttendanceStore
  campaigns: CampaignStore
  events: KioskEvents
  pool: TicketPool
  now: () => number
  connectionId: string
  kioskId: string
  /** Where scans of codes we have no record of are counted. */
  fallbackCampaignId: string
  /** Replayed scans older than this get no greeting: the visitor has long walked on. */
  greetWindowMs: number
}

export function takeScan(d: ScanIntakeDeps, frame: ScanFrame, live: boolean): void {
  const now = d.now()
  const result = d.db.transaction(() => {
    const r = d.attendance.record(
      {
        eventId: frame.id,
        kioskId: d.kioskId,
        openid: frame.openid,
        scene: frame.scene,
        ticket: frame.ticket,
        kind: frame.event,
        createTime: frame.createTime,
        receivedAt: frame.receivedAt,
        fallbackCampaignId: d.fallbackCampaignId,
      },
      now,
    )
    saveCursor(d.db, d.connectionId, loadCursor(d.db, d.connectionId).epoch ?? '', frame.seq)
    return r
  })()
  if (!result.inserted) return
  const row = result.row
  d.events.emit('attendance', row)
  const campaign = d.campaigns.get(row.campaignId)
  const recent = now - frame.receivedAt <= d.greetWindowMs
  if (campaign && (live || recent)) d.events.emit('greeting', makeGreeting(row, campaign, now))
  d.pool.scanned(frame.scene)
}

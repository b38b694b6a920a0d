import type { AttendanceRow } from '../../shared/domain'

/**
 * A check-in as the `attendance` event carries it: a visitor's openid and registered name, the
 * admin area's data that a bridge (the Electron window's IPC, the web bridge's event stream)
 * sends only while the admin area is unlocked.
 */
export const adminEventRow: AttendanceRow = {
  id: 1,
  eventId: 'ev_1',
  campaignId: 'expo',
  kioskId: 'booth-1',
  openid: 'o_visitor_openid',
  scene: 'booth-1:abc',
  kind: 'scan',
  createTime: 1_700_000_000,
  receivedAt: 1_700_000_000_000,
  firstVisit: true,
  checkInNumber: 1,
  rosterEntryId: 'r1',
  rosterName: '张三',
  greetingShown: false,
  unknownTicket: false,
  fallback: false,
}

/** Turns a recorded scan into the greeting the screen shows, in both UI languages. */
import type { AttendanceRow, Campaign, Greeting } from '../../../shared/domain'
import { LOCALES } from '../../../shared/domain'
import { fillGreeting } from '../../../shared/greeting-template'

export function makeGreeting(row: AttendanceRow, campaign: Campaign, at: number): Greeting {
  const kind = row.rosterName !== null ? 'named' : row.firstVisit ? 'first-visit' : 'welcome-back'
  const key = kind === 'named' ? 'named' : kind === 'first-visit' ? 'firstVisit' : 'welcomeBack'
  const values = { name: row.rosterName ?? '', number: row.checkInNumber }
  const texts = { 'zh-CN': '', en: '' }
  for (const locale of LOCALES)
    texts[locale] = fillGreeting(campaign.greetings[locale][key], values)
  return {
    eventId: row.eventId,
    kind,
    name: row.rosterName,
    checkInNumber: row.checkInNumber,
    texts,
    at,
  }
}

/**
 * Turns a recorded scan into the greeting the screen shows, in both UI languages; `at`: when the
 * visitor scanned, on the kiosk's clock (the screen ages the greeting from it).
 */
import type { AttendanceRow, Campaign, Greeting } from '../../../shared/domain'
import { LOCALES } from '../../../shared/domain'
import { fillGreeting, templateShowsNumber } from '../../../shared/greeting-template'

export function makeGreeting(row: AttendanceRow, campaign: Campaign, at: number): Greeting {
  const kind = row.rosterName !== null ? 'named' : row.firstVisit ? 'first-visit' : 'welcome-back'
  const key = kind === 'named' ? 'named' : kind === 'first-visit' ? 'firstVisit' : 'welcomeBack'
  const values = { name: row.rosterName ?? '', number: row.checkInNumber }
  const texts = { 'zh-CN': '', en: '' }
  const numberInText = { 'zh-CN': false, en: false }
  for (const locale of LOCALES) {
    const template = campaign.greetings[locale][key]
    texts[locale] = fillGreeting(template, values)
    numberInText[locale] = templateShowsNumber(template)
  }
  return {
    eventId: row.eventId,
    kind,
    name: row.rosterName,
    checkInNumber: row.checkInNumber,
    texts,
    numberInText,
    at,
  }
}

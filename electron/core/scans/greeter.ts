/** Turns a recorded scan into the greeting the screen shows, in both UI languages. */
import type { AttendanceRow, Campaign, Greeting } from '../../../shared/domain'
import { LOCALES } from '../../../shared/domain'

export function fillTemplate(template: string, values: { name: string; number: number }): string {
  return template.replace(/\{(name|number)\}/g, (_, key: string) =>
    key === 'name' ? values.name : String(values.number),
  )
}

export function makeGreeting(row: AttendanceRow, campaign: Campaign, at: number): Greeting {
  const kind = row.rosterName !== null ? 'named' : row.firstVisit ? 'first-visit' : 'welcome-back'
  const key = kind === 'named' ? 'named' : kind === 'first-visit' ? 'firstVisit' : 'welcomeBack'
  const values = { name: row.rosterName ?? '', number: row.checkInNumber }
  const texts = { 'zh-CN': '', en: '' }
  for (const locale of LOCALES)
    texts[locale] = fillTemplate(campaign.greetings[locale][key], values)
  return {
    eventId: row.eventId,
    kind,
    name: row.rosterName,
    checkInNumber: row.checkInNumber,
    texts,
    at,
  }
}

/**
 * Where a campaign stands by its dates (`YYYY-MM-DD`, both days inclusive) on the calendar of a
 * time zone: not started before its first day, ended once its last day is over, running
 * between. A campaign without dates has no phase (its dates are open). The relay judges the
 * end the same way (relay/scan-rules.ts campaignEnded, in its own zone), so the console, given
 * the relay's zone, and a booth, in its own, say "ended" when the relay's day has turned.
 */
import { offsetShift } from './format'

export type CampaignPhase = 'not-started' | 'running' | 'ended'

const two = (n: number): string => String(n).padStart(2, '0')

/**
 * `at`'s calendar day `YYYY-MM-DD` in the IANA `timeZone` or fixed offset (`+05:30`, as the
 * relay names a POSIX `TZ` without a whole-hour name: read as UTC's day once shifted, where the
 * engine takes no offset as a zone); this computer's own zone when none is given or the engine
 * does not know the one given.
 */
export function dayIn(at: number, timeZone?: string | null): string {
  if (timeZone) {
    const shift = offsetShift(timeZone)
    if (shift !== null) return dayIn(at + shift, 'UTC')
    try {
      const parts = new Intl.DateTimeFormat('en-US', {
        timeZone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
      }).formatToParts(new Date(at))
      const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? ''
      return `${part('year')}-${part('month')}-${part('day')}`
    } catch {
      // An unknown zone (RangeError): this computer's calendar, as the console's times do.
    }
  }
  const d = new Date(at)
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`
}

/** The phase of a campaign dated `starts`–`ends` at `at` in `timeZone`; null without dates. */
export function campaignPhase(
  starts: string | null,
  ends: string | null,
  at: number,
  timeZone?: string | null,
): CampaignPhase | null {
  if (!starts && !ends) return null
  const today = dayIn(at, timeZone)
  if (ends && today > ends) return 'ended'
  if (starts && today < starts) return 'not-started'
  return 'running'
}

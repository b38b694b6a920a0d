/**
 * Where a campaign stands by its dates (`YYYY-MM-DD`, both days inclusive) on the calendar of a
 * time zone: not started before its first day, ended once its last day is over, running
 * between. A campaign without dates has no phase (its dates are open). The relay judges the
 * end the same way (relay/scan-rules.ts campaignEnded, in its own zone), so the console, given
 * the relay's zone, and a booth, in its own, say "ended" when the relay's day has turned.
 */
import { wallClockIn } from './format'

export type CampaignPhase = 'not-started' | 'running' | 'ended'

const two = (n: number): string => String(n).padStart(2, '0')

/**
 * `at`'s calendar day `YYYY-MM-DD` in the IANA `timeZone` or fixed offset (`+05:30`, as the
 * relay names a POSIX `TZ` without a whole-hour name, also where the engine takes no offset as
 * a zone); this computer's own zone when none is given or the engine does not know the one
 * given, as the console's times are then written.
 */
export function dayIn(at: number, timeZone?: string | null): string {
  const d = wallClockIn(at, timeZone)
  return `${d.year}-${two(d.month)}-${two(d.day)}`
}

/** The phase of a campaign dated `starts`–`ends` at `at` in `timeZone`; null without dates. */
export function campaignPhase(
  starts: string | null,
  ends: string | null,
  at: number,
  timeZone?: string | null,
): CampaignPhase | null {
  return campaignPhaseOn(starts, ends, dayIn(at, timeZone))
}

/**
 * The phase of a campaign dated `starts`–`ends` on the calendar day `today` (`YYYY-MM-DD`, as
 * dayIn writes it); null without dates. For a list: the day is worked out once, not per row.
 */
export function campaignPhaseOn(
  starts: string | null,
  ends: string | null,
  today: string,
): CampaignPhase | null {
  if (!starts && !ends) return null
  if (ends && today > ends) return 'ended'
  if (starts && today < starts) return 'not-started'
  return 'running'
}

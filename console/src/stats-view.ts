/**
 * What the stats page draws, from `GET /console/api/stats`: the day's 10-minute slots without
 * gaps (a quiet slot is a zero bar, not a missing one) and the booths by scans, each with its
 * share of the busiest booth for the bar length.
 */
import type { ConsoleStats } from '../../shared/console-api'

export const SLOT_MS = 10 * 60_000

export interface Slot {
  at: number
  scans: number
}

/** Slots from the first with scans to the last (or to `now`'s slot if later), zeros filled in. */
export function fillTimeline(timeline: readonly Slot[], now: number): Slot[] {
  if (timeline.length === 0) return []
  const byStart = new Map(timeline.map((s) => [s.at, s.scans]))
  const first = Math.min(...timeline.map((s) => s.at))
  const lastWithScans = Math.max(...timeline.map((s) => s.at))
  const nowSlot = first + Math.floor((now - first) / SLOT_MS) * SLOT_MS
  // `now`'s slot only when it is the same day's run (not far in the future of a stale answer).
  const last = nowSlot > lastWithScans && nowSlot - first < 24 * 3600_000 ? nowSlot : lastWithScans
  const slots: Slot[] = []
  for (let at = first; at <= last; at += SLOT_MS) slots.push({ at, scans: byStart.get(at) ?? 0 })
  return slots
}

export interface BoothBar {
  id: string
  scans: number
  visitors: number
  /** 0–100: this booth's scans against the busiest booth's. */
  percent: number
}

export function boothBars(stats: ConsoleStats): BoothBar[] {
  const max = Math.max(0, ...stats.perKiosk.map((k) => k.scans))
  return [...stats.perKiosk]
    .sort((a, b) => b.scans - a.scans || a.id.localeCompare(b.id))
    .map((k) => ({ ...k, percent: max === 0 ? 0 : (k.scans / max) * 100 }))
}

/** The busiest booths with bars, and what the others add up to (a campaign of 2,000 booths). */
export interface TopBooths {
  bars: BoothBar[]
  /** The booths past the bars: how many, and their scans summed; null when there are none. */
  rest: { booths: number; scans: number } | null
}

export function topBooths(stats: ConsoleStats, limit: number): TopBooths {
  const all = boothBars(stats)
  const others = all.slice(limit)
  return {
    bars: all.slice(0, limit),
    rest:
      others.length === 0
        ? null
        : { booths: others.length, scans: others.reduce((sum, b) => sum + b.scans, 0) },
  }
}

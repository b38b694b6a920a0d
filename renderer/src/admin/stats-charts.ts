import type { Locale, Stats } from '../../../shared/domain'
import { formatDayTime, formatTime, sameLocalDay } from '../../../shared/format'

export const CHART_COLOURS = { firstVisits: '#047857', repeats: '#2563eb' } as const

export interface StatsLabels {
  firstVisits: string
  repeats: string
  newFollowers: string
  returning: string
}

/**
 * How a bucket's start is labelled: the time alone while every bucket is on one local day, the
 * date too once they span days (a campaign runs for days: two "09:00" bars would be two days).
 * Days and times are the kiosk core's (`timeZone`, ScreenState.timeZone), so a browser in another
 * zone (kiosk web) labels the bars as the booth does; this computer's when the core never said.
 */
export function bucketTimeLabel(
  buckets: Stats['buckets'],
  locale: Locale,
  timeZone?: string | null,
): (ms: number) => string {
  const zone = timeZone ?? undefined
  const first = buckets[0]
  const last = buckets[buckets.length - 1]
  const oneDay =
    first === undefined || last === undefined || sameLocalDay(first.start, last.start, zone)
  return oneDay ? (ms) => formatTime(ms, locale, zone) : (ms) => formatDayTime(ms, locale, zone)
}

/**
 * What the bar chart says to a screen reader (a canvas is nothing to it): the scans in all and
 * the busiest bucket, the first of the busiest when several tie.
 */
export function bucketSummary(buckets: Stats['buckets']): {
  total: number
  peak: number
  peakStart: number | null
} {
  let total = 0
  let busiest: Stats['buckets'][number] | null = null
  for (const b of buckets) {
    total += b.scans
    if (busiest === null || b.scans > busiest.scans) busiest = b
  }
  return { total, peak: busiest?.scans ?? 0, peakStart: busiest?.start ?? null }
}

/** Stacked bars per 10-minute bucket: first visits and repeats add up to the scans. */
export function bucketChartData(stats: Stats, labels: StatsLabels, time: (ms: number) => string) {
  return {
    labels: stats.buckets.map((b) => time(b.start)),
    datasets: [
      {
        label: labels.firstVisits,
        data: stats.buckets.map((b) => b.firstVisits),
        backgroundColor: CHART_COLOURS.firstVisits,
        stack: 'scans',
        maxBarThickness: 56,
      },
      {
        label: labels.repeats,
        data: stats.buckets.map((b) => b.repeats),
        backgroundColor: CHART_COLOURS.repeats,
        stack: 'scans',
        maxBarThickness: 56,
      },
    ],
  }
}

export function newVsReturningData(stats: Stats, labels: StatsLabels) {
  return {
    labels: [labels.newFollowers, labels.returning],
    datasets: [
      {
        data: [stats.newFollowers, stats.returning],
        backgroundColor: [CHART_COLOURS.firstVisits, CHART_COLOURS.repeats],
      },
    ],
  }
}

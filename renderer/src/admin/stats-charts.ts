import type { Stats } from '../../../shared/domain'

export const CHART_COLOURS = { firstVisits: '#047857', repeats: '#2563eb' } as const

export interface StatsLabels {
  firstVisits: string
  repeats: string
  newFollowers: string
  returning: string
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

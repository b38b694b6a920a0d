/**
 * Bench results: one entry per metric, printed as a table and written as JSON. Benchmarks
 * report; they never pass or fail.
 */
export interface Metric {
  value: number | null
  unit: string
  compare?: { against: string; ratio: number | null }
  goal?: string
  met?: boolean
  note?: string
}

export type Results = Record<string, Metric>

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[i] ?? NaN
}

export function round(n: number, digits = 3): number {
  const f = 10 ** digits
  return Math.round(n * f) / f
}

export function ratio(a: number, b: number): number | null {
  return b > 0 && Number.isFinite(a) ? round(a / b, 3) : null
}

export function printTable(results: Results): void {
  const rows = Object.entries(results).map(([name, m]) => [
    name,
    m.value === null ? '—' : String(m.value),
    m.unit,
    m.compare ? `${m.compare.ratio ?? '—'}× ${m.compare.against}` : '',
    m.goal ?? '',
    m.met === undefined ? '' : m.met ? 'yes' : 'NO',
  ])
  const head = ['metric', 'value', 'unit', 'compare', 'goal', 'met']
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')
  console.log(line(head))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const r of rows) console.log(line(r))
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

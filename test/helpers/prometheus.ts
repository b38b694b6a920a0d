/**
 * A strict reader of Prometheus text exposition (format 0.0.4), written from the format's
 * description rather than the relay's code: every line is parsed, and anything a scraper
 * would refuse or misread throws with the line it found.
 */

export interface PromSample {
  name: string
  labels: Record<string, string>
  value: number
}

export interface PromFamily {
  name: string
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped'
  help: string
  samples: PromSample[]
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped'])

function parseValue(text: string, line: string): number {
  if (text === '+Inf') return Infinity
  if (text === '-Inf') return -Infinity
  if (text === 'NaN') return NaN
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) {
    throw new Error(`not a number: ${line}`)
  }
  return Number(text)
}

/** `{a="x",b="y"}` from `at` (the `{`): the labels and the index after the `}`. */
function parseLabels(s: string, at: number, line: string): [Record<string, string>, number] {
  const labels: Record<string, string> = {}
  let i = at + 1
  while (s[i] !== '}') {
    const eq = s.indexOf('=', i)
    if (eq < 0) throw new Error(`label without a value: ${line}`)
    const name = s.slice(i, eq)
    if (!LABEL_NAME.test(name) || name.startsWith('__')) throw new Error(`bad label: ${line}`)
    if (name in labels) throw new Error(`label repeated: ${line}`)
    if (s[eq + 1] !== '"') throw new Error(`unquoted label value: ${line}`)
    let value = ''
    let j = eq + 2
    for (;;) {
      const c = s[j]
      if (c === undefined) throw new Error(`unterminated label value: ${line}`)
      if (c === '"') break
      if (c === '\n') throw new Error(`raw newline in a label value: ${line}`)
      if (c === '\\') {
        const e = s[j + 1]
        if (e === '\\') value += '\\'
        else if (e === '"') value += '"'
        else if (e === 'n') value += '\n'
        else throw new Error(`bad escape in a label value: ${line}`)
        j += 2
      } else {
        value += c
        j++
      }
    }
    labels[name] = value
    i = j + 1
    if (s[i] === ',') i++
    else if (s[i] !== '}') throw new Error(`bad label list: ${line}`)
  }
  return [labels, i + 1]
}

function sampleKey(s: PromSample): string {
  const labels = Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : 1))
  return JSON.stringify([s.name, labels])
}

/** The sample names a family of `type` may have. */
function belongs(family: PromFamily, sample: PromSample): boolean {
  if (family.type === 'histogram') {
    return ['_bucket', '_sum', '_count'].some((x) => sample.name === family.name + x)
  }
  return sample.name === family.name
}

function checkFamily(f: PromFamily): void {
  if (f.type === 'counter') {
    if (!f.name.endsWith('_total')) throw new Error(`counter not named _total: ${f.name}`)
    for (const s of f.samples) {
      if (!(s.value >= 0)) throw new Error(`counter below 0 or NaN: ${f.name} ${s.value}`)
    }
  }
  if (f.type !== 'histogram') return
  const buckets = f.samples.filter((s) => s.name === `${f.name}_bucket`)
  const les = buckets.map((s) => {
    const le = s.labels.le
    if (le === undefined) throw new Error(`bucket without le: ${f.name}`)
    return parseValue(le, le)
  })
  les.forEach((le, i) => {
    if (i > 0 && !(le > (les[i - 1] ?? -Infinity))) throw new Error(`le not rising: ${f.name}`)
    const prev = buckets[i - 1]?.value ?? 0
    if ((buckets[i]?.value ?? 0) < prev) throw new Error(`buckets not cumulative: ${f.name}`)
  })
  if (les.at(-1) !== Infinity) throw new Error(`no +Inf bucket: ${f.name}`)
  const count = f.samples.find((s) => s.name === `${f.name}_count`)
  const sum = f.samples.find((s) => s.name === `${f.name}_sum`)
  if (count === undefined || sum === undefined) throw new Error(`no _sum or _count: ${f.name}`)
  if (count.value !== buckets.at(-1)?.value) throw new Error(`+Inf is not _count: ${f.name}`)
  if (!Number.isFinite(sum.value)) throw new Error(`_sum not finite: ${f.name}`)
}

/** Every family, in order; throws at the first line a scraper would refuse. */
export function parseExposition(text: string): PromFamily[] {
  if (!text.endsWith('\n')) throw new Error('exposition does not end with a newline')
  const families: PromFamily[] = []
  const seen = new Set<string>()
  const series = new Set<string>()
  let current: PromFamily | null = null
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') throw new Error('empty line')
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line)
    if (meta !== null) {
      const [, kind, name = '', rest = ''] = meta
      if (!NAME.test(name)) throw new Error(`bad metric name: ${line}`)
      if (kind === 'HELP') {
        if (seen.has(name)) throw new Error(`family repeated: ${line}`)
        if (/\\[^\\n]/.test(rest)) throw new Error(`bad escape in HELP: ${line}`)
        seen.add(name)
        current = { name, type: 'untyped', help: rest, samples: [] }
        families.push(current)
      } else {
        if (current?.name !== name) throw new Error(`TYPE without its HELP before: ${line}`)
        if (current.samples.length > 0) throw new Error(`TYPE after samples: ${line}`)
        if (!TYPES.has(rest)) throw new Error(`bad TYPE: ${line}`)
        current.type = rest as PromFamily['type']
      }
      continue
    }
    if (line.startsWith('#')) throw new Error(`stray comment: ${line}`)
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0]
    if (name === undefined) throw new Error(`not a sample: ${line}`)
    let labels: Record<string, string> = {}
    let i = name.length
    if (line[i] === '{') [labels, i] = parseLabels(line, i, line)
    const fields = line.slice(i).split(' ')
    if (fields[0] !== '' || fields.length < 2 || fields.length > 3) {
      throw new Error(`not "name{labels} value [timestamp]": ${line}`)
    }
    const sample: PromSample = { name, labels, value: parseValue(fields[1] ?? '', line) }
    if (current === null || !belongs(current, sample)) {
      throw new Error(`sample outside its family: ${line}`)
    }
    const key = sampleKey(sample)
    if (series.has(key)) throw new Error(`duplicate series: ${line}`)
    series.add(key)
    current.samples.push(sample)
  }
  families.forEach(checkFamily)
  return families
}

/**
 * A relay's one-sample gauge `scandesk_relay_<name>`, read from its `/metrics` as a scraper
 * reads it (the request touches no rate limit or cap a page shares).
 */
export async function relayGauge(relayUrl: string, name: string): Promise<number> {
  const res = await fetch(`${relayUrl}/metrics`)
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`)
  const family = parseExposition(await res.text()).find((f) => f.name === `scandesk_relay_${name}`)
  const sample = family?.samples[0]
  if (family?.type !== 'gauge' || family.samples.length !== 1 || sample === undefined) {
    throw new Error(`/metrics has no one-sample gauge scandesk_relay_${name}`)
  }
  return sample.value
}

/**
 * The value of `scandesk_relay_<name>` with exactly `labels` in a relay's `/metrics`, 0 when
 * the series is not there yet (a counter by label shows a value once it is first counted).
 */
export async function relaySample(
  relayUrl: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const res = await fetch(`${relayUrl}/metrics`)
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`)
  const family = parseExposition(await res.text()).find((f) => f.name === `scandesk_relay_${name}`)
  if (family === undefined) throw new Error(`/metrics has no scandesk_relay_${name}`)
  const want = JSON.stringify(Object.entries(labels).sort())
  const sample = family.samples.find(
    (s) => JSON.stringify(Object.entries(s.labels).sort()) === want,
  )
  return sample?.value ?? 0
}

/**
 * `/metrics` read the way Prometheus reads it (test/helpers/prometheus.ts parses every line):
 * HELP and TYPE for each family, counters named `_total`, cumulative histogram buckets up to
 * `+Inf`, escaped label values, no series twice; and labels that stay a bounded few, whatever
 * is posted to the relay. The docs name only metrics the relay has, and relay/README "Metrics"
 * says what each one means and when to be paged.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { load } from 'js-yaml'
import { z } from 'zod'
import {
  RelayMetrics,
  type FollowUpCall,
  type FollowUpFailureClass,
  type LimitHit,
  type PushOutcome,
  type TicketRefusal,
} from '../../relay/metrics'
import type { UnroutedReason } from '../../relay/store/types'
import type { RelayHandle } from '../../relay/server'
import { parseExposition, relayGauge, type PromFamily } from '../helpers/prometheus'
import { EventReader, screenPath, screenSetup } from './screen-helpers'
import { TOKEN, postPush, scanXml, signedQuery, startTestRelay } from './harness'

let relay: RelayHandle | null = null
afterEach(async () => {
  await relay?.close()
  relay = null
})

function labelValues(families: PromFamily[]): string[] {
  return families.flatMap((f) => f.samples.flatMap((s) => Object.values(s.labels)))
}

describe('the exposition parser', () => {
  it.each([
    ['a counter not named _total', '# HELP x_a A.\n# TYPE x_a counter\nx_a 1\n'],
    ['a sample before its family', 'x_a 1\n'],
    ['an unescaped quote', '# HELP g G.\n# TYPE g gauge\ng{k="a"b"} 1\n'],
    ['a series twice', '# HELP g G.\n# TYPE g gauge\ng{k="a"} 1\ng{k="a"} 2\n'],
    ['a family twice', '# HELP g G.\n# TYPE g gauge\n# HELP g G.\n# TYPE g gauge\n'],
    [
      'buckets that fall',
      '# HELP h H.\n# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
    ],
    [
      'a histogram without +Inf',
      '# HELP h H.\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n',
    ],
  ])('refuses %s', (_what, text) => {
    expect(() => parseExposition(text)).toThrow()
  })
})

describe('RelayMetrics.render', () => {
  it('is valid exposition with every family touched, odd label values and the store away', () => {
    const m = new RelayMetrics()
    for (const o of ['stored', 'duplicate', 'bad_signature', 'store_error'] as const) m.countPush(o)
    m.countUnrouted('unknown-kiosk')
    m.countUnrouted('bad-field')
    for (const s of [0, 0.05, 0.3, 7, 5000, -1]) m.observeDeliveryLag(s)
    m.countTickets(5, true)
    m.countTicketRefusal('rate')
    m.countExpireClamped()
    m.countStoreError()
    m.countRefusedConnection()
    m.countKioskConnect()
    m.countKioskDisconnect()
    m.countLimitHit('pair_block')
    m.countLimitHit('desk_bind_paced')
    m.countFollowUpFailure('tag', 'no_token')
    m.countFollowUpFailure('message', 'maybe_sent')
    m.countRosterSyncFailure()
    const withStore = parseExposition(
      m.render({
        connectedKiosks: 2,
        screenStreams: 3,
        unacked: [
          ['k1', 3],
          ['we"ird\\id\nx', 1],
        ],
        unrouted: 4,
        attendancePending: 0,
        followUpWaiting: { tag: 7, message: 2, tagOverdueMs: 95_500, messageOverdueMs: 0 },
      }),
    )
    const byName = new Map(withStore.map((f) => [f.name, f]))
    expect(
      byName.get('scandesk_relay_follow_up_waiting')?.samples.map((s) => [s.labels.what, s.value]),
    ).toEqual([
      ['message', 2],
      ['tag', 7],
    ])
    expect(
      byName
        .get('scandesk_relay_follow_up_overdue_seconds')
        ?.samples.map((s) => [s.labels.what, s.value]),
    ).toEqual([
      ['message', 0],
      ['tag', 95.5],
    ])
    expect(byName.get('scandesk_relay_unacked_events')?.samples.map((s) => s.labels.kiosk)).toEqual(
      ['k1', 'we"ird\\id\nx'],
    )
    const lag = byName.get('scandesk_relay_delivery_lag_seconds')?.samples ?? []
    expect(lag.find((s) => s.labels.le === '0.05')?.value).toBe(3)
    expect(lag.find((s) => s.name.endsWith('_count'))?.value).toBe(6)
    for (const f of withStore) expect(f.help, f.name).not.toBe('')
    // The store away: the same families (Prometheus keeps its queries), without store gauges.
    const away = parseExposition(
      m.render({
        connectedKiosks: 0,
        screenStreams: 0,
        unacked: [],
        unrouted: null,
        attendancePending: null,
      }),
    )
    expect(away.map((f) => f.name)).toEqual(withStore.map((f) => f.name))
    expect(away.find((f) => f.name === 'scandesk_relay_unrouted_events')?.samples).toEqual([])
    // No follow-up count here (no worker, or another instance's): no sample, never a made-up 0.
    expect(away.find((f) => f.name === 'scandesk_relay_follow_up_waiting')?.samples).toEqual([])
    expect(
      away.find((f) => f.name === 'scandesk_relay_follow_up_overdue_seconds')?.samples,
    ).toEqual([])
  })
})

describe('GET /metrics', () => {
  it('keeps its labels to a bounded few and no secrets, whatever is posted', async () => {
    const appSecret = 'app-secret-0123456789abcdef'
    relay = await startTestRelay('sqlite', null, {
      wechat: { appId: 'wx0123456789abcdef', appSecret },
    })
    const r = relay
    await r.addKiosk('k1')
    await postPush(r.url, scanXml('o1', 'k1:a'), signedQuery(TOKEN))
    const before = parseExposition(await (await fetch(`${r.url}/metrics`)).text())
    // Hostile and unknown input: scenes of kiosks that do not exist, forged and broken pushes,
    // odd paths and user agents.
    for (let i = 0; i < 30; i++) {
      const scene = `evil-${i}"x:${i}`
      await postPush(r.url, scanXml(`o-${i}`, scene), signedQuery(TOKEN))
      await postPush(r.url, scanXml(`o-${i}`, scene), signedQuery('forged-token'))
      await postPush(r.url, `<xml>${i}`, signedQuery(TOKEN))
      await fetch(`${r.url}/no/such/${i}`, { headers: { 'user-agent': `bot-${i}` } })
    }
    const res = await fetch(`${r.url}/metrics`)
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    const text = await res.text()
    const after = parseExposition(text)
    const series = (fs: PromFamily[]): string[] =>
      fs.flatMap((f) => f.samples.map((s) => `${s.name}${JSON.stringify(s.labels)}`))
    // Only the outcomes and reasons seen for the first time add a series, one each.
    const added = series(after).filter((s) => !series(before).includes(s))
    expect(added.sort()).toEqual([
      'scandesk_relay_pushes_total{"outcome":"bad_signature"}',
      'scandesk_relay_pushes_total{"outcome":"malformed"}',
      'scandesk_relay_pushes_total{"outcome":"unrouted"}',
      'scandesk_relay_unrouted_total{"reason":"foreign-scene"}',
    ])
    for (const v of labelValues(after)) expect(v).not.toMatch(/evil|bot-|no\/such|o-\d/)
    for (const secret of [TOKEN, appSecret]) expect(text).not.toContain(secret)
  })
})

describe('scandesk_relay_screen_streams', () => {
  it('counts the big screens’ open event streams, and those closed no more', async () => {
    relay = await startTestRelay('sqlite', null)
    const r = relay
    const { campaign } = await screenSetup(r)
    const streams = (): Promise<number> => relayGauge(r.url, 'screen_streams')
    expect(await streams()).toBe(0)
    const url = `${r.url}${screenPath('events', campaign.id, campaign.screenKey)}`
    const wall = await EventReader.open(url)
    const draw = await EventReader.open(url)
    try {
      expect([wall.status, draw.status]).toEqual([200, 200])
      // Counted from the moment the stream is answered.
      expect(await streams()).toBe(2)
      // A refused stream (a wrong key) is none.
      const refused = await EventReader.open(`${r.url}${screenPath('events', campaign.id, 'x')}`)
      expect(refused.status).toBe(403)
      expect(await streams()).toBe(2)
      wall.close()
      await expect.poll(streams).toBe(1)
    } finally {
      wall.close()
      draw.close()
    }
    await expect.poll(streams).toBe(0)
  })
})

describe('the docs of /metrics', () => {
  const root = resolve(import.meta.dirname, '..', '..')
  const read = (path: string): string => readFileSync(join(root, path), 'utf8')
  const docs = [
    'README.md',
    'relay/README.md',
    ...readdirSync(join(root, 'docs')).map((f) => `docs/${f}`),
  ].map((path) => [path, read(path)] as const)
  const families = parseExposition(
    new RelayMetrics().render({
      connectedKiosks: 0,
      screenStreams: 0,
      unacked: [],
      unrouted: 0,
      attendancePending: 0,
    }),
  )
  const section = /\n## Metrics\n([\s\S]*?)(\n## |$)/.exec(read('relay/README.md'))?.[1] ?? ''

  it('name only metrics and label values the relay has', () => {
    const names = new Set(
      families.flatMap((f) =>
        f.type === 'histogram'
          ? ['', '_bucket', '_sum', '_count'].map((x) => f.name + x)
          : [f.name],
      ),
    )
    const unknown = docs.flatMap(([path, text]) =>
      [...text.matchAll(/scandesk_relay_[a-z_]+/g)]
        .map((m) => m[0])
        .filter((n) => !names.has(n))
        .map((n) => `${path}: ${n}`),
    )
    expect(unknown).toEqual([])
    // Label values in the alert rules: each list is checked against the relay's types.
    const outcomes: PushOutcome[] = ['stored', 'duplicate', 'unrouted', 'ignored', 'bad_signature']
    outcomes.push('stale', 'malformed', 'too_large', 'store_error')
    const reasons: (UnroutedReason | TicketRefusal)[] = ['unknown-kiosk', 'foreign-scene']
    reasons.push('unrepresentable', 'missing-field', 'bad-field', 'unauthorized', 'forbidden')
    reasons.push('disabled', 'bad_request', 'too_large', 'rate', 'concurrency', 'budget')
    const known = new Set<string>([...outcomes, ...reasons])
    const values = [...section.matchAll(/(?:outcome|reason)=~?"([^"]+)"/g)].flatMap((m) =>
      (m[1] ?? '').split(/\\?\|/),
    )
    expect(values.length).toBeGreaterThan(0)
    expect(values.filter((v) => !known.has(v))).toEqual([])
    // The operator's labels, in the README and the example alert rules alike.
    const limits: LimitHit[] = ['pair_address', 'pair_block', 'screen_address', 'screen_block']
    limits.push('console_sign_in_locked', 'desk_bind_paced', 'desk_bind_unacked')
    const classes: FollowUpFailureClass[] = ['no_token', 'retry', 'permanent', 'maybe_sent']
    const calls: FollowUpCall[] = ['tag', 'message']
    const operator = new Set<string>([...limits, ...classes, ...calls])
    const rules = read('deploy/prometheus-alerts.yml')
    for (const text of [section, rules]) {
      const found = [...text.matchAll(/(?:limit|class|call|what)=~?"([^"]+)"/g)].flatMap((m) =>
        (m[1] ?? '').split(/\\?\|/),
      )
      expect(found.length).toBeGreaterThan(0)
      expect(found.filter((v) => !operator.has(v))).toEqual([])
    }
  })

  it('ship example alert rules that name only metrics and label values the relay has', () => {
    const rules = z
      .object({
        groups: z.array(
          z.object({
            name: z.string(),
            rules: z.array(
              z.object({
                alert: z.string().regex(/^[A-Za-z]+$/),
                expr: z.string(),
                for: z
                  .string()
                  .regex(/^\d+[smh]$/)
                  .optional(),
                labels: z.object({ severity: z.enum(['page', 'warn', 'info']) }),
                annotations: z.object({ summary: z.string().min(1) }).passthrough(),
              }),
            ),
          }),
        ),
      })
      .parse(load(read('deploy/prometheus-alerts.yml')))
    const all = rules.groups.flatMap((g) => g.rules)
    expect(new Set(all.map((r) => r.alert)).size).toBe(all.length)
    const names = new Set(families.map((f) => f.name))
    const bare = (n: string) => n.replace(/_(bucket|sum|count)$/, '')
    const unknown = all.flatMap((r) =>
      [...r.expr.matchAll(/scandesk_relay_[a-z_]+/g)]
        .map((m) => m[0])
        .filter((n) => !names.has(n) && !names.has(bare(n))),
    )
    expect(unknown).toEqual([])
    // A rule's `for` is no longer than the shortest increase it counts: a quiet stretch longer
    // than that range (a night at an event) empties it and starts the `for` again, so a rule
    // asking a day-long `for` of an hour's increase never fires.
    const seconds = (d: string): number => {
      const m = /^(\d+)([smhd])$/.exec(d)
      const unit = new Map([
        ['s', 1],
        ['m', 60],
        ['h', 3600],
        ['d', 86_400],
      ]).get(m?.[2] ?? '')
      return Number(m?.[1] ?? NaN) * (unit ?? NaN)
    }
    const tooLong = all.flatMap((r) => {
      const ranges = [...r.expr.matchAll(/increase\([^[]*\[(\d+[smhd])\]/g)].map((m) =>
        seconds(m[1] ?? ''),
      )
      const held = r.for === undefined ? 0 : seconds(r.for)
      return ranges.length > 0 && held > Math.min(...ranges) ? [r.alert] : []
    })
    expect(tooLong).toEqual([])
    // Each signal the operator must see within minutes has a rule.
    const exprs = all.map((r) => r.expr).join('\n')
    for (const n of [
      'store_healthy',
      'kiosk_disconnects_total',
      'unacked_events',
      'roster_transfers_pending',
      'follow_up_failures_total',
      'follow_up_waiting',
      'follow_up_overdue_seconds',
      'limit_hits_total',
      'ticket_refusals_total{reason="budget"}',
    ]) {
      expect(exprs).toContain(n)
    }
  })

  it('give in relay/README the credential rotation rules as deploy/prometheus-alerts.yml has them', () => {
    // Summed by (instance, credential) before `unless`: an operator copying a shorter form
    // from the table got another rule than the one shipped.
    const group = z
      .object({
        groups: z.array(
          z.object({ name: z.string(), rules: z.array(z.object({ expr: z.string() })) }),
        ),
      })
      .parse(load(read('deploy/prometheus-alerts.yml')))
      .groups.find((g) => g.name === 'scandesk-relay-credentials')
    const exprs = (group?.rules ?? []).map((r) => r.expr.trim().replace(/\s+/g, ' '))
    expect(exprs).toHaveLength(2)
    const rows = [
      ...section.matchAll(/^\| `([^`]*increase\([^`]*push_credentials_total[^`]*)` \|/gm),
    ].map((m) => m[1])
    expect(rows).toEqual(exprs)
  })

  it('say in relay/README "Metrics" what each family means, and which to alert on', () => {
    expect(families.length).toBeGreaterThan(10)
    const undocumented = families.map((f) => f.name).filter((n) => !section.includes(`\`${n}`))
    expect(undocumented).toEqual([])
    // The alert rules name the signs that lose or hold back scans.
    for (const page of ['store_healthy', 'connections_refused_total', 'outcome="stale"']) {
      expect(section).toContain(page)
    }
  })
})

/**
 * Campaigns at the relay (issue 19): how long a 50,000-row roster takes to upload (CSV through
 * the kiosk's parser, stored) and to reach a kiosk that acks every frame (hello to the last
 * entry, the relay's side: the kiosk only counts), and what assigning campaign-wide check-in
 * numbers costs the store's append (the push's write) against appending without a campaign.
 * SQLite and Redis.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { addOrganizer } from '../relay/console/organizer-admin'
import { startRelay, type RelayHandle } from '../relay/server'
import type { NewEvent } from '../relay/store/types'
import { startRedis, type TestRedis } from '../test/helpers/redis'
import { TOKEN, type Backend, BENCH_CAMPAIGN } from './env'
import { percentile, ratio, round, type Results } from './result'

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }

async function relayOn(backend: Backend) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-campaign-'))
  let redis: TestRedis | null = null
  if (backend === 'redis') redis = await startRedis()
  const relay: RelayHandle = await startRelay(
    { port: 0, data: dir, redis: redis?.url ?? null, wechat: { token: TOKEN } },
    { redisPrefix: `b-${randomUUID()}:`, log: silent, storePollMs: 1000 },
  )
  return {
    relay,
    close: async () => {
      await relay.close()
      await redis?.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

function csv(rows: number): string {
  const lines = ['name,company,phone,code']
  for (let i = 0; i < rows; i++) lines.push(`Guest ${i},Company ${i % 97},1380000${i},R${i}`)
  return lines.join('\n')
}

/** Signs in as the console would; returns the cookie. */
async function session(relay: RelayHandle): Promise<string> {
  const password = await addOrganizer(relay.store, 'bench', Date.now())
  const res = await fetch(`${relay.url}/console/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: relay.url },
    body: JSON.stringify({ name: 'bench', password }),
  })
  return /^scandesk_session=[^;]*/.exec(res.headers.get('set-cookie') ?? '')?.[0] ?? ''
}

async function rosterSync(backend: Backend, rows: number): Promise<Results> {
  const { relay, close } = await relayOn(backend)
  try {
    const token = await relay.addKiosk('k1')
    const cookie = await session(relay)
    const headers = { origin: relay.url, cookie }
    const made = (await (
      await fetch(`${relay.url}/console/api/campaigns`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(BENCH_CAMPAIGN),
      })
    ).json()) as { id: string }
    await fetch(`${relay.url}/console/api/kiosks/k1`, {
      method: 'PUT',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ campaignId: made.id }),
    })
    const body = csv(rows)
    const t0 = performance.now()
    const up = await fetch(`${relay.url}/console/api/campaigns/${made.id}/roster`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'text/csv' },
      body,
    })
    if (up.status !== 200) throw new Error(`upload: HTTP ${up.status}`)
    const uploadMs = performance.now() - t0

    const ws = new WebSocket(`${relay.url.replace(/^http/, 'ws')}/kiosk`, {
      headers: { Authorization: `Bearer ${token}` },
    })
    const t1 = performance.now()
    const syncMs = await new Promise<number>((resolve, reject) => {
      let received = 0
      ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', kioskId: 'k1' })))
      ws.on('error', reject)
      ws.on('message', (data: Buffer) => {
        const f = JSON.parse(data.toString('utf8')) as {
          type: string
          campaignId?: string
          rosterVersion?: number
          entries?: unknown[]
        }
        if (f.type !== 'roster') return
        received += f.entries?.length ?? 0
        ws.send(
          JSON.stringify({
            type: 'roster-ack',
            campaignId: f.campaignId,
            rosterVersion: f.rosterVersion,
            offset: received,
          }),
        )
        if (received >= rows) resolve(performance.now() - t1)
      })
    })
    ws.close()
    return {
      [`campaign.${backend}.roster_upload_${rows}_ms`]: {
        value: round(uploadMs, 0),
        unit: 'ms',
        note: 'POST of a CSV: parse (the kiosk import’s parser) and store',
      },
      [`campaign.${backend}.roster_sync_${rows}_ms`]: {
        value: round(syncMs, 0),
        unit: 'ms',
        note: 'hello to the last roster entry at a kiosk acking every frame (window 4)',
      },
    }
  } finally {
    await close()
  }
}

/** Appends per second through the store, with campaign-wide numbers on or off. */
async function appendRate(backend: Backend, events: number): Promise<Results> {
  const { relay, close } = await relayOn(backend)
  try {
    await relay.addKiosk('k1')
    const id = 'c-bench'
    const screenKey = 'k'.repeat(43)
    await relay.store.campaigns.createCampaign({ ...BENCH_CAMPAIGN, id, screenKey }, Date.now())
    const rate = async (campaignId: string | null, tag: string): Promise<number> => {
      const ev = (i: number): NewEvent => ({
        id: `ev_${tag}_${i}`,
        event: 'scan',
        openid: `o-${tag}-${i}`,
        scene: `k1:${tag}${i}`,
        ticket: 't',
        createTime: 1_700_000_000,
        receivedAt: Date.now(),
      })
      const t = performance.now()
      const batch = 50
      for (let i = 0; i < events; i += batch) {
        await Promise.all(
          Array.from({ length: batch }, (_, j) =>
            relay.store.appendEvent('k1', ev(i + j), campaignId),
          ),
        )
      }
      return events / ((performance.now() - t) / 1000)
    }
    await rate(null, 'warm')
    const off = await rate(null, 'off')
    const on = await rate(id, 'on')
    return {
      [`campaign.${backend}.append_numbers_off_per_s`]: {
        value: round(off, 0),
        unit: '/s',
        note: `${events} appends, 50 at a time, no campaign`,
      },
      [`campaign.${backend}.append_numbers_on_per_s`]: {
        value: round(on, 0),
        unit: '/s',
        compare: { against: 'numbers off', ratio: ratio(on, off) },
        note: 'the same, each taking a first-time visitor’s number in the kiosk’s campaign',
      },
    }
  } finally {
    await close()
  }
}

/**
 * The console's campaigns list as a followed page re-reads it (every 5 s while its tab is
 * visible): `GET /console/api/campaigns` with 0 (the floor: session check, HTTP, an empty list),
 * 50 and 500 campaigns stored, one request at a time, p50 and p99.
 */
async function campaignList(backend: Backend, reads: number): Promise<Results> {
  const { relay, close } = await relayOn(backend)
  try {
    const cookie = await session(relay)
    const screenKey = 'k'.repeat(43)
    let stored = 0
    const fill = async (n: number): Promise<void> => {
      for (; stored < n; stored++) {
        const id = `c-list-${String(stored).padStart(4, '0')}`
        const campaign = { ...BENCH_CAMPAIGN, name: `春季展会 ${stored}`, id, screenKey }
        await relay.store.campaigns.createCampaign(campaign, Date.now())
      }
    }
    const read = async (): Promise<{ ms: number; bytes: number }> => {
      const t0 = performance.now()
      const res = await fetch(`${relay.url}/console/api/campaigns`, { headers: { cookie } })
      const bytes = (await res.arrayBuffer()).byteLength
      if (res.status !== 200) throw new Error(`campaigns: HTTP ${res.status}`)
      return { ms: performance.now() - t0, bytes }
    }
    const measure = async (): Promise<{ p50: number; p99: number; bytes: number }> => {
      for (let i = 0; i < 20; i++) await read() // warm-up
      const times: number[] = []
      let bytes = 0
      for (let i = 0; i < reads; i++) {
        const r = await read()
        times.push(r.ms)
        bytes = r.bytes
      }
      times.sort((a, b) => a - b)
      return { p50: percentile(times, 50), p99: percentile(times, 99), bytes }
    }
    const floor = await measure()
    const out: Results = {
      [`campaign.${backend}.list_0.p50_ms`]: {
        value: round(floor.p50, 2),
        unit: 'ms',
        note: `${reads} reads one at a time, no campaign stored (the floor)`,
      },
    }
    for (const n of [50, 500]) {
      await fill(n)
      const m = await measure()
      out[`campaign.${backend}.list_${n}.p50_ms`] = {
        value: round(m.p50, 2),
        unit: 'ms',
        compare: { against: 'no campaign stored', ratio: ratio(m.p50, floor.p50) },
        note: `${reads} reads one at a time, ${n} campaigns, ${round(m.bytes / 1024, 1)} KiB a read; a visible console tab reads it 12 times a minute`,
      }
      out[`campaign.${backend}.list_${n}.p99_ms`] = { value: round(m.p99, 2), unit: 'ms' }
    }
    return out
  } finally {
    await close()
  }
}

export async function benchCampaign(quick: boolean): Promise<Results> {
  const rows = quick ? 10_000 : 50_000
  const events = quick ? 1000 : 5000
  const results: Results = {}
  for (const backend of ['sqlite', 'redis'] as const) {
    Object.assign(results, await rosterSync(backend, rows))
    Object.assign(results, await appendRate(backend, events))
    Object.assign(results, await campaignList(backend, quick ? 100 : 400))
  }
  return results
}

/**
 * The roster transfer's pace on the kiosk link (relay/roster-pacer.ts), both sides of its
 * trade-off:
 * - `roster.sqlite.loopback_20000_ms`: 20,000 rows from the real relay (SQLite) to a real kiosk
 *   core (in-process) over loopback, no throttle: from the assignment until the core holds the
 *   last row, swapped in. Median of 3 (1 in quick mode), a new campaign each time. The cost of
 *   pacing on a fast link.
 * - `roster.scan_behind_roster_20kBps.p50/max_ms`: a scan pushed while a roster is under way
 *   through a proxy carrying 20 KB/s from the relay to the kiosk (a booth on bad Wi-Fi, a deep
 *   buffer on the way): push answered → the scan frame at the kiosk (a raw websocket kiosk
 *   acking every roster frame at once). 5 scans 1.5 s apart (3 in quick mode).
 * - `roster.scan_behind_bindings_20kBps_ms`: the same link, once a desk campaign's roster is
 *   through and its 1,000 stored desk bindings (~150 bytes each) follow: a scan pushed as the
 *   first binding arrives, push answered → the scan frame at the kiosk; and
 *   `roster.bindings_20kBps_all_ms`, the first binding → the last (what pacing them costs).
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { MemoryVault } from '../electron/core/config/vault'
import { createKioskCore } from '../electron/core/kiosk-core'
import { addOrganizer } from '../relay/console/organizer-admin'
import { startRelay, type RelayHandle } from '../relay/server'
import { relayFrameSchema, type RelayFrame } from '../shared/relay-protocol'
import { CAMPAIGN, ConsoleApi, ORGANIZER_NAME } from '../test/e2e/campaign-booths'
import { throttleProxy } from '../test/helpers/throttle-proxy'
import { provisionDir } from '../test/kiosk/helpers'
import { TOKEN, postPush, scanXml } from './env'
import { percentile, round, type Results } from './result'

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }
const LOOPBACK_ROWS = 20_000
const SLOW_ROWS = 5_000
const SLOW_BYTES_PER_SECOND = 20 * 1024

function csv(rows: number): string {
  const lines = ['name,company,phone,code']
  for (let i = 0; i < rows; i++) lines.push(`Guest ${i},Company ${i % 97},1380000${i},R${i}`)
  return lines.join('\n')
}

async function until(pred: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

async function campaignWithRoster(relay: RelayHandle, api: ConsoleApi, rows: number) {
  const made = await api.createCampaign({ ...CAMPAIGN, mode: 'desk' })
  const up = await fetch(`${relay.url}/console/api/campaigns/${made.id}/roster`, {
    method: 'POST',
    headers: { origin: relay.url, cookie: api.sessionCookie(), 'content-type': 'text/csv' },
    body: csv(rows),
  })
  if (up.status !== 200) throw new Error(`upload: HTTP ${up.status}`)
  return made
}

async function withRelay<T>(run: (relay: RelayHandle, api: ConsoleApi) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-roster-link-'))
  const relay = await startRelay(
    { port: 0, data: join(dir, 'relay'), redis: null, wechat: { token: TOKEN } },
    { redisPrefix: `b-${randomUUID()}:`, log: silent },
  )
  try {
    const password = await addOrganizer(relay.store, ORGANIZER_NAME, Date.now())
    return await run(relay, await ConsoleApi.signIn(relay.url, ORGANIZER_NAME, password))
  } finally {
    await relay.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

async function loopback(runs: number): Promise<Results> {
  return withRelay(async (relay, api) => {
    const token = await relay.addKiosk('k1')
    const kioskDir = mkdtempSync(join(tmpdir(), 'bench-roster-kiosk-'))
    const vault = new MemoryVault()
    provisionDir(kioskDir, vault, { relayUrl: relay.url, kioskId: 'k1', token })
    const core = createKioskCore({ dataDir: kioskDir, vault, initialPin: '2468', tickMs: 0 })
    core.start()
    try {
      await until(() => core.status().relay.state === 'connected', 'link', 30_000)
      const conn = core.settings().connectionId
      const times: number[] = []
      for (let i = 0; i < runs; i++) {
        const made = await campaignWithRoster(relay, api, LOOPBACK_ROWS)
        const t0 = performance.now()
        await api.assign('k1', made.id)
        await until(
          () => {
            const held = core.relayRoster.held(conn)
            return held?.campaignId === made.id && held.offset === LOOPBACK_ROWS
          },
          'roster',
          600_000,
        )
        times.push(performance.now() - t0)
      }
      times.sort((a, b) => a - b)
      return {
        [`roster.sqlite.loopback_${LOOPBACK_ROWS}_ms`]: {
          value: round(percentile(times, 50), 0),
          unit: 'ms',
          note: `assignment → real relay → real kiosk core over loopback, no throttle; median of ${runs}`,
        },
      }
    } finally {
      await core.stop()
      rmSync(kioskDir, { recursive: true, force: true })
    }
  })
}

/**
 * A raw websocket kiosk `k1` through `proxyUrl`: every frame goes to `onFrame`, each roster frame
 * is acked at once with what it holds. Resolves once its hello is sent.
 */
async function ackingKiosk(
  proxyUrl: string,
  token: string,
  onFrame: (f: RelayFrame) => void,
): Promise<{ ws: WebSocket; held: () => number }> {
  const ws = new WebSocket(`${proxyUrl.replace(/^http/, 'ws')}/kiosk`, {
    headers: { Authorization: `Bearer ${token}` },
  })
  let held = 0
  ws.on('message', (data: Buffer) => {
    const f = relayFrameSchema.parse(JSON.parse(data.toString('utf8')))
    onFrame(f)
    if (f.type !== 'roster') return
    if (f.offset === held) held += f.entries.length
    const ack = { campaignId: f.campaignId, rosterVersion: f.rosterVersion, offset: held }
    ws.send(JSON.stringify({ type: 'roster-ack', ...ack }))
  })
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve)
      ws.once('error', reject)
    })
  } catch (err) {
    ws.terminate()
    throw err
  }
  ws.send(JSON.stringify({ type: 'hello', kioskId: 'k1' }))
  return { ws, held: () => held }
}

async function scanBehindRoster(scans: number): Promise<Results> {
  return withRelay(async (relay, api) => {
    const token = await relay.addKiosk('k1')
    const made = await campaignWithRoster(relay, api, SLOW_ROWS)
    await api.assign('k1', made.id)
    const proxy = await throttleProxy(relay.port, SLOW_BYTES_PER_SECOND)
    const arrived = new Map<string, number>()
    const kiosk = await ackingKiosk(proxy.url, token, (f) => {
      if (f.type === 'scan') arrived.set(f.openid, performance.now())
    }).catch(async (err: unknown) => {
      await proxy.close()
      throw err
    })
    const held = kiosk.held
    try {
      await until(() => held() > 0, 'roster under way', 60_000)
      const waits: number[] = []
      for (let i = 0; i < scans && held() < SLOW_ROWS; i++) {
        await new Promise((r) => setTimeout(r, 1500))
        const openid = `o_bench_${i}`
        const status = await postPush(relay.url, scanXml(openid, `k1:n${i}`))
        if (status !== 200) throw new Error(`push: HTTP ${status}`)
        const t0 = performance.now()
        await until(() => arrived.has(openid), 'scan at the kiosk', 120_000)
        waits.push((arrived.get(openid) ?? t0) - t0)
      }
      waits.sort((a, b) => a - b)
      const name = `roster.scan_behind_roster_${SLOW_BYTES_PER_SECOND / 1024}kBps`
      const note = `push answered → scan frame at the kiosk, ${waits.length} scans during a ${SLOW_ROWS}-row roster at ${SLOW_BYTES_PER_SECOND / 1024} KiB/s`
      return {
        [`${name}.p50_ms`]: { value: round(percentile(waits, 50), 0), unit: 'ms', note },
        [`${name}.max_ms`]: { value: round(waits.at(-1) ?? NaN, 0), unit: 'ms' },
      }
    } finally {
      kiosk.ws.terminate()
      await proxy.close()
    }
  })
}

const BINDINGS = 1_000

async function scanBehindBindings(): Promise<Results> {
  return withRelay(async (relay, api) => {
    const token = await relay.addKiosk('k1')
    const made = await campaignWithRoster(relay, api, BINDINGS)
    await api.assign('k1', made.id)
    const { campaigns } = relay.store
    const roster = await campaigns.readRoster(made.id, 0, BINDINGS)
    for (const [i, e] of roster.entries.entries()) {
      const openid = `o_${String(i).padStart(26, 'x')}`
      await campaigns.putBinding(made.id, { registrationId: e.id, openid, at: Date.now() })
    }
    const proxy = await throttleProxy(relay.port, SLOW_BYTES_PER_SECOND)
    let bindings = 0
    let firstBindingAt = 0
    let lastBindingAt = 0
    let scanAt = 0
    let pushedAt = 0
    let push: Promise<number> | null = null
    const kiosk = await ackingKiosk(proxy.url, token, (f) => {
      if (f.type === 'scan') scanAt = performance.now()
      if (f.type !== 'binding') return
      bindings++
      lastBindingAt = performance.now()
      if (push !== null) return
      firstBindingAt = lastBindingAt
      push = postPush(relay.url, scanXml('o_bench_desk', 'k1:n1')).then((status) => {
        pushedAt = performance.now()
        return status
      })
    }).catch(async (err: unknown) => {
      await proxy.close()
      throw err
    })
    try {
      await until(() => push !== null, 'the first binding', 120_000)
      const status = await (push as unknown as Promise<number>)
      if (status !== 200) throw new Error(`push: HTTP ${status}`)
      await until(() => scanAt > 0, 'scan at the kiosk', 120_000)
      await until(() => bindings >= BINDINGS, 'every binding', 300_000)
      const name = `roster.scan_behind_bindings_${SLOW_BYTES_PER_SECOND / 1024}kBps_ms`
      return {
        [name]: {
          value: round(Math.max(0, scanAt - pushedAt), 0),
          unit: 'ms',
          note: `push answered → scan frame at the kiosk, pushed as the first of ${BINDINGS} stored desk bindings arrived at ${SLOW_BYTES_PER_SECOND / 1024} KiB/s`,
        },
        [`roster.bindings_${SLOW_BYTES_PER_SECOND / 1024}kBps_all_ms`]: {
          value: round(lastBindingAt - firstBindingAt, 0),
          unit: 'ms',
          note: `first → last of the ${BINDINGS} bindings on that link`,
        },
      }
    } finally {
      kiosk.ws.terminate()
      await proxy.close()
    }
  })
}

export async function benchRosterLink(quick: boolean): Promise<Results> {
  return {
    ...(await loopback(quick ? 1 : 3)),
    ...(await scanBehindRoster(quick ? 3 : 5)),
    ...(await scanBehindBindings()),
  }
}

/**
 * `npm run soak [-- --minutes 30 --kiosks 500 --sample-seconds 30]`: two long runs side by side.
 * - Kiosk web mode (demo: in-process sandbox + relay) with a scan every 100 ms of the code the
 *   web bridge reports on screen, sampling heap, active handles and the SQLite file size.
 * - A second relay with `--kiosks` websocket kiosks connected (each acks what it gets) and a
 *   push a second to a random one, sampling memory and connected kiosks.
 * Prints one JSON line per sample and a summary; exits 1 if a scan answered 200 is missing.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import WebSocket from 'ws'
import { startKioskRuntime } from '../electron/core/kiosk-runtime'
import { MemoryVault } from '../electron/core/config/vault'
import { newWebSecret, startWebServer } from '../electron/core/web/web-server'
import { startRelay } from '../relay/server'
import { screenStateSchema } from '../shared/ipc'
import { TOKEN, postPush, scanXml } from '../test/relay/harness'

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    kiosks: { type: 'string', default: '500' },
    'sample-seconds': { type: 'string', default: '30' },
  },
})
const minutes = Number(values.minutes)
const kioskCount = Number(values.kiosks)
const sampleMs = Number(values['sample-seconds']) * 1000
if (!(minutes > 0) || !Number.isInteger(kioskCount) || kioskCount < 1 || !(sampleMs > 0)) {
  console.error('usage: npm run soak -- [--minutes N] [--kiosks N] [--sample-seconds N]')
  process.exit(2)
}
const endAt = Date.now() + minutes * 60_000
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const mb = (n: number) => Math.round(n / 1e5) / 10
const fileSize = (f: string) => {
  try {
    return statSync(f).size
  } catch {
    return 0
  }
}

// --- kiosk web mode -------------------------------------------------------------------------
const kioskDir = mkdtempSync(join(tmpdir(), 'scandesk-soak-kiosk-'))
const runtime = await startKioskRuntime({
  dataDir: kioskDir,
  vault: new MemoryVault(),
  core: { tickMs: 1000, initialPin: '2468' },
})
if (runtime.demo === null) throw new Error('soak expects demo mode')
const demo = runtime.demo
const secret = newWebSecret()
const staticDir = join(kioskDir, 'no-renderer')
const web = await startWebServer({ target: runtime.core, secret, staticDir, port: 0 })

async function screenUrl(): Promise<string | null> {
  const res = await fetch(`${web.url}/api/call/getScreenState`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: '{}',
  })
  const body = (await res.json()) as { result?: unknown }
  return screenStateSchema.parse(body.result).ticket?.url ?? null
}

const kioskStats = { scans: 0, answered: 0, noCode: 0, failed: 0 }
async function scanLoop(): Promise<void> {
  let n = 0
  while (Date.now() < endAt) {
    const tick = sleep(100)
    try {
      const url = await screenUrl()
      if (url === null) kioskStats.noCode++
      else {
        // 5,000 distinct visitors: repeats (welcome back) as well as first visits.
        const r = await demo.sandbox.scan(url, `o_soak_${n++ % 5000}`)
        kioskStats.scans++
        if (r.attempts.some((a) => a.status === 200)) kioskStats.answered++
      }
    } catch {
      kioskStats.failed++
    }
    await tick
  }
}

// --- relay with many kiosks -----------------------------------------------------------------
const relayDir = mkdtempSync(join(tmpdir(), 'scandesk-soak-relay-'))
const relay = await startRelay({ port: 0, data: relayDir, wechat: { token: TOKEN } })
const sockets: WebSocket[] = []
const relayStats = { pushes: 0, delivered: 0, reconnects: 0 }
for (let i = 0; i < kioskCount; i++) {
  const kioskId = `soak-${i}`
  const token = await relay.addKiosk(kioskId)
  const ws = new WebSocket(`${relay.url.replace(/^http/, 'ws')}/kiosk`, {
    headers: { Authorization: `Bearer ${token}` },
  })
  ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', kioskId })))
  ws.on('message', (data: Buffer) => {
    const f = JSON.parse(data.toString('utf8')) as { type?: string; seq?: number }
    if (f.type === 'scan' && typeof f.seq === 'number') {
      relayStats.delivered++
      ws.send(JSON.stringify({ type: 'ack', seq: f.seq }))
    }
  })
  ws.on('close', () => relayStats.reconnects++)
  ws.on('error', () => {})
  sockets.push(ws)
}
async function pushLoop(): Promise<void> {
  let n = 0
  while (Date.now() < endAt) {
    const k = n % kioskCount
    const r = await postPush(relay.url, scanXml(`o_r${n}`, `soak-${k}:${n}`, 1_700_000_000 + n))
    if (r.status === 200) relayStats.pushes++
    n++
    await sleep(1000)
  }
}

// --- sampling -------------------------------------------------------------------------------
const samples: Array<Record<string, number>> = []
function sample(): void {
  const m = process.memoryUsage()
  const db = join(kioskDir, 'kiosk.db')
  const s = {
    minute: Math.round((Date.now() - (endAt - minutes * 60_000)) / 6000) / 10,
    heapMb: mb(m.heapUsed),
    rssMb: mb(m.rss),
    handles: process.getActiveResourcesInfo().length,
    kioskDbKb: Math.round((fileSize(db) + fileSize(`${db}-wal`)) / 1024),
    relayDbKb: Math.round(
      (fileSize(join(relayDir, 'relay.sqlite')) + fileSize(join(relayDir, 'relay.sqlite-wal'))) /
        1024,
    ),
    attendance: (
      runtime.core.db.prepare('SELECT count(*) AS n FROM attendance').get() as { n: number }
    ).n,
    ...kioskStats,
    ...relayStats,
  }
  samples.push(s)
  console.log(JSON.stringify(s))
}
sample()
const sampler = setInterval(sample, sampleMs)
await Promise.all([scanLoop(), pushLoop()])
clearInterval(sampler)
await sleep(3000) // let the last scans and acks land
sample()

const first = samples[1] ?? samples[0]
const last = samples.at(-1)
const missing = kioskStats.answered - (last?.attendance ?? 0)
console.log(
  JSON.stringify({
    summary: true,
    minutes,
    kiosks: kioskCount,
    heapMb: [first?.heapMb, last?.heapMb],
    rssMb: [first?.rssMb, last?.rssMb],
    handles: [first?.handles, last?.handles],
    kioskDbKb: [first?.kioskDbKb, last?.kioskDbKb],
    kioskStats,
    relayStats,
    missingScans: missing,
  }),
)
for (const ws of sockets) ws.terminate()
await web.close()
await runtime.close()
await relay.close()
rmSync(kioskDir, { recursive: true, force: true })
rmSync(relayDir, { recursive: true, force: true })
process.exit(missing === 0 ? 0 : 1)

/**
 * Metric 2: a signed push POSTed to the relay → the scan committed in the kiosk's SQLite, at
 * fixed open-loop rates, per store; and the floor in the same run: a bare HTTP POST whose body
 * a bare server forwards as one ws message, on the same loopback, the same load generator.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { rmSync } from 'node:fs'
import { WebSocketServer, WebSocket } from 'ws'
import { openLoop, waitFor } from './load'
import { z } from 'zod'
import { postPush, postRaw, scanXml, startKioskSink, tempDir, type Backend } from './env'
import { Child } from './child'
import { percentile, ratio, round, type Metric, type Results } from './result'

interface Lat {
  p50: number
  p99: number
  max: number
  done: number
  count: number
  non200: number
  /** POST → 200 (the relay has stored the push), p50 and p99. */
  answer50: number
  answer99: number
}

function summarize(lat: number[], count: number, statuses: number[], answer: number[]): Lat {
  const s = [...lat].sort((a, b) => a - b)
  const a = [...answer].sort((x, y) => x - y)
  return {
    answer50: round(percentile(a, 50), 2),
    answer99: round(percentile(a, 99), 2),
    p50: round(percentile(s, 50), 2),
    p99: round(percentile(s, 99), 2),
    max: round(s[s.length - 1] ?? NaN, 2),
    done: s.length,
    count,
    non200: statuses.filter((x) => x !== 200).length,
  }
}

async function floor(rate: number, count: number): Promise<Lat> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await new Promise((r) => wss.once('listening', r))
  const received = new Map<number, number>()
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`)
  client.on('message', (d: Buffer) => received.set(Number(d.toString()), performance.now()))
  const serverSide = await new Promise<WebSocket>((r) => wss.once('connection', r))
  await new Promise((r) =>
    client.readyState === WebSocket.OPEN ? r(null) : client.once('open', r),
  )
  const http = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      serverSide.send(Buffer.concat(chunks).toString())
      res.end('success')
    })
  })
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/`
  const { sentAt, answeredAt, statuses } = await openLoop(rate, count, (i) =>
    postRaw(url, String(i)),
  )
  await waitFor(() => received.size >= count, 5000)
  const lat = [...received].map(([i, t]) => t - (sentAt[i] ?? t))
  client.close()
  wss.close()
  http.closeAllConnections()
  await new Promise((r) => http.close(r))
  return summarize(lat, count, statuses, answerTimes(sentAt, answeredAt))
}

function answerTimes(sentAt: Float64Array, answeredAt: Float64Array): number[] {
  return [...answeredAt].map((t, i) => t - (sentAt[i] ?? t))
}

async function endToEnd(
  backend: Backend,
  rates: number[],
  seconds: number,
): Promise<Map<number, Lat>> {
  // The relay runs in its own process, as it would on its own host: the load generator and
  // the kiosk (this process) do not take its CPU turns.
  const child = new Child()
  const dir = tempDir('bench-kiosk-')
  const out = new Map<number, Lat>()
  try {
    const { url } = z.object({ url: z.string() }).parse(await child.call({ cmd: 'start', backend }))
    for (const rate of rates) {
      const kioskId = `s${rate}`
      const { tokens } = z
        .object({ tokens: z.array(z.string()) })
        .parse(await child.call({ cmd: 'kiosks', from: rate, n: 1, events: 0 }))
      const sink = startKioskSink(url, kioskId, tokens[0] ?? '', dir)
      await waitFor(() => sink.link.status().state === 'connected', 5000)
      const count = Math.round(rate * seconds)
      const scene = (i: number) => `${kioskId}:${i}`
      const { sentAt, answeredAt, statuses } = await openLoop(rate, count, (i) =>
        postPush(url, scanXml(`o-${i % 500}`, scene(i))),
      )
      await waitFor(() => sink.committed.size >= count, 15_000)
      const lat: number[] = []
      for (let i = 0; i < count; i++) {
        const t = sink.committed.get(scene(i))
        if (t !== undefined) lat.push(t - (sentAt[i] ?? t))
      }
      out.set(rate, summarize(lat, count, statuses, answerTimes(sentAt, answeredAt)))
      await sink.close()
    }
  } finally {
    await child.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  return out
}

export async function benchEndToEnd(quick: boolean): Promise<Results> {
  const rates = quick ? [100, 1000] : [100, 1000, 5000]
  const seconds = quick ? 1 : 3
  const results: Results = {}
  const floors = new Map<number, Lat>()
  for (const rate of rates) floors.set(rate, await floor(rate, Math.round(rate * seconds)))
  for (const [rate, f] of floors) {
    for (const k of ['p50', 'p99', 'max'] as const) {
      results[`e2e.floor.${rate}/s.${k}`] = { value: f[k], unit: 'ms' }
    }
    results[`e2e.floor.${rate}/s.post-200.p50`] = { value: f.answer50, unit: 'ms' }
  }
  for (const backend of ['sqlite', 'redis'] as const) {
    const lats = await endToEnd(backend, rates, seconds)
    for (const [rate, l] of lats) {
      const f = floors.get(rate)
      const base = `e2e.${backend}.${rate}/s`
      const note = `${l.done}/${l.count} committed, ${l.non200} non-200`
      const p50: Metric = {
        value: l.p50,
        unit: 'ms',
        compare: { against: 'floor p50', ratio: f ? ratio(l.p50, f.p50) : null },
        goal: '<= 2x floor',
        note,
      }
      p50.met = p50.compare?.ratio !== null && (p50.compare?.ratio ?? Infinity) <= 2
      const p99: Metric = {
        value: l.p99,
        unit: 'ms',
        compare: { against: 'floor p99', ratio: f ? ratio(l.p99, f.p99) : null },
      }
      if (rate === 1000) {
        p99.goal = '< 20 ms'
        p99.met = l.p99 < 20
      }
      results[`${base}.p50`] = p50
      results[`${base}.p99`] = p99
      results[`${base}.max`] = { value: l.max, unit: 'ms' }
      results[`${base}.post-200.p50`] = {
        value: l.answer50,
        unit: 'ms',
        compare: { against: 'floor POST p50', ratio: f ? ratio(l.answer50, f.answer50) : null },
      }
      results[`${base}.post-200.p99`] = { value: l.answer99, unit: 'ms' }
      results[`${base}.committed`] = { value: l.done, unit: `of ${l.count}`, note }
    }
  }
  return results
}

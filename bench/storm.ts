/**
 * Metric 3 (reconnect storm) and 4 (relay memory), against a relay in a child process:
 * N kiosks with M queued events each connect at once; we time until every event is delivered
 * and acknowledged in the store, and count lost and duplicated events. Memory is the relay
 * process's heap + external after GC (and Redis's used_memory for the Redis store).
 */
import { z } from 'zod'
import WebSocket from 'ws'
import { relayFrameSchema } from '../shared/relay-protocol'
import { waitFor } from './load'
import { round, type Results } from './result'
import { Child, memSchema } from './child'
import type { Backend } from './env'

interface StormClient {
  ws: WebSocket
  ids: Set<string>
  dups: number
  welcomed: boolean
  /** The kiosk's cursor, sent in its next hello as a kiosk does. */
  epoch: string | null
  lastSeq: number
}

function connect(
  url: string,
  kioskId: string,
  token: string,
  cursor: { epoch: string | null; lastSeq: number } = { epoch: null, lastSeq: 0 },
): Promise<StormClient> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/kiosk`, {
    headers: { Authorization: `Bearer ${token}` },
  })
  const c: StormClient = {
    ws,
    ids: new Set(),
    dups: 0,
    welcomed: false,
    epoch: cursor.epoch,
    lastSeq: cursor.lastSeq,
  }
  ws.on('message', (d: Buffer) => {
    const f = relayFrameSchema.parse(JSON.parse(d.toString('utf8')))
    if (f.type === 'welcome') {
      c.welcomed = true
      c.epoch = f.epoch
      return
    }
    if (f.type !== 'scan') return
    c.lastSeq = Math.max(c.lastSeq, f.seq)
    if (c.ids.has(f.id)) c.dups++
    else c.ids.add(f.id)
    // The kiosk acks after committing; here the commit is the Set insert above.
    ws.send(JSON.stringify({ type: 'ack', seq: f.seq }))
  })
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      const resume = c.epoch === null ? {} : { epoch: c.epoch, lastSeq: c.lastSeq }
      ws.send(JSON.stringify({ type: 'hello', kioskId, ...resume }))
      resolve(c)
    })
    ws.once('error', reject)
  })
}

async function storm(backend: Backend, kiosks: number, events: number): Promise<Results> {
  const child = new Child()
  try {
    const { url } = z.object({ url: z.string() }).parse(await child.call({ cmd: 'start', backend }))
    const mem0 = memSchema.parse(await child.call({ cmd: 'mem' }))
    const { tokens } = z
      .object({ tokens: z.array(z.string()) })
      .parse(await child.call({ cmd: 'kiosks', from: 0, n: kiosks, events }))
    const mem1 = memSchema.parse(await child.call({ cmd: 'mem' }))
    const total = kiosks * events
    const t0 = performance.now()
    const clients = await Promise.all(tokens.map((t, i) => connect(url, `s${i}`, t)))
    const delivered = () => clients.reduce((n, c) => n + c.ids.size, 0)
    await waitFor(() => delivered() >= total, 60_000)
    let pending = kiosks
    for (let i = 0; i < 2000 && pending > 0; i++) {
      pending = z
        .object({ pending: z.number() })
        .parse(await child.call({ cmd: 'acked', n: kiosks })).pending
    }
    const ms = performance.now() - t0
    const lost = total - delivered()
    const dups = clients.reduce((n, c) => n + c.dups, 0)
    for (const c of clients) c.ws.terminate()

    // Idle connections: the same kiosks reconnect with their cursor (as a kiosk does), so
    // nothing is queued for them. Without it the relay replays every kept event, and memory
    // was measured mid-replay (the Redis relay's 19 KB "idle" connection was that).
    await waitFor(() => clients.every((c) => c.ws.readyState === WebSocket.CLOSED), 5000)
    await new Promise((r) => setTimeout(r, 300))
    const memIdle0 = memSchema.parse(await child.call({ cmd: 'mem' }))
    const idle = await Promise.all(
      tokens.map((t, i) =>
        connect(url, `s${i}`, t, {
          epoch: clients[i]?.epoch ?? null,
          lastSeq: clients[i]?.lastSeq ?? 0,
        }),
      ),
    )
    await waitFor(() => idle.every((c) => c.welcomed), 10_000)
    await new Promise((r) => setTimeout(r, 300))
    const memIdle1 = memSchema.parse(await child.call({ cmd: 'mem' }))
    const replayed = idle.reduce((n, c) => n + c.ids.size, 0)
    for (const c of idle) c.ws.terminate()

    const p = `storm.${backend}`
    const perEvent = (mem1.heap - mem0.heap) / total
    const r: Results = {
      [`${p}.${kiosks}x${events}.all-acked`]: {
        value: round(ms, 0),
        unit: 'ms',
        goal: '< 5000 ms (500x100)',
        met: ms < 5000,
        note: `${total} events`,
      },
      [`${p}.lost`]: { value: lost, unit: 'events', goal: '0', met: lost === 0 },
      [`${p}.duplicated`]: { value: dups, unit: 'events', goal: '0', met: dups === 0 },
      [`mem.${backend}.per-idle-connection`]: {
        value: round((memIdle1.heap - memIdle0.heap) / kiosks / 1024, 2),
        unit: 'KB',
        goal: '< 15 KB',
        met: (memIdle1.heap - memIdle0.heap) / kiosks < 15 * 1024,
        note: `relay heap+external after GC, ${kiosks} connections (${replayed} events re-sent); rss delta ${round((memIdle1.rss - memIdle0.rss) / kiosks / 1024, 1)} KB`,
      },
      [`mem.${backend}.relay-heap-per-queued-event`]: {
        value: round(perEvent, 1),
        unit: 'bytes',
        note: 'queued events live in the store, not the relay heap (includes kiosk records)',
      },
    }
    if (mem0.redis !== null && mem1.redis !== null) {
      r[`mem.redis.redis-per-queued-event`] = {
        value: round((mem1.redis - mem0.redis) / total, 1),
        unit: 'bytes',
        note: 'redis-server used_memory delta',
      }
    }
    return r
  } finally {
    await child.stop()
  }
}

export async function benchStorm(quick: boolean): Promise<Results> {
  const [kiosks, events] = quick ? [100, 20] : [500, 100]
  return {
    ...(await storm('sqlite', kiosks, events)),
    ...(await storm('redis', kiosks, events)),
  }
}

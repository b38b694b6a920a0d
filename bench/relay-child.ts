/**
 * The relay in its own process for the end-to-end, storm and memory benches, so the relay's
 * heap and CPU are not mixed with the load generator or the hundreds of bench clients. Or, for
 * the floor, a bare `http` server that forwards each body as one `ws` message, in the same
 * place. Driven over IPC (see e2e.ts, storm.ts).
 */
import { rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { runInNewContext } from 'node:vm'
import { setFlagsFromString } from 'node:v8'
import { WebSocketServer, type WebSocket } from 'ws'
import { z } from 'zod'
import { Redis } from 'ioredis'
import type { RelayStore } from '../relay/store/types'
import { appendLog, startBenchRelay, tempDir, type BenchRelay } from './env'
import { answerParent } from './child'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const msgSchema = z.discriminatedUnion('cmd', [
  z.object({
    cmd: z.literal('start'),
    backend: z.enum(['sqlite', 'redis']),
    storeless: z.boolean().optional(),
  }),
  z.object({ cmd: z.literal('floor'), durable: z.boolean() }),
  z.object({ cmd: z.literal('kiosks'), from: z.number(), n: z.number(), events: z.number() }),
  z.object({ cmd: z.literal('mem') }),
  z.object({ cmd: z.literal('cpu') }),
  z.object({ cmd: z.literal('acked'), n: z.number() }),
  z.object({ cmd: z.literal('stop') }),
])

let env: BenchRelay | null = null
let redis: Redis | null = null
let floor: { http: Server; wss: WebSocketServer; dir: string | null } | null = null

/**
 * The floor: the least a relay must do, a POST's body sent on as one ws message. `durable`:
 * the least a relay that keeps what it answers must do, the same plus one write and fdatasync
 * of the body before sending it on and answering (what a commit of one event costs the disk).
 */
async function startFloor(durable: boolean): Promise<{ url: string; wsUrl: string }> {
  let client: WebSocket | null = null
  const dir = durable ? tempDir('bench-floor-') : null
  const log = dir === null ? null : appendLog(dir)
  const http = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      log?.(body)
      client?.send(body.toString())
      res.end('success')
    })
  })
  // On the HTTP server's port, as the relay's /kiosk socket is.
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false })
  wss.on('connection', (ws) => (client = ws))
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r))
  floor = { http, wss, dir }
  const { port } = http.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}` }
}

/**
 * The saturation bench's `no-store` target: the relay's own push path (HTTP, signature, XML,
 * routing, the claim's hash, the answer) over a store whose claimed append keeps nothing and
 * resolves at once. The rate no store, however fast, could take the relay past.
 */
function keepNothing(store: RelayStore): void {
  let seq = 0
  store.appendClaimedEvent = (_claim, kioskId) =>
    Promise.resolve({ status: 'stored' as const, kioskId, seq: ++seq })
}

function need(): BenchRelay {
  if (env === null) throw new Error('not started')
  return env
}

async function redisUsed(): Promise<number | null> {
  if (redis === null) return null
  const info = await redis.info('memory')
  const m = /used_memory:(\d+)/.exec(info)
  return m?.[1] ? Number(m[1]) : null
}

async function handle(raw: unknown): Promise<unknown> {
  const m = msgSchema.parse(raw)
  switch (m.cmd) {
    case 'start': {
      env = await startBenchRelay(m.backend)
      if (env.redisUrl !== null) redis = new Redis({ path: env.redisUrl })
      if (m.storeless === true) keepNothing(env.relay.store)
      return { url: env.relay.url }
    }
    case 'floor':
      return startFloor(m.durable)
    case 'kiosks': {
      const { relay } = need()
      const tokens: string[] = []
      for (let k = m.from; k < m.from + m.n; k++) {
        const id = `s${k}`
        tokens.push(await relay.addKiosk(id))
        // One kiosk's events in one go: the SQLite store group-commits them.
        const appends: Array<Promise<unknown>> = []
        for (let e = 0; e < m.events; e++) {
          appends.push(
            relay.store.appendEvent(id, {
              id: `ev-${id}-${e}`,
              event: 'scan',
              openid: `o-${e}`,
              scene: `${id}:${e}`,
              ticket: `tk-${e}`,
              createTime: Math.floor(Date.now() / 1000),
              receivedAt: Date.now(),
            }),
          )
        }
        await Promise.all(appends)
      }
      return { tokens }
    }
    case 'mem': {
      for (let i = 0; i < 3; i++) gc()
      const u = process.memoryUsage()
      return { heap: u.heapUsed + u.external, rss: u.rss, redis: await redisUsed() }
    }
    case 'cpu': {
      // user + system CPU of this process so far, ms: robust to other work on the machine.
      const c = process.cpuUsage()
      return { ms: (c.user + c.system) / 1000 }
    }
    case 'acked': {
      const { relay } = need()
      let pending = 0
      for (let k = 0; k < m.n; k++) {
        const q = await relay.store.queueState(`s${k}`)
        if (q === null || q.ackedSeq < q.headSeq) pending++
      }
      return { pending }
    }
    case 'stop': {
      redis?.disconnect()
      await env?.close()
      if (floor !== null) {
        floor.wss.close()
        floor.http.closeAllConnections()
        floor.http.close()
        if (floor.dir !== null) rmSync(floor.dir, { recursive: true, force: true })
      }
      setImmediate(() => process.exit(0))
      return {}
    }
  }
}

answerParent(handle)

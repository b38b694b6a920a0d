// Two relay processes on one Redis behind a round-robin balancer (a TCP proxy written here,
// passing a connection to the next instance when one refuses it, as a load balancer's health
// check would): the booth's link lands on instance A, WeChat's pushes on both, and A is killed
// with SIGKILL (no shutdown code runs) in the middle of the load. The booth moves to B through
// the balancer and gets every push either instance answered 200, each once, in the same epoch.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import net from 'node:net'
import { promisify } from 'node:util'
import WebSocket from 'ws'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { relayFrameSchema } from '../../shared/relay-protocol'
import { startRedis, type TestRedis } from '../helpers/redis'
import { TOKEN, postPush, scanXml } from '../relay/harness'
import { readLogLines, ROOT } from '../relay/relay-process'

const run = promisify(execFile)
const CLI = ['--import', 'tsx', 'relay/cli.ts']
const PUSHES = 160
const KILL_AFTER = 40

let redis: TestRedis
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(() => redis.stop())
const cleanups: Array<() => Promise<unknown> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const env = { ...process.env, SCANDESK_RELAY_WECHAT_TOKEN: TOKEN }

interface Instance {
  child: ChildProcess
  port: number
}

/** The relay program itself (relay/cli.ts), on the file's Redis. */
function startInstance(): Promise<Instance> {
  const child = spawn(process.execPath, [...CLI, '--port', '0', '--redis', redis.url], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  return new Promise((resolve, reject) => {
    readLogLines(child.stdout, (entry) => {
      if (entry.msg === 'relay listening' && entry.url !== undefined) {
        resolve({ child, port: Number(new URL(entry.url).port) })
      }
    })
    child.once('exit', (code) => reject(new Error(`relay exited early (${code})`)))
  })
}

/**
 * Round robin over `ports`, one choice per TCP connection (so a kept-alive HTTP connection or
 * a websocket stays on its instance); an instance that refuses the connection is skipped.
 * `landed` lists the port each accepted connection went to, in order.
 */
async function balancer(ports: number[]): Promise<{ url: string; landed: number[] }> {
  let next = 0
  const landed: number[] = []
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    sockets.add(client)
    client.on('close', () => sockets.delete(client))
    client.on('error', () => client.destroy())
    client.pause()
    const tryFrom = (tries: number): void => {
      if (tries === ports.length) return void client.destroy()
      const port = ports[next++ % ports.length] ?? 0
      const upstream = net.connect(port, '127.0.0.1')
      upstream.once('error', () => tryFrom(tries + 1))
      upstream.once('connect', () => {
        landed.push(port)
        sockets.add(upstream)
        upstream.removeAllListeners('error')
        upstream.on('error', () => client.destroy())
        upstream.on('close', () => {
          sockets.delete(upstream)
          client.destroy()
        })
        client.on('close', () => upstream.destroy())
        client.pipe(upstream)
        upstream.pipe(client)
        client.resume()
      })
    }
    tryFrom(0)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  cleanups.push(async () => {
    for (const s of sockets) s.destroy()
    await new Promise((r) => server.close(r))
  })
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, landed }
}

/**
 * A booth's link as the kiosk keeps it (electron/core/scans/relay-link.ts): hello with its
 * epoch and last stored seq, a frame at or below that seq already stored, every scan acked,
 * and after a drop a new connection (through the balancer) 50 ms later.
 */
class Booth {
  epochs = new Set<string>()
  lastSeq = 0
  readonly stored: Array<{ id: string; openid: string }> = []
  links = 0
  private stopped = false
  private ws: WebSocket | null = null

  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  connect(): void {
    if (this.stopped) return
    this.links++
    const ws = new WebSocket(`${this.url.replace(/^http/, 'ws')}/kiosk`, {
      headers: { Authorization: `Bearer ${this.token}` },
    })
    this.ws = ws
    ws.on('open', () => {
      const [epoch] = [...this.epochs].slice(-1)
      ws.send(
        JSON.stringify({
          type: 'hello',
          kioskId: 'k1',
          ...(epoch !== undefined && { epoch, lastSeq: this.lastSeq }),
        }),
      )
    })
    ws.on('message', (data: Buffer) => {
      const f = relayFrameSchema.parse(JSON.parse(data.toString('utf8')))
      if (f.type === 'welcome') this.epochs.add(f.epoch)
      if (f.type !== 'scan' || f.seq <= this.lastSeq) return
      this.stored.push({ id: f.id, openid: f.openid })
      this.lastSeq = f.seq
      ws.send(JSON.stringify({ type: 'ack', seq: f.seq }))
    })
    ws.on('error', () => {})
    ws.on('close', () => setTimeout(() => this.connect(), 50))
  }

  stop(): void {
    this.stopped = true
    this.ws?.terminate()
  }
}

/** WeChat: up to five tries, each answered or not; whether one got 200. */
async function wechatPush(url: string, n: number): Promise<boolean> {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const r = await postPush(url, scanXml(`o${n}`, `k1:n${n}`, 1_700_000_000 + n))
      if (r.status === 200) return true
      expect(r.status).toBeGreaterThanOrEqual(500) // never a 4xx for a good push
    } catch {
      // the connection broke: a failed try
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  return false
}

async function until(pred: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('a relay instance killed behind a balancer', () => {
  it('the booth moves to the other instance and gets every push answered 200, once', async () => {
    const [a, b] = await Promise.all([startInstance(), startInstance()])
    const added = await run(
      process.execPath,
      [...CLI, 'kiosk', 'add', 'k1', '--redis', redis.url],
      {
        cwd: ROOT,
        env,
      },
    )
    const token = added.stdout.trimEnd().split('\n').at(-1) ?? ''
    const lb = await balancer([a.port, b.port])
    const booth = new Booth(lb.url, token)
    cleanups.push(() => booth.stop())
    booth.connect()
    await until(() => booth.epochs.size === 1, 'the welcome', 10_000)
    // The balancer's first connection, the booth's, went to A.
    expect(lb.landed[0]).toBe(a.port)

    const answered: number[] = []
    let next = 0
    let killedAt = -1
    const worker = async (): Promise<void> => {
      while (next < PUSHES) {
        const n = next++
        if (await wechatPush(lb.url, n)) answered.push(n)
        if (answered.length === KILL_AFTER && killedAt < 0) {
          killedAt = next
          a.child.kill('SIGKILL')
        }
      }
    }
    await Promise.all([worker(), worker(), worker(), worker()])
    // Killed in the middle: pushes were still being sent to A's connections.
    expect(killedAt).toBeGreaterThan(0)
    expect(killedAt).toBeLessThan(PUSHES)
    expect(a.child.signalCode).toBe('SIGKILL')
    // Every try had B to go to: nothing WeChat would give up on.
    expect(answered).toHaveLength(PUSHES)

    await until(() => booth.stored.length >= PUSHES, `${PUSHES} scans at the booth`, 20_000)
    // A moment for a late duplicate to show up.
    await new Promise((r) => setTimeout(r, 300))
    // Its link to A broke and a new one (to B: A is gone) took over.
    expect(booth.links).toBeGreaterThan(1)
    expect(booth.epochs.size).toBe(1)
    expect(booth.stored.map((s) => s.openid).sort()).toEqual(answered.map((n) => `o${n}`).sort())
    expect(new Set(booth.stored.map((s) => s.id)).size).toBe(booth.stored.length)
  }, 60_000)
})

/**
 * Starts a throw-away Redis Cluster for a test file from Debian's redis-server: `masters`
 * nodes holding the 16,384 slots in equal ranges, `replicas` replicas of each, all on
 * loopback ports the system handed out, in a temp dir. Nodes start in parallel and are joined
 * by hand (CLUSTER ADDSLOTSRANGE, MEET, REPLICATE: redis-cli --cluster create sleeps a second
 * per step); the cluster is handed over once every node says `cluster_state:ok` and every
 * replica's link is up. A missing binary is a failure, not a skip: CI installs it.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { REDIS_SERVER_BIN } from './redis'

const SLOTS = 16_384
const HOST = '127.0.0.1'

export interface ClusterNode {
  port: number
  /** The redis-server process (a test may SIGSTOP it to play a dead or partitioned node). */
  pid: number
  /** This node's connection for admin commands (CLUSTER …, INFO, CONFIG). */
  admin: Redis
}

export interface TestRedisCluster {
  /** What the relay's `redis` setting takes: `redis-cluster://127.0.0.1:p1,…`. */
  url: string
  nodes: ClusterNode[]
  /** The node serving `key`'s slot as master now, and its replicas. */
  ownerOf(key: string): Promise<{ master: ClusterNode; replicas: ClusterNode[] }>
  /**
   * Promotes `replica` with CLUSTER FAILOVER (with its master's agreement, losing nothing),
   * FORCE (without it) or TAKEOVER (without the cluster's either); resolves once it is master.
   */
  failover(replica: ClusterNode, mode?: 'FORCE' | 'TAKEOVER'): Promise<void>
  /** Resolves once every node says `cluster_state:ok` and every replica's link is up. */
  settled(): Promise<void>
  stop(): Promise<void>
}

export interface ClusterOptions {
  masters?: number
  /** Replicas per master. */
  replicas?: number
  /** `no`, or the appendfsync policy with appendonly yes. */
  appendfsync?: 'no' | 'everysec' | 'always'
}

/** Free loopback ports: all held open at once, so the system hands out distinct ones. */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const s = createServer()
          s.once('error', reject)
          s.listen(0, HOST, () => resolve(s))
        }),
    ),
  )
  const ports = servers.map((s) => (s.address() as AddressInfo).port)
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))))
  return ports
}

/** A node's process ended while the cluster was being set up: no point waiting on. */
class NodeExited extends Error {}

/** Polls `check` every 25 ms until it holds; throws with `what` after `ms`. */
async function until(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms
  for (;;) {
    try {
      if (await check()) return
    } catch (err) {
      if (err instanceof NodeExited) throw err
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`redis cluster: ${what} within ${ms} ms`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

interface NodeLine {
  id: string
  port: number
  master: boolean
  masterId: string
  slots: Array<[number, number]>
}

function parseNodes(text: string): NodeLine[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [id = '', addr = '', flags = '', masterId = '', , , , , ...slots] = line.split(' ')
      return {
        id,
        port: Number(addr.split('@')[0]?.split(':')[1]),
        master: flags.split(',').includes('master'),
        masterId,
        slots: slots
          .filter((s) => !s.startsWith('['))
          .map((s) => {
            const [lo = '0', hi = lo] = s.split('-')
            return [Number(lo), Number(hi)] as [number, number]
          }),
      }
    })
}

async function clusterOk(node: ClusterNode): Promise<boolean> {
  return String(await node.admin.cluster('INFO')).includes('cluster_state:ok')
}

/** Every node ok, every replica linked, and every node seeing `masters` masters and the rest replicas. */
async function settled(nodes: ClusterNode[], masters: number): Promise<void> {
  await Promise.all(
    nodes.map((n) =>
      until('cluster_state:ok and replicas linked', 20_000, async () => {
        if (!(await clusterOk(n))) return false
        const info = await n.admin.info('replication')
        if (!info.includes('role:master') && !info.includes('master_link_status:up')) return false
        const view = parseNodes(String(await n.admin.cluster('NODES')))
        return (
          view.length === nodes.length &&
          view.filter((v) => v.master).length === masters &&
          view.every((v) => v.master || v.masterId !== '-')
        )
      }),
    ),
  )
}

export async function startRedisCluster(opts: ClusterOptions = {}): Promise<TestRedisCluster> {
  // A port handed out here may be taken by another process before redis-server binds it.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts)
    } catch (err) {
      if (attempt === 3 || !/Address already in use/i.test(String(err))) throw err
    }
  }
}

async function startOnce(opts: ClusterOptions): Promise<TestRedisCluster> {
  const masters = opts.masters ?? 3
  const perMaster = opts.replicas ?? 0
  const fsync = opts.appendfsync ?? 'no'
  if (!existsSync(REDIS_SERVER_BIN)) {
    throw new Error(
      `${REDIS_SERVER_BIN} not found: the Redis Cluster tests need a real redis-server ` +
        '(Debian: apt-get install redis-server, or set REDIS_SERVER_BIN)',
    )
  }
  const count = masters * (1 + perMaster)
  const dir = mkdtempSync(join(tmpdir(), 'scandesk-redis-cluster-'))
  const ports = await freePorts(count * 2)
  const children: ChildProcess[] = []
  const exits: Array<Promise<void>> = []
  const nodes: ClusterNode[] = []
  const stop = async (): Promise<void> => {
    for (const n of nodes) n.admin.disconnect()
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
    await Promise.all(exits)
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    let output = ''
    for (let i = 0; i < count; i++) {
      const port = ports[2 * i] as number
      const busPort = ports[2 * i + 1] as number
      const nodeDir = join(dir, String(port))
      mkdirSync(nodeDir)
      // The cluster bus port is given (not port + 10,000), so it too is one the system handed out.
      const child = spawn(
        REDIS_SERVER_BIN,
        [
          ...['--port', String(port), '--bind', HOST, '--cluster-port', String(busPort)],
          ...['--cluster-enabled', 'yes', '--cluster-config-file', join(nodeDir, 'nodes.conf')],
          // 5 s, not 2 s: under the whole suite on two cores a busy master missed 2 s of pings,
          // its replica took its slots back on its own, and the failover test saw the wrong owner.
          ...['--cluster-node-timeout', '5000', '--dir', nodeDir, '--save', ''],
          // A replica's first sync starts at once, not after the default 5 s wait for others.
          ...['--repl-diskless-sync-delay', '0'],
          ...['--appendonly', fsync === 'no' ? 'no' : 'yes'],
          ...(fsync === 'no' ? [] : ['--appendfsync', fsync]),
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      )
      // Its log (stdout) says why it did not start, e.g. "Address already in use".
      for (const stream of [child.stdout, child.stderr]) {
        stream?.on('data', (d: Buffer) => {
          if (output.length < 8192) output += d.toString()
        })
      }
      children.push(child)
      exits.push(new Promise((resolve) => child.once('exit', () => resolve())))
      const admin = new Redis({ host: HOST, port, lazyConnect: true, retryStrategy: () => 50 })
      admin.on('error', () => {})
      nodes.push({ port, pid: child.pid ?? 0, admin })
    }
    await Promise.all(
      nodes.map((n, i) =>
        until(`node ${n.port} up`, 10_000, async () => {
          if (children[i]?.exitCode !== null) throw new NodeExited(`redis-server exited: ${output}`)
          if (n.admin.status === 'wait') await n.admin.connect()
          return (await n.admin.ping()) === 'PONG'
        }),
      ),
    )
    // Slots and distinct config epochs first, then the handshake.
    await Promise.all(
      nodes.slice(0, masters).map(async (n, i) => {
        const lo = Math.floor((i * SLOTS) / masters)
        const hi = Math.floor(((i + 1) * SLOTS) / masters) - 1
        await n.admin.call('CLUSTER', 'ADDSLOTSRANGE', lo, hi)
      }),
    )
    await Promise.all(nodes.map((n, i) => n.admin.cluster('SET-CONFIG-EPOCH', i + 1)))
    const first = nodes[0] as ClusterNode
    await Promise.all(
      nodes
        .slice(1)
        .map((_, i) =>
          first.admin.call('CLUSTER', 'MEET', HOST, ports[2 * i + 2] ?? 0, ports[2 * i + 3] ?? 0),
        ),
    )
    await Promise.all(
      nodes.map((n) =>
        until('every node meets every other', 15_000, async () => {
          const known = parseNodes(String(await n.admin.cluster('NODES')))
          return known.length === count && known.every((k) => k.id !== '' && k.port > 0)
        }),
      ),
    )
    const ids = await Promise.all(nodes.map(async (n) => String(await n.admin.cluster('MYID'))))
    await Promise.all(
      nodes.slice(masters).map((n, i) => n.admin.cluster('REPLICATE', ids[i % masters] as string)),
    )
    await settled(nodes, masters)
  } catch (err) {
    await stop()
    throw err
  }

  const byPort = (port: number): ClusterNode => {
    const n = nodes.find((x) => x.port === port)
    if (n === undefined) throw new Error(`no node on port ${port}`)
    return n
  }

  return {
    url: `redis-cluster://${nodes.map((n) => `${HOST}:${n.port}`).join(',')}`,
    nodes,
    async ownerOf(key) {
      const slot = Number(await (nodes[0] as ClusterNode).admin.cluster('KEYSLOT', key))
      const all = parseNodes(String(await (nodes[0] as ClusterNode).admin.cluster('NODES')))
      const master = all.find(
        (n) => n.master && n.slots.some(([lo, hi]) => lo <= slot && slot <= hi),
      )
      if (master === undefined) throw new Error(`no master serves slot ${slot}`)
      const replicas = all.filter((n) => n.masterId === master.id).map((n) => byPort(n.port))
      return { master: byPort(master.port), replicas }
    },
    async failover(replica, mode) {
      const promoted = async () => ((await replica.admin.call('ROLE')) as [string])[0] === 'master'
      // A manual failover the master does not answer within 5 s is dropped by Redis: ask again.
      for (let attempt = 1; ; attempt++) {
        if (attempt > 1 && (await promoted())) return
        await replica.admin.call('CLUSTER', 'FAILOVER', ...(mode ? [mode] : []))
        try {
          return await until('the replica promoted', 6_000, promoted)
        } catch (err) {
          if (attempt === 3) throw err
        }
      }
    },
    settled: () => settled(nodes, masters),
    stop,
  }
}

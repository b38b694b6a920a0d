/**
 * Metric: a push's POST → 200 through the relay on a Redis Cluster against a single Redis, and
 * what durability on a cluster with replicas costs: appendfsync everysec or always, with and
 * without `WAIT 1` (redisWaitReplicas). One push at a time (the latency of one push, not a
 * saturation figure), spread over 16 kiosks so every master takes some. The set-ups take
 * turns in short rounds so that load from other processes falls on all of them alike.
 */
import { existsSync } from 'node:fs'
import { randomUUID } from 'node:crypto'
import { startRelay, type RelayHandle } from '../relay/server'
import { REDIS_SERVER_BIN, startRedis, type TestRedis } from '../test/helpers/redis'
import { startRedisCluster, type TestRedisCluster } from '../test/helpers/redis-cluster'
import { TOKEN, postPush, scanXml, tempDir } from './env'
import { monoMs } from './load'
import { percentile, ratio, round, type Metric, type Results } from './result'

const KIOSKS = 16
const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }

interface Setup {
  name: string
  note: string
  relay: RelayHandle
  /** Run before each of this set-up's rounds (the appendfsync policy of a shared cluster). */
  before?: () => Promise<void>
  lat: number[]
  non200: number
}

async function relayOn(url: string, wait: number): Promise<RelayHandle> {
  const relay = await startRelay(
    {
      port: 0,
      data: tempDir('bench-cluster-'),
      redis: url,
      redisWaitReplicas: wait,
      redisWaitTimeoutMs: 1000,
      wechat: { token: TOKEN },
    },
    { redisPrefix: `bc-${randomUUID()}:`, log: silent },
  )
  for (let k = 0; k < KIOSKS; k++) await relay.addKiosk(`k${k}`)
  return relay
}

async function round1(s: Setup, pushes: number, offset: number): Promise<void> {
  await s.before?.()
  for (let i = 0; i < pushes; i++) {
    const n = offset + i
    const t0 = monoMs()
    const status = await postPush(s.relay.url, scanXml(`o-${s.name}-${n}`, `k${n % KIOSKS}:${n}`))
    s.lat.push(monoMs() - t0)
    if (status !== 200) s.non200++
  }
}

export async function benchCluster(quick: boolean): Promise<Results> {
  if (!existsSync(REDIS_SERVER_BIN)) {
    return { 'cluster.error': { value: null, unit: '', note: `no ${REDIS_SERVER_BIN}` } }
  }
  const single: TestRedis[] = []
  const clusters: TestRedisCluster[] = []
  const setups: Setup[] = []
  try {
    const [sock, tcp, three, six] = await Promise.all([
      startRedis(),
      startRedis({ tcp: true }),
      startRedisCluster({ masters: 3 }),
      startRedisCluster({ masters: 3, replicas: 1, appendfsync: 'everysec' }),
    ])
    single.push(sock, tcp)
    clusters.push(three, six)
    const fsync = (policy: string) => async () => {
      await Promise.all(six.nodes.map((n) => n.admin.config('SET', 'appendfsync', policy)))
    }
    const add = async (
      name: string,
      note: string,
      url: string,
      wait = 0,
      before?: Setup['before'],
    ) =>
      setups.push({
        name,
        note,
        relay: await relayOn(url, wait),
        lat: [],
        non200: 0,
        ...(before && { before }),
      })
    await add('single.socket', 'one Redis, unix socket, no persistence', sock.url)
    await add('single.tcp', 'one Redis, loopback TCP, no persistence', tcp.url)
    await add('cluster3', '3 masters, loopback TCP, no persistence', three.url)
    await add(
      'cluster3+3.everysec',
      '3 masters + 3 replicas, appendfsync everysec',
      six.url,
      0,
      fsync('everysec'),
    )
    await add(
      'cluster3+3.everysec.wait1',
      'the same, WAIT 1 before the 200',
      six.url,
      1,
      fsync('everysec'),
    )
    await add('cluster3+3.always.wait1', 'appendfsync always, WAIT 1', six.url, 1, fsync('always'))

    const rounds = quick ? 4 : 10
    const perRound = quick ? 100 : 300
    for (const s of setups) await round1(s, 50, -50) // warm-up: connections, JIT
    for (const s of setups) s.lat.length = 0
    for (let r = 0; r < rounds; r++) {
      for (const s of setups) await round1(s, perRound, r * perRound)
    }
  } finally {
    await Promise.all(setups.map((s) => s.relay.close()))
    await Promise.all([...single, ...clusters].map((x) => x.stop()))
  }

  const results: Results = {}
  const p50Of = (name: string) => {
    const s = setups.find((x) => x.name === name)
    return s
      ? percentile(
          [...s.lat].sort((a, b) => a - b),
          50,
        )
      : NaN
  }
  for (const s of setups) {
    const sorted = [...s.lat].sort((a, b) => a - b)
    const base = s.name.startsWith('cluster3+3.') && s.name !== 'cluster3+3.everysec'
    const against = base ? 'cluster3+3.everysec' : 'single.tcp'
    const p50: Metric = {
      value: round(percentile(sorted, 50), 3),
      unit: 'ms',
      note: `${s.note}; ${sorted.length} pushes one at a time, ${s.non200} non-200`,
    }
    if (s.name !== against)
      p50.compare = { against: `${against} p50`, ratio: ratio(p50.value ?? NaN, p50Of(against)) }
    results[`cluster.${s.name}.post-200.p50`] = p50
    results[`cluster.${s.name}.post-200.p99`] = {
      value: round(percentile(sorted, 99), 3),
      unit: 'ms',
    }
  }
  const cost = (name: string) => round(p50Of(name) - p50Of('cluster3+3.everysec'), 3)
  results['cluster.wait1.cost.p50'] = {
    value: cost('cluster3+3.everysec.wait1'),
    unit: 'ms',
    note: 'p50 with WAIT 1 minus without (appendfsync everysec)',
  }
  results['cluster.always+wait1.cost.p50'] = {
    value: cost('cluster3+3.always.wait1'),
    unit: 'ms',
    note: 'p50 with appendfsync always and WAIT 1 minus everysec without WAIT',
  }
  return results
}

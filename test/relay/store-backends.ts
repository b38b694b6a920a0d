/**
 * Where a relay test file opens its stores when it runs the same tests on each: a temp dir for
 * SQLite folders and a throw-away redis-server (test/helpers/redis: a missing redis-server fails
 * the file, it is not skipped, as CI installs it), and a three-master Redis Cluster when asked.
 * Call `storePlaces` or `storeBackends` at a test file's top level: the servers start in the
 * file's beforeAll, and stop (the temp dir removed) in its afterAll. The stores a test opens are
 * its own to close.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { openRedisStore } from '../../relay/store/redis/store'
import { openSqliteStore } from '../../relay/store/sqlite/store'
import type { RelayStore } from '../../relay/store/types'
import { startRedis, type TestRedis } from '../helpers/redis'
import { startRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster'

export interface StorePlaces {
  /** A fresh folder under the file's temp dir (`relay-<name>-…`), named `<base>…`. */
  dir(base?: string): string
  /** The file's redis-server: read it in a test or hook, once the file's beforeAll ran. */
  readonly redis: TestRedis
  /** The file's Redis Cluster (`cluster: true` only), read as `redis` is. */
  readonly cluster: TestRedisCluster
  /** A Redis key prefix no other call in this file returned: `<base><n>:`. */
  prefix(base?: string): string
}

/** The temp dir and servers of a file whose stores are named `name` (dir and key prefixes). */
export function storePlaces(name: string, opts: { cluster?: boolean } = {}): StorePlaces {
  let redis: TestRedis | undefined
  let cluster: TestRedisCluster | undefined
  let tmp: string | undefined
  let prefixN = 0
  beforeAll(async () => {
    ;[redis, cluster] = await Promise.all([
      startRedis(),
      opts.cluster === true ? startRedisCluster({ masters: 3 }) : undefined,
    ])
    tmp = mkdtempSync(join(tmpdir(), `relay-${name}-`))
  })
  afterAll(async () => {
    await Promise.all([redis?.stop(), cluster?.stop()])
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true })
  })
  const started = <T>(what: string, it: T | undefined): T => {
    if (it === undefined) throw new Error(`${what} is not started: read it in a test or hook`)
    return it
  }
  return {
    dir: (base = 'db-') => mkdtempSync(join(started('the temp dir', tmp), base)),
    get redis() {
      return started('redis-server', redis)
    },
    get cluster() {
      return started('the Redis Cluster (storePlaces with cluster: true)', cluster)
    },
    prefix: (base = name) => `${base}${++prefixN}:`,
  }
}

export interface StoreBackend {
  name: string
  /** A new empty store: SQLite in a fresh folder, Redis under a fresh key prefix. */
  open: () => Promise<RelayStore>
}

/**
 * The stores to run a file's tests on, for `describe.each(backends)` (`$name`): `sqlite` and
 * `redis`; with `memory`, `sqlite-memory` after `sqlite` (an in-memory database: no other
 * connection can open it); with `cluster`, `redis-cluster` last. `places` is the file's
 * `storePlaces` (made with `cluster: true` for `cluster`), or the name to make them with.
 */
export function storeBackends(
  places: string | StorePlaces,
  opts: { memory?: boolean; cluster?: boolean } = {},
): StoreBackend[] {
  const at = typeof places === 'string' ? storePlaces(places, { cluster: opts.cluster }) : places
  const sqlite = (data: string) => Promise.resolve(openSqliteStore({ data }))
  const redis = (url: string) => openRedisStore({ url, prefix: at.prefix() })
  return [
    { name: 'sqlite', open: () => sqlite(at.dir()) },
    ...(opts.memory === true ? [{ name: 'sqlite-memory', open: () => sqlite(':memory:') }] : []),
    { name: 'redis', open: () => redis(at.redis.url) },
    ...(opts.cluster === true
      ? [{ name: 'redis-cluster', open: () => redis(at.cluster.url) }]
      : []),
  ]
}

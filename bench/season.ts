/**
 * A relay over a season: what a stored scan costs on disk (SQLite) and in memory (Redis), what
 * the hourly retention prune does to the event loop when a big backlog is due at once (the
 * first prune after `ackedRetentionDays` was lowered), whether SQLite's file gives the space
 * back, and what the backup (docs/DEPLOY.md "8. Backups") and a VACUUM take on that file.
 *
 * SQLite: the queue is seeded directly (1,000,000 acknowledged events over 200 kiosks, 100,000
 * with --quick; no attendance rows), then pruned through the store as the relay prunes it, a
 * 1 ms timer measuring the longest gap of the loop meanwhile. Redis: scans stored through the
 * store (`appendEvent`, attendance included; 50,000, 10,000 with --quick), `used_memory` before
 * and after, and every key's TTL read (`SCAN`, `PTTL`) to count the keys kept with no expiry.
 */
import { existsSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { Redis } from 'ioredis'
import { z } from 'zod'
import { openRedisStore } from '../relay/store/redis/store'
import { openSqliteStore } from '../relay/store/sqlite/store'
import { startRedis } from '../test/helpers/redis'
import { tempDir } from './env'
import { round, type Results } from './result'

const KIOSKS = 200
const DAY = 86_400_000
const T0 = Date.UTC(2026, 0, 1)

const size = (file: string): number => (existsSync(file) ? statSync(file).size : 0)
const pragma = (db: Database.Database, name: string): number =>
  z.number().parse(db.pragma(name, { simple: true }))

/** Runs `fn`; the loop's longest gap meanwhile (ms), seen by a 1 ms timer. */
async function loopGap<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; gapMs: number }> {
  let last = performance.now()
  let gap = 0
  const timer = setInterval(() => {
    const t = performance.now()
    gap = Math.max(gap, t - last)
    last = t
  }, 1)
  const started = performance.now()
  const value = await fn()
  const ms = performance.now() - started
  clearInterval(timer)
  gap = Math.max(gap, performance.now() - last)
  return { value, ms, gapMs: gap }
}

function seedQueue(file: string, n: number): void {
  const db = new Database(file)
  const insert = db.prepare(
    `INSERT INTO events (kiosk_id, seq, id, event, openid, scene, ticket, create_time,
       received_at, acked_at) VALUES (?, ?, ?, 'scan', ?, ?, ?, ?, ?, ?)`,
  )
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const at = T0 + i * 10
      insert.run(
        `kiosk-${i % KIOSKS}`,
        Math.floor(i / KIOSKS) + 1,
        // The relay's event id: 40 hex digits.
        i.toString(16).padStart(40, '0'),
        `oVisitor${(i * 7919) % 400_000}`.padEnd(28, 'x'),
        String(100_000 + i),
        `gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xLzAy${i}`,
        Math.floor(at / 1000),
        at,
        at + 500,
      )
    }
  })
  for (let from = 0; from < n; from += 50_000) batch(from, Math.min(n, from + 50_000))
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
}

async function sqliteSeason(quick: boolean): Promise<Results> {
  const n = quick ? 100_000 : 1_000_000
  const dir = tempDir('bench-season-')
  const file = join(dir, 'relay.sqlite')
  try {
    await openSqliteStore({ data: dir }).close()
    seedQueue(file, n)
    const seeded = size(file)

    const backupFile = join(dir, 'backup.sqlite')
    const backupStarted = performance.now()
    const source = new Database(file, { fileMustExist: true })
    await source.backup(backupFile)
    source.close()
    const backupMs = performance.now() - backupStarted

    const openStarted = performance.now()
    const store = openSqliteStore({ data: dir })
    const openMs = performance.now() - openStarted
    const prune = await loopGap(() =>
      store.prune({
        now: T0 + n * 10 + 10 * DAY,
        ackedRetentionMs: DAY,
        unackedRetentionMs: 30 * DAY,
      }),
    )
    const walAfter = size(`${file}-wal`)
    await store.close()

    const db = new Database(file)
    const freePages = pragma(db, 'freelist_count')
    const pages = pragma(db, 'page_count')
    const pageSize = pragma(db, 'page_size')
    const vacuumStarted = performance.now()
    db.exec('VACUUM')
    const vacuumMs = performance.now() - vacuumStarted
    db.close()

    const note = `${n} acknowledged events over ${KIOSKS} kiosks, no attendance rows`
    return {
      'season.sqlite.bytes-per-queued-event': {
        value: round(seeded / n, 0),
        unit: 'bytes',
        note: `${note}: the file after a checkpoint ÷ events (the row and its three indexes)`,
      },
      'season.sqlite.open-ms': {
        value: round(openMs, 1),
        unit: 'ms',
        note: 'openSqliteStore on the seeded file (migrations done, nothing read whole)',
      },
      'season.sqlite.prune-ms': {
        value: round(prune.ms, 0),
        unit: 'ms',
        note: `the whole backlog due at once (${prune.value} events), in chunks of 1,000`,
      },
      'season.sqlite.prune-loop-gap-ms': {
        value: round(prune.gapMs, 0),
        unit: 'ms',
        note: 'longest the event loop was held during that prune (pushes wait that long)',
      },
      'season.sqlite.prune-wal-bytes': { value: walAfter, unit: 'bytes' },
      'season.sqlite.free-after-prune': {
        value: round((freePages * pageSize) / 1e6, 1),
        unit: 'MB',
        note: `freelist pages × page size of a ${round((pages * pageSize) / 1e6, 1)} MB file: kept by the file, reused for new events`,
      },
      'season.sqlite.backup-ms': {
        value: round(backupMs, 0),
        unit: 'ms',
        note: `better-sqlite3 backup() as docs/DEPLOY.md's container command, ${round(size(backupFile) / 1e6, 1)} MB`,
      },
      'season.sqlite.vacuum-ms': {
        value: round(vacuumMs, 0),
        unit: 'ms',
        note: `VACUUM after the prune: the file ${round(size(file) / 1e6, 1)} MB after`,
      },
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function redisSeason(quick: boolean): Promise<Results> {
  const n = quick ? 10_000 : 50_000
  const redis = await startRedis()
  const client = new Redis(redis.url)
  const used = async () =>
    Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1] ?? Number.NaN)
  try {
    const store = await openRedisStore({ url: redis.url, prefix: 'season:' })
    const now = Date.now()
    for (let k = 0; k < KIOSKS; k++) {
      await store.putKiosk({
        kioskId: `kiosk-${k}`,
        tokenHash: `h${k}`,
        ticketProxy: true,
        sceneRanges: [],
        now,
      })
    }
    const before = await used()
    const scans = async (from: number, to: number): Promise<void> => {
      for (let i = from; i < to; i += 200) {
        await Promise.all(
          Array.from({ length: Math.min(200, to - i) }, (_, j) => {
            const s = i + j
            const kiosk = `kiosk-${s % KIOSKS}`
            return store.appendEvent(kiosk, {
              id: s.toString(16).padStart(40, '0'),
              event: 'scan',
              openid: `oVisitor${(s * 7919) % 400_000}`.padEnd(28, 'x'),
              scene: `${kiosk}:${s}`,
              ticket: `gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xLzAy${s}`,
              createTime: Math.floor(now / 1000),
              receivedAt: now + s,
            })
          }),
        )
      }
    }
    /** Keys with no expiry (`PTTL` -1), by `SCAN`. */
    const persistentKeys = async (): Promise<number> => {
      let persistent = 0
      let cursor = '0'
      do {
        const [next, keys] = await client.scan(cursor, 'COUNT', 1000)
        cursor = next
        const ttls = await Promise.all(keys.map((key) => client.pttl(key)))
        persistent += ttls.filter((ttl) => ttl === -1).length
      } while (cursor !== '0')
      return persistent
    }
    // The first half makes every kiosk's own keys; the second shows what grows per scan.
    await scans(0, n / 2)
    const half = await persistentKeys()
    await scans(n / 2, n)
    await store.attendance.settled()
    const after = await used()
    const grown = (await persistentKeys()) - half
    await store.close()
    return {
      'season.redis.bytes-per-scan': {
        value: round((after - before) / n, 0),
        unit: 'bytes',
        note: `used_memory grown ÷ ${n} scans stored (queue, 24 h de-dup key, attendance; no campaign)`,
      },
      'season.redis.persistent-keys-per-1000-scans': {
        value: round((grown / (n / 2)) * 1000, 2),
        unit: 'keys',
        note: `keys with no expiry added by the second ${n / 2} scans, once every kiosk's own keys exist`,
      },
    }
  } finally {
    client.disconnect()
    await redis.stop()
  }
}

export async function benchSeason(quick: boolean): Promise<Results> {
  return { ...(await sqliteSeason(quick)), ...(await redisSeason(quick)) }
}

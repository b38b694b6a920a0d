import type { EmptyDatabaseWarn } from '../../shared/server/damaged-database'
import type { RelayConfig } from '../config'
import { openSqliteStore } from './sqlite/store'
import type { RelayStore } from './types'

/**
 * Redis when the config names one, else SQLite under `data`. The Redis store (and ioredis) is
 * loaded only when asked for: the kiosk's demo relay starts without it (~0.2 s less).
 */
export async function openStore(
  config: Pick<RelayConfig, 'redis' | 'data'> &
    Partial<
      Pick<
        RelayConfig,
        'redisWaitReplicas' | 'redisWaitTimeoutMs' | 'redisTlsCaFile' | 'oneVisitorPerCode'
      >
    >,
  opts: {
    prefix?: string | undefined
    pollMs?: number | undefined
    /** SQLite: a failure to move pending attendance rows into the console's table (retried). */
    onAttendanceError?: (err: Error) => void
    /** SQLite: the clock a failed attendance chunk's retry is counted on (default Date.now). */
    now?: () => number
    /**
     * SQLite: build pending attendance rows only for this process's own reads (a CLI command
     * beside a running relay: the relay builds them, its chunks stay the only ones).
     */
    attendanceForReadsOnly?: boolean
    /** SQLite: told when relay.sqlite was there but empty (it starts as a new database). */
    warn?: EmptyDatabaseWarn
    /** Redis: told when its memory limit lets it evict the relay's keys. */
    redisWarn?: (message: string, fields: Record<string, string | number>) => void
    /** SQLite: better-sqlite3's addon to load instead of node_modules' (the Electron app). */
    nativeBinding?: string | undefined
  } = {},
): Promise<RelayStore> {
  if (config.redis !== null) {
    const { openRedisStore } = await import('./redis/store')
    return openRedisStore({
      url: config.redis,
      ...(config.redisTlsCaFile != null && { tlsCaFile: config.redisTlsCaFile }),
      ...(opts.prefix && { prefix: opts.prefix }),
      ...(opts.redisWarn !== undefined && { warn: opts.redisWarn }),
      ...(config.redisWaitReplicas !== undefined && { waitReplicas: config.redisWaitReplicas }),
      ...(config.redisWaitTimeoutMs !== undefined && { waitTimeoutMs: config.redisWaitTimeoutMs }),
      ...(config.oneVisitorPerCode === true && { sceneClaims: true }),
    })
  }
  return openSqliteStore({
    data: config.data,
    ...(opts.pollMs !== undefined && { pollMs: opts.pollMs }),
    ...(opts.warn !== undefined && { warn: opts.warn }),
    ...(opts.nativeBinding !== undefined && { nativeBinding: opts.nativeBinding }),
    ...(config.oneVisitorPerCode === true && { sceneClaims: true }),
    indexing: {
      ...(opts.onAttendanceError !== undefined && { onError: opts.onAttendanceError }),
      ...(opts.now !== undefined && { now: opts.now }),
      ...(opts.attendanceForReadsOnly === true && { onlyForReaders: true }),
    },
  })
}

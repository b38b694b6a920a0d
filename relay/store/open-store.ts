import type { RelayConfig } from '../config'
import { openRedisStore } from './redis-store'
import { openSqliteStore } from './sqlite-store'
import type { RelayStore } from './types'

/** Redis when the config names one, else SQLite under `data`. */
export function openStore(
  config: Pick<RelayConfig, 'redis' | 'data'>,
  opts: { prefix?: string | undefined; pollMs?: number | undefined } = {},
): Promise<RelayStore> {
  if (config.redis !== null) {
    return openRedisStore({ url: config.redis, ...(opts.prefix && { prefix: opts.prefix }) })
  }
  return Promise.resolve(
    openSqliteStore({
      data: config.data,
      ...(opts.pollMs !== undefined && { pollMs: opts.pollMs }),
    }),
  )
}

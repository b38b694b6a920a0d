/**
 * The layout marker, and the move of a single Redis written by a relay before the Cluster layout (keys.ts) to it: kiosk
 * hashes, streams, ack histories, connection generations, fallback codes, the kiosk index,
 * the unrouted stream, and the de-dup keys still alive (so a retry of a push stored before
 * the upgrade is still a duplicate). RENAME keeps each key's TTL; a key already in the new
 * place is left alone, so two relays upgrading at once, or a second run, change nothing.
 */
import type { Redis } from 'ioredis'
import { DatabaseTooNewError } from '../../../shared/server/migrate'
import type { RedisClient } from './connect'
import type { RedisKeys } from './keys'

/**
 * The layout this relay keeps its data in, written to `keys.layout`. Raised by a relay whose
 * data an older relay must not write (new meanings for existing keys, keys moved); a change
 * older relays read and write correctly (a new key beside the others) keeps it. No marker: the
 * layout of the relays before the marker, 1 (after `migrateLayout`).
 */
export const REDIS_LAYOUT = 1

/** The layout `keys.layout` names (0: no marker yet); a value no relay writes is refused. */
function layoutOf(value: string | null, key: string): number {
  if (value === null) return 0
  if (!/^[1-9][0-9]{0,8}$/.test(value)) {
    throw new Error(
      `Redis key ${key} holds ${JSON.stringify(value)}, which no ScanDesk relay writes: the ` +
        "relay's data was left as it is. Restore the Redis backup (docs/DEPLOY.md " +
        '"8. Backups"), or set the key to the layout of the relay that wrote the data',
    )
  }
  return Number(value)
}

/** A layout newer than this relay's, written by a newer relay: its data is left as it is. */
function tooNew(prefix: string, layout: number): DatabaseTooNewError {
  return new DatabaseTooNewError('relay Redis data', `under prefix ${prefix}`, layout, REDIS_LAYOUT)
}

/**
 * Before the relay reads or writes anything else: refuses (DatabaseTooNewError) a Redis a newer
 * relay has marked, and a marker no relay writes. Returns the layout found (0: none).
 */
export async function checkLayout(
  redis: RedisClient,
  prefix: string,
  keys: RedisKeys,
): Promise<number> {
  const layout = layoutOf(await redis.get(keys.layout), keys.layout)
  if (layout > REDIS_LAYOUT) throw tooNew(prefix, layout)
  return layout
}

/** KEYS: 1 the marker. ARGV: 1 this layout. Raises the marker to it, never lowers it. */
const MARK_LAYOUT = `
local v = redis.call('GET', KEYS[1])
if v == false or (tonumber(v) ~= nil and tonumber(v) < tonumber(ARGV[1])) then
  redis.call('SET', KEYS[1], ARGV[1])
  return ARGV[1]
end
return v
`

/**
 * Once the start-up upgrades are done: marks the data as in this relay's layout. A newer relay
 * that marked it meanwhile (started at the same moment) wins, and this one refuses.
 */
export async function markLayout(
  redis: RedisClient,
  prefix: string,
  keys: RedisKeys,
): Promise<void> {
  const found = String(await redis.eval(MARK_LAYOUT, 1, keys.layout, String(REDIS_LAYOUT)))
  const layout = layoutOf(found, keys.layout)
  if (layout > REDIS_LAYOUT) throw tooNew(prefix, layout)
}

/**
 * For a relay already running (its health probe): the words when a newer relay has marked the
 * data since it started, null while the marker is this relay's layout (or gone with the data,
 * which the store id tells).
 */
export function newerLayout(value: string | null): string | null {
  const layout = /^[0-9]+$/.test(value ?? '') ? Number(value) : REDIS_LAYOUT
  if (layout <= REDIS_LAYOUT) return null
  return (
    `Redis holds the relay's data in layout ${layout}, newer than this relay knows ` +
    `(${REDIS_LAYOUT}): a newer relay upgraded it since this one started. This relay must not ` +
    'write it: stop it, and run the newer version on every instance (docs/DEPLOY.md ' +
    '"9. Upgrading")'
  )
}

/** KEYS: from1, to1, from2, to2, …  Renames each `from` that exists to a `to` that does not. */
const RENAME_PAIRS = `
local moved = 0
for i = 1, #KEYS, 2 do
  if redis.call('EXISTS', KEYS[i]) == 1 and redis.call('EXISTS', KEYS[i + 1]) == 0 then
    redis.call('RENAME', KEYS[i], KEYS[i + 1])
    moved = moved + 1
  end
end
return moved
`

const SCAN_COUNT = 1000

/** The old names, `<prefix><kind>:<id>`. */
const old = (p: string, kind: string, id = ''): string => `${p}${kind}${id === '' ? '' : `:${id}`}`

async function rename(redis: Redis, pairs: Array<[string, string]>): Promise<number> {
  if (pairs.length === 0) return 0
  const keys = pairs.flat()
  return Number(await redis.eval(RENAME_PAIRS, keys.length, ...keys))
}

function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&')
}

/** Returns how many keys moved (0 on a store already in the new layout). */
export async function migrateLayout(redis: Redis, p: string, keys: RedisKeys): Promise<number> {
  // The old index keys go last: while one is left, the migration is not finished.
  const index = [old(p, 'kiosks'), old(p, 'ranges'), old(p, 'unrouted')]
  if ((await redis.exists(...index)) === 0) return 0
  const ids = await redis.smembers(old(p, 'kiosks'))
  const pairs: Array<[string, string]> = [
    [index[0] ?? '', keys.kiosks],
    [index[1] ?? '', keys.ranges],
    [index[2] ?? '', keys.unrouted],
  ]
  for (const id of ids) {
    pairs.push(
      [old(p, 'kiosk', id), keys.kiosk(id)],
      [old(p, 'stream', id), keys.stream(id)],
      [old(p, 'acks', id), keys.acks(id)],
      [old(p, 'connection-generation', id), keys.connectionGeneration(id)],
      [old(p, 'fallback-code', id), keys.fallbackCode(id)],
    )
  }
  let moved = await rename(redis, pairs.slice(3))

  // De-dup keys: their value (`<kioskId> <seq>`) names the kiosk whose slot they go to.
  for (const [kind, target] of [
    ['dedup', (eventId: string, value: string) => keys.dedup(value.split(' ')[0] ?? '', eventId)],
    ['dedup-unrouted', (eventId: string) => keys.unroutedDedup(eventId)],
  ] as const) {
    const from = `${p}${kind}:`
    let cursor = '0'
    do {
      const [next, found] = await redis.scan(
        cursor,
        'MATCH',
        `${globEscape(from)}*`,
        'COUNT',
        SCAN_COUNT,
      )
      cursor = next
      if (found.length === 0) continue
      const values = await redis.mget(...found)
      const batch: Array<[string, string]> = []
      found.forEach((key, i) => {
        const value = values[i]
        if (value !== null && value !== undefined) {
          batch.push([key, target(key.slice(from.length), value)])
        }
      })
      moved += await rename(redis, batch)
    } while (cursor !== '0')
  }
  // Kiosk keys first, the index last: a relay that sees the new index sees its kiosks.
  return moved + (await rename(redis, pairs.slice(0, 3)))
}

/**
 * Moves a single Redis written by a relay before the Cluster layout (keys.ts) to it: kiosk
 * hashes, streams, ack histories, connection generations, fallback codes, the kiosk index,
 * the unrouted stream, and the de-dup keys still alive (so a retry of a push stored before
 * the upgrade is still a duplicate). RENAME keeps each key's TTL; a key already in the new
 * place is left alone, so two relays upgrading at once, or a second run, change nothing.
 */
import type { Redis } from 'ioredis'
import type { RedisKeys } from './keys'

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

/**
 * The fallback-code half of the Redis store: one permanent code per kiosk as a JSON string
 * written with SET NX (the first instance to store one wins), and a creation lease any
 * instance can take with SET NX PX, released only by its holder.
 */
import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import type { RedisClient } from './connect'
import type { RedisKeys } from './keys'
import type { FallbackCodeRecord, ReleaseLease } from '../types'

const recordSchema = z.object({
  ticket: z.string().min(1),
  url: z.string().min(1),
  scene: z.string().min(1),
  createdAt: z.number(),
})

/** KEYS: 1 lease. ARGV: 1 the holder's token. Deletes the lease only if that holder has it. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`

export class RedisFallbackCodes {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  private codeKey = (kioskId: string): string => this.keys.fallbackCode(kioskId)
  private leaseKey = (kioskId: string): string => this.keys.fallbackLease(kioskId)

  async get(kioskId: string): Promise<FallbackCodeRecord | null> {
    const raw = await this.redis.get(this.codeKey(kioskId))
    return raw === null ? null : recordSchema.parse(JSON.parse(raw))
  }

  async save(kioskId: string, code: FallbackCodeRecord): Promise<FallbackCodeRecord> {
    await this.redis.set(this.codeKey(kioskId), JSON.stringify(recordSchema.parse(code)), 'NX')
    const kept = await this.get(kioskId)
    if (kept === null) throw new Error('fallback code vanished')
    return kept
  }

  async lease(kioskId: string, ttlMs: number): Promise<ReleaseLease | null> {
    const key = this.leaseKey(kioskId)
    const token = randomBytes(12).toString('base64url')
    const taken = await this.redis.set(key, token, 'PX', ttlMs, 'NX')
    if (taken !== 'OK') return null
    return async () => {
      await this.redis.eval(RELEASE, 1, key, token)
    }
  }
}

/**
 * The console half of the Redis store (relay/store/console-types.ts). Every record is one key
 * (a hash per organizer, session, lockout counter, pending pairing code and kiosk meta), and
 * every step that must be atomic is a script over the keys of one kiosk or one counter, so
 * hash-tagging the per-kiosk keys is all Redis Cluster would need. Sessions, counters and
 * codes expire by themselves; an organizer's removal ends its sessions because a session is
 * only valid while its organizer exists with the session's generation
 * (relay/console/sessions.ts).
 *
 * Organizers written before generations get one at their next read (FILL_GENERATION, so
 * every instance reading at once agrees on it); sessions written then have none and are held to
 * the organizer's creation time until they expire (SESSION_MAX_MS).
 */
import { randomUUID } from 'node:crypto'
import type { RedisClient } from './connect'
import type { RedisKeys } from './keys'
import { z } from 'zod'
import {
  newOrganizerGeneration,
  organizerGenerationSchema,
  type ConsoleStore,
  type KioskMeta,
  type LockoutPolicy,
  type LoginAttempt,
  type OrganizerRecord,
  type PairingCodeRecord,
  type RedeemResult,
  type SessionRecord,
} from '../console-types'

/** Used codes are remembered this long past their expiry, to answer 410 rather than 404. */
const USED_CODE_MEMORY_MS = 86_400_000

/**
 * KEYS: 1 organizer hash. ARGV: 1 password hash, 2 created at, 3 generation. 1 when added, 0 if
 * taken.
 */
const ADD_ORGANIZER = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'passwordHash', ARGV[1], 'createdAt', ARGV[2], 'generation', ARGV[3])
return 1
`

/**
 * KEYS: 1 organizer hash. ARGV: 1 a fresh generation. Gives an organizer from before
 * generations one (the first asked keeps it) and returns the organizer's; false when the
 * organizer is gone (removed since it was read: nothing is written, no hash re-created).
 */
const FILL_GENERATION = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('HSETNX', KEYS[1], 'generation', ARGV[1])
return redis.call('HGET', KEYS[1], 'generation')
`

/** KEYS: 1 session hash. ARGV: 1 last seen. Never re-creates an expired session. */
const TOUCH_SESSION = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local last = tonumber(redis.call('HGET', KEYS[1], 'lastSeenAt') or '0')
if tonumber(ARGV[1]) > last then redis.call('HSET', KEYS[1], 'lastSeenAt', ARGV[1]) end
return 1
`

/**
 * relay/console/lockout.ts `lockoutStep`, in one script (a lock lasts at most what its count
 * earned, from this instance's now). KEYS: 1 counter hash.
 * ARGV: 1 now, 2 free, 3 base delay, 4 max delay, 5 forget after (ms).
 * Returns -1 when the attempt is counted, else the ms left to wait.
 */
const TAKE_ATTEMPT = `
local now = tonumber(ARGV[1])
local free = tonumber(ARGV[2])
local count = tonumber(redis.call('HGET', KEYS[1], 'count') or '0')
local locked = tonumber(redis.call('HGET', KEYS[1], 'lockedUntil') or '0')
local updated = tonumber(redis.call('HGET', KEYS[1], 'updatedAt') or '0')
if now - updated >= tonumber(ARGV[5]) then count = 0; locked = 0 end
local function delayOf(n)
  if n <= free then return 0 end
  return math.min(tonumber(ARGV[3]) * 2 ^ math.min(n - free - 1, 40), tonumber(ARGV[4]))
end
local wait = math.min(locked - now, delayOf(count))
if wait > 0 then return wait end
count = count + 1
local delay = delayOf(count)
redis.call('HSET', KEYS[1], 'count', count, 'lockedUntil', now + delay, 'updatedAt', now)
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return -1
`

/**
 * KEYS: 1 counter hash. ARGV: 1 when the attempt was taken. Uncounts one attempt (a login that
 * succeeded) and lifts the delay it started, unless another attempt came since.
 */
const UNCOUNT_ATTEMPT = `
local count = tonumber(redis.call('HGET', KEYS[1], 'count') or '0')
if count > 0 then redis.call('HSET', KEYS[1], 'count', count - 1) end
if tonumber(redis.call('HGET', KEYS[1], 'updatedAt') or '-1') == tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'lockedUntil', ARGV[1])
end
return 0
`

/**
 * KEYS: 1 the kiosk's pairing-code hash, 2 the kiosk hash, 3 the code's used mark. ARGV: 1 code
 * hash, 2 new token hash, 3 now, 4 how long a used code is remembered (ms). Returns 1 paired,
 * 0 used (also after a newer code replaced it), -1 unknown (expired, superseded unused, no
 * kiosk).
 */
const REDEEM = `
if redis.call('HGET', KEYS[1], 'codeHash') ~= ARGV[1] then
  if redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
  return -1
end
if redis.call('HEXISTS', KEYS[1], 'usedAt') == 1 then return 0 end
if tonumber(redis.call('HGET', KEYS[1], 'expiresAt')) <= tonumber(ARGV[3]) then return -1 end
if redis.call('EXISTS', KEYS[2]) == 0 then return -1 end
redis.call('HSET', KEYS[2], 'tokenHash', ARGV[2])
redis.call('HDEL', KEYS[2], 'revokedAt')
redis.call('HSET', KEYS[1], 'usedAt', ARGV[3])
redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[4])
return 1
`

/** KEYS: 1 the kiosk's pairing-code hash. Drops it unless it was used. */
const DROP_UNUSED_CODE = `
if redis.call('HEXISTS', KEYS[1], 'usedAt') == 0 then redis.call('DEL', KEYS[1]) end
return 0
`

const organizerHash = z.object({
  passwordHash: z.string(),
  createdAt: z.coerce.number(),
  // Absent on an organizer written before generations, until FILL_GENERATION gives it one.
  generation: organizerGenerationSchema.optional(),
})
const sessionHash = z.object({
  name: z.string(),
  // Absent on a session signed in before generations.
  generation: organizerGenerationSchema.optional(),
  createdAt: z.coerce.number(),
  lastSeenAt: z.coerce.number(),
  expiresAt: z.coerce.number(),
})
const metaHash = z.object({
  connectedAt: z.coerce.number().optional(),
  lastSeenAt: z.coerce.number().optional(),
  campaignId: z.string().optional(),
  version: z.string().optional(),
})
const codeHash = z.object({ expiresAt: z.coerce.number(), usedAt: z.string().optional() })

export class RedisConsoleStore implements ConsoleStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    /** Tells every instance a kiosk's token changed (a redeem). */
    private readonly kioskChanged: (kioskId: string) => Promise<void>,
  ) {}

  private organizerKey = (name: string): string => this.keys.organizer(name)
  private sessionKey = (idHash: string): string => this.keys.consoleSession(idHash)
  private attemptKey = (key: string): string => this.keys.loginAttempts(key)
  private codeIndexKey = (hash: string): string => this.keys.pairingIndex(hash)
  private kioskCodeKey = (kioskId: string): string => this.keys.pairingCode(kioskId)
  private kioskKey = (kioskId: string): string => this.keys.kiosk(kioskId)
  private metaKey = (kioskId: string): string => this.keys.kioskMeta(kioskId)

  /**
   * The name set and the organizer's hash are in different Cluster slots (see removeOrganizer).
   * The name goes in first: a failure after it leaves a name listOrganizers skips, never an
   * account that signs in but is not listed. The name is added again once the account is
   * written, for a removal of the name's earlier account run in between (its SREM, then its
   * put-back check before this hash existed), so add and remove interleave into a listed account.
   */
  async addOrganizer(o: OrganizerRecord): Promise<boolean> {
    await this.redis.sadd(this.keys.organizers, o.name)
    const added = await this.redis.eval(
      ADD_ORGANIZER,
      1,
      this.organizerKey(o.name),
      o.passwordHash,
      String(o.createdAt),
      organizerGenerationSchema.parse(o.generation),
    )
    if (added !== 1) return false
    await this.redis.sadd(this.keys.organizers, o.name)
    return true
  }

  async getOrganizer(name: string): Promise<OrganizerRecord | null> {
    const key = this.organizerKey(name)
    const raw = await this.redis.hgetall(key)
    if (Object.keys(raw).length === 0) return null
    const h = organizerHash.parse(raw)
    let gen = h.generation
    if (gen === undefined) {
      const filled = await this.redis.eval(FILL_GENERATION, 1, key, newOrganizerGeneration())
      if (filled === null) return null
      gen = organizerGenerationSchema.parse(filled)
    }
    return { name, passwordHash: h.passwordHash, createdAt: h.createdAt, generation: gen }
  }

  async listOrganizers(): Promise<OrganizerRecord[]> {
    const names = (await this.redis.smembers(this.keys.organizers)).sort()
    const all = await Promise.all(names.map((n) => this.getOrganizer(n)))
    return all.filter((o): o is OrganizerRecord => o !== null)
  }

  /**
   * The organizer's hash and the name set are in different Cluster slots (neither carries a
   * hash tag: keys.ts), so no script or transaction can take both. The hash goes first: it is
   * the account (sign-in and sessions read only it), and a name left in the set by a failure
   * after it is harmless (listOrganizers skips it, addOrganizer checks the hash). Last, a name
   * added again while this ran (its hash written after the DEL, its SADDs before the SREM) is
   * put back in the set; an add whose hash comes after that check puts it back itself.
   */
  async removeOrganizer(name: string): Promise<boolean> {
    const key = this.organizerKey(name)
    const removed = await this.redis.del(key)
    await this.redis.srem(this.keys.organizers, name)
    if ((await this.redis.exists(key)) === 1) await this.redis.sadd(this.keys.organizers, name)
    return removed > 0
  }

  async putSession(s: SessionRecord): Promise<void> {
    const key = this.sessionKey(s.idHash)
    await this.redis
      .multi()
      .hset(key, {
        name: s.name,
        ...(s.generation !== null && { generation: organizerGenerationSchema.parse(s.generation) }),
        createdAt: String(s.createdAt),
        lastSeenAt: String(s.lastSeenAt),
        expiresAt: String(s.expiresAt),
      })
      .pexpire(key, Math.max(1, s.expiresAt - s.createdAt))
      .exec()
  }

  async getSession(idHash: string): Promise<SessionRecord | null> {
    const raw = await this.redis.hgetall(this.sessionKey(idHash))
    if (Object.keys(raw).length === 0) return null
    const h = sessionHash.parse(raw)
    return { idHash, ...h, generation: h.generation ?? null }
  }

  async touchSession(idHash: string, lastSeenAt: number): Promise<void> {
    await this.redis.eval(TOUCH_SESSION, 1, this.sessionKey(idHash), String(lastSeenAt))
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.redis.del(this.sessionKey(idHash))
  }

  async takeLoginAttempt(key: string, now: number, policy: LockoutPolicy): Promise<LoginAttempt> {
    const reply = await this.redis.eval(
      TAKE_ATTEMPT,
      1,
      this.attemptKey(key),
      String(now),
      String(policy.free),
      String(policy.baseDelayMs),
      String(policy.maxDelayMs),
      String(policy.forgetAfterMs),
    )
    const wait = z.number().parse(reply)
    return wait < 0 ? { allowed: true } : { allowed: false, retryAfterMs: wait }
  }

  async settleLoginAttempt(key: string, reset: boolean, takenAt: number): Promise<void> {
    if (reset) await this.redis.del(this.attemptKey(key))
    else await this.redis.eval(UNCOUNT_ATTEMPT, 1, this.attemptKey(key), String(takenAt))
  }

  async relaySecret(purpose: string, fresh: string): Promise<string> {
    const key = this.keys.relaySecret(purpose)
    await this.redis.set(key, fresh, 'NX')
    return z.string().parse(await this.redis.get(key))
  }

  async putPairingCode(c: PairingCodeRecord): Promise<void> {
    const ttl = Math.max(1, c.expiresAt + USED_CODE_MEMORY_MS - c.createdAt)
    const kioskCode = this.kioskCodeKey(c.kioskId)
    // The index first: a code whose per-kiosk record is not written yet is simply unknown.
    await this.redis.set(this.codeIndexKey(c.codeHash), c.kioskId, 'PX', ttl)
    await this.redis
      .multi()
      .del(kioskCode)
      .hset(kioskCode, { codeHash: c.codeHash, expiresAt: String(c.expiresAt) })
      .pexpire(kioskCode, ttl)
      .exec()
  }

  pairingCodeKiosk(hash: string): Promise<string | null> {
    return this.redis.get(this.codeIndexKey(hash))
  }

  async redeemPairingCode(
    hash: string,
    kioskId: string,
    tokenHash: string,
    now: number,
  ): Promise<RedeemResult> {
    const reply = await this.redis.eval(
      REDEEM,
      3,
      this.kioskCodeKey(kioskId),
      this.kioskKey(kioskId),
      this.keys.pairingUsed(kioskId, hash),
      hash,
      tokenHash,
      String(now),
      String(USED_CODE_MEMORY_MS),
    )
    if (reply === 0) return { status: 'used' }
    if (reply !== 1) return { status: 'unknown' }
    await this.kioskChanged(kioskId)
    return { status: 'paired', kioskId }
  }

  async dropPairingCode(kioskId: string): Promise<void> {
    await this.redis.eval(DROP_UNUSED_CODE, 1, this.kioskCodeKey(kioskId))
  }

  async kioskMeta(kioskIds: readonly string[], now: number): Promise<Map<string, KioskMeta>> {
    // Per kiosk: its two keys share a slot; kiosks spread over a cluster's nodes.
    const replies = await Promise.all(
      kioskIds.map((id) =>
        Promise.all([
          this.redis.hgetall(this.metaKey(id)),
          this.redis.hgetall(this.kioskCodeKey(id)),
        ]),
      ),
    )
    const out = new Map<string, KioskMeta>()
    kioskIds.forEach((id, i) => {
      const [metaRaw, codeRaw] = replies[i] ?? [{}, {}]
      const m = metaHash.parse(metaRaw)
      const code = codeHash.safeParse(codeRaw)
      const pending =
        code.success && code.data.usedAt === undefined && code.data.expiresAt > now
          ? code.data.expiresAt
          : null
      out.set(id, {
        connectedAt: m.connectedAt ?? null,
        lastSeenAt: m.lastSeenAt ?? null,
        campaignId: m.campaignId ?? null,
        version: m.version ?? null,
        pairingExpiresAt: pending,
      })
    })
    return out
  }

  async kioskCampaigns(): Promise<Map<string, string>> {
    const ids = (await this.redis.smembers(this.keys.kiosks)).sort()
    // One field per kiosk, side by side (auto-pipelined; each to its slot's node on a cluster).
    const campaigns = await Promise.all(
      ids.map((id) => this.redis.hget(this.metaKey(id), 'campaignId')),
    )
    const out = new Map<string, string>()
    ids.forEach((id, i) => {
      const c = campaigns[i]
      if (typeof c === 'string') out.set(id, c)
    })
    return out
  }

  async noteKioskReplaced(kioskId: string, now: number, windowMs: number): Promise<void> {
    // One key in the kiosk's slot: a transaction, on a Cluster too.
    const key = this.keys.kioskReplaced(kioskId)
    await this.redis
      .multi()
      .zadd(key, now, `${now}:${randomUUID()}`)
      .zremrangebyscore(key, '-inf', now - windowMs)
      .pexpire(key, windowMs)
      .exec()
  }

  async kioskReplacements(
    kioskIds: readonly string[],
    now: number,
    windowMs: number,
  ): Promise<Map<string, number>> {
    const counts = await Promise.all(
      kioskIds.map((id) =>
        this.redis.zcount(this.keys.kioskReplaced(id), `(${now - windowMs}`, now),
      ),
    )
    const out = new Map<string, number>()
    kioskIds.forEach((id, i) => {
      const n = counts[i] ?? 0
      if (n > 0) out.set(id, n)
    })
    return out
  }

  async noteKioskSeen(
    kioskId: string,
    now: number,
    state: { connected: boolean; version?: string | null },
  ): Promise<void> {
    const key = this.metaKey(kioskId)
    const tx = this.redis.multi()
    if (state.connected) tx.hsetnx(key, 'connectedAt', String(now))
    else tx.hdel(key, 'connectedAt')
    tx.hset(key, 'lastSeenAt', String(now))
    if (typeof state.version === 'string') tx.hset(key, 'version', state.version)
    else if (state.version === null) tx.hdel(key, 'version')
    await tx.exec()
  }

  async setKioskCampaign(kioskId: string, campaignId: string | null): Promise<void> {
    const key = this.metaKey(kioskId)
    if (campaignId === null) await this.redis.hdel(key, 'campaignId')
    else await this.redis.hset(key, 'campaignId', campaignId)
  }
}

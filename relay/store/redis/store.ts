/**
 * Scale-out relay store on Redis or a Redis Cluster: one Stream per kiosk (entry id `<seq>-0`,
 * so a replay is an XRANGE), epoch, head and acked seq in a hash per kiosk, SET NX
 * de-duplication, and a pub/sub channel that carries changes to every relay instance. Every
 * script's keys share one hash slot (keys.ts). Durability is Redis's: run it with `appendonly
 * yes` for the "stored before answered" promise to survive a Redis crash, and wait for a
 * replica (`waitReplicas`) for it to survive a failover.
 */
import { randomUUID } from 'node:crypto'
import type { Cluster, Redis } from 'ioredis'
import { z } from 'zod'
import type { TokenStore } from '../../../shared/wechat'
import {
  appendReplySchema,
  eventChangePieces,
  eventFields,
  fieldsToObject,
  eventFieldsSchema,
  kioskHashSchema,
  pushChangePieces,
  rangesSchema,
  storeChangeSchema,
  streamEntrySchema,
} from './codec'
import { connectRedis, REDIS_COMMAND_TIMEOUT_MS, type RedisClient } from './connect'
import { RedisCampaignStore } from './campaigns'
import { RedisErasures } from './erasures'
import { RedisDrawStore } from './draws'
import { RedisConsoleStore } from './console'
import {
  buildErasedKiosks,
  pseudonymsOf,
  RedisAttendance,
  slotField,
  type KioskAttendanceKeys,
} from './attendance'
import { RedisFallbackCodes } from './fallback-codes'
import { RedisTicketBudget } from './ticket-budget'
import { RedisStamps } from './stamps'
import { RedisFollowUpStore } from './follow-up'
import { redisKeys, type RedisKeys } from './keys'
import { checkLayout, markLayout, migrateLayout, newerLayout } from './migrate-layout'
import { evalReplicated, type WaitPolicy } from './replicated-eval'
import {
  PUSH_EVENT,
  PUSH_EVENT_CLAIMING_SCENES,
  PUSH_EVENT_WITHOUT_ATTENDANCE,
} from './push-script'
import { pruneKioskQueue } from './retention'
import { runScript } from './run-script'
import {
  ACK,
  APPEND_EVENT,
  APPEND_EVENT_CLAIMING_SCENES,
  APPEND_EVENT_WITHOUT_ATTENDANCE,
  APPEND_UNROUTED,
  CHECK_SCENE,
  CLAIM_SIGNED_QUERY,
} from './scripts'
import { RedisTokenStore } from './token-store'
import { LateAnnouncements } from './late-announcements'
import { ChangeFeed, claimsScene, newEpoch, unackedKept } from '../store-util'
import {
  DEDUP_TTL_SECONDS,
  KioskExistsError,
  SceneRangeClashError,
  type AppendResult,
  type ClaimedAppendResult,
  type DuplicateAppend,
  type FallbackCodeRecord,
  type KioskRecord,
  type NewEvent,
  type PushClaim,
  type PutKioskInput,
  type QueueState,
  type RelayStore,
  type ReleaseLease,
  type RetentionPolicy,
  type StoreChange,
  type StoredEvent,
  type UnroutedEvent,
  StoreLostError,
} from '../types'

export interface RedisStoreOptions {
  /** `redis://…`, a unix socket path, or `redis-cluster://host:port,host:port` (cluster-url.ts). */
  url: string
  /** `rediss://`, `rediss-cluster://`: the PEM CA bundle the servers' certificates are checked against. */
  tlsCaFile?: string
  /** Key prefix, so several relays (or tests) can share one Redis. */
  prefix?: string
  /**
   * Replicas a push's write must reach (`WAIT`) before it is answered; 0: do not wait (a
   * failover may then lose the last writes the master acknowledged).
   */
  waitReplicas?: number
  waitTimeoutMs?: number
  /** false: no attendance written (only for the benchmark's with/without comparison). */
  attendance?: boolean
  /**
   * One visitor per code (config `oneVisitorPerCode`, docs/DESIGN.md "Which scans count"):
   * the push's script checks and records each per-visitor scene's first push. Off by default:
   * the push runs the scripts from before the rule, with no claim key read or written.
   */
  sceneClaims?: boolean
  /** Told at open about a Redis set up to lose the relay's data (redisSetupWarnings). */
  warn?: (message: string, fields: Record<string, string | number>) => void
}

/**
 * What to tell the operator at start about a Redis set up to lose the relay's data, from its
 * `INFO` text (the memory and persistence sections):
 * - no append-only file: a push answered 200 is lost with a Redis restart, and a restart with no
 *   snapshot either starts Redis empty (the relay's health then says so: "Health");
 * - a `maxmemory` with any policy but noeviction: at the limit Redis deletes keys, silently:
 *   queues, attendance (never meant to go), de-dup and replay-guard keys. noeviction refuses
 *   writes at the limit instead (pushes 503, WeChat retries, /healthz says so).
 */
export function redisSetupWarnings(info: string): string[] {
  const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim()
  const warnings: string[] = []
  if (field('aof_enabled') === '0') {
    warnings.push(
      'Redis runs with appendonly no: a push answered 200 is lost if Redis stops, and Redis ' +
        'restarted without a snapshot starts empty (booths, organizers, attendance gone). Set ' +
        'appendonly yes with appendfsync everysec or always (relay/README.md "Stores")',
    )
  }
  const maxmemory = Number(field('maxmemory') ?? '0')
  const policy = field('maxmemory_policy') ?? 'noeviction'
  if (maxmemory > 0 && policy !== 'noeviction') {
    warnings.push(
      `Redis has maxmemory ${maxmemory} bytes with maxmemory-policy ${policy}: at that limit it ` +
        "deletes the relay's keys (booth queues, attendance, de-dup) without a word. Set " +
        'maxmemory-policy noeviction (then a full Redis refuses pushes with 503 and WeChat ' +
        'retries) and size maxmemory for the attendance (relay/README.md "Attendance")',
    )
  }
  return warnings
}

/**
 * redisSetupWarnings of each master (a Cluster's every master), each once. A master refusing
 * INFO (an ACL user without it, a managed Redis hiding it) gets a warning that nothing could
 * be checked, rather than none: an evicting Redis without an append-only file said nothing.
 */
async function warnOfRedisSetup(
  client: RedisClient,
  cluster: boolean,
  warn: RedisStoreOptions['warn'],
): Promise<void> {
  if (warn === undefined) return
  const nodes: Array<Pick<Redis, 'info'>> = cluster ? (client as Cluster).nodes('master') : [client]
  const warnings = new Set<string>()
  for (const node of nodes) {
    let text: string
    try {
      text = await node.info()
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err)
      warnings.add(
        `Redis refused INFO (${why}): the relay cannot check that it keeps an append-only ` +
          'file (appendonly yes) and evicts nothing (no maxmemory, or maxmemory-policy ' +
          "noeviction); check both in its settings, or allow the relay's user INFO (+info) " +
          '(relay/README.md "Stores")',
      )
      continue
    }
    for (const w of redisSetupWarnings(text)) warnings.add(w)
  }
  for (const w of warnings) warn(w, {})
}

/**
 * How often unfinished erasures are looked for (two HLENs per campaign, and one per kiosk for
 * the erased-kiosks marker), and how old one must be to be finished by this relay rather than
 * left to the call still running it.
 */
const ERASURE_RESUME_MS = 10 * 60_000

/**
 * The start's first write, run as every push is (a script, by SHA): a Redis user allowed
 * everything else but scripts let the relay start and then refused every push (503 for good).
 * A DEL of the health probe key (a replica refuses it as any write; the next probe sets it
 * again), so it leaves no key behind. KEYS: 1 the health probe key.
 */
const ACCESS_CHECK = `return redis.call('DEL', KEYS[1])`

/**
 * A refusal met while opening the store, as the operator's fix: a user the ACL does not let
 * run what the relay runs (NOPERM), a URL naming a read-only replica (READONLY). Any other
 * error as it was.
 */
export function redisOpenError(err: unknown, prefix: string): unknown {
  const why = err instanceof Error ? err.message : ''
  if (/^NOPERM\b/.test(why)) {
    return new Error(
      `Redis refused the relay's user: ${why}; the user in the redis setting (--redis, ` +
        `SCANDESK_RELAY_REDIS) needs every command but the admin ones, on the keys ` +
        `${prefix}* and {${prefix}* and the channel ${prefix}* (ACL rules ` +
        `"+@all -@dangerous +info ~${prefix}* ~{${prefix}* &${prefix}*", relay/README.md "Stores")`,
      { cause: err },
    )
  }
  if (/^READONLY\b/.test(why)) {
    return new Error(
      `Redis refused the relay's writes: ${why}; the redis setting (--redis, ` +
        'SCANDESK_RELAY_REDIS) names a read-only replica: point it at the primary (or the ' +
        "provider's primary endpoint)",
      { cause: err },
    )
  }
  return err
}

/** Connects both clients and subscribes to the change channel before returning. */
export async function openRedisStore(opts: RedisStoreOptions): Promise<RelayStore> {
  const prefix = opts.prefix ?? 'scandesk:'
  const keys = redisKeys(prefix)
  const wait =
    (opts.waitReplicas ?? 0) > 0
      ? { replicas: opts.waitReplicas ?? 0, timeoutMs: opts.waitTimeoutMs ?? 1000 }
      : null
  const { client, sub, cluster } = await connectRedis(opts.url, {
    ...(opts.tlsCaFile !== undefined && { tlsCaFile: opts.tlsCaFile }),
    // A push's WAIT for replicas is answered after up to its timeout: give it that and a second.
    commandTimeoutMs: Math.max(REDIS_COMMAND_TIMEOUT_MS, (wait?.timeoutMs ?? 0) + 1000),
  })
  try {
    // A newer relay's data is refused before anything is read or written.
    const layout = await checkLayout(client, prefix, keys)
    await runScript(client, ACCESS_CHECK, [keys.healthProbe], [])
    // A Cluster deployment is new: only a single Redis can hold the layout before it.
    if (!cluster && layout === 0) await migrateLayout(client as Redis, prefix, keys)
    await warnOfRedisSetup(client, cluster, opts.warn)
    const store = new RedisStore(
      client,
      sub,
      keys,
      wait,
      opts.attendance ?? true,
      cluster,
      opts.sceneClaims ?? false,
      opts.warn,
    )
    await store.start()
    // Rows stored before the counters per campaign were kept: counted once, before serving.
    await store.attendance.backfillCampaignCounters(keys.campaignCountersBackfill, () =>
      client.smembers(keys.campaigns),
    )
    // The kiosks erased at before the marker of them was kept (once per store).
    await buildErasedKiosks(client, keys.erasedKiosks, await client.smembers(keys.kiosks), (id) =>
      keys.erasedSeqs(id),
    )
    // Erasures a failed call or a stopped relay left halfway (the openid still at some
    // kiosks): finished before serving, then on a slow round.
    await store.resumeErasures(Date.now())
    await markLayout(client, prefix, keys)
    return store
  } catch (err) {
    client.disconnect()
    sub.disconnect()
    throw redisOpenError(err, prefix)
  }
}

/**
 * putKiosk's write of the kiosk hash, KEYS: 1 the kiosk hash. ARGV: 1 token hash, 2 ticket
 * proxy (0|1), 3 ranges (JSON), 4 a new epoch, 5 now, 6 '1' for create-only. The epoch, the
 * seqs and the creation time are kept when the kiosk exists, and it is un-revoked. 0 (nothing
 * written) when create-only and the kiosk exists, else 1.
 */
const PUT_KIOSK = `
if ARGV[6] == '1' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'tokenHash', ARGV[1], 'ticketProxy', ARGV[2], 'ranges', ARGV[3])
redis.call('HSETNX', KEYS[1], 'epoch', ARGV[4])
redis.call('HSETNX', KEYS[1], 'headSeq', '0')
redis.call('HSETNX', KEYS[1], 'ackedSeq', '0')
redis.call('HSETNX', KEYS[1], 'createdAt', ARGV[5])
redis.call('HDEL', KEYS[1], 'revokedAt')
return 1
`

/**
 * revokeKiosk in one script. KEYS: 1 the kiosk hash, 2 its pairing code (one slot: the kiosk's
 * tag). ARGV: 1 now. Marks the kiosk revoked (keeping an earlier time) and drops its unused
 * code. A script's writes are not undone when a later call fails, so the calls that can fail
 * (a key of another type, a refused command) come before the one write that cannot (DEL).
 * Returns 1 when this call revoked it, 0 when it was already, -1 when there is no such kiosk.
 */
const REVOKE_KIOSK = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local unused = redis.call('EXISTS', KEYS[2]) == 1 and redis.call('HEXISTS', KEYS[2], 'usedAt') == 0
local marked = redis.call('HSETNX', KEYS[1], 'revokedAt', ARGV[1])
if unused then redis.call('DEL', KEYS[2]) end
return marked
`

class RedisStore implements RelayStore {
  readonly kind = 'redis'
  readonly console: RedisConsoleStore
  readonly campaigns: RedisCampaignStore
  readonly draws: RedisDrawStore
  private readonly feed = new ChangeFeed()
  /** How a stored write is announced: a failed PUBLISH neither fails the write nor is lost. */
  private readonly late = new LateAnnouncements(
    (change) => this.announce(change),
    (change) => this.feed.emit(change),
  )
  /** The store id read at start (keys.ts `storeId`). */
  private storeId: string | null = null
  /** The last probe found that id gone or changed (probeWrite). */
  private dataLost = false
  private readonly channel: string
  private readonly fallback: RedisFallbackCodes
  private readonly ticketBudget: RedisTicketBudget
  readonly attendance: RedisAttendance
  readonly stamps: RedisStamps
  readonly followUp: RedisFollowUpStore
  readonly erasures: RedisErasures

  constructor(
    private readonly redis: RedisClient,
    private readonly sub: Redis,
    private readonly keys: RedisKeys,
    private readonly wait: WaitPolicy | null,
    private readonly keepAttendance: boolean,
    /** A Cluster runs a push as one script per slot; a single Redis as one (push-script.ts). */
    private readonly cluster: boolean,
    /** One visitor per code (RedisStoreOptions.sceneClaims). */
    private readonly sceneClaims: boolean,
    /** Stored data the store skips (RedisStoreOptions.warn). */
    private readonly warn?: RedisStoreOptions['warn'],
  ) {
    this.channel = keys.channel
    this.fallback = new RedisFallbackCodes(redis, keys)
    this.ticketBudget = new RedisTicketBudget(redis, keys)
    this.console = new RedisConsoleStore(redis, keys, (kioskId) =>
      this.late.announce({ type: 'kiosk', kioskId }),
    )
    this.campaigns = new RedisCampaignStore(
      redis,
      keys,
      (change) => this.late.announce(change),
      (script, k, args) => this.write(script, k, args),
    )
    this.draws = new RedisDrawStore(
      redis,
      keys,
      (change) => this.announce(change),
      (change) => this.feed.emit(change),
    )
    this.attendance = new RedisAttendance(
      redis,
      this.attendanceKeys,
      // One slot for both (hash tag): ATTEND_VISITORS writes them together.
      keys.attendanceVisitors,
      () => this.redis.smembers(this.keys.kiosks),
      this.kioskKey,
      (id) => ({
        visitors: keys.campaignVisitors(id),
        firsts: keys.campaignFirsts(id),
        returning: keys.campaignReturning(id),
      }),
      { key: (id) => keys.erasedSeqs(id), marker: keys.erasedKiosks },
    )
    // The closed slots' sums scansToday remembers: a booth's dropped when its token changes or
    // it is revoked, all of them on a resync (what changed unheard may include them).
    this.feed.on((change) => {
      if (change.type === 'resync') this.attendance.forgetClosedSlots()
      else if (change.type === 'kiosk') this.attendance.forgetClosedSlots(change.kioskId)
    })
    this.stamps = new RedisStamps(redis, keys, (script, k, args) => this.write(script, k, args))
    this.followUp = new RedisFollowUpStore(redis, keys, (id) => keys.attendance(id).rows)
    this.erasures = new RedisErasures(
      redis,
      keys,
      (change) => this.late.announce(change),
      keepAttendance,
      warn,
    )
  }

  /** A push's write: with a wait policy, answered only once on enough replicas. */
  private write(script: string, keys: string[], args: Array<string | number>): Promise<unknown> {
    if (this.wait === null) return runScript(this.redis, script, keys, args)
    return evalReplicated(this.redis, this.wait, script, keys, args)
  }

  async start(): Promise<void> {
    this.sub.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return
      let parsed: unknown
      try {
        parsed = JSON.parse(message)
      } catch {
        return
      }
      const change = storeChangeSchema.safeParse(parsed)
      if (change.success) this.feed.emit(change.data)
    })
    await this.sub.subscribe(this.channel)
    // The first relay on this Redis names it; the others (and later starts) keep that name.
    await this.redis.set(this.keys.storeId, randomUUID(), 'NX')
    this.storeId = await this.redis.get(this.keys.storeId)
    // A reconnected subscriber heard nothing while it was away: an event stored, a token
    // revoked on another instance. ioredis re-subscribes on its own on 'ready'; our own
    // SUBSCRIBE queues behind its, so once it is answered nothing more is missed, and
    // listeners are told to re-read what they may have missed.
    this.sub.on('ready', () => {
      this.sub.subscribe(this.channel).then(
        () => this.feed.emit({ type: 'resync' }),
        () => {}, // not back after all: the next 'ready' tries again
      )
    })
  }

  private kioskKey = (id: string): string => this.keys.kiosk(id)
  private generationKey = (id: string): string => this.keys.connectionGeneration(id)
  private streamKey = (id: string): string => this.keys.stream(id)
  private acksKey = (id: string): string => this.keys.acks(id)
  /**
   * The push script's fifth key: the scene's claim with one visitor per code, else the
   * fallback code's key as before the rule (in the kiosk's slot, not touched).
   */
  private claimKey = (id: string, scene: string): string =>
    this.sceneClaims ? this.keys.sceneClaim(id, scene) : this.keys.fallbackCode(id)
  /** Written by the push's script with the kiosk's queue: in the kiosk's slot (keys.ts). */
  private attendanceKeys = (id: string): KioskAttendanceKeys => this.keys.attendance(id)

  private async kioskOf(kioskId: string): Promise<KioskRecord | null> {
    const raw = await this.redis.hgetall(this.kioskKey(kioskId))
    if (Object.keys(raw).length === 0) return null
    const h = kioskHashSchema.parse(raw)
    return {
      kioskId,
      tokenHash: h.tokenHash,
      epoch: h.epoch,
      headSeq: h.headSeq,
      ackedSeq: h.ackedSeq,
      ticketProxy: h.ticketProxy === '1',
      sceneRanges: rangesSchema.parse(JSON.parse(h.ranges)),
      createdAt: h.createdAt,
      revokedAt: h.revokedAt ? Number(h.revokedAt) : null,
    }
  }

  /**
   * Two transactions, one per slot: the index (ranges and the id set) first, then the kiosk's
   * hash. Until the second, a new kiosk is in the index without a hash: listKiosks skips it,
   * a push with its string scene is unrouted as before it was added, and one with its integer
   * scene is answered 503 (WeChat retries). The hash is one script (PUT_KIOSK), which with
   * `onlyIfNew` first checks it is not there.
   */
  async putKiosk(input: PutKioskInput): Promise<KioskRecord> {
    const rangesKey = this.keys.ranges
    for (const r of input.sceneRanges) {
      // Every range starting inside this one, and the one starting nearest below it (ranges
      // never overlap, so no earlier one reaches it). Not only the nearest below `hi`: that
      // may be this kiosk's own old range, with another kiosk's overlapping range before it.
      const [before, inside] = await Promise.all([
        this.redis.zrevrangebyscore(rangesKey, `(${r.lo}`, '-inf', 'LIMIT', 0, 1),
        this.redis.zrangebyscore(rangesKey, r.lo, r.hi),
      ])
      for (const member of [...before, ...inside]) {
        const [owner = '', lo, hi] = member.split(':')
        if (owner !== input.kioskId && Number(hi) >= r.lo) {
          throw new SceneRangeClashError(r, owner, { lo: Number(lo), hi: Number(hi) })
        }
      }
    }
    const key = this.kioskKey(input.kioskId)
    const old = await this.kioskOf(input.kioskId)
    if (input.onlyIfNew === true && old !== null) throw new KioskExistsError(input.kioskId)
    const index = this.redis.multi()
    for (const r of old?.sceneRanges ?? []) {
      index.zrem(rangesKey, `${input.kioskId}:${r.lo}:${r.hi}`)
    }
    for (const r of input.sceneRanges) {
      index.zadd(rangesKey, r.lo, `${input.kioskId}:${r.lo}:${r.hi}`)
    }
    index.sadd(this.keys.kiosks, input.kioskId)
    await index.exec()
    const written = await this.redis.eval(
      PUT_KIOSK,
      1,
      key,
      input.tokenHash,
      input.ticketProxy ? '1' : '0',
      JSON.stringify(input.sceneRanges),
      newEpoch(),
      String(input.now),
      input.onlyIfNew === true ? '1' : '0',
    )
    if (written !== 1) {
      // Another creation won: the index goes back to the ranges that kiosk holds.
      const winner = await this.kioskOf(input.kioskId)
      const kept = new Set((winner?.sceneRanges ?? []).map((r) => `${r.lo}:${r.hi}`))
      const undo = this.redis.multi()
      for (const r of input.sceneRanges) {
        if (!kept.has(`${r.lo}:${r.hi}`)) {
          undo.zrem(rangesKey, `${input.kioskId}:${r.lo}:${r.hi}`)
        }
      }
      await undo.exec()
      throw new KioskExistsError(input.kioskId)
    }
    await this.late.announce({ type: 'kiosk', kioskId: input.kioskId })
    const rec = await this.kioskOf(input.kioskId)
    if (rec === null) throw new Error('kiosk vanished')
    return rec
  }

  getKiosk(kioskId: string): Promise<KioskRecord | null> {
    return this.kioskOf(kioskId)
  }

  async hasKiosk(kioskId: string): Promise<boolean> {
    return (await this.redis.exists(this.kioskKey(kioskId))) === 1
  }

  async listKiosks(): Promise<KioskRecord[]> {
    const ids = (await this.redis.smembers(this.keys.kiosks)).sort()
    const all = await Promise.all(ids.map((id) => this.kioskOf(id)))
    return all.filter((k): k is KioskRecord => k !== null)
  }

  async unackedCounts(): Promise<Array<{ kioskId: string; count: number }>> {
    const kiosks = await this.listKiosks()
    // Side by side (auto-pipelined; each to its slot's node on a cluster): one entry each.
    const oldest = await Promise.all(
      kiosks.map(async (k) => {
        const first = streamEntrySchema
          .array()
          .parse(await this.redis.xrange(this.streamKey(k.kioskId), '-', '+', 'COUNT', 1))[0]
        return first === undefined ? null : Number(first[0].split('-')[0])
      }),
    )
    return kiosks.map((k, i) => ({
      kioskId: k.kioskId,
      count: unackedKept(k.headSeq, k.ackedSeq, oldest[i] ?? null),
    }))
  }

  async revokeKiosk(kioskId: string, now: number): Promise<boolean> {
    const marked = z
      .number()
      .parse(
        await this.redis.eval(
          REVOKE_KIOSK,
          2,
          this.kioskKey(kioskId),
          this.keys.pairingCode(kioskId),
          String(now),
        ),
      )
    if (marked === 1) await this.late.announce({ type: 'kiosk', kioskId })
    return marked !== -1
  }

  async kioskOfIntegerScene(scene: number): Promise<string | null> {
    const below = await this.redis.zrevrangebyscore(this.keys.ranges, scene, '-inf', 'LIMIT', 0, 1)
    const [owner, , hi] = (below[0] ?? '').split(':')
    return owner && Number(hi) >= scene ? owner : null
  }

  async appendEvent(
    kioskId: string,
    e: NewEvent,
    campaignId?: string | null,
  ): Promise<AppendResult> {
    const r = this.cluster
      ? await this.appendBySlot(kioskId, e, campaignId ?? null)
      : await this.pushInOne(null, kioskId, e, campaignId ?? null)
    if (r.status === 'stored' || r.status === 'duplicate' || r.status === 'taken') return r
    throw new Error(`unknown kiosk ${kioskId}`)
  }

  async appendClaimedEvent(
    claim: PushClaim,
    kioskId: string,
    e: NewEvent,
    campaignId: string | null,
  ): Promise<ClaimedAppendResult> {
    if (!this.cluster) return this.pushInOne(claim, kioskId, e, campaignId)
    if (!(await this.claimSignedQuery(claim.key, claim.bodyHash, 0, claim.ttlMs))) {
      return { status: 'replayed' }
    }
    return this.appendBySlot(kioskId, e, campaignId)
  }

  /** A single Redis: the claim (if any) and the whole append in one script, one round trip. */
  private async pushInOne(
    claim: PushClaim | null,
    kioskId: string,
    e: NewEvent,
    campaignId: string | null,
  ): Promise<ClaimedAppendResult> {
    const a = this.attendanceKeys(kioskId)
    const v = this.keys.attendanceVisitors
    const dedup = this.keys.dedup(kioskId, e.id)
    const keys = [
      claim === null ? dedup : this.keys.signedQuery(claim.key),
      dedup,
      this.kioskKey(kioskId),
      this.streamKey(kioskId),
      this.claimKey(kioskId, e.scene),
      a.rows,
      a.stats,
      a.visitors,
      a.openids,
      a.scenes,
      a.campaignVisitors,
      v.people,
      v.totals,
    ]
    if (campaignId !== null) {
      const k = this.keys
      keys.push(
        k.campaign(campaignId),
        k.campaignVisitors(campaignId),
        k.campaignFirsts(campaignId),
        k.campaignReturning(campaignId),
      )
    }
    const reply = await this.write(
      !this.keepAttendance
        ? PUSH_EVENT_WITHOUT_ATTENDANCE
        : this.sceneClaims
          ? PUSH_EVENT_CLAIMING_SCENES
          : PUSH_EVENT,
      keys,
      [
        claim === null ? '' : claim.bodyHash,
        String(Math.max(1, Math.ceil(claim?.ttlMs ?? 1))),
        String(DEDUP_TTL_SECONDS),
        kioskId,
        this.channel,
        ...pushChangePieces(kioskId, e, campaignId),
        slotField(e.receivedAt),
        e.openid,
        e.scene,
        e.event,
        e.id,
        campaignId ?? '',
        ...eventFields(e),
      ],
    )
    const [code, value] = appendReplySchema.parse(reply)
    if (code === -2) return { status: 'replayed' }
    if (code === -3) return { status: 'taken', kioskId }
    if (code === -1) return { status: 'unknown-kiosk' }
    if (code === 1) return { status: 'stored', kioskId, seq: Number(value) }
    return duplicateOf(value)
  }

  /**
   * A Cluster: one script per slot, in turn. The campaign's number first (idempotent per
   * openid, and the same answer for the same event id), then the kiosk's append carrying it,
   * then the cross-kiosk visitors. A crash between them leaves a step undone that WeChat's
   * retry of the push completes (each step is idempotent for a retry). A retry of a push whose
   * append is done (its de-dup key is there) skips the number step: that ran before the append,
   * for the campaign the booth ran then; run again after the booth moved to another campaign,
   * it would give the visitor a number there that no row carries (their real first scan there
   * then not the first, and them counted returning).
   */
  private async appendBySlot(
    kioskId: string,
    e: NewEvent,
    campaignId: string | null,
  ): Promise<ClaimedAppendResult> {
    const sceneClaim = this.claimKey(kioskId, e.scene)
    // A photo of another openid's code takes no number: checked first (one more round trip,
    // for a per-visitor scene only, with one visitor per code on), and again by the append.
    if (this.sceneClaims && claimsScene(kioskId, e.scene)) {
      const photo = await runScript(
        this.redis,
        CHECK_SCENE,
        [sceneClaim, this.kioskKey(kioskId)],
        [kioskId, e.scene, e.openid, String(e.createTime)],
      )
      if (photo === 1) return { status: 'taken', kioskId }
    }
    const dedup = this.keys.dedup(kioskId, e.id)
    const appended = campaignId !== null && (await this.redis.exists(dedup)) === 1
    const n =
      campaignId === null || appended
        ? null
        : await this.campaigns.assignNumber(campaignId, e.openid, e.id)
    const a = this.attendanceKeys(kioskId)
    const reply = await this.write(
      !this.keepAttendance
        ? APPEND_EVENT_WITHOUT_ATTENDANCE
        : this.sceneClaims
          ? APPEND_EVENT_CLAIMING_SCENES
          : APPEND_EVENT,
      [
        dedup,
        this.kioskKey(kioskId),
        this.streamKey(kioskId),
        sceneClaim,
        a.rows,
        a.stats,
        a.visitors,
        a.openids,
        a.scenes,
        a.campaignVisitors,
      ],
      [
        String(DEDUP_TTL_SECONDS),
        kioskId,
        this.channel,
        ...eventChangePieces(kioskId, e, n, n === null ? null : campaignId),
        slotField(e.receivedAt),
        e.openid,
        e.scene,
        e.event,
        ...eventFields(e, n),
        // The campaign the number counts in: the attendance row's, and the queue entry's (sent to
        // the kiosk in a `scan-campaign` frame).
        ...(n === null || campaignId === null ? [] : ['campaignId', campaignId]),
      ],
    )
    const [code, value] = appendReplySchema.parse(reply)
    if (code === -1) return { status: 'unknown-kiosk' }
    if (code === -3) return { status: 'taken', kioskId }
    // Stored or a retry (whose first try may have died before this step): answered only after.
    if (this.keepAttendance) await this.attendance.countVisitor(e.openid, e.id, e.receivedAt)
    if (code === 1) return { status: 'stored', kioskId, seq: Number(value) }
    return duplicateOf(value)
  }

  async claimSignedQuery(
    key: string,
    bodyHash: string,
    _now: number,
    ttlMs: number,
  ): Promise<boolean> {
    const claimed = await runScript(
      this.redis,
      CLAIM_SIGNED_QUERY,
      [this.keys.signedQuery(key)],
      [bodyHash, String(Math.max(1, Math.ceil(ttlMs)))],
    )
    return claimed === 1
  }

  async storedPush(kioskId: string, eventId: string): Promise<DuplicateAppend | null> {
    const value = await this.redis.get(this.keys.dedup(kioskId, eventId))
    return value === null ? null : duplicateOf(value)
  }

  async appendUnrouted(e: UnroutedEvent): Promise<'stored' | 'duplicate'> {
    const stored = await this.write(
      APPEND_UNROUTED,
      [this.keys.unroutedDedup(e.id), this.keys.unrouted],
      [String(DEDUP_TTL_SECONDS), 'reason', e.reason, ...eventFields(e)],
    )
    return stored === 1 ? 'stored' : 'duplicate'
  }

  async readEvents(kioskId: string, afterSeq: number, limit: number): Promise<StoredEvent[]> {
    // With the count of the kiosk's erased seqs (one round trip: one slot, one pipeline).
    const erasedKey = this.keys.erasedSeqs(kioskId)
    const replies =
      (await this.redis
        .pipeline()
        .xrange(this.streamKey(kioskId), `${afterSeq + 1}-0`, '+', 'COUNT', limit)
        .hlen(erasedKey)
        .exec()) ?? []
    const [raw, erased] = replies.map(([err, value]) => {
      if (err) throw err
      return value
    })
    const events = streamEntrySchema
      .array()
      .parse(raw)
      .map(([id, fields]): StoredEvent => {
        const { campaignId, ...f } = eventFieldsSchema.parse(fieldsToObject(fields))
        const seq = Number(id.split('-')[0])
        // The campaign goes with a number only (an entry from before queues kept it has none).
        return f.number === undefined || campaignId === undefined
          ? { seq, ...f }
          : { seq, ...f, campaignId }
      })
    // A visitor erased from the entry's campaign: the replay carries their pseudonym (asked
    // only when the HLEN, read after the entries, says the kiosk has erased seqs).
    const held = z.number().parse(erased) > 0
    const pseudonyms = await pseudonymsOf(
      this.redis,
      () => erasedKey,
      [[kioskId, events]],
      () => held,
    )
    if (pseudonyms.size === 0) return events
    return events.map((e) => pseudonyms.get(e) ?? e)
  }

  async queueState(kioskId: string): Promise<QueueState | null> {
    const k = await this.kioskOf(kioskId)
    return k && { epoch: k.epoch, headSeq: k.headSeq, ackedSeq: k.ackedSeq }
  }

  async ack(kioskId: string, seq: number, now: number): Promise<void> {
    await this.redis.eval(ACK, 2, this.kioskKey(kioskId), this.acksKey(kioskId), seq, now)
  }

  async rotateEpoch(kioskId: string): Promise<string> {
    const epoch = newEpoch()
    await this.redis.hset(this.kioskKey(kioskId), 'epoch', epoch)
    return epoch
  }

  countUnrouted(): Promise<number> {
    return this.redis.xlen(this.keys.unrouted)
  }

  async probeWrite(now: number): Promise<void> {
    const [, id, layout] = await Promise.all([
      this.redis.set(this.keys.healthProbe, String(now), 'PX', 60_000),
      this.redis.get(this.keys.storeId),
      this.redis.get(this.keys.layout),
    ])
    // A newer relay upgraded the data under this one (a rolling deploy): unhealthy for good, so
    // a load balancer sends its pushes to the newer instances.
    const newer = newerLayout(layout)
    if (newer !== null) throw new StoreLostError(newer)
    // Not re-created: every later probe says so too, until the relay is restarted (or the
    // backup, with its id, is restored under it).
    const lost = id !== this.storeId
    if (lost !== this.dataLost) {
      this.dataLost = lost
      // Once a loss (and once a restore): booths linked here check their tokens again (the
      // kiosk hub, on 'resync'; gone with the data, each is closed as revoked instead of
      // staying online with no scans coming), caches are dropped, draws caught up. Not at
      // every probe while it lasts: that re-ran them all every 30 s and at each /healthz.
      this.feed.emit({ type: 'resync' })
    }
    if (lost) {
      throw new StoreLostError(
        `Redis lost the relay's data: its ${this.keys.storeId} key is ${id === null ? 'gone' : 'another'} ` +
          'since this relay started, so Redis was restarted without persistence (appendonly) or ' +
          'emptied (FLUSHALL). Booths, organizers and campaigns are gone from it (booths get 401; ' +
          'pushes are kept as unrouted): restore the backup (docs/DEPLOY.md "8. Backups"), then ' +
          'restart every relay instance',
      )
    }
  }

  async prune(p: RetentionPolicy): Promise<number> {
    let deleted = 0
    for (const kioskId of await this.redis.smembers(this.keys.kiosks)) {
      const keys = { stream: this.streamKey(kioskId), acks: this.acksKey(kioskId) }
      deleted += await pruneKioskQueue(this.redis, keys, p)
    }
    await this.redis.xtrim(this.keys.unrouted, 'MINID', String(p.now - p.unackedRetentionMs))
    return deleted
  }

  nextConnectionGeneration(kioskId: string): Promise<number> {
    return this.redis.incr(this.generationKey(kioskId))
  }

  async connectionGeneration(kioskId: string): Promise<number> {
    return z.coerce
      .number()
      .int()
      .nonnegative()
      .parse((await this.redis.get(this.generationKey(kioskId))) ?? 0)
  }

  fallbackCode(kioskId: string): Promise<FallbackCodeRecord | null> {
    return this.fallback.get(kioskId)
  }

  saveFallbackCode(kioskId: string, code: FallbackCodeRecord): Promise<FallbackCodeRecord> {
    return this.fallback.save(kioskId, code)
  }

  leaseFallbackCreation(kioskId: string, ttlMs: number): Promise<ReleaseLease | null> {
    return this.fallback.lease(kioskId, ttlMs)
  }

  takeTicketBudget(kioskId: string, day: string, want: number, budget: number): Promise<number> {
    return this.ticketBudget.take(kioskId, day, want, budget)
  }

  returnTicketBudget(kioskId: string, day: string, count: number): Promise<void> {
    return this.ticketBudget.giveBack(kioskId, day, count)
  }

  accessTokenStore(appId: string): TokenStore {
    return new RedisTokenStore(this.redis, this.keys.wechatToken(appId))
  }

  subscribe(listener: (change: StoreChange) => void): () => void {
    return this.feed.on(listener)
  }

  async announce(change: StoreChange): Promise<void> {
    await this.redis.publish(this.channel, JSON.stringify(change))
  }

  private resumed = 0

  /** Unfinished erasures this store has finished itself since it opened (for /metrics). */
  get erasuresResumed(): number {
    return this.resumed
  }

  /** The slow round of `resumeErasures` (started by `openRedisStore`). */
  private resumeTimer: NodeJS.Timeout | null = null
  private closed = false

  /**
   * Finishes the erasures left unfinished (RedisErasures.resumeUnfinished) begun before
   * `startedBefore`, and from then on, every ERASURE_RESUME_MS, those begun that long before.
   * A failure is logged and tried again on the next round; it never fails the store's start.
   */
  async resumeErasures(startedBefore: number): Promise<void> {
    try {
      this.resumed += await this.erasures.resumeUnfinished(startedBefore)
    } catch (err) {
      if (!this.closed) {
        this.warn?.('unfinished visitor erasures not finished yet (tried again later)', {
          error: err instanceof Error ? err.message : String(err),
        })
      }
    }
    if (this.resumeTimer === null && !this.closed) {
      this.resumeTimer = setInterval(() => {
        void this.markErasedKiosks().then(() => this.resumeErasures(Date.now() - ERASURE_RESUME_MS))
      }, ERASURE_RESUME_MS)
      this.resumeTimer.unref()
    }
  }

  /**
   * The slow round's look at the erased-kiosks marker (buildErasedKiosks `again`): kiosks an
   * older relay instance erased at, which it does not mark. A failure is logged (next round).
   */
  private async markErasedKiosks(): Promise<void> {
    try {
      const kiosks = await this.redis.smembers(this.keys.kiosks)
      await buildErasedKiosks(
        this.redis,
        this.keys.erasedKiosks,
        kiosks,
        (id) => this.keys.erasedSeqs(id),
        true,
      )
    } catch (err) {
      if (!this.closed) {
        this.warn?.('erased kiosks not looked at (tried again later)', {
          error: err instanceof Error ? err.message : String(err),
        })
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.resumeTimer !== null) clearInterval(this.resumeTimer)
    this.late.close()
    this.feed.clear()
    await Promise.allSettled([this.sub.quit(), this.redis.quit()])
  }
}

/**
 * A retry's de-dup value: "kioskId seq campaignId" ('' for no campaign); a value written before
 * the campaign was kept ("kioskId seq") tells none, and the result leaves it out.
 */
function duplicateOf(value: string): DuplicateAppend {
  const [owner = '', seq = '0', campaign] = value.split(' ')
  const r: DuplicateAppend = { status: 'duplicate', kioskId: owner, seq: Number(seq) }
  if (campaign !== undefined) r.campaignId = campaign === '' ? null : campaign
  return r
}

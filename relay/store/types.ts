/**
 * The one interface both relay stores (SQLite, Redis) implement. The store is the queue:
 * the hub never holds events in memory beyond one connection's bounded in-flight window.
 */
import type { ScanFrame } from '../../shared/relay-protocol'
import type { TokenStore } from '../../shared/wechat'
import type { CampaignStore } from './campaign-types'
import type { ConsoleStore } from './console-types'
import type { AttendanceReader } from './attendance'
import type { StampStore } from './stamp-types'
import type { DrawStore } from './draw-types'
import type { FollowUpStore } from './follow-up-types'
import type { ErasureStore } from './erasure-types'

/** An integer scene range `[lo, hi]` a kiosk owns (for `QR_SCENE` / `QR_LIMIT_SCENE` codes). */
export interface SceneRange {
  lo: number
  hi: number
}

export interface KioskRecord {
  kioskId: string
  /** SHA-256 (hex) of the kiosk's bearer token; the token itself is never stored. */
  tokenHash: string
  epoch: string
  headSeq: number
  ackedSeq: number
  ticketProxy: boolean
  sceneRanges: SceneRange[]
  createdAt: number
  revokedAt: number | null
}

export interface PutKioskInput {
  kioskId: string
  tokenHash: string
  ticketProxy: boolean
  sceneRanges: SceneRange[]
  now: number
  /**
   * Create only: when the kiosk exists (revoked or not) nothing is written and putKiosk
   * rejects with KioskExistsError, decided atomically (of two concurrent creations one wins).
   */
  onlyIfNew?: boolean
}

/** putKiosk with `onlyIfNew` found the kiosk there already. */
export class KioskExistsError extends Error {
  override name = 'KioskExistsError'
  constructor(readonly kioskId: string) {
    super(`kiosk ${kioskId} exists`)
  }
}

/**
 * probeWrite found the store's data gone from under the relay (Redis restarted without
 * persistence, or emptied): not cured by any later write, only by a restart of the relay after
 * the restore (relay/README.md "Health"), so a push stored since does not end the verdict.
 */
export class StoreLostError extends Error {
  override name = 'StoreLostError'
}

/**
 * A push answered 503 without waiting any longer for the store (relay/store-breaker.ts): the
 * store has stopped answering, or as many pushes as may wait for it already do. A push refused
 * so on arrival sent nothing; one let go while waiting may still be stored when the store
 * answers again, and WeChat's retry of it is then a duplicate (answered 200, queued once).
 */
export class StoreNotAnsweringError extends Error {
  override name = 'StoreNotAnsweringError'
}

/** A kiosk's new integer scene range reaches into another kiosk's: names both. */
export class SceneRangeClashError extends RangeError {
  override name = 'SceneRangeClashError'
  constructor(
    readonly range: SceneRange,
    readonly owner: string,
    readonly ownerRange: SceneRange,
  ) {
    super(
      `scene range ${range.lo}-${range.hi} overlaps kiosk ${owner}'s ${ownerRange.lo}-${ownerRange.hi}`,
    )
  }
}

/** What the push endpoint hands the store; `id` is derived from WeChat's de-dup key. */
export interface NewEvent {
  id: string
  event: ScanFrame['event']
  openid: string
  scene: string
  ticket: string
  createTime: number
  receivedAt: number
}

/**
 * A stored event: the fields of a `scan` frame except `type`, and with a `number` the campaign
 * it counts in (the booth's when the push was stored), which goes out in a `scan-campaign`
 * frame of its own just before the scan.
 */
export type StoredEvent = Omit<ScanFrame, 'type'> & { campaignId?: string }

export type AppendResult =
  | { status: 'stored'; kioskId: string; seq: number }
  | {
      status: 'duplicate'
      kioskId: string
      seq: number
      /**
       * The campaign the stored event counts in (its number's; null: none), which is not the
       * booth's current one when the booth moved between WeChat's delivery and its retry: the
       * retry's reply and stamp follow this one. Absent when the store cannot tell (an event
       * stored by a relay before this field).
       */
      campaignId?: string | null
    }
  /**
   * Not stored: the scene is a per-visitor code another openid scanned first (`claimsScene`),
   * and the kiosk has acknowledged that scan, so shows another code, more than
   * SCENE_SHARED_SECONDS ago: a photo. Nothing was
   * written for it; the caller keeps the push as unrouted (`scene-taken`).
   */
  | { status: 'taken'; kioskId: string }

/** `appendEvent`'s answer for a push already stored (WeChat's retry). */
export type DuplicateAppend = Extract<AppendResult, { status: 'duplicate' }>

/** A verified signed push query to claim (`RelayStore.claimSignedQuery`'s arguments). */
export interface PushClaim {
  key: string
  bodyHash: string
  ttlMs: number
}

export type ClaimedAppendResult =
  AppendResult | { status: 'replayed' } | { status: 'unknown-kiosk' }

/**
 * Why no kiosk got an event: its scene names no kiosk here, or is not a kiosk scene, or does
 * not fit a kiosk frame, or the authentic push lacks a field (`missing-field`) or has one
 * that is not valid (`bad-field`), e.g. a SCAN without Ticket. Two are kept rather than
 * counted: a per-visitor code another openid scanned first (`scene-taken`, a photo of the
 * booth's screen passed round), and a scan at a booth whose campaign's `endsAt` day is over
 * (`campaign-ended`).
 */
export type UnroutedReason =
  | 'unknown-kiosk'
  | 'foreign-scene'
  | 'unrepresentable'
  | 'missing-field'
  | 'bad-field'
  | 'scene-taken'
  | 'campaign-ended'
export interface UnroutedEvent extends Omit<NewEvent, 'event'> {
  /** `scan` or `subscribe`; for an incomplete push, WeChat's own Event or MsgType. */
  event: string
  reason: UnroutedReason
}

/** A kiosk's permanent fallback code, created once through the proxy and kept for good. */
export interface FallbackCodeRecord {
  ticket: string
  url: string
  scene: string
  createdAt: number
}

/** Ends a creation lease early (it also lapses by itself). */
export type ReleaseLease = () => Promise<void>

export interface QueueState {
  epoch: string
  headSeq: number
  ackedSeq: number
}

export interface RetentionPolicy {
  now: number
  ackedRetentionMs: number
  unackedRetentionMs: number
}

/** Changes other parts of the relay (possibly on other instances) must react to. */
export type StoreChange =
  /**
   * An event was stored. `event` is the stored event itself when the store has it at hand
   * (absent from polled changes), so a live session can send it without reading it back;
   * `campaignId` is the campaign the booth ran when the event was stored (the one its `number`
   * counts in), when the store has it at hand: the kiosk may have been reassigned since.
   */
  | { type: 'event'; kioskId: string; seq: number; event?: StoredEvent; campaignId?: string }
  /** Token rotated or revoked: live sockets must re-check their credential. */
  | { type: 'kiosk'; kioskId: string }
  /** A kiosk said hello on some instance: connections with a lower generation must yield. */
  | { type: 'connected'; kioskId: string; connectionId: string; generation: number }
  /**
   * A kiosk's link that had said hello was closed for a newer one of the same kiosk (4409), on
   * some instance: several within a short while are two devices with one identity.
   */
  | { type: 'replaced'; kioskId: string }
  /**
   * A kiosk's live link ended on some instance, its disconnect already written to the store:
   * the consoles' booth lists, on every instance, read it again (on another instance nothing
   * else would tell them, and on this one a list read before the write still said online).
   */
  | { type: 'disconnected'; kioskId: string }
  /**
   * A campaign changed (`campaignId`), or, with `kioskId`, that kiosk was assigned to
   * `campaignId` (null: to none): caches drop it and the kiosks concerned get a campaign frame.
   */
  | { type: 'campaign'; campaignId: string | null; kioskId?: string }
  /** The campaign's roster was replaced: its kiosks start the new version's transfer. */
  | { type: 'roster'; campaignId: string }
  /** A binding was stored: every kiosk of the campaign hears of it. */
  | {
      type: 'binding'
      campaignId: string
      registrationId: string
      openid: string
      at: number
    }
  /**
   * An organizer cleared the kiosk's admin PIN lockout from the console: the instance holding
   * its live link sends it the `admin-unlock` frame, once it has checked the link's token.
   */
  | { type: 'admin-unlock'; kioskId: string }
  /**
   * A visitor of the campaign was erased (relay/store/erasure-types.ts): whatever holds its
   * names, numbers or draws in memory reads them again. Says whom only as the tombstone
   * (`visitor`: a hash, shared/server/visitor-tombstone.ts; `at`: the erasure's), which the
   * kiosks of the campaign get live; absent from an instance that does not know them (the
   * kiosk hub then reads the campaign's tombstones).
   */
  | { type: 'erasure'; campaignId: string; visitor?: string; at?: number }
  /** A lucky draw was stored or redrawn (relay/draws/draw-feed.ts plays it on the screens). */
  | { type: 'draw'; campaignId: string; drawId: string }
  /**
   * Changes may have been missed (the store's subscriber lost its connection and is back):
   * whoever listens must re-read what it relies on. Local to one instance, never published.
   */
  | { type: 'resync' }

export interface RelayStore {
  readonly kind: 'sqlite' | 'redis'
  /**
   * Redis: visitor erasures left halfway (a failed call, a stopped relay) that this store
   * finished itself since it opened. SQLite has none (an erasure is one transaction).
   */
  readonly erasuresResumed?: number
  /** Organizers, sessions, lockout, pairing codes, kiosk meta (contract v2's console). */
  readonly console: ConsoleStore
  /** Campaigns (contract v2); numbers are assigned by `appendEvent`. */
  readonly campaigns: CampaignStore
  /** The consolidated attendance `appendEvent` fills; never pruned (relay/store/attendance.ts). */
  readonly attendance: AttendanceReader
  /** The stamp rally: visitors' stamps and completions per campaign (stamp-types.ts). */
  readonly stamps: StampStore
  /** Lucky draws (issue 21): records, snapshots and the per-campaign fence. */
  readonly draws: DrawStore
  /** Campaign tags and follow-up messages: the worker's cursor, lease and visitor states. */
  readonly followUp: FollowUpStore
  /** Visitor erasure and its audit (erasure-types.ts). */
  readonly erasures: ErasureStore

  /** Creates the kiosk, or gives an existing one a new token (and un-revokes it). */
  putKiosk(input: PutKioskInput): Promise<KioskRecord>
  getKiosk(kioskId: string): Promise<KioskRecord | null>
  /** Whether the kiosk exists (revoked or not): the per-push routing check, kept cheap. */
  hasKiosk(kioskId: string): Promise<boolean>
  listKiosks(): Promise<KioskRecord[]>
  /**
   * Revokes the kiosk (its revocation time kept from the first) and voids its unused pairing
   * code, in one atomic step: a store error or a crash leaves both or neither. Redeeming a code
   * gives the kiosk a new token and takes the revocation back, so a revoked kiosk must not keep
   * one. Returns false when there is no such kiosk.
   */
  revokeKiosk(kioskId: string, now: number): Promise<boolean>
  /** The kiosk owning an integer scene, by the ranges kiosks registered. */
  kioskOfIntegerScene(scene: number): Promise<string | null>

  /**
   * Atomically: de-duplicate by `event.id`, take the kiosk's next seq, store durably, and
   * write the event's attendance row and counters in the same step. With `campaignId` (the
   * kiosk's campaign), the visitor's check-in number in it is taken too (the next one on
   * their first push, else theirs) and stored with the event, with `firstInCampaign` true
   * only for the push (same id: its retries) that took the number.
   */
  appendEvent(kioskId: string, event: NewEvent, campaignId?: string | null): Promise<AppendResult>
  /**
   * Optional: `claimSignedQuery` and then `appendEvent`, in as few store round trips as the
   * store can (one on a single Redis). The claim is kept whatever follows; 'replayed' when it
   * was refused (nothing else done), 'unknown-kiosk' when there is no such kiosk.
   */
  appendClaimedEvent?(
    claim: PushClaim,
    kioskId: string,
    event: NewEvent,
    campaignId: string | null,
  ): Promise<ClaimedAppendResult>
  /**
   * Remembers a verified signed push query (`key`: its signature, replay-guard.ts) with the hash
   * of the body it came with, for `ttlMs`. True when the query is new or came with this same
   * body before (WeChat's retry), false when it came with another body (a forgery under a
   * seen address). Shared by every instance on the store, and kept across restarts.
   */
  claimSignedQuery(key: string, bodyHash: string, now: number, ttlMs: number): Promise<boolean>
  /**
   * The push `eventId` already stored for `kioskId`, as `appendEvent` reports WeChat's retry of
   * it, or null when none is (or it was pruned). A read only: the push path asks it for a push a
   * rule of the booth's campaign now would refuse (`stopAfterEndsAt`), so a retry of a push
   * stored before the organizer ended the campaign, or moved the booth, goes the way its first
   * try went.
   */
  storedPush(kioskId: string, eventId: string): Promise<DuplicateAppend | null>
  /** Keeps an event no kiosk can receive; de-duplicated by `event.id` too. */
  appendUnrouted(event: UnroutedEvent): Promise<'stored' | 'duplicate'>
  /** Up to `limit` events with seq > afterSeq, in seq order. */
  readEvents(kioskId: string, afterSeq: number, limit: number): Promise<StoredEvent[]>
  queueState(kioskId: string): Promise<QueueState | null>
  /** Cumulative: never moves the acknowledged seq backwards. */
  ack(kioskId: string, seq: number, now: number): Promise<void>
  /** A new epoch: every kiosk-held lastSeq for this kiosk becomes void. */
  rotateEpoch(kioskId: string): Promise<string>
  countUnrouted(): Promise<number>
  /**
   * Per kiosk (revoked ones too), in id order: how many of its events are stored and not
   * acknowledged. Events retention removed are not counted (head minus ack would count a booth
   * gone for good's removed backlog for ever).
   */
  unackedCounts(): Promise<Array<{ kioskId: string; count: number }>>
  /**
   * A small real write, as a push's would be (SQLite: through the group commit, to the disk;
   * Redis: a SET), for `/healthz`: rejects when the store cannot take writes now, with a
   * StoreLostError when its data is gone from under the relay.
   */
  probeWrite(now: number): Promise<void>
  /** Deletes what the retention policy no longer keeps; returns how many events went. */
  prune(policy: RetentionPolicy): Promise<number>

  /** Orders connections of one kiosk across instances: each hello takes the next number. */
  nextConnectionGeneration(kioskId: string): Promise<number>
  /** The latest generation handed out for `kioskId` (0 if none): who should hold the kiosk now. */
  connectionGeneration(kioskId: string): Promise<number>

  /** The kiosk's permanent fallback code, or null before it was created. */
  fallbackCode(kioskId: string): Promise<FallbackCodeRecord | null>
  /** Keeps `code` unless the kiosk has one already; returns the one kept (the first wins). */
  saveFallbackCode(kioskId: string, code: FallbackCodeRecord): Promise<FallbackCodeRecord>
  /**
   * A lease that lets one caller (on any instance) create the kiosk's fallback code; null while
   * another holds it. Lapses after `ttlMs` should its holder die.
   */
  leaseFallbackCreation(kioskId: string, ttlMs: number): Promise<ReleaseLease | null>

  /**
   * Takes up to `want` tickets of the kiosk's daily ticket budget for quota day `day` (at most
   * `budget` that day in all, on every instance sharing the store), in one atomic step; returns
   * how many it took (0: spent). Counts of past days are dropped after their day.
   */
  takeTicketBudget(kioskId: string, day: string, want: number, budget: number): Promise<number>
  /** Gives back `count` tickets taken for `day` that were not created after all. */
  returnTicketBudget(kioskId: string, day: string, count: number): Promise<void>

  /** Where the WeChat access token of `appId` is cached (shared between instances on Redis). */
  accessTokenStore(appId: string): TokenStore

  /** Change feed (across instances where the store is shared). Returns an unsubscribe. */
  subscribe(listener: (change: StoreChange) => void): () => void
  announce(change: StoreChange): Promise<void>
  close(): Promise<void>
}

/** WeChat retries within about 15 s; remember de-dup keys far longer than that. */
export const DEDUP_TTL_SECONDS = 24 * 60 * 60
/**
 * How long a per-visitor scene's first push is remembered (`claimsScene`): the longest
 * a temporary code can live (WeChat's 30 days) and a day more, so a photo of it never counts.
 */
export const SCENE_CLAIM_TTL_SECONDS = 31 * 24 * 60 * 60
/**
 * How long after a per-visitor code's first scan (WeChat's CreateTime of each) another openid's
 * scan of it still counts, acknowledged or not: a group at the booth scanning the screen at
 * once, their phones a second or two apart. A photo passed round takes longer than that.
 */
export const SCENE_SHARED_SECONDS = 10

/**
 * After the scan (issue 20): tags each visitor of a campaign with the campaign's `tag` and
 * sends its `followUp` text, off the push path. The stored attendance rows are the outbox: the
 * push writes nothing more, and this worker follows each kiosk's rows with a cursor kept in the
 * store (relay/store/follow-up-types.ts), recording a state per visitor per campaign before the
 * cursor moves. Tagging is batched (≤ 50 openids, after `batchWindowMs` or at 50), retried with
 * exponential backoff and jitter on transient errors, and recorded per visitor on permanent
 * ones (a batch refused for one visitor is split until that visitor is alone). Messages go once
 * per visitor per campaign, only inside the window the scan opened; a call whose outcome was
 * lost to a crash is never repeated (`sending` → failed). One relay instance at a time works,
 * under a lease in the store, renewed all through a round by a heartbeat (a third of the lease)
 * so a batch of slow calls does not outlast it; should it lapse anyway (a stalled process, a
 * store out of reach), a text is sent only by the caller whose atomic write claimed it
 * (`pending` → `sending`), whichever instance that is.
 */
import { randomUUID } from 'node:crypto'
import type { ConsoleCampaign } from '../../shared/campaign'
import { WECHAT_UNAVAILABLE_ERRCODE } from '../../shared/follow-up-api'
import { WechatApiError, isTokenEndpoint, type WechatClient } from '../../shared/wechat'
import {
  FOLLOW_UP_ERRCODES as E,
  MAX_OPENIDS_PER_TAGGING,
  batchTagging,
  classifyFollowUpFailure,
  createTag,
  fillFollowUp,
  type FollowUpFailure,
  getTags,
  mayHaveBeenSent,
  sendCustomText,
} from '../../shared/wechat/follow-up'
import { boundPeople } from '../attendance/people'
import type { CampaignDirectory } from '../campaign-directory'
import { FollowUpCampaigns, type CampaignsRead } from './campaigns'
import { errorMessage, LogLimiter, type Logger } from '../log'
import type { FollowUpCall, RelayMetrics } from '../metrics'
import type {
  FollowUpVisitor,
  LeaseAnswer,
  MessageUpdate,
  MessageWrite,
  NewFollowUpVisitor,
  OutboxRow,
} from '../store/follow-up-types'
import type { RelayStore, StoreChange } from '../store/types'

export interface FollowUpWorkerOptions {
  store: RelayStore
  campaigns: CampaignDirectory
  client: WechatClient
  log: Logger
  now: () => number
  /** Counts the pauses (absent in tests that do not look). */
  metrics?: Pick<RelayMetrics, 'countFollowUpFailure'>
  /** Gather visitors this long (or until 50) before a batchtagging call. */
  batchWindowMs: number
  /** The message window a scan opens. */
  windowMs: number
  /** Pause between rounds of work. Default 200 ms. */
  tickMs?: number
  /**
   * The lease's lifetime; renewed before each batch and, while a round runs, every third of it
   * (a batch's calls can take longer than the lease). Default 10 s.
   */
  leaseTtlMs?: number
  /**
   * How often a running round renews the lease. Default a third of `leaseTtlMs`; 0 renews only
   * before each batch (the claim alone then keeps two instances from sending a text twice:
   * tests use it to let a lease lapse mid-batch).
   */
  leaseRenewMs?: number
  /** First retry delay, doubled per attempt up to `maxBackoffMs`, with ±50 % jitter. */
  backoffMs?: number
  maxBackoffMs?: number
  /** Attendance rows read per kiosk per round. */
  readLimit?: number
  /**
   * At a desk, how long a message naming the visitor ({name}) waits for the binding the kiosk
   * makes just after the scan (it alone knows whose personal code was scanned). Default 10 s.
   */
  nameWaitMs?: number
  /**
   * How often the instance doing the work reads how many follow-ups wait (one counter read per
   * campaign with a tag or a text; /metrics shows the last one read). Default 15 s.
   */
  backlogRefreshMs?: number
  /**
   * How often a round reads every kiosk's queue head (one read per kiosk), besides those the
   * change feed named: a safety net for a change message lost without a resync. Default 60 s.
   */
  sweepMs?: number
  random?: () => number
}

/**
 * Visitors waiting for their tag (pending, due or backing off) and for their text (pending or
 * being sent), summed over the campaigns that have one, as the store's report counters said at
 * `at` (the worker's clock).
 */
export interface FollowUpBacklog {
  tag: number
  message: number
  /**
   * How long (ms, at `at`) the first waiting tag and text have been due: 0 when none is due yet
   * (none waits, or each backs off). Grows while the worker is stuck (a call WeChat never
   * answers) however few wait, which the counts alone cannot show.
   */
  tagOverdueMs: number
  messageOverdueMs: number
  at: number
}

/** Campaigns whose counters one backlog read asks for together (pipelined on Redis). */
const BACKLOG_READS_AT_ONCE = 100
/** A backlog read longer ago than this many refresh periods is not shown (a store away). */
const BACKLOG_STALE_PERIODS = 4

/** What this instance did (tests and the bench read it). */
export interface FollowUpWorkerStats {
  rounds: number
  taggingCalls: number
  messageCalls: number
  recorded: number
}

const DEFAULTS = {
  tickMs: 200,
  leaseTtlMs: 10_000,
  backoffMs: 1000,
  maxBackoffMs: 60_000,
  readLimit: 500,
  nameWaitMs: 10_000,
  backlogRefreshMs: 15_000,
  sweepMs: 60_000,
}

/** What to do when WeChat gives the follow-up work no access token (metrics class no_token). */
const NO_TOKEN_ACTION =
  "40164: add this server's public IP to the account's IP allow-list (WeChat admin: IP白名单); " +
  '40125 or 40013: set the new SCANDESK_RELAY_WECHAT_APP_SECRET (or APP_ID) and restart the relay'
/** What to do when WeChat refuses the account's tag or text calls (45009 quota, busy). */
const PAUSED_ACTION =
  "WeChat refused for the account, not a visitor (45009: the day's call quota spent); calls " +
  "resume by themselves after the pause; texts not sent within a minute of a scan are dropped, the campaign's follow-up report lists them"

/** Messages marked `sending` together, then sent, then recorded together. */
const MESSAGES_PER_WRITE = 20
/** Customer-service calls in flight at once. */
const MESSAGE_LANES = 4

/**
 * batchtagging's refusals that concern one openid of the call (unknown openid, another AppID's
 * openid, the user's 20 tags): the batch is halved until that visitor is alone. Any other (48001 API not authorized,
 * and the like) concerns the account: halving would make 99 calls of a batch of 50 for the
 * same answer, so the whole batch is recorded with it.
 */
const ONE_VISITOR_ERRCODES: ReadonlySet<number> = new Set([
  E.invalidOpenid,
  E.openidNotOfAppId,
  E.userTagLimit,
])

/**
 * `from` for a write allowed only over `pending`: a text's claim (`pending` → `sending`, so only
 * one caller sends it) and a tag's retry or refusal (a stale instance's late retry, its lease
 * lapsed while another tagged the same visitors, would otherwise set a tagged visitor back to
 * pending, costing another batchtagging call).
 */
const FROM_PENDING = ['pending' as const]

const hasWork = (c: ConsoleCampaign): boolean => c.tag !== null || c.followUp !== null

/**
 * A pause of one kind of call (tagging, texts) after WeChat refused one for the account (45009
 * its quota, -1 busy, a 5xx, no token, the network) or left a text unanswered: every visitor's
 * call would meet the same answer, so none is made until it ends (the backoff, doubled per
 * refusal in a row).
 */
interface Pause {
  until: number
  /** Refusals in a row; 0 after a call WeChat took. */
  refusals: number
  /** The refusal's errcode, kept on the visitors it held back (the report's reason). */
  errcode: number
}

export class FollowUpWorker {
  readonly stats: FollowUpWorkerStats = {
    rounds: 0,
    taggingCalls: 0,
    messageCalls: 0,
    recorded: 0,
  }
  private readonly owner = randomUUID()
  private readonly o: FollowUpWorkerOptions & typeof DEFAULTS
  private timer: NodeJS.Timeout | null = null
  private running: Promise<void> | null = null
  private stopped = false
  private holding = false
  /** A renewal in this round found the lease taken: claim nothing more (in-flight calls end). */
  private lost = false
  /** A call found no token (warned once, until one is had again). */
  private noToken = false
  /** Tagging and texts held back after an account-wide refusal (see Pause). */
  private readonly pauses: Record<'tag' | 'message', Pause> = {
    tag: { until: 0, refusals: 0, errcode: 0 },
    message: { until: 0, refusals: 0, errcode: 0 },
  }
  /** Per campaign, the tag/text it had when its earlier visitors were last promoted. */
  private readonly promoted = new Map<string, string>()
  /**
   * Per kiosk, the cursor this worker last read or wrote while it held the lease. A kiosk whose
   * queue head is not past it has no new rows: its cursor and rows are not read again. A round
   * read both for every kiosk ever added, each 200 ms, however long ago it last scanned.
   */
  private readonly cursors = new Map<string, number>()
  /**
   * Kiosks the change feed said stored a row since this worker last read theirs (kiosk id → the
   * highest seq heard): a round reads only these, not every kiosk's queue head (one read per
   * kiosk, each 200 ms: at 1,000 booths on Redis 5,000 commands a second, idle). The store
   * announces a row once it can be read (Redis: the push's own script publishes it; SQLite:
   * after the commit, and other processes' through its poller), so a row heard of is found.
   */
  private readonly heardRows = new Map<string, number>()
  /**
   * When the next round reads every kiosk (listKiosks) instead: 0 at first and when the lease
   * is taken over (what was heard before is not enough), after a resync (the feed may have
   * missed rows), after a failed read (the kiosks taken out of `heardRows` are read again), and
   * every `sweepMs` (a message lost with no resync: a Redis Cluster bus between nodes).
   */
  private sweepAt = 0
  /**
   * Campaigns that may have a visitor due for a tag or a text: only these are asked for their
   * due visitors each round (at 1,000 campaigns on Redis, asking all cost 2,000 commands a
   * round, idle). One joins when its visitors are recorded pending, when it is given a tag or
   * a text (promote), when this instance takes the lease over (all: another may have recorded
   * visitors meanwhile), and when the backlog read (every 15 s) finds any waiting; it leaves
   * when a round finds none due and its counters say none waits (a retry due later, or a text
   * being sent, keeps it).
   */
  private readonly busy = new Set<string>()
  /** The last backlog read while this instance held the lease (null: none, or lease lost). */
  private lastBacklog: FollowUpBacklog | null = null
  /** A backlog read in flight (one at a time). */
  private readingBacklog: Promise<void> | null = null

  /** The campaigns, kept in memory and read again as they change (./campaigns.ts). */
  private readonly campaignList: FollowUpCampaigns

  /** Stops hearing the change feed; null once stopped (until started again). */
  private unwatch: (() => void) | null

  /** Failures repeated every round while the store is away (see schedule). */
  private readonly failedRounds: LogLimiter

  constructor(opts: FollowUpWorkerOptions) {
    this.o = { ...DEFAULTS, ...stripUndefined(opts) }
    this.failedRounds = new LogLimiter(() => this.o.now())
    this.campaignList = new FollowUpCampaigns(opts.store, opts.campaigns)
    this.unwatch = opts.campaigns.watch((c) => this.hear(c))
  }

  /** A row stored (its kiosk is read next round), or a resync (every kiosk is). */
  private hear(change: StoreChange): void {
    if (change.type === 'resync') this.sweepAt = 0
    else if (change.type === 'event') this.readAgain(change.kioskId, change.seq)
  }

  /** The kiosk's rows are read next round, up to `seq` at least. */
  private readAgain(kioskId: string, seq: number): void {
    const had = this.heardRows.get(kioskId)
    if (had === undefined || seq > had) this.heardRows.set(kioskId, seq)
  }

  start(): void {
    this.stopped = false
    if (this.unwatch === null) {
      // Started again: what the feed said while stopped went unheard, so every kiosk is read.
      this.unwatch = this.o.campaigns.watch((c) => this.hear(c))
      this.sweepAt = 0
    }
    this.campaignList.attach()
    this.schedule(0)
  }

  /**
   * Stops after the round in flight (its calls finish and are recorded), then stops hearing
   * the change feed: a relay that stops a worker and starts another in the same process (a
   * graceful restart, tests) keeps no listener of this one.
   */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    await this.running
    await this.readingBacklog
    // Started again meanwhile: it hears on.
    if (!this.stopped) return
    this.unwatch?.()
    this.unwatch = null
    this.campaignList.detach()
  }

  /**
   * How many follow-ups wait, for /metrics: the last count read while this instance held the
   * lease. null on an instance not doing the work (another holds the lease, or this one has not
   * taken it since it started: the count is never guessed as 0), and once the last read is
   * older than BACKLOG_STALE_PERIODS refreshes (the store out of reach: no frozen number).
   */
  get backlog(): FollowUpBacklog | null {
    const b = this.lastBacklog
    if (b === null || !this.holding) return null
    return this.o.now() - b.at > this.backlogStaleMs() ? null : b
  }

  /**
   * When a read is too old to show: BACKLOG_STALE_PERIODS of the refresh period or of the lease
   * renewal, whichever is longer (a round held on slow calls reads again only on renewals, so a
   * lease much longer than the refresh period would leave the gauge empty between them).
   */
  private backlogStaleMs(): number {
    const { leaseTtlMs, leaseRenewMs, backlogRefreshMs } = this.o
    const renewMs = leaseRenewMs === undefined || leaseRenewMs === 0 ? leaseTtlMs / 3 : leaseRenewMs
    return Math.max(backlogRefreshMs, renewMs) * BACKLOG_STALE_PERIODS
  }

  /** This instance no longer holds the lease: another does the work (and reports its backlog). */
  private release(): void {
    this.holding = false
    this.lastBacklog = null
    // Taking it back reads every kiosk: what is heard meanwhile need not be kept.
    this.heardRows.clear()
    this.sweepAt = 0
  }

  /**
   * Reads the backlog again when the last read is `backlogRefreshMs` old, in the background:
   * called as a round starts and on each lease renewal, so a round of slow calls (texts of 5 s
   * each) does not hold the count back. None once stopped: a renewal answered after `stop`
   * would otherwise start a read that `stop` no longer waits for (on a store being closed).
   */
  private refreshBacklog(): void {
    if (this.stopped || this.readingBacklog !== null) return
    const last = this.lastBacklog
    if (last !== null && this.o.now() - last.at < this.o.backlogRefreshMs) return
    this.readingBacklog = this.readBacklog()
      .then(
        (b) => {
          if (this.holding) this.lastBacklog = b
        },
        (err: unknown) => {
          this.failedRounds.log(this.o.log, 'warn', 'follow-up backlog read failed', {
            error: errorMessage(err),
            action:
              '/metrics leaves out follow_up_waiting once its last count is a minute old; the work itself goes on',
          })
        },
      )
      .finally(() => {
        this.readingBacklog = null
      })
  }

  /**
   * The store's report counters of every campaign with a tag or a text (kept with each state
   * change: one read per campaign, however many visitors), BACKLOG_READS_AT_ONCE at a time.
   * Public for the bench (bench/metrics-scrape.ts).
   */
  async readBacklog(): Promise<FollowUpBacklog> {
    const { store, now } = this.o
    const at = now()
    const read = await this.campaignList.read()
    read.done()
    const campaigns = read.campaigns.filter(hasWork)
    const backlog: FollowUpBacklog = {
      tag: 0,
      message: 0,
      tagOverdueMs: 0,
      messageOverdueMs: 0,
      at,
    }
    const overdue = (dueAt: number | null): number => (dueAt === null ? 0 : Math.max(0, at - dueAt))
    for (let i = 0; i < campaigns.length; i += BACKLOG_READS_AT_ONCE) {
      const part = campaigns.slice(i, i + BACKLOG_READS_AT_ONCE)
      const counts = await Promise.all(part.map((c) => store.followUp.counts(c.id)))
      const waiting = part.filter((c, j) => {
        const n = counts[j]
        if (n === undefined) return false
        const tags = c.tag !== null ? n.pending : 0
        const texts = c.followUp !== null ? n.messagePending : 0
        backlog.tag += tags
        backlog.message += texts
        // A safety net for the rounds' idea of which campaigns wait (busy): never 15 s off.
        if (tags + texts > 0) this.busy.add(c.id)
        return tags + texts > 0
      })
      // Only campaigns with some waiting: a quiet relay reads no more than before.
      const due = await Promise.all(waiting.map((c) => store.followUp.earliestDue(c.id)))
      waiting.forEach((c, j) => {
        const d = due[j]
        if (d === undefined) return
        if (c.tag !== null) backlog.tagOverdueMs = Math.max(backlog.tagOverdueMs, overdue(d.tag))
        if (c.followUp !== null) {
          backlog.messageOverdueMs = Math.max(backlog.messageOverdueMs, overdue(d.message))
        }
      })
    }
    return backlog
  }

  private schedule(ms: number): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      this.running = this.round()
        .catch((err: unknown) => {
          // Every tickMs while the store is away: once a minute, with how many went unlogged.
          this.failedRounds.log(this.o.log, 'warn', 'follow-up round failed', {
            error: errorMessage(err),
            action:
              "visitors' follow-up texts and tags wait and are tried again each round; /healthz says whether the store is the cause",
          })
        })
        .finally(() => {
          this.running = null
          this.schedule(this.o.tickMs)
        })
    }, ms)
    this.timer.unref()
  }

  /** One round: take the lease, read new rows, send the texts, tag. Exposed for tests. */
  async round(): Promise<void> {
    const { store, now } = this.o
    const got = await store.followUp.lease(this.owner, now(), this.o.leaseTtlMs)
    if (got === false) {
      this.release()
      return
    }
    // Taken (not renewed): the lease had lapsed since this instance last got it, so another
    // may have held it meanwhile, though no call of this one said so (they failed, or none was
    // made: a store away, a relay stopped and started again). Worked as a takeover.
    const fresh = !this.holding || got === 'taken'
    this.holding = true
    this.lost = false
    this.refreshBacklog()
    const renewMs = this.o.leaseRenewMs ?? Math.max(1, Math.floor(this.o.leaseTtlMs / 3))
    const heartbeat = renewMs > 0 ? this.heartbeat(renewMs) : undefined
    try {
      await this.work(fresh)
    } finally {
      clearInterval(heartbeat)
    }
  }

  /**
   * Renews the lease every third of its lifetime while a round runs: a batch of texts (calls of
   * up to 5 s, four at a time) can take longer than the lease, and a lease lapsed mid-batch let
   * a second instance take it, report the texts in flight "maybe sent" and work alongside.
   */
  private heartbeat(everyMs: number): NodeJS.Timeout {
    let renewing = false
    const timer = setInterval(() => {
      if (renewing || this.lost) return
      renewing = true
      this.o.store.followUp
        .lease(this.owner, this.o.now(), this.o.leaseTtlMs)
        .then((got) => {
          if (got === 'renewed') {
            this.refreshBacklog()
            return
          }
          this.lostMidRound(got)
        })
        .catch((err: unknown) => {
          // Unknown: the renewal before the next batch decides.
          this.failedRounds.log(this.o.log, 'warn', 'follow-up lease renewal failed', {
            error: errorMessage(err),
            action:
              'the round carries on; the renewal before its next batch decides whether this relay instance still holds the follow-up work',
          })
        })
        .finally(() => {
          renewing = false
        })
    }, everyMs)
    timer.unref()
    return timer
  }

  private async work(fresh: boolean): Promise<void> {
    this.stats.rounds++
    // Taken over: whatever changed while another instance worked is read whole, and every
    // kiosk's rows (this instance kept no account of them meanwhile).
    if (fresh) {
      this.campaignList.reload()
      this.sweepAt = 0
    }
    const read = await this.campaignList.read()
    try {
      await this.workOn(read, fresh)
    } finally {
      read.done()
    }
  }

  private async workOn(read: CampaignsRead, fresh: boolean): Promise<void> {
    const { store, now } = this.o
    const all = read.campaigns
    const campaigns = all.filter(hasWork)
    // One with neither is promoted again once given one back (its visitors meanwhile were
    // recorded with no state): the key it had before would otherwise still match.
    for (const c of all) if (!hasWork(c)) this.promoted.set(c.id, 'false/false')
    if (campaigns.length === 0) return
    if (fresh) {
      this.promoted.clear()
      // Another instance held the lease meanwhile and moved cursors on.
      this.cursors.clear()
      // And recorded visitors, or left retries due later: every campaign is asked once.
      for (const c of campaigns) this.busy.add(c.id)
      await this.settleLostSends(campaigns)
    }
    // Every campaign's visitors are recorded (with no state for what it lacks), so one given a
    // tag or a text later reaches those who came before (promote).
    await this.ingest(new Map(all.map((c) => [c.id, c])))
    for (const c of campaigns) {
      const what = { tag: c.tag !== null, message: c.followUp !== null }
      const key = `${what.tag}/${what.message}`
      if (this.promoted.get(c.id) === key) continue
      const changed = await store.followUp.promote(c.id, what, now(), this.o.windowMs)
      this.busy.add(c.id)
      if (changed > 0)
        this.o.log.info('follow-up: earlier visitors now due', { campaignId: c.id, changed })
      this.promoted.set(c.id, key)
    }
    // Every campaign's texts before any tag: a text is due within the minute its scan opened,
    // a tag whenever. Tags first, a backlog of them (after WeChat refused tagging a while: up
    // to 10 calls a campaign) held each later campaign's texts back behind those calls.
    const textsDue = new Map<string, FollowUpVisitor[] | null>()
    for (const c of campaigns) {
      if (this.stopped) return
      if (!this.busy.has(c.id)) continue
      const texts = await this.dueMessages(c)
      textsDue.set(c.id, texts)
      if (c.followUp !== null && texts !== null) await this.sendDue(c, c.followUp, texts, read)
    }
    for (const c of campaigns) {
      if (this.stopped) return
      if (!this.busy.has(c.id)) continue
      const tags = await this.dueTags(c)
      if (c.tag !== null && tags !== null) await this.tagDue(c, c.tag, tags, read)
      const texts = textsDue.get(c.id) ?? null
      // Nothing due: idle once no visitor waits for either (one due later, after a backoff,
      // or a text being sent keeps it busy).
      const quiet = (x: FollowUpVisitor[] | null, has: boolean) => !has || x?.length === 0
      if (quiet(tags, c.tag !== null) && quiet(texts, c.followUp !== null)) {
        const n = await store.followUp.counts(c.id)
        if (
          (c.tag === null || n.pending === 0) &&
          (c.followUp === null || n.messagePending === 0)
        ) {
          this.busy.delete(c.id)
        }
      }
    }
  }

  /** Messages whose call was in flight when a relay stopped: maybe sent, never sent again. */
  private async settleLostSends(campaigns: ConsoleCampaign[]): Promise<void> {
    for (const c of campaigns) {
      const lost = await this.o.store.followUp.sendingMessages(c.id, 1000)
      await this.o.store.followUp.updateMessages(
        c.id,
        // Only those still `sending`: an outcome written meanwhile is the truth.
        lost.map((v) => ({
          openid: v.openid,
          u: { state: 'failed' as const, errcode: 0 },
          from: ['sending' as const],
        })),
      )
    }
  }

  /**
   * The kiosks whose rows this round reads, with the seq each has reached (as far as known):
   * those the feed named since the last round, or every kiosk when a sweep is due.
   */
  private async kiosksToRead(): Promise<Array<{ kioskId: string; headSeq: number }>> {
    const heard = [...this.heardRows].map(([kioskId, headSeq]) => ({ kioskId, headSeq }))
    this.heardRows.clear()
    if (this.o.now() < this.sweepAt) return heard.sort((a, b) => (a.kioskId < b.kioskId ? -1 : 1))
    // Set before the read: a resync heard while it is out sets it back to 0.
    this.sweepAt = this.o.now() + this.o.sweepMs
    const all = new Map((await this.o.store.listKiosks()).map((k) => [k.kioskId, k.headSeq]))
    // Heard before the list was read (its head is normally at or past them): kept, at the
    // larger of the two, and kept if the list leaves the kiosk out.
    for (const h of heard) all.set(h.kioskId, Math.max(all.get(h.kioskId) ?? 0, h.headSeq))
    return [...all].map(([kioskId, headSeq]) => ({ kioskId, headSeq }))
  }

  /**
   * New attendance rows of the kiosks that have some (kiosksToRead) → visitor states, each in
   * the campaign its scan counted in (a row stored before rows kept their campaign: the booth's
   * campaign now), so a booth moved or unassigned before this read still brings its visitors
   * to their campaign.
   */
  private async ingest(campaigns: Map<string, ConsoleCampaign>): Promise<void> {
    try {
      for (const kiosk of await this.kiosksToRead()) await this.ingestKiosk(kiosk, campaigns)
    } catch (err) {
      // The kiosks not read (out of `heardRows` now) are, with every other, next round.
      this.sweepAt = 0
      throw err
    }
  }

  private async ingestKiosk(
    kiosk: { kioskId: string; headSeq: number },
    campaigns: Map<string, ConsoleCampaign>,
  ): Promise<void> {
    const { store, now } = this.o
    const known = this.cursors.get(kiosk.kioskId)
    if (known !== undefined && kiosk.headSeq <= known) return
    const after = await store.followUp.cursor(kiosk.kioskId)
    const rows = await store.followUp.rowsAfter(kiosk.kioskId, after, this.o.readLimit)
    const last = rows.at(-1)
    // Short of the head: more than one read's worth, or its row is not in yet (SQLite builds
    // the rows a read waits 200 ms for after the push's commit): the rest next round. Only up
    // to the head heard or listed: a row past it is announced after this read's kiosks were
    // taken out of `heardRows` (or its message was lost: the sweep). A seq past the head (the
    // read's last + 1 when it filled) made a booth whose rows filled it exactly read again
    // every round until its next scan.
    if ((last?.seq ?? after) < kiosk.headSeq) this.readAgain(kiosk.kioskId, kiosk.headSeq)
    if (last === undefined) {
      this.cursors.set(kiosk.kioskId, after)
      return
    }
    let assigned: string | null | undefined
    const byCampaign = new Map<string, OutboxRow[]>()
    for (const r of rows) {
      let id = r.campaignId
      if (id === undefined) {
        assigned ??= (await this.o.campaigns.assignmentOf(kiosk.kioskId)).campaignId
        if (assigned === null) continue
        id = assigned
      }
      const list = byCampaign.get(id)
      if (list === undefined) byCampaign.set(id, [r])
      else list.push(r)
    }
    const visitors: NewFollowUpVisitor[] = []
    const at = now()
    for (const [id, list] of byCampaign) {
      const campaign = campaigns.get(id)
      if (campaign === undefined) continue
      // Only visitors with a number in the campaign are its own (an older row without a
      // campaign, from before the kiosk joined it, has none).
      const numbers = await store.followUp.numbers(
        id,
        list.map((r) => r.openid),
      )
      // A visitor's first scan in these rows is the one a message window is counted from,
      // unless it is past its window and a later one is not (a worker that was behind).
      const inWindow = (r: OutboxRow): boolean => at - r.receivedAt <= this.o.windowMs
      const first = new Map<string, OutboxRow>()
      for (const r of list) {
        if (!numbers.has(r.openid)) continue
        const had = first.get(r.openid)
        if (had === undefined || (!inWindow(had) && inWindow(r))) first.set(r.openid, r)
      }
      for (const r of first.values()) {
        visitors.push({
          campaignId: id,
          openid: r.openid,
          kioskId: kiosk.kioskId,
          number: numbers.get(r.openid) ?? 0,
          scannedAt: r.receivedAt,
          tag: campaign.tag === null ? null : 'pending',
          message: campaign.followUp === null ? null : inWindow(r) ? 'pending' : 'outside-window',
        })
      }
    }
    for (const v of visitors) {
      if (v.tag === 'pending' || v.message === 'pending') this.busy.add(v.campaignId)
    }
    await store.followUp.record(kiosk.kioskId, last.seq, visitors)
    this.cursors.set(kiosk.kioskId, last.seq)
    this.stats.recorded += visitors.length
  }

  /** Renews the lease before each batch; false once another instance holds it. */
  private async stillLeased(): Promise<boolean> {
    if (this.lost || this.stopped) return false
    const got = await this.o.store.followUp.lease(this.owner, this.o.now(), this.o.leaseTtlMs)
    if (got === false) this.release()
    else if (got === 'taken') this.lostMidRound(got)
    return got === 'renewed' && !this.stopped
  }

  /**
   * A renewal in a round found the lease another's (false) or lapsed and taken again: another
   * instance may have held it meanwhile (settled this round's texts as maybe sent, moved
   * cursors on), so this round claims nothing more and the next one, holding it, starts as a
   * takeover (settleLostSends, caches dropped, every kiosk read).
   */
  private lostMidRound(got: LeaseAnswer): void {
    if (this.lost) return
    this.lost = true
    this.release()
    this.o.log.warn(
      got === false
        ? 'follow-up: lease lost mid-round; finishing the calls in flight'
        : 'follow-up: lease lapsed mid-round; finishing the calls in flight, the next round starts afresh',
    )
  }

  /** At most half the message window: a short window configured still leaves time to send. */
  private nameWait(): number {
    return Math.min(this.o.nameWaitMs, this.o.windowMs / 2)
  }

  /**
   * Counts a failed call for /metrics by how it is handled. A retry because WeChat gave no token
   * (40164 the relay's address off the account's IP allow-list, 40125 a changed AppSecret) is
   * the operator's to fix: said once in the log, not per retry.
   */
  private noteFailure(err: unknown, call: FollowUpCall, f: FollowUpFailure): void {
    const token = err instanceof WechatApiError && isTokenEndpoint(err.endpoint)
    this.o.metrics?.countFollowUpFailure(
      call,
      token ? 'no_token' : f.kind === 'retry' ? 'retry' : 'permanent',
    )
    if (this.noToken || !token) return
    this.noToken = true
    this.o.log.warn('follow-up: no WeChat access token; tags and texts wait for it', {
      event: 'follow_up_no_token',
      errcode: err.errcode,
      error: errorMessage(err),
      action: NO_TOKEN_ACTION,
    })
  }

  private paused(kind: 'tag' | 'message'): boolean {
    return this.o.now() < this.pauses[kind].until
  }

  /**
   * WeChat refused a call for a reason that is the account's, not the visitor's: no call of
   * this kind until the backoff ends. Calls already in flight that meet the same refusal do
   * not lengthen it (one refusal, seen four times at once, is one).
   */
  private pause(kind: 'tag' | 'message', errcode: number): void {
    const p = this.pauses[kind]
    if (this.paused(kind)) return
    p.refusals++
    p.errcode = errcode
    p.until = this.o.now() + this.backoff(p.refusals)
    // A warning: while paused no text goes out, and a text not sent within the minute after
    // its scan never is. Once per pause, the pauses doubling up to a minute.
    this.o.log.warn('follow-up: WeChat refused a call; pausing', {
      event: 'follow_up_paused',
      what: kind,
      errcode,
      ms: p.until - this.o.now(),
      action: PAUSED_ACTION,
    })
  }

  private backoff(attempts: number): number {
    const base = Math.min(this.o.maxBackoffMs, this.o.backoffMs * 2 ** Math.max(0, attempts - 1))
    return Math.round(base * (0.5 + (this.o.random ?? Math.random)()))
  }

  /** The campaign's tag id: cached in the store, else found by name, else created. */
  private async tagId(c: ConsoleCampaign, name: string): Promise<number> {
    const cached = await this.o.store.followUp.campaignTag(c.id)
    if (cached !== null && cached.name === name) return cached.id
    const client = this.o.client
    let found = (await getTags(client)).find((t) => t.name === name)
    if (found === undefined) {
      try {
        found = await createTag(client, name)
      } catch (err) {
        const f = classifyFollowUpFailure(err)
        // Taken meanwhile (another relay, or a person in the admin console): it exists now.
        if (f.errcode !== E.tagNameTaken) throw err
        found = (await getTags(client)).find((t) => t.name === name)
        if (found === undefined) throw err
      }
    }
    await this.o.store.followUp.saveCampaignTag(c.id, { name, id: found.id })
    return found.id
  }

  /** The campaign's visitors due for their tag, or null while tagging is paused (unknown). */
  private async dueTags(c: ConsoleCampaign): Promise<FollowUpVisitor[] | null> {
    if (c.tag === null || this.paused('tag')) return null
    return this.o.store.followUp.dueTags(c.id, this.o.now(), MAX_OPENIDS_PER_TAGGING * 10)
  }

  private async tagDue(
    c: ConsoleCampaign,
    name: string,
    due: FollowUpVisitor[],
    read: CampaignsRead,
  ): Promise<void> {
    const { store, now } = this.o
    if (due.length === 0) return
    // Full batches and retries go at once; a partial one waits for the window to fill it.
    const batches: FollowUpVisitor[][] = []
    for (let i = 0; i < due.length; i += MAX_OPENIDS_PER_TAGGING) {
      const batch = due.slice(i, i + MAX_OPENIDS_PER_TAGGING)
      const oldest = Math.min(...batch.map((v) => v.scannedAt))
      const ready =
        batch.length === MAX_OPENIDS_PER_TAGGING ||
        batch.some((v) => v.tagAttempts > 0) ||
        now() - oldest >= this.o.batchWindowMs
      if (ready) batches.push(batch)
    }
    if (batches.length === 0) return
    let tagId: number
    try {
      tagId = await this.tagId(c, name)
    } catch (err) {
      const f = classifyFollowUpFailure(err)
      this.noteFailure(err, 'tag', f)
      if (f.kind === 'retry') {
        this.pause('tag', f.errcode)
        return this.retryTags(c, batches.flat())
      }
      // The tag cannot exist (name too long, 100 tags): every visitor fails with that reason.
      this.o.log.warn('follow-up: campaign tag refused', { campaignId: c.id, errcode: f.errcode })
      await store.followUp.updateTags(
        c.id,
        batches.flat().map((v) => v.openid),
        { state: 'failed', errcode: f.errcode, attempted: true, from: FROM_PENDING },
      )
      return
    }
    for (const batch of batches) {
      if (this.paused('tag') || !(await this.stillLeased())) return
      // Edited since this round read it (its tag renamed or taken off): the next round's.
      if (read.changed(c.id)) return
      await this.tagBatch(c, tagId, batch)
    }
  }

  private async retryTags(c: ConsoleCampaign, batch: FollowUpVisitor[]): Promise<void> {
    const attempts = Math.max(...batch.map((v) => v.tagAttempts)) + 1
    await this.o.store.followUp.updateTags(
      c.id,
      batch.map((v) => v.openid),
      {
        state: 'pending',
        dueAt: Math.max(this.pauses.tag.until, this.o.now() + this.backoff(attempts)),
        attempted: true,
        from: FROM_PENDING,
      },
    )
  }

  private async tagBatch(c: ConsoleCampaign, tagId: number, batch: FollowUpVisitor[]) {
    const { store } = this.o
    const openids = batch.map((v) => v.openid)
    this.stats.taggingCalls++
    try {
      await batchTagging(this.o.client, tagId, openids)
    } catch (err) {
      const f = classifyFollowUpFailure(err)
      this.noteFailure(err, 'tag', f)
      if (f.kind === 'retry') {
        this.pause('tag', f.errcode)
        return this.retryTags(c, batch)
      }
      if (f.errcode === E.invalidTagId) {
        // Deleted in WeChat: find or create it again on the next round.
        await store.followUp.saveCampaignTag(c.id, null)
        return this.retryTags(c, batch)
      }
      if (batch.length > 1 && ONE_VISITOR_ERRCODES.has(f.errcode)) {
        // One errcode for the whole call: halve until the visitor it concerns is alone.
        const half = Math.ceil(batch.length / 2)
        await this.tagBatch(c, tagId, batch.slice(0, half))
        await this.tagBatch(c, tagId, batch.slice(half))
        return
      }
      this.o.log.info('follow-up: visitor not tagged', { campaignId: c.id, errcode: f.errcode })
      await store.followUp.updateTags(c.id, openids, {
        state: 'failed',
        errcode: f.errcode,
        attempted: true,
        from: FROM_PENDING,
      })
      return
    }
    this.noToken = false
    this.pauses.tag.refusals = 0
    // WeChat tagged them: true over a stale instance's refusal too, never over nothing.
    await store.followUp.updateTags(c.id, openids, {
      state: 'tagged',
      attempted: true,
      from: ['pending', 'failed'],
    })
  }

  /** The campaign's visitors due for their text, or null while texts are paused (unknown). */
  private async dueMessages(c: ConsoleCampaign): Promise<FollowUpVisitor[] | null> {
    if (c.followUp === null || this.paused('message')) return null
    return this.o.store.followUp.dueMessages(c.id, this.o.now(), MESSAGES_PER_WRITE * 10)
  }

  private async sendDue(
    c: ConsoleCampaign,
    template: string,
    due: FollowUpVisitor[],
    read: CampaignsRead,
  ): Promise<void> {
    const { now } = this.o
    if (due.length === 0) return
    const named = template.includes('{name}')
    const names = named
      ? await this.rosterNames(c.id, new Set(due.map((v) => v.openid)))
      : new Map<string, string>()
    // A desk binds its guest after the scan: an unnamed one is left pending a few seconds (the
    // window is a minute), then sent as 嘉宾 / Guest (a desk's general code binds no one).
    // Any campaign with a roster may have a desk: the admin area's desk page shows a guest's
    // code whatever the campaign's mode, so a booth-mode campaign's guests wait too (only a
    // campaign with no roster cannot bind anyone).
    const ready =
      named && (await this.mayBind(c))
        ? due.filter((v) => names.has(v.openid) || now() - v.scannedAt >= this.nameWait())
        : due
    for (let i = 0; i < ready.length; i += MESSAGES_PER_WRITE) {
      if (this.paused('message') || !(await this.stillLeased())) return
      // Edited since this round read it (the text changed or taken off): no text is claimed
      // with the old one once the edit is heard; the next round sends the new one.
      if (read.changed(c.id)) return
      await this.sendSome(c, template, names, ready.slice(i, i + MESSAGES_PER_WRITE))
    }
  }

  /**
   * A few messages: all marked `sending` in one write before any call (a crash then leaves them
   * `sending`, never sent twice), sent, and their outcomes written together.
   */
  private async sendSome(
    c: ConsoleCampaign,
    template: string,
    names: Map<string, string>,
    visitors: FollowUpVisitor[],
  ): Promise<void> {
    const { store, now } = this.o
    const late = visitors.filter((v) => now() - v.scannedAt > this.o.windowMs)
    const inTime = visitors.filter((v) => now() - v.scannedAt <= this.o.windowMs)
    // Claimed: only those still pending become `sending`, atomically, and only those are sent.
    // `visitors` may be stale (another instance took a lapsed lease and sent some already).
    // Late while WeChat has refused every text since its last success (held back by the pause,
    // or never reached): that refusal is why, not a worker that was behind.
    const { refusals, errcode } = this.pauses.message
    const lateFor = refusals > 0 ? { errcode } : {}
    const claimed = new Set(
      await store.followUp.updateMessages(c.id, [
        ...late.map((v) => ({
          openid: v.openid,
          u: { state: 'outside-window' as const, ...lateFor },
          from: FROM_PENDING,
        })),
        ...inTime.map((v) => ({
          openid: v.openid,
          u: { state: 'sending' as const, attempted: true },
          from: FROM_PENDING,
        })),
      ]),
    )
    const toSend = inTime.filter((v) => claimed.has(v.openid))
    // A few calls at a time: one WeChat round trip per message in turn would cap a burst at
    // 60 s / latency messages a minute, and a scan's window is a minute.
    const outcomes: MessageWrite[] = []
    let next = 0
    const lane = async (): Promise<void> => {
      while (next < toSend.length) {
        const v = toSend[next++] as FollowUpVisitor
        const hold = this.pauses.message
        if (this.paused('message')) {
          // Claimed, not called: due again when the pause ends, with the refusal that held it.
          outcomes.push({
            openid: v.openid,
            u: { state: 'pending', errcode: hold.errcode, dueAt: hold.until },
          })
          continue
        }
        const text = fillFollowUp(template, { name: names.get(v.openid), number: v.number })
        this.stats.messageCalls++
        outcomes.push({ openid: v.openid, u: await this.sendOne(v, text) })
      }
    }
    await Promise.all(Array.from({ length: Math.min(MESSAGE_LANES, toSend.length) }, lane))
    // Over our own claim (`sending`), or over another instance's "maybe sent" (`failed`, set
    // while our calls were in flight): what WeChat answered is the truth. Nothing else: a
    // state past those is not ours to change.
    if (outcomes.length > 0) {
      await store.followUp.updateMessages(
        c.id,
        outcomes.map((x) => ({ ...x, from: ['sending' as const, 'failed' as const] })),
      )
    }
  }

  private async sendOne(v: FollowUpVisitor, text: string): Promise<MessageUpdate> {
    let asked = false
    try {
      // The token first: its failure sent nothing, and is retried like any other.
      await this.o.client.getAccessToken()
      asked = true
      await sendCustomText(this.o.client, v.openid, text)
      this.noToken = false
      this.pauses.message.refusals = 0
      return { state: 'sent' }
    } catch (err) {
      // The send may have gone out (mayHaveBeenSent): like a call a crash cut short, never
      // made again: one text at most.
      if (asked && mayHaveBeenSent(err)) {
        // WeChat too slow (or its answers lost): every text sent meanwhile would be given up
        // the same way, so the rest wait for the pause rather than each risk it.
        this.o.metrics?.countFollowUpFailure('message', 'maybe_sent')
        this.pause('message', WECHAT_UNAVAILABLE_ERRCODE)
        return { state: 'failed', errcode: 0 }
      }
      const f = classifyFollowUpFailure(err)
      this.noteFailure(err, 'message', f)
      if (f.errcode === E.outOfWindow) return { state: 'outside-window', errcode: f.errcode }
      if (f.kind === 'retry') {
        this.pause('message', f.errcode)
        // The errcode is kept: a message whose window closes while WeChat refuses it (45009,
        // the API's quota) is reported with that reason, not as one processed too late.
        return {
          state: 'pending',
          errcode: f.errcode,
          dueAt: this.o.now() + this.backoff(v.messageAttempts + 1),
        }
      }
      return { state: 'failed', errcode: f.errcode }
    }
  }

  /** Whether a desk can bind this campaign's visitors to a name: desk mode, or a roster. */
  private async mayBind(c: ConsoleCampaign): Promise<boolean> {
    if (c.mode === 'desk') return true
    return (await this.o.store.campaigns.readRoster(c.id, 0, 1)).total > 0
  }

  /**
   * openid → registered name of the `openids` a desk bound, through the bindings and the roster
   * (read only when one of them is bound: a desk's guests wait a few rounds for theirs).
   */
  private async rosterNames(
    campaignId: string,
    openids: ReadonlySet<string>,
  ): Promise<Map<string, string>> {
    const { campaigns } = this.o.store
    const bindings = (await campaigns.bindings(campaignId)).filter((b) => openids.has(b.openid))
    const out = new Map<string, string>()
    if (bindings.length === 0) return out
    // All of one roster version: one replaced between two pages is read again.
    const people = await boundPeople(
      campaigns,
      campaignId,
      new Map(bindings.map((b) => [b.registrationId, b.openid])),
    )
    for (const [openid, person] of people) out.set(openid, person.name)
    return out
  }
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}

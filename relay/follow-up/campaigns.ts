/**
 * The campaigns the follow-up worker works on, kept in memory: each round read the whole list
 * from the store (on Redis one SMEMBERS and an HGETALL per campaign: at 1,000 campaigns 1,001
 * commands and ~555 KB, five times a second on an idle relay). Now a round reads the
 * relay-wide campaign clock (one read) and:
 *
 * - the whole list again only when the clock moved since the last full read (a campaign
 *   created or edited, a booth assigned, a roster replaced: on any instance), or after a
 *   `resync` (the change feed may have missed changes), or first;
 * - else only the campaigns the change feed named since (relay/campaign-directory.ts: the
 *   store's feed, and the console's own edits heard before they are answered).
 *
 * The feed covers the one edit the clock cannot show: its version taken from the clock and
 * not yet written when the clock was read. So an edit stored before a round starts is in that
 * round's campaigns, on any instance; and a read's `changed(id)` tells a round in progress that
 * one of its campaigns was edited since it read them (heard on this instance before the console
 * answered, on another as the feed's message arrives).
 */
import type { ConsoleCampaign } from '../../shared/campaign'
import type { CampaignDirectory } from '../campaign-directory'
import type { RelayStore, StoreChange } from '../store/types'

/** One read's campaigns, and whether one of them changed since. */
export interface CampaignsRead {
  campaigns: ConsoleCampaign[]
  /** The feed named the campaign (or a resync came) after this read began. */
  changed(id: string): boolean
  /** The read is no longer looked at (`changed` may then say false): what it kept goes. */
  done(): void
}

export class FollowUpCampaigns {
  /** id → campaign, in the store's list order, then as added; null: read them all again. */
  private all: Map<string, ConsoleCampaign> | null = null
  /** The clock's value before the last full read. */
  private clock = -1
  /** Campaigns the feed named since they were read. */
  private readonly stale = new Set<string>()
  /**
   * Changes heard so far; per campaign, and for the last resync, the count when heard. Only
   * what a read not yet done began before is kept: one entry per campaign heard of while the
   * oldest open read is out (it kept one per campaign ever edited, for good).
   */
  private heard = 0
  private readonly heardAt = new Map<string, number>()
  private resyncAt = 0
  /** The `heard` count each open read began at (count → reads). */
  private readonly open = new Map<number, number>()
  /** Reads run one after the other (a round's and the backlog's may overlap). */
  private queue: Promise<unknown> = Promise.resolve()

  /** Stops hearing the change feed; null while not hearing it (detached). */
  private unwatch: (() => void) | null = null

  constructor(
    private readonly store: RelayStore,
    private readonly directory: CampaignDirectory,
  ) {
    this.attach()
  }

  /** Hears the change feed (again): what it missed meanwhile is read whole next time. */
  attach(): void {
    if (this.unwatch !== null) return
    this.unwatch = this.directory.watch((c) => this.hear(c))
    this.all = null
  }

  /**
   * Stops hearing the change feed (the worker stopped: a relay that starts another in the same
   * process must not keep this one's listener). Until attached again every read is whole.
   */
  detach(): void {
    this.unwatch?.()
    this.unwatch = null
    this.all = null
  }

  private hear(change: StoreChange): void {
    if (change.type === 'resync') {
      this.resyncAt = ++this.heard
      this.all = null
    } else if (
      change.type === 'campaign' &&
      change.kioskId === undefined &&
      change.campaignId !== null
    ) {
      ++this.heard
      // With no read open, no read can ask about it.
      if (this.open.size > 0) this.heardAt.set(change.campaignId, this.heard)
      this.stale.add(change.campaignId)
    }
  }

  /** Read them all again on the next `read` (the worker just took the lease over). */
  reload(): void {
    this.all = null
  }

  /** Every campaign, up to date as described above. */
  read(): Promise<CampaignsRead> {
    const next = this.queue.then(
      () => this.readNow(),
      () => this.readNow(),
    )
    this.queue = next
    return next
  }

  private async readNow(): Promise<CampaignsRead> {
    const mark = this.heard
    this.open.set(mark, (this.open.get(mark) ?? 0) + 1)
    let open = true
    const changed = (id: string): boolean =>
      this.resyncAt > mark || (this.heardAt.get(id) ?? 0) > mark
    const done = (): void => {
      if (!open) return
      open = false
      const n = (this.open.get(mark) ?? 1) - 1
      if (n > 0) this.open.set(mark, n)
      else this.open.delete(mark)
      this.prune()
    }
    try {
      return { campaigns: await this.campaigns(), changed, done }
    } catch (err) {
      done()
      throw err
    }
  }

  /** Drops what no open read can ask about: heard at or before the oldest one began. */
  private prune(): void {
    const oldest = this.open.size === 0 ? this.heard : Math.min(...this.open.keys())
    for (const [id, at] of this.heardAt) if (at <= oldest) this.heardAt.delete(id)
  }

  /** How many campaigns' changes are kept (tests). */
  get kept(): number {
    return this.heardAt.size
  }

  private async campaigns(): Promise<ConsoleCampaign[]> {
    const { campaigns } = this.store
    try {
      const clock = await campaigns.clock()
      if (this.all === null || clock !== this.clock) {
        const resyncAt = this.resyncAt
        // Named from here on: read again next time (this read may have come before them).
        this.stale.clear()
        const list = await campaigns.listCampaigns()
        const all = new Map(list.map((r) => [r.campaign.id, r.campaign]))
        // Kept only while the feed is heard: it is what says the copy went stale.
        if (this.resyncAt === resyncAt && this.unwatch !== null) {
          this.all = all
          this.clock = clock
        }
        return [...all.values()]
      }
      const all = this.all
      if (this.stale.size > 0) {
        const ids = [...this.stale]
        this.stale.clear()
        const records = await Promise.all(ids.map((id) => campaigns.getCampaign(id)))
        ids.forEach((id, i) => {
          const r = records[i]
          if (r === null || r === undefined) all.delete(id)
          else all.set(id, r.campaign)
        })
      }
      return [...all.values()]
    } catch (err) {
      // Whatever was cleared before the failure is read again, all of it.
      this.all = null
      throw err
    }
  }
}

/**
 * Who may open a big screen: the campaign's screen key, compared in constant time. An unknown
 * campaign is refused exactly like a wrong key (compared against a dummy), so ids cannot be
 * probed. Campaigns found are cached briefly; the cache never holds ids that do not exist, so
 * guessing ids costs store reads (rate-limited) but no memory.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { campaignIdSchema } from '../../shared/campaign'
import type { CampaignRecord } from '../store/campaign-types'
import type { RelayStore } from '../store/types'

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest()

/** True when `given` is `expected`, in time independent of where they differ. */
export function keyMatches(given: string, expected: string): boolean {
  // Hashing first gives equal lengths, so even the key's length does not show.
  return timingSafeEqual(digest(given), digest(expected))
}

/** How long a campaign read is reused before the store is asked again. */
const CACHE_MS = 1000

export class ScreenAccess {
  private readonly cache = new Map<string, { at: number; read: Promise<CampaignRecord | null> }>()
  private readonly dummyKey = randomBytes(32).toString('base64url')

  constructor(
    private readonly store: Pick<RelayStore, 'campaigns'>,
    private readonly now: () => number,
  ) {}

  /** The campaign when `key` is its screen key, else null (unknown, wrong or missing key). */
  async check(campaignId: string, key: string | null): Promise<CampaignRecord | null> {
    const id = campaignIdSchema.safeParse(campaignId)
    const record = id.success ? await this.campaign(id.data) : null
    const ok = keyMatches(key ?? '', record?.campaign.screenKey ?? this.dummyKey)
    return ok && record !== null && key !== null ? record : null
  }

  /** The campaign, read through the short cache (only campaigns that exist are kept). */
  campaign(id: string): Promise<CampaignRecord | null> {
    const hit = this.cache.get(id)
    if (hit !== undefined && this.now() - hit.at < CACHE_MS) return hit.read
    const read = this.store.campaigns.getCampaign(id)
    this.cache.set(id, { at: this.now(), read })
    read.then(
      (r) => {
        if (r === null) this.cache.delete(id)
      },
      () => this.cache.delete(id),
    )
    return read
  }

  /** A campaign changed (its key, its name): the next check reads it again. */
  forget(id: string | null): void {
    if (id === null) this.cache.clear()
    else this.cache.delete(id)
  }
}

/**
 * Campaigns (`/console/api/campaigns`): the list, creating and saving one, its screen key, and
 * which booths run it (`PUT /console/api/kiosks/<id> {"campaignId"}`: a booth runs one
 * campaign, so the booth list is the truth about who runs what).
 *
 * The console's event stream carries no campaign changes (docs/DESIGN.md "Big screens"), so
 * while a page on screen follows the list it is read again every few seconds, and at once
 * when the tab comes back into view or gets the focus: a campaign another organizer created
 * or renamed shows up without a reload, like the open campaign's editor notices their save.
 * Each re-read sends the last list's ETag (api/client.ts): unchanged, the relay answers a
 * bodiless 304 and the read gives the same array back, so the list here stays as it was.
 *
 * The list holds each campaign's summary (id, name, dates, mode: `?view=summary`), all the
 * lists and pickers show; a season's 1,000 campaigns in full were 436 KiB a read on venue Wi-Fi.
 * The editor reads the campaign it opens in full.
 */
import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import { useConsoleApi } from '../api/api-key'
import type { TaggedCampaign } from '../api/client'
import {
  toCampaignSummary,
  type CampaignInput,
  type ConsoleCampaign,
  type ConsoleCampaignSummary,
} from '../api/campaign-contract'
import { ConsoleApiError, toConsoleError } from '../api/errors'
import type { ConsoleKiosk } from '../../../shared/console-api'
import { coalesce } from './coalesce'
import { followers } from './follow'
import { useKiosksStore } from './kiosks'

/** How often a followed list is read again while on screen (as the open campaign's editor). */
const RECHECK_MS = 5000

export const useCampaignsStore = defineStore('console-campaigns', () => {
  const api = useConsoleApi()
  const kiosks = useKiosksStore()
  const list = ref<ConsoleCampaignSummary[]>([])
  const loaded = ref(false)
  const error = ref<ConsoleApiError | null>(null)
  /** The campaign just created, for its editor to say it was saved. */
  const justCreated = ref<string | null>(null)

  const byId = computed(() => new Map(list.value.map((c) => [c.id, c])))
  const { followed, follow } = followers()
  /** Counts this page's own saves: a list read before one is older than what `put` holds. */
  let puts = 0

  const refresh = coalesce(async () => {
    const before = puts
    try {
      const read = await api.campaigns()
      // A save here answered meanwhile: the next read has it and the rest.
      if (puts !== before && loaded.value) return
      list.value = read
      loaded.value = true
      error.value = null
    } catch (e) {
      error.value = toConsoleError(e)
    }
  })

  let timer: ReturnType<typeof globalThis.setInterval> | null = null
  function rereadIfVisible(): void {
    if (globalThis.document.visibilityState === 'visible') void refresh()
  }
  watch(followed, (on) => {
    if (on) {
      timer = globalThis.setInterval(rereadIfVisible, RECHECK_MS)
      globalThis.document.addEventListener('visibilitychange', rereadIfVisible)
      globalThis.addEventListener('focus', rereadIfVisible)
    } else {
      if (timer !== null) globalThis.clearInterval(timer)
      timer = null
      globalThis.document.removeEventListener('visibilitychange', rereadIfVisible)
      globalThis.removeEventListener('focus', rereadIfVisible)
    }
  })

  /** A campaign this page saved, as the list holds it (its summary). */
  function put(saved: ConsoleCampaign): void {
    puts++
    const campaign = toCampaignSummary(saved)
    const at = list.value.findIndex((c) => c.id === campaign.id)
    if (at === -1) list.value = [...list.value, campaign]
    else list.value = list.value.map((c, i) => (i === at ? campaign : c))
  }

  /** Throws the API's error (the form shows it). */
  async function create(input: CampaignInput): Promise<ConsoleCampaign> {
    const saved = await api.createCampaign(input)
    put(saved)
    return saved
  }

  /** With `ifMatch`, refused (412 `precondition_failed`) if someone saved it meanwhile. */
  async function save(
    id: string,
    input: CampaignInput,
    ifMatch: string | null = null,
  ): Promise<TaggedCampaign> {
    const saved = await api.updateCampaign(id, input, ifMatch)
    put(saved.campaign)
    return saved
  }

  /** A new big-screen key: the campaign with it. */
  async function rotateKey(id: string): Promise<TaggedCampaign> {
    const saved = await api.rotateScreenKey(id)
    put(saved.campaign)
    return saved
  }

  /** The booths running campaign `id` now. */
  function boothsOf(id: string): string[] {
    return kiosks.list.filter((k) => k.campaignId === id && !k.revoked).map((k) => k.id)
  }

  /**
   * The organizer's change to the booths running `id`, from `loaded` (what their form showed)
   * to `wanted`: booths added get it; booths dropped get none, but only those still running
   * it now, so a booth another organizer moved or added meanwhile stays where they put it.
   * `seen` is the campaign each booth ran when the form showed it (else the list now): a
   * booth added here that was moved meanwhile is not taken from its new campaign (412
   * `precondition_failed`). One PUT per booth that changes; every one is tried, the first
   * failure is thrown.
   */
  async function assignBooths(
    id: string,
    wanted: readonly string[],
    loaded: readonly string[] = boothsOf(id),
    seen: ReadonlyMap<string, string | null> = campaignsNow(),
  ): Promise<void> {
    const before = new Set(loaded)
    const want = new Set(wanted)
    const now = campaignsNow()
    const from = (k: string): string | null => (seen.has(k) ? seen.get(k) : now.get(k)) ?? null
    const changes: Change[] = [
      ...[...want]
        .filter((k) => !before.has(k))
        .map((k): Change => ({ kioskId: k, from: from(k), to: id })),
      ...[...before]
        .filter((k) => !want.has(k))
        .map((k): Change => ({ kioskId: k, from: id, to: null, skipIfMoved: true })),
    ]
    await assign(changes)
  }

  /** The campaign each booth runs, as the list has it now. */
  function campaignsNow(): Map<string, string | null> {
    return new Map(kiosks.list.map((k) => [k.id, k.campaignId]))
  }

  /**
   * One booth to a campaign (or none), from `from`, the campaign the page showed it running
   * (default: the list now): 412 `precondition_failed` if someone assigned it since.
   */
  async function assignBooth(
    kioskId: string,
    campaignId: string | null,
    from: string | null = campaignsNow().get(kioskId) ?? null,
  ): Promise<void> {
    await assign([{ kioskId, from, to: campaignId }])
  }

  interface Change {
    kioskId: string
    /** The campaign the organizer saw the booth run. */
    from: string | null
    to: string | null
    /** A booth moved elsewhere meanwhile is left alone, not an error (an untick). */
    skipIfMoved?: boolean
  }

  /**
   * Reads the booth with its ETag and moves it only if it still runs `from`, with If-Match, so
   * a move made meanwhile (here or by the relay's other users) is never undone: the answer,
   * null when there was nothing to do.
   */
  async function moveOne(c: Change): Promise<ConsoleKiosk | null> {
    const { kiosk, etag } = await api.kiosk(c.kioskId)
    if (kiosk.campaignId !== c.from) {
      if (c.skipIfMoved === true) return kiosk
      throw new ConsoleApiError('precondition_failed', 412)
    }
    if (kiosk.campaignId === c.to) return kiosk
    return api.assignKiosk(c.kioskId, c.to, etag)
  }

  async function assign(changes: Change[]): Promise<void> {
    const results = await Promise.allSettled(changes.map(moveOne))
    for (const r of results) {
      const k = r.status === 'fulfilled' ? r.value : null
      if (k !== null) kiosks.list = kiosks.list.map((old) => (old.id === k.id ? k : old))
    }
    const failed = results.find((r) => r.status === 'rejected')
    if (failed) {
      void kiosks.refresh()
      throw failed.reason
    }
  }

  return {
    followed,
    follow,
    list,
    loaded,
    error,
    justCreated,
    byId,
    refresh,
    create,
    save,
    rotateKey,
    boothsOf,
    assignBooths,
    assignBooth,
  }
})

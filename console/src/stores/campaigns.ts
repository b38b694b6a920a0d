/**
 * Campaigns (`/console/api/campaigns`): the list, creating and saving one, its screen key, and
 * which booths run it (`PUT /console/api/kiosks/<id> {"campaignId"}`: a booth runs one
 * campaign, so the booth list is the truth about who runs what).
 */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { useConsoleApi } from '../api/api-key'
import type { TaggedCampaign } from '../api/client'
import type { CampaignInput, ConsoleCampaign } from '../api/campaign-contract'
import { toConsoleError, type ConsoleApiError } from '../api/errors'
import { useKiosksStore } from './kiosks'

export const useCampaignsStore = defineStore('console-campaigns', () => {
  const api = useConsoleApi()
  const kiosks = useKiosksStore()
  const list = ref<ConsoleCampaign[]>([])
  const loaded = ref(false)
  const error = ref<ConsoleApiError | null>(null)
  /** The campaign just created, for its editor to say it was saved. */
  const justCreated = ref<string | null>(null)

  const byId = computed(() => new Map(list.value.map((c) => [c.id, c])))

  async function refresh(): Promise<void> {
    try {
      list.value = await api.campaigns()
      loaded.value = true
      error.value = null
    } catch (e) {
      error.value = toConsoleError(e)
    }
  }

  function put(campaign: ConsoleCampaign): void {
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
   * it now (read again first), so a booth another organizer moved or added meanwhile stays
   * where they put it. One PUT per booth that changes; every one is tried, the first failure
   * is thrown.
   */
  async function assignBooths(
    id: string,
    wanted: readonly string[],
    loaded: readonly string[] = boothsOf(id),
  ): Promise<void> {
    const before = new Set(loaded)
    const want = new Set(wanted)
    let dropped = [...before].filter((k) => !want.has(k))
    if (dropped.length > 0) {
      await kiosks.refresh()
      const still = new Set(boothsOf(id))
      dropped = dropped.filter((k) => still.has(k))
    }
    const changes: [string, string | null][] = [
      ...[...want].filter((k) => !before.has(k)).map((k): [string, string] => [k, id]),
      ...dropped.map((k): [string, null] => [k, null]),
    ]
    await assign(changes)
  }

  /** One booth to a campaign (or none). */
  async function assignBooth(kioskId: string, campaignId: string | null): Promise<void> {
    await assign([[kioskId, campaignId]])
  }

  async function assign(changes: [string, string | null][]): Promise<void> {
    const results = await Promise.allSettled(
      changes.map(([kioskId, campaignId]) => api.assignKiosk(kioskId, campaignId)),
    )
    for (const r of results) {
      if (r.status === 'fulfilled') {
        kiosks.list = kiosks.list.map((k) => (k.id === r.value.id ? r.value : k))
      }
    }
    const failed = results.find((r) => r.status === 'rejected')
    if (failed) {
      void kiosks.refresh()
      throw failed.reason
    }
  }

  return {
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

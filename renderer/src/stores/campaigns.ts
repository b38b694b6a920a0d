import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { Campaign } from '../../../shared/domain'
import { useKioskApi } from '../bridge/api-key'
import { useAdminSessionStore } from './admin-session'
import { useScreenStore } from './screen'
import type { FieldError } from './settings'

/** Campaigns for the editor, and which one the admin pages look at. */
export const useCampaignStore = defineStore('campaigns', () => {
  const api = useKioskApi()
  const session = useAdminSessionStore()
  const screen = useScreenStore()

  const campaigns = ref<Campaign[]>([])
  const fieldErrors = ref<FieldError[]>([])
  const activeId = computed(() => screen.campaign?.id ?? null)
  /**
   * The campaign the attendance, stats and export pages show: the booth's active one, else its
   * latest (which those pages name as not current). There is no picking another one here: the
   * pages' "no campaign now" line relies on this following the booth.
   */
  const viewedId = computed(() => activeId.value ?? campaigns.value[0]?.id ?? null)

  async function load(): Promise<void> {
    campaigns.value = await session.run(() => api.listCampaigns())
  }

  async function save(campaign: Campaign): Promise<boolean> {
    const result = await session.run(() => api.saveCampaign(campaign))
    fieldErrors.value = result.ok ? [] : result.errors
    if (result.ok) await load()
    return result.ok
  }

  async function activate(id: string): Promise<void> {
    await session.run(() => api.activateCampaign({ id }))
    // The core also sends a `campaign` event; reading the screen state makes it certain.
    await screen.load()
  }

  return { campaigns, fieldErrors, activeId, viewedId, load, save, activate }
})

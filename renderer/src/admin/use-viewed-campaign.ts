import { computed, onMounted, type ComputedRef } from 'vue'
import { useCampaignStore } from '../stores/campaigns'
import { useScreenStore } from '../stores/screen'

/** The campaign whose check-ins an admin page shows or exports, by name. */
export interface ViewedCampaign {
  id: string
  name: string
  /** False: the booth has no campaign now (the organizer unassigned it); this is its latest. */
  current: boolean
}

/**
 * Which campaign the attendance, stats and export pages are about. With no campaign on this
 * booth they fall back to its latest one, which the page must name (`ViewedCampaignLine`) or
 * staff read an old campaign's numbers as today's. The page reads the campaign list on opening,
 * so what it shows does not depend on whether staff visited the campaign page first.
 */
export function useViewedCampaign(
  onLoadError: (error: unknown) => void,
): ComputedRef<ViewedCampaign | null> {
  const campaigns = useCampaignStore()
  const screen = useScreenStore()
  onMounted(() => {
    campaigns.load().catch(onLoadError)
  })
  return computed(() => {
    const id = campaigns.viewedId
    if (!id) return null
    const c =
      campaigns.campaigns.find((x) => x.id === id) ??
      (screen.campaign?.id === id ? screen.campaign : null)
    return { id, name: c?.name ?? id, current: id === campaigns.activeId }
  })
}

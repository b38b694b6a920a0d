import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { Stats } from '../../../shared/domain'
import { useKioskApi } from '../bridge/api-key'
import { kioskStreamSignals } from '../bridge/web-client'
import { useAdminSessionStore } from './admin-session'

/** Live check-ins re-read the statistics at most this often. */
const LIVE_REFRESH_MS = 2_000

export const useStatsStore = defineStore('stats', () => {
  const api = useKioskApi()
  const session = useAdminSessionStore()

  const campaignId = ref<string | null>(null)
  const stats = ref<Stats | null>(null)
  let liveTimer: ReturnType<typeof setTimeout> | null = null

  async function load(id: string | null = campaignId.value): Promise<void> {
    campaignId.value = id
    if (!id) {
      stats.value = null
      return
    }
    const result = await session.run(() => api.getStats({ campaignId: id }))
    if (campaignId.value === id) stats.value = result
  }

  /** Follows check-ins, and (web mode) re-reads when the event stream comes back after a drop. */
  function listen(): () => void {
    const stopReopen = kioskStreamSignals(api)?.onReopen(() => void load().catch(() => undefined))
    const stop = api.on('attendance', (row) => {
      if (row.campaignId !== campaignId.value || liveTimer) return
      liveTimer = setTimeout(() => {
        liveTimer = null
        load().catch(() => undefined)
      }, LIVE_REFRESH_MS)
    })
    return () => {
      stop()
      stopReopen?.()
      if (liveTimer) clearTimeout(liveTimer)
      liveTimer = null
    }
  }

  return { campaignId, stats, load, listen }
})

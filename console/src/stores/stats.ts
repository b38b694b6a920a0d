/**
 * Live stats (`GET /console/api/stats`): fetched on every `stats` event, coalesced. The figures
 * are those of the campaign chosen (useScopeStore): another chosen drops them at once, so one
 * campaign's figures are never shown under another's name while its own are asked for, or when
 * the relay cannot be reached (an agency's two events on one relay).
 */
import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import type { ConsoleStats } from '../../../shared/console-api'
import { useConsoleApi } from '../api/api-key'
import { toConsoleError, type ConsoleApiError } from '../api/errors'
import { coalesce } from './coalesce'
import { followers } from './follow'
import { useScopeStore } from './scope'

export const useStatsStore = defineStore('console-stats', () => {
  const api = useConsoleApi()
  const scope = useScopeStore()
  const stats = ref<ConsoleStats | null>(null)
  const updatedAt = ref<number | null>(null)
  const error = ref<ConsoleApiError | null>(null)
  const { followed, follow } = followers()

  watch(
    () => scope.campaignId,
    () => {
      stats.value = null
      updatedAt.value = null
      error.value = null
    },
  )

  const refresh = coalesce(async () => {
    try {
      const campaignId = scope.campaignId
      const next = await api.stats(campaignId ?? undefined)
      // The scope changed while this was asked: its own refresh follows.
      if (scope.campaignId !== campaignId) return
      stats.value = next
      updatedAt.value = Date.now()
      error.value = null
    } catch (e) {
      error.value = toConsoleError(e)
    }
  })

  return { followed, follow, stats, updatedAt, error, refresh }
})

/**
 * The days with a scan (`GET /console/api/stats/days`) of the campaign chosen (useScopeStore),
 * in the relay's time zone: the attendance page's day choice and the stats page's table by day.
 * Read when a page opens or asks, and when the live stats count scans the days do not (the
 * stats page, at most every 30 s): the relay counts them from the rows. Another campaign
 * chosen drops them at once, as the stats do. Its `timeZone` is also the zone the console
 * writes the relay's times in (the attendance list, the stats' 更新于, the draws panel); before
 * any days are read it is the zone the session answer named. With `stopsAfterEndsAt` it is also
 * what each campaign's 未开始 / 进行中 / 已结束 badge is judged by (CampaignPhaseBadge, which
 * reads the days once when no page has).
 */
import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import type { ConsoleDayCount } from '../../../shared/console-api'
import { usableZone } from '../../../shared/format'
import { useConsoleApi } from '../api/api-key'
import { toConsoleError, type ConsoleApiError } from '../api/errors'
import { coalesce } from './coalesce'
import { useScopeStore } from './scope'
import { useSessionStore } from './session'

export const useDaysStore = defineStore('console-days', () => {
  const api = useConsoleApi()
  const scope = useScopeStore()
  const days = ref<ConsoleDayCount[]>([])
  /**
   * The zone the relay counts days in, as this browser can write times in it (null until first
   * read, or when the relay named one the browser cannot use: times are then the browser's,
   * and no page names the relay's zone as the one they are in).
   */
  const daysZone = ref<string | null>(null)
  const session = useSessionStore()
  /** The zone as the days last named it, else as the session did (a page that reads no days). */
  const timeZone = computed(() => {
    if (daysZone.value !== null) return daysZone.value
    const fromSession = session.info?.timeZone
    return fromSession !== undefined && usableZone(fromSession) ? fromSession : null
  })
  /** The relay stops counting a campaign's scans after its endsAt day (false until read). */
  const stopsAfterEndsAt = ref(false)
  const error = ref<ConsoleApiError | null>(null)
  /** The days of the campaign chosen have been read (false again when another is chosen). */
  const read = ref(false)

  watch(
    () => scope.campaignId,
    () => {
      days.value = []
      read.value = false
      error.value = null
    },
  )

  const refresh = coalesce(async () => {
    try {
      const campaignId = scope.campaignId
      const next = await api.statsDays(campaignId ?? undefined)
      // The scope changed while this was asked: its own refresh follows.
      if (scope.campaignId !== campaignId) return
      days.value = next.days
      daysZone.value = usableZone(next.timeZone) ? next.timeZone : null
      stopsAfterEndsAt.value = next.stopsAfterEndsAt
      read.value = true
      error.value = null
    } catch (e) {
      error.value = toConsoleError(e)
    }
  })

  return { days, timeZone, stopsAfterEndsAt, read, error, refresh }
})

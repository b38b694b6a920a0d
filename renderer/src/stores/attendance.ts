import { defineStore } from 'pinia'
import { reactive, ref, shallowReactive } from 'vue'
import type { AttendanceRow } from '../../../shared/domain'
import { useKioskApi } from '../bridge/api-key'
import { kioskStreamSignals } from '../bridge/web-client'
import type { ErrorBody } from '../../../shared/errors'
import { toErrorBody } from '../bridge/errors'
import { useAdminSessionStore } from './admin-session'

/** Rows fetched per call (the contract allows up to 500). */
export const PAGE_SIZE = 200
/** Live check-ins arrive in bursts; refresh once per burst. */
const LIVE_REFRESH_MS = 500

export interface AttendanceFilter {
  query: string
  /** Epoch ms, inclusive bounds, or null. */
  from: number | null
  to: number | null
}

/**
 * The attendance table's data: pages fetched on demand as the virtual list scrolls, so the
 * renderer holds only what has been looked at, even for 100,000 rows.
 */
export const useAttendanceStore = defineStore('attendance', () => {
  const api = useKioskApi()
  const session = useAdminSessionStore()

  const campaignId = ref<string | null>(null)
  const filter = reactive<AttendanceFilter>({ query: '', from: null, to: null })
  const total = ref(0)
  const loadedOnce = ref(false)
  const error = ref<ErrorBody | null>(null)
  const pages = shallowReactive(new Map<number, AttendanceRow[]>())
  const inFlight = new Set<number>()
  /** Bumped on every reset so answers to an older query are thrown away. */
  let generation = 0
  let visible = { start: 0, end: 0 }
  let liveTimer: ReturnType<typeof setTimeout> | null = null

  async function loadPage(page: number): Promise<void> {
    const id = campaignId.value
    if (!id || pages.has(page) || inFlight.has(page)) return
    const mine = generation
    inFlight.add(page)
    try {
      const result = await session.run(() =>
        api.listAttendance({
          campaignId: id,
          query: filter.query.trim(),
          from: filter.from,
          to: filter.to,
          offset: page * PAGE_SIZE,
          limit: PAGE_SIZE,
        }),
      )
      if (mine !== generation) return
      pages.set(page, result.rows)
      total.value = result.total
      loadedOnce.value = true
      error.value = null
    } catch (e) {
      if (mine === generation) error.value = toErrorBody(e)
    } finally {
      if (mine === generation) inFlight.delete(page)
    }
  }

  /** The virtual list asks for rows start..end (inclusive); fetch the pages they fall in. */
  function ensureRange(start: number, end: number): void {
    visible = { start, end }
    const first = Math.floor(Math.max(0, start) / PAGE_SIZE)
    const last = Math.floor(Math.max(0, end) / PAGE_SIZE)
    for (let page = first; page <= last; page++) void loadPage(page)
  }

  function rowAt(index: number): AttendanceRow | undefined {
    return pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE]
  }

  /** Starts over (new campaign or new search): drop every page, fetch the first. */
  async function reset(id: string | null = campaignId.value): Promise<void> {
    generation++
    campaignId.value = id
    pages.clear()
    inFlight.clear()
    total.value = 0
    loadedOnce.value = false
    visible = { start: 0, end: 0 }
    await loadPage(0)
  }

  /** Re-fetches what is on screen (after live check-ins) without jumping back to the top. */
  async function refreshVisible(): Promise<void> {
    generation++
    pages.clear()
    inFlight.clear()
    const first = Math.floor(visible.start / PAGE_SIZE)
    const last = Math.floor(visible.end / PAGE_SIZE)
    const loads: Promise<void>[] = []
    for (let page = first; page <= last; page++) loads.push(loadPage(page))
    await Promise.all(loads)
  }

  function onLive(row: AttendanceRow): void {
    if (row.campaignId !== campaignId.value || liveTimer) return
    liveTimer = setTimeout(() => {
      liveTimer = null
      void refreshVisible()
    }, LIVE_REFRESH_MS)
  }

  /**
   * Follows live check-ins; returns the unsubscribe function. Web mode: when the event stream
   * comes back after a drop, the check-ins sent meanwhile are gone, so the rows are read again.
   */
  function listen(): () => void {
    const stop = api.on('attendance', onLive)
    const stopReopen = kioskStreamSignals(api)?.onReopen(() => void refreshVisible())
    return () => {
      stop()
      stopReopen?.()
      if (liveTimer) clearTimeout(liveTimer)
      liveTimer = null
    }
  }

  return {
    campaignId,
    filter,
    total,
    loadedOnce,
    error,
    pages,
    ensureRange,
    rowAt,
    reset,
    refreshVisible,
    listen,
  }
})

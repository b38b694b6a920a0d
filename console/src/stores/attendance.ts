/**
 * The attendance table's rows: pages of `GET /console/api/attendance?format=json` fetched as the
 * virtual list scrolls, so the page holds only what was looked at, even for 1,000,000 rows.
 */
import { defineStore } from 'pinia'
import { ref, shallowReactive } from 'vue'
import type { ConsoleAttendanceRow } from '../../../shared/console-api'
import { useConsoleApi } from '../api/api-key'
import { toConsoleError, type ConsoleApiError } from '../api/errors'
import { useScopeStore } from './scope'

/** Rows per request: a screenful many times over, small enough to answer fast. */
export const PAGE_SIZE = 200

export const useAttendanceStore = defineStore('console-attendance', () => {
  const api = useConsoleApi()
  const scope = useScopeStore()
  const query = ref('')
  /** One local day's rows (`YYYY-MM-DD`), or null for every day's. */
  const day = ref<string | null>(null)
  const total = ref(0)
  const loadedOnce = ref(false)
  const error = ref<ConsoleApiError | null>(null)
  const pages = shallowReactive(new Map<number, ConsoleAttendanceRow[]>())
  const inFlight = new Set<number>()
  /** Bumped on every reset so answers to an older search are dropped. */
  let generation = 0

  async function loadPage(page: number): Promise<void> {
    if (pages.has(page) || inFlight.has(page)) return
    const mine = generation
    inFlight.add(page)
    try {
      const campaign = scope.campaignId
      const oneDay = day.value
      const result = await api.attendance({
        q: query.value.trim(),
        offset: page * PAGE_SIZE,
        limit: PAGE_SIZE,
        ...(campaign !== null && { campaign }),
        ...(oneDay !== null && { day: oneDay }),
      })
      if (mine !== generation) return
      pages.set(page, result.rows)
      total.value = result.total
      loadedOnce.value = true
      error.value = null
    } catch (e) {
      if (mine === generation) error.value = toConsoleError(e)
    } finally {
      if (mine === generation) inFlight.delete(page)
    }
  }

  /** The virtual list shows rows start..end (inclusive): fetch the pages they fall in. */
  function ensureRange(start: number, end: number): void {
    const first = Math.floor(Math.max(0, start) / PAGE_SIZE)
    const last = Math.floor(Math.max(0, end) / PAGE_SIZE)
    for (let page = first; page <= last; page++) void loadPage(page)
  }

  function rowAt(index: number): ConsoleAttendanceRow | undefined {
    return pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE]
  }

  /** A new search or day (or a first look): drop every page and fetch the first. */
  async function reset(q: string = query.value, d: string | null = day.value): Promise<void> {
    generation++
    query.value = q
    day.value = d
    pages.clear()
    inFlight.clear()
    total.value = 0
    loadedOnce.value = false
    // The last search's (or campaign's) failure is not this one's.
    error.value = null
    await loadPage(0)
  }

  return { query, day, total, loadedOnce, error, pages, ensureRange, rowAt, reset }
})

/**
 * One campaign's roster: uploading a CSV/XLSX file (the relay parses it as the kiosk import
 * does and answers rows in and problems) and reading it back a page at a time.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { useConsoleApi } from '../api/api-key'
import type { ConsoleRosterEntry, RosterFormat, RosterUploadResult } from '../api/campaign-contract'
import { toConsoleError, type ConsoleApiError } from '../api/errors'

export const ROSTER_PAGE_SIZE = 50
/** What the relay accepts (the kiosk import's limit): refused here before any upload. */
export const MAX_ROSTER_BYTES = 10 * 1024 * 1024

/** The format a file is, by its name (what the organizer's spreadsheet saved), else null. */
export function rosterFormatOf(fileName: string): RosterFormat | null {
  const ext = /\.([a-z0-9]+)$/i.exec(fileName)?.[1]?.toLowerCase()
  return ext === 'csv' ? 'csv' : ext === 'xlsx' ? 'xlsx' : null
}

export const useRosterStore = defineStore('console-roster', () => {
  const api = useConsoleApi()
  const campaignId = ref<string | null>(null)
  const rows = ref<ConsoleRosterEntry[]>([])
  const total = ref(0)
  const offset = ref(0)
  const loading = ref(false)
  const error = ref<ConsoleApiError | null>(null)
  const uploading = ref(false)
  const result = ref<RosterUploadResult | null>(null)
  let asked = 0

  /** Shows `id`'s roster from its first page (a different campaign forgets the last report). */
  async function open(id: string): Promise<void> {
    if (campaignId.value !== id) result.value = null
    campaignId.value = id
    await page(0)
  }

  async function page(at: number): Promise<void> {
    const id = campaignId.value
    if (id === null) return
    const ask = ++asked
    loading.value = true
    try {
      const answer = await api.roster(id, { offset: at, limit: ROSTER_PAGE_SIZE })
      // A slower answer to an earlier click never replaces the page asked for last.
      if (ask !== asked) return
      rows.value = answer.rows
      total.value = answer.total
      offset.value = at
      error.value = null
    } catch (e) {
      if (ask === asked) error.value = toConsoleError(e)
    } finally {
      if (ask === asked) loading.value = false
    }
  }

  /** Throws the API's error (the panel shows it); the report is in `result`. */
  async function upload(file: Blob, format: RosterFormat): Promise<void> {
    const id = campaignId.value
    if (id === null) return
    uploading.value = true
    result.value = null
    try {
      result.value = await api.uploadRoster(id, file, format)
    } finally {
      uploading.value = false
    }
    await page(0)
  }

  return { campaignId, rows, total, offset, loading, error, uploading, result, open, page, upload }
})

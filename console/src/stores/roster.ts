/**
 * One campaign's roster: uploading a CSV/XLSX file (the relay parses it as the kiosk import
 * does: a file with problem rows is refused whole, listing them, unless the organizer asks to
 * leave those rows out) and reading it back a page at a time.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { useConsoleApi } from '../api/api-key'
import type {
  ConsoleRosterEntry,
  RosterFormat,
  RosterUploadOutcome,
} from '../api/campaign-contract'
import { toConsoleError, type ConsoleApiError } from '../api/errors'
import { rosterHasRowProblems } from '../../../shared/errors'

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
  const result = ref<RosterUploadOutcome | null>(null)
  /** The file last refused for its problem rows: what "leave them out" sends again. */
  const refused = ref<{ file: Blob; format: RosterFormat } | null>(null)
  let asked = 0

  /** Shows `id`'s roster from its first page (a different campaign forgets the last report). */
  async function open(id: string): Promise<void> {
    if (campaignId.value !== id) {
      result.value = null
      refused.value = null
    }
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
      rows.value = answer.entries
      total.value = answer.total
      offset.value = at
      error.value = null
    } catch (e) {
      if (ask === asked) error.value = toConsoleError(e)
    } finally {
      if (ask === asked) loading.value = false
    }
  }

  /** Throws the API's error (the panel shows it); the outcome is in `result`. */
  async function upload(file: Blob, format: RosterFormat, skipBadRows = false): Promise<void> {
    const id = campaignId.value
    if (id === null) return
    uploading.value = true
    result.value = null
    refused.value = null
    try {
      const outcome = await api.uploadRoster(id, file, format, { skipBadRows })
      result.value = outcome
      // Refused after a skip too, or for the file as a whole, means rows are not the problem:
      // no offer to leave them out.
      if (!outcome.stored && !skipBadRows && rosterHasRowProblems(outcome.errors))
        refused.value = { file, format }
    } finally {
      uploading.value = false
    }
    if (result.value?.stored) await page(0)
  }

  /** The refused file again, its problem rows left out. */
  async function uploadSkippingBadRows(): Promise<void> {
    const again = refused.value
    if (again) await upload(again.file, again.format, true)
  }

  return {
    campaignId,
    rows,
    total,
    offset,
    loading,
    error,
    uploading,
    result,
    refused,
    open,
    page,
    upload,
    uploadSkippingBadRows,
  }
})

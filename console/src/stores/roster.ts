/**
 * One campaign's roster: uploading a CSV/XLSX file (the relay parses it as the kiosk import
 * does: a file with problem rows is refused whole, listing them, unless the organizer asks to
 * leave those rows out) and reading it back a page at a time. An upload names the roster's
 * version last read (If-Match): when another organizer replaced the roster meanwhile the relay
 * refuses it (412), their roster is read and shown, and the file is kept for "upload mine anyway".
 * A file goes with its progress shown (minutes on venue Wi-Fi) and can be cancelled while its body
 * is still going out: the relay stores nothing it did not receive whole.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { useConsoleApi } from '../api/api-key'
import type { UploadProgress } from '../api/client'
import type {
  ConsoleRosterCheck,
  ConsoleRosterEntry,
  RosterCheckOutcome,
  RosterFormat,
  RosterUploadOutcome,
} from '../api/campaign-contract'
import { ConsoleApiError, toConsoleError } from '../api/errors'
import { MAX_ROSTER_FILE_BYTES, rosterHasRowProblems } from '../../../shared/errors'

export const ROSTER_PAGE_SIZE = 50
/**
 * What the relay accepts (the kiosk import's limit, one constant): refused here before any
 * upload. Every file up to it is parsed by the relay first (`dryRun`), so one with a header and
 * no rows, or one leaving out the guests already checked in (a 20,000-guest roster is 1–2 MiB),
 * is not sent to replace the roster before the organizer confirms.
 */
export const MAX_ROSTER_BYTES = MAX_ROSTER_FILE_BYTES

/** The format a file is, by its name (what the organizer's spreadsheet saved), else null. */
export function rosterFormatOf(fileName: string): RosterFormat | null {
  const ext = /\.([a-z0-9]+)$/i.exec(fileName)?.[1]?.toLowerCase()
  return ext === 'csv' ? 'csv' : ext === 'xlsx' ? 'xlsx' : null
}

/**
 * How far the file in flight is: `check` the parse-only pass of every file (`dryRun`), `store`
 * the upload itself; `sent === total` the body is all out and the relay is reading it in.
 * `passes`: 2 when the file goes out twice (checked, then stored: the organizer is told which
 * pass, or a 10 MiB file seems to start over), 1 when it is stored alone (confirmed after its
 * check).
 */
export interface RosterProgress extends UploadProgress {
  step: 'check' | 'store'
  passes: 1 | 2
}

/** A file checked and held for the organizer's word (`held`): what it would do to the roster. */
export interface HeldRoster {
  file: Blob
  format: RosterFormat
  skipBadRows: boolean
  /** Guests in the file (0: it empties the roster). */
  total: number
  /** The roster it replaces, as the relay matched it (null: a relay too old to say). */
  replacing: NonNullable<ConsoleRosterCheck['replacing']> | null
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
  /** The upload in flight's progress; null when none is. */
  const progress = ref<RosterProgress | null>(null)
  /** The last upload was cancelled by the organizer (nothing stored). */
  const cancelled = ref(false)
  let inFlight: AbortController | null = null
  const result = ref<RosterUploadOutcome | null>(null)
  /** The file last refused for its problem rows: what "leave them out" sends again. */
  const refused = ref<{ file: Blob; format: RosterFormat } | null>(null)
  /** The roster's version as last read (its ETag); null before the first read. */
  const version = ref<number | null>(null)
  /**
   * A file refused because the roster was replaced since it was read (412): theirs is shown.
   * `checked`: the file was checked against theirs (refused as it was stored); when the check
   * itself was refused it never was, and "upload mine anyway" checks it first.
   */
  const conflict = ref<{
    file: Blob
    format: RosterFormat
    skipBadRows: boolean
    checked: boolean
  } | null>(null)
  /**
   * A file held until the organizer says: one that would empty the roster (a header, no rows),
   * or leave out guests who already checked in, or none of the current roster's guests (last
   * year's roster; a file saved without its code column, or its phone column when the guests have
   * no code, so every match key changed).
   */
  const held = ref<HeldRoster | null>(null)
  let asked = 0

  /**
   * Shows `id`'s roster from its first page. A different campaign forgets the last one's report
   * and its guests at once: they are never shown under another campaign's name while its roster
   * is asked for, nor when it cannot be read.
   */
  async function open(id: string): Promise<void> {
    if (campaignId.value !== id) {
      leave()
      rows.value = []
      total.value = 0
      offset.value = 0
      error.value = null
      cancelled.value = false
      result.value = null
      refused.value = null
      conflict.value = null
      held.value = null
      version.value = null
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
      version.value = answer.version
      offset.value = at
      error.value = null
    } catch (e) {
      if (ask === asked) error.value = toConsoleError(e)
    } finally {
      if (ask === asked) loading.value = false
    }
  }

  /** Throws the API's error (the panel shows it); the outcome is in `result`. */
  async function upload(
    file: Blob,
    format: RosterFormat,
    skipBadRows = false,
    /** The organizer confirmed the file may empty the roster or drop its guests. */
    confirmed = false,
  ): Promise<void> {
    const id = campaignId.value
    if (id === null) return
    uploading.value = true
    cancelled.value = false
    result.value = null
    refused.value = null
    conflict.value = null
    held.value = null
    const ifMatch = version.value === null ? null : `"${version.value}"`
    const controller = new AbortController()
    inFlight = controller
    const follow = (step: RosterProgress['step']) => ({
      signal: controller.signal,
      onProgress: (p: UploadProgress) => {
        if (inFlight === controller) progress.value = { ...p, step, passes: confirmed ? 1 : 2 }
      },
    })
    /** Replaced elsewhere since it was read (412): theirs is read and shown, the file kept. */
    const replaced = async (e: unknown, checked: boolean): Promise<void> => {
      if (!(e instanceof ConsoleApiError) || e.code !== 'precondition_failed') throw e
      conflict.value = { file, format, skipBadRows, checked }
      settle(controller)
      await page(0)
    }
    try {
      if (!confirmed) {
        let check: RosterCheckOutcome
        try {
          // With the version read: a roster replaced since is told now, not after the file has
          // gone out a second time (minutes on venue Wi-Fi) to be stored.
          check = await api.checkRoster(id, file, format, {
            skipBadRows,
            ifMatch,
            ...follow('check'),
          })
        } catch (e) {
          if (inFlight !== controller) return
          await replaced(e, false)
          return
        }
        // The page went elsewhere meanwhile: this answer is not its.
        if (inFlight !== controller) return
        if (!('dryRun' in check)) {
          // Refused as the upload would be: the same report, nothing sent twice.
          result.value = check
          if (!skipBadRows && rosterHasRowProblems(check.errors)) refused.value = { file, format }
          return
        }
        const replacing = check.replacing ?? null
        const dropsAll = replacing !== null && replacing.total > 0 && replacing.kept === 0
        if (check.total === 0 || dropsAll || (replacing?.checkedInDropped ?? 0) > 0) {
          held.value = { file, format, skipBadRows, total: check.total, replacing }
          return
        }
      }
      let outcome: RosterUploadOutcome
      try {
        outcome = await api.uploadRoster(id, file, format, {
          skipBadRows,
          ifMatch,
          ...follow('store'),
        })
      } catch (e) {
        if (inFlight !== controller) return
        await replaced(e, true)
        return
      }
      if (inFlight !== controller) return
      result.value = outcome
      if (outcome.stored) version.value = outcome.version
      // Refused after a skip too, or for the file as a whole, means rows are not the problem:
      // no offer to leave them out.
      if (!outcome.stored && !skipBadRows && rosterHasRowProblems(outcome.errors))
        refused.value = { file, format }
    } catch (e) {
      // The page went elsewhere: nothing of this upload is its to report.
      if (inFlight !== controller) return
      // Stopped by the organizer: not a failure, and nothing was stored.
      if (!(e instanceof ConsoleApiError) || e.code !== 'cancelled') throw e
      cancelled.value = true
      return
    } finally {
      settle(controller)
    }
    if (result.value?.stored) await page(0)
  }

  function settle(controller: AbortController): void {
    if (inFlight !== controller) return
    inFlight = null
    uploading.value = false
    progress.value = null
  }

  /**
   * The page goes elsewhere: an upload still sending is stopped (nothing stored), one the relay
   * is importing runs on there, and neither is reported here.
   */
  function leave(): void {
    const controller = inFlight
    if (controller === null) return
    const p = progress.value
    const sending = p === null || p.sent < p.total || p.total === 0
    settle(controller)
    if (sending) controller.abort()
  }

  /**
   * Stops the upload in flight while its body is still going out (nothing reaches the roster).
   * Once the body is all sent the relay is importing it: too late to take back, so it runs on.
   */
  function cancel(): void {
    const p = progress.value
    if (inFlight === null || (p !== null && p.sent >= p.total && p.total > 0)) return
    inFlight.abort()
  }

  /** The file refused for a roster replaced meanwhile, over the roster now shown (theirs). */
  async function uploadAnyway(): Promise<void> {
    const again = conflict.value
    if (again) await upload(again.file, again.format, again.skipBadRows, again.checked)
  }

  /** The organizer confirmed: the file held replaces the roster (emptying it, or dropping guests). */
  async function uploadHeld(): Promise<void> {
    const file = held.value
    if (file) await upload(file.file, file.format, file.skipBadRows, true)
  }

  function cancelHeld(): void {
    held.value = null
  }

  /** Keeps their roster: the refused file is let go. */
  function keepTheirs(): void {
    conflict.value = null
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
    progress,
    cancelled,
    cancel,
    leave,
    result,
    refused,
    conflict,
    held,
    open,
    page,
    upload,
    uploadSkippingBadRows,
    uploadAnyway,
    keepTheirs,
    uploadHeld,
    cancelHeld,
  }
})

import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { RosterImportResult } from '../../../shared/ipc'
import { useKioskApi } from '../bridge/api-key'
import { useAdminSessionStore } from './admin-session'

export interface RosterFile {
  fileName: string
  format: 'csv' | 'xlsx'
  dataBase64: string
}

/** Roster import; the file is kept so "skip bad rows" can send it again. */
export const useRosterStore = defineStore('roster', () => {
  const api = useKioskApi()
  const session = useAdminSessionStore()

  const file = ref<RosterFile | null>(null)
  const result = ref<RosterImportResult | null>(null)
  const importing = ref(false)
  /** Whether the last import already skipped bad rows (then there is nothing more to offer). */
  const lastSkipped = ref(false)

  async function importFile(next: RosterFile, skipBadRows = false): Promise<void> {
    file.value = next
    importing.value = true
    try {
      result.value = await session.run(() => api.importRoster({ ...next, skipBadRows }))
      lastSkipped.value = skipBadRows
    } finally {
      importing.value = false
    }
  }

  /**
   * A new file picked: the last import's file name, result and errors go at once, before the
   * file is read, so nobody takes the previous file's "已导入 41 行" for this one's while it is
   * imported, nor its name for the file a refusal (not .csv, too large) is about.
   */
  function startOver(): void {
    file.value = null
    result.value = null
    lastSkipped.value = false
  }

  async function importSkippingBadRows(): Promise<void> {
    if (file.value) await importFile(file.value, true)
  }

  return { file, result, importing, lastSkipped, startOver, importFile, importSkippingBadRows }
})

import { defineStore } from 'pinia'
import { computed, reactive, ref } from 'vue'
import type { ExportProgress } from '../../../shared/domain'
import { useKioskApi } from '../bridge/api-key'
import { useAdminSessionStore } from './admin-session'

/** Attendance exports: start one, follow its progress events. */
export const useExportStore = defineStore('exports', () => {
  const api = useKioskApi()
  const session = useAdminSessionStore()

  /** Keyed by export id; a fast export may report before `startExport` has even answered. */
  const progress = reactive(new Map<string, ExportProgress>())
  const currentId = ref<string | null>(null)
  const current = computed(() => (currentId.value ? (progress.get(currentId.value) ?? null) : null))
  const starting = ref(false)

  /**
   * The last export's progress, "done" and download link go at once, before the kiosk answers:
   * nobody takes the previous file's link for this export's while it is asked for.
   */
  async function start(campaignId: string, format: 'csv' | 'xlsx'): Promise<void> {
    currentId.value = null
    starting.value = true
    try {
      const { exportId } = await session.run(() => api.startExport({ campaignId, format }))
      currentId.value = exportId
    } finally {
      starting.value = false
    }
  }

  function listen(): () => void {
    return api.on('exportProgress', (p) => {
      progress.set(p.exportId, p)
    })
  }

  return { progress, currentId, current, starting, start, listen }
})

import { defineStore } from 'pinia'
import { computed, reactive, ref } from 'vue'
import type { ExportProgress } from '../../../shared/domain'
import { useKioskApi } from '../bridge/api-key'
import { useAdminSessionStore } from './admin-session'

/** Finished exports whose progress is kept (the page shows one); the core keeps as many jobs. */
const KEPT_FINISHED = 20

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
      // A finished one moves to the end: the oldest finished go first.
      if (p.state !== 'running') progress.delete(p.exportId)
      progress.set(p.exportId, p)
      forgetOldFinished()
    })
  }

  /**
   * Keeps the newest KEPT_FINISHED finished exports' progress, as the core keeps their jobs: it
   * grew by one per export (a booth's own and other admin windows') until the page was reloaded.
   * A running export, and the one this page follows, are never dropped.
   */
  function forgetOldFinished(): void {
    let finished = 0
    for (const p of progress.values()) if (p.state !== 'running') finished++
    for (const [id, p] of progress) {
      if (finished <= KEPT_FINISHED) return
      if (p.state === 'running' || id === currentId.value) continue
      progress.delete(id)
      finished--
    }
  }

  return { progress, currentId, current, starting, start, listen }
})

import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { Diagnostics } from '../../../shared/ipc'
import { useKioskApi } from '../bridge/api-key'
import { useAdminSessionStore } from './admin-session'

export const useDiagnosticsStore = defineStore('diagnostics', () => {
  const api = useKioskApi()
  const session = useAdminSessionStore()
  const diagnostics = ref<Diagnostics | null>(null)

  async function load(): Promise<void> {
    diagnostics.value = await session.run(() => api.getDiagnostics())
  }

  return { diagnostics, load }
})

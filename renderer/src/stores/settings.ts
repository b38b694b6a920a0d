import { defineStore } from 'pinia'
import { ref } from 'vue'
import type {
  ConnectionTestInput,
  PairInput,
  PublicSettings,
  SetupInput,
} from '../../../shared/ipc'
import type { MethodOutput } from '../../../shared/ipc'
import type { BigScreen } from '../../../shared/screen-paths'
import { useKioskApi } from '../bridge/api-key'
import { useAdminSessionStore } from './admin-session'

/** A field's problem as a code (shared/errors.ts); the page words it. */
export interface FieldError {
  field: string
  code: string
}
type ConnectionCheck = MethodOutput<'testConnection'>

/** Connection settings (never secrets: only whether one is stored) and the connection test. */
export const useSettingsStore = defineStore('settings', () => {
  const api = useKioskApi()
  const session = useAdminSessionStore()

  const settings = ref<PublicSettings | null>(null)
  const fieldErrors = ref<FieldError[]>([])
  const check = ref<ConnectionCheck | null>(null)
  const saving = ref(false)
  const testing = ref(false)

  async function load(): Promise<void> {
    settings.value = await session.run(() => api.getSettings())
  }

  /** Saves; returns true when the core accepted every field. */
  async function save(input: SetupInput): Promise<boolean> {
    saving.value = true
    try {
      const result = await session.run(() => api.saveSetup(input))
      fieldErrors.value = result.ok ? [] : result.errors
      if (result.ok) await load()
      return result.ok
    } finally {
      saving.value = false
    }
  }

  /** Pairs with a code from the console; the kiosk id the relay assigned, or null on field errors. */
  async function pair(input: PairInput): Promise<string | null> {
    saving.value = true
    try {
      const result = await session.run(() => api.pairWithCode(input))
      fieldErrors.value = result.ok ? [] : result.errors
      if (result.ok) await load()
      return result.ok ? result.kioskId : null
    } finally {
      saving.value = false
    }
  }

  /** Tests the form's values (secrets left out: the stored ones); nothing is saved. */
  async function testConnection(form: ConnectionTestInput): Promise<void> {
    testing.value = true
    check.value = null
    try {
      check.value = await session.run(() => api.testConnection(form))
    } finally {
      testing.value = false
    }
  }

  async function setPin(currentPin: string, newPin: string): Promise<void> {
    await session.run(() => api.setPin({ currentPin, newPin }))
  }

  /** What the kiosk screen shows: the QR code, or the relay's sign-in wall or draw. */
  async function setBigScreen(screen: BigScreen): Promise<void> {
    await session.run(() => api.setBigScreen({ screen }))
    await load()
  }

  async function setStartAtLogin(enabled: boolean): Promise<void> {
    await session.run(() => api.setStartAtLogin({ enabled }))
    await load()
  }

  return {
    settings,
    fieldErrors,
    check,
    saving,
    testing,
    load,
    save,
    pair,
    testConnection,
    setPin,
    setStartAtLogin,
    setBigScreen,
  }
})

import { defineStore } from 'pinia'
import { ref } from 'vue'
import { useKioskApi } from '../bridge/api-key'
import { errorCode } from '../bridge/errors'

export type LockReason = 'idle' | 'session' | null

/**
 * The admin lock as the renderer sees it. The core decides (PIN check, attempt counting,
 * lockout); this store only mirrors its answers so the PIN pad can show them.
 */
export const useAdminSessionStore = defineStore('adminSession', () => {
  const api = useKioskApi()

  const unlocked = ref(false)
  const busy = ref(false)
  const attemptsLeft = ref<number | null>(null)
  const lockedUntil = ref<number | null>(null)
  /** Why the pad is showing again, for a one-line note above it. */
  const lockReason = ref<LockReason>(null)
  const error = ref<string | null>(null)

  // An organizer cleared the lockout from the relay's console: the pad takes a PIN at once.
  // The store lives as long as the app, so the subscription does too.
  api.on('adminLockout', (lockout) => {
    lockedUntil.value = lockout.lockedUntil
    if (lockout.lockedUntil === null) attemptsLeft.value = null
  })

  async function unlock(pin: string): Promise<boolean> {
    busy.value = true
    error.value = null
    try {
      const result = await api.unlockAdmin({ pin })
      if (result.ok) {
        unlocked.value = true
        attemptsLeft.value = null
        lockedUntil.value = null
        lockReason.value = null
        return true
      }
      attemptsLeft.value = result.attemptsLeft
      lockedUntil.value = result.lockedUntil
      return false
    } catch (e) {
      error.value = errorCode(e) ?? 'unavailable'
      return false
    } finally {
      busy.value = false
    }
  }

  async function lock(reason: LockReason = null): Promise<void> {
    const wasUnlocked = unlocked.value
    unlocked.value = false
    lockReason.value = reason
    if (wasUnlocked) await api.lockAdmin().catch(() => undefined)
  }

  /** A call was refused because the core's admin session ended (timeout, restart). */
  function sessionEnded(): void {
    unlocked.value = false
    lockReason.value = 'session'
  }

  /**
   * Runs an admin call; if the core says the admin area is locked, shows the PIN pad again
   * instead of an error. Other failures are rethrown for the page to show.
   */
  async function run<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call()
    } catch (e) {
      if (errorCode(e) === 'admin_locked') sessionEnded()
      throw e
    }
  }

  return {
    unlocked,
    busy,
    attemptsLeft,
    lockedUntil,
    lockReason,
    error,
    unlock,
    lock,
    sessionEnded,
    run,
  }
})

import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import { ADMIN_SESSION_IDLE_MS } from '../../../shared/ipc'
import { useKioskApi } from '../bridge/api-key'
import { errorCode } from '../bridge/errors'
import { useScreenStore } from './screen'

export type LockReason = 'idle' | 'session' | null

/**
 * The admin lock as the renderer sees it. The core decides (PIN check, attempt counting,
 * lockout); this store only mirrors its answers so the PIN pad can show them, and its session
 * clock: the core's session ends ADMIN_SESSION_IDLE_MS after the last admin call, touches or
 * not, and from then on sends no admin events (check-ins, exports). The pad comes back at that
 * moment rather than at the next call, so a page never waits on marks that no longer come.
 */
export const useAdminSessionStore = defineStore('adminSession', () => {
  const api = useKioskApi()
  const screen = useScreenStore()

  const unlocked = ref(false)
  const busy = ref(false)
  const attemptsLeft = ref<number | null>(null)
  const lockedUntil = ref<number | null>(null)
  /** Why the pad is showing again, for a one-line note above it. */
  const lockReason = ref<LockReason>(null)
  const error = ref<string | null>(null)

  /** When the last admin call that opened or extended the core's session was sent. */
  let touchedAt = 0
  let sessionTimer: ReturnType<typeof setTimeout> | null = null
  let callsInFlight = 0

  function stopSessionClock(): void {
    if (sessionTimer !== null) clearTimeout(sessionTimer)
    sessionTimer = null
  }

  /**
   * A call sent at `sentAt` was let through: the core's session runs until ADMIN_SESSION_IDLE_MS
   * after it reached the core, which was after `sentAt`, so timing from the send never outlasts it.
   */
  function touched(sentAt: number): void {
    touchedAt = Math.max(touchedAt, sentAt)
    stopSessionClock()
    sessionTimer = setTimeout(expireIfQuiet, touchedAt + ADMIN_SESSION_IDLE_MS - Date.now())
  }

  /**
   * Ends the session if the core's is over by now: not while a call is on its way, which may
   * extend it (checked again when it returns, extended or not).
   */
  function expireIfQuiet(): void {
    if (!unlocked.value || callsInFlight > 0) return
    if (Date.now() < touchedAt + ADMIN_SESSION_IDLE_MS) return
    sessionEnded()
    // Ends it at the core too, should a call the renderer did not count have kept it open.
    void api.lockAdmin().catch(() => undefined)
  }

  // An organizer cleared the lockout from the relay's console: the pad takes a PIN at once.
  // The store lives as long as the app, so the subscription does too.
  api.on('adminLockout', (lockout) => {
    lockedUntil.value = lockout.lockedUntil
    if (lockout.lockedUntil === null) attemptsLeft.value = null
  })

  async function unlock(pin: string): Promise<boolean> {
    busy.value = true
    error.value = null
    const sentAt = Date.now()
    try {
      const result = await api.unlockAdmin({ pin })
      if (result.ok) {
        touched(sentAt)
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
    stopSessionClock()
    unlocked.value = false
    lockReason.value = reason
    if (wasUnlocked) await api.lockAdmin().catch(() => undefined)
  }

  /** A call was refused because the core's admin session ended (timeout, restart). */
  function sessionEnded(): void {
    stopSessionClock()
    unlocked.value = false
    lockReason.value = 'session'
  }

  /**
   * Web mode: the kiosk refused this page's key, so it was restarted under the page (a new key,
   * its admin session gone, no more events to this page). The pad says to open the new address
   * rather than take a PIN that cannot work here.
   */
  function keyRejected(): void {
    stopSessionClock()
    unlocked.value = false
    lockReason.value = null
    error.value = 'web_key_rejected'
  }

  // Any call may be the first to hear of it: the kiosk screen's periodic re-read included.
  watch(
    () => screen.loadError?.code,
    (code) => {
      if (code === 'web_key_rejected' && unlocked.value) keyRejected()
    },
  )

  /**
   * Runs an admin call; if the core says the admin area is locked, shows the PIN pad again
   * instead of an error. Other failures are rethrown for the page to show.
   */
  async function run<T>(call: () => Promise<T>): Promise<T> {
    const sentAt = Date.now()
    callsInFlight++
    try {
      const result = await call()
      if (unlocked.value) touched(sentAt)
      return result
    } catch (e) {
      const code = errorCode(e)
      if (code === 'admin_locked') sessionEnded()
      else if (code === 'web_key_rejected') keyRejected()
      throw e
    } finally {
      callsInFlight--
      // A call that failed for another reason may not have extended the session.
      expireIfQuiet()
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

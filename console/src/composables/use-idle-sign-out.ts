/**
 * Signs the console out after the relay's idle time (SESSION_IDLE_MS) without a key, a click, a
 * touch or a wheel turn in any of its tabs. The relay's idle rule alone does not do it: the
 * pages' own re-reads (the campaigns list every 5 s while shown, the stats after each scan)
 * are requests that slide the session, so a console left open on a shared laptop stayed signed
 * in for 12 h with nobody there.
 *
 * Tabs share the time of the last input through localStorage (written at most every few
 * seconds), so an organizer working in one tab is not signed out by another left open.
 */
import { onMounted, onUnmounted } from 'vue'
import { SESSION_IDLE_MS } from '../../../shared/console-api'
import { useSessionStore } from '../stores/session'

/** localStorage: epoch ms of the last input in any tab (only a time; nothing of the organizer). */
export const CONSOLE_INPUT_KEY = 'scandesk.console.lastInput'
const INPUT_EVENTS = ['keydown', 'pointerdown', 'touchstart', 'wheel'] as const
/** How often the idle time is looked at. */
const CHECK_MS = 15_000
/** A tab writes its input's time at most this often. */
const SHARE_EVERY_MS = 5_000

function sharedInputAt(): number {
  try {
    const at = Number(globalThis.localStorage?.getItem(CONSOLE_INPUT_KEY))
    return Number.isFinite(at) ? at : 0
  } catch {
    return 0
  }
}

function shareInputAt(at: number): void {
  try {
    globalThis.localStorage?.setItem(CONSOLE_INPUT_KEY, String(at))
  } catch {
    // Storage disabled: other tabs do not hear of this one's input.
  }
}

export function useIdleSignOut(): void {
  const session = useSessionStore()
  let inputAt = Date.now()
  let sharedAt = 0
  let timer: ReturnType<typeof setInterval> | null = null

  function noteInput(): void {
    inputAt = Date.now()
    if (inputAt - sharedAt >= SHARE_EVERY_MS) {
      sharedAt = inputAt
      shareInputAt(inputAt)
    }
  }

  function check(): void {
    // Counted from the sign-in: typing the password is input too.
    if (session.state !== 'signed-in') {
      inputAt = Date.now()
      return
    }
    if (Date.now() - Math.max(inputAt, sharedInputAt()) >= SESSION_IDLE_MS) void session.idleOut()
  }

  onMounted(() => {
    for (const type of INPUT_EVENTS) {
      globalThis.addEventListener(type, noteInput, { capture: true, passive: true })
    }
    timer = setInterval(check, CHECK_MS)
  })
  onUnmounted(() => {
    for (const type of INPUT_EVENTS) {
      globalThis.removeEventListener(type, noteInput, { capture: true })
    }
    if (timer !== null) clearInterval(timer)
  })
}

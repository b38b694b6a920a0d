/**
 * Who is signed in. `unknown` until the first `GET /session` answers; any 401 from another call
 * (the session expired or was ended on the relay) lands here through `expire()` and the app
 * shows sign-in; a check the relay cannot answer (unreachable, 5xx) leaves a signed-in console
 * signed in. A lockout (429 locked_out) keeps its end time so the page can count down.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { SessionInfo } from '../../../shared/console-api'
import { useConsoleApi } from '../api/api-key'
import { ConsoleApiError, toConsoleError } from '../api/errors'
import { dropDraftsExcept, hasDrafts } from '../campaigns/saved-draft'

export type SessionState = 'unknown' | 'signed-out' | 'signed-in'

export const useSessionStore = defineStore('console-session', () => {
  const api = useConsoleApi()
  const state = ref<SessionState>('unknown')
  const info = ref<SessionInfo | null>(null)
  const error = ref<ConsoleApiError | null>(null)
  /** Epoch ms when the lockout ends; null when not locked out (or the wait is unknown). */
  const lockedUntil = ref<number | null>(null)
  const busy = ref(false)
  /** The last sign-out was the relay's doing (session expired), not the organizer's. */
  const expired = ref(false)
  /**
   * The last sign-out was the console's own, after the idle time with nobody there; `dropped`:
   * it threw away unsaved campaign edits (not kept for whoever uses the laptop next), which the
   * sign-in page says, so the organizer back from lunch knows they were not saved.
   */
  const idle = ref<{ dropped: boolean } | null>(null)
  /**
   * The relay ended the session while the tab kept unsaved campaign edits of the organizer's:
   * the sign-in page says they are kept, to be put back and saved after signing in again.
   */
  const editsKept = ref(false)
  /** Why the organizer's last sign-out did not happen (still signed in); null otherwise. */
  const signOutError = ref<ConsoleApiError | null>(null)
  /**
   * Counts sign-ins and sign-outs (a 401 elsewhere included; not a check's own answer): a session
   * check answered after one of them (asked before an idle sign-out on a shared laptop, or
   * before a sign-in) speaks of a session that is no longer this console's, and is dropped
   * rather than signing the tab back in, or out.
   */
  let turns = 0

  /**
   * Signed in as `who`: unsaved edits another organizer left in the tab (their session ran out
   * on a shared laptop) are not theirs to see or save.
   */
  function signedIn(who: SessionInfo): void {
    dropDraftsExcept(who.name)
    info.value = who
    state.value = 'signed-in'
  }

  async function check(): Promise<void> {
    const asked = turns
    try {
      const who = await api.session()
      if (asked !== turns) return
      if (who === null) {
        // Nobody: a console that was signed in says its session ended, as after a 401.
        end()
        return
      }
      signedIn(who)
    } catch (e) {
      if (asked !== turns) return
      const failure = toConsoleError(e)
      // Two session cookies (one planted) were refused and cleared: signed out, and the
      // sign-in page says why.
      if (failure.code === 'ambiguous_session') {
        end(failure)
        return
      }
      // The relay could not say (unreachable, a proxy's 502 while it restarts): a signed-in
      // console stays signed in, and the event stream tries again; only a 401 signs out.
      if (state.value === 'signed-in') return
      error.value = failure
      state.value = 'signed-out'
    }
  }

  async function login(name: string, password: string): Promise<boolean> {
    busy.value = true
    error.value = null
    expired.value = false
    idle.value = null
    editsKept.value = false
    try {
      const who = await api.login(name, password)
      turns++
      signedIn(who)
      lockedUntil.value = null
      return true
    } catch (e) {
      const failure = toConsoleError(e)
      error.value = failure
      lockedUntil.value =
        failure.code === 'locked_out' && failure.retryAfterSeconds !== null
          ? Date.now() + failure.retryAfterSeconds * 1000
          : null
      return false
    } finally {
      busy.value = false
    }
  }

  async function logout(): Promise<void> {
    signOutError.value = null
    try {
      await api.logout()
    } catch (e) {
      // Not signed out: the relay did not end the session (unreachable, its store down), and
      // only it can clear the HttpOnly cookie. Shown signed out, the browser would still be
      // signed in for whoever opens the console next on a shared laptop; the header says so.
      signOutError.value = toConsoleError(e)
      return
    }
    // Nothing of theirs stays in the tab for whoever uses the laptop next.
    dropDraftsExcept(null)
    expire()
    error.value = null
    expired.value = false
    idle.value = null
    editsKept.value = false
  }

  /**
   * Nobody used the console for the relay's idle time (composables/use-idle-sign-out.ts): what
   * it shows goes at once, and the relay is asked to end the session. If that does not reach
   * it, nothing here asks any more, so the relay's own idle rule ends the session.
   */
  async function idleOut(): Promise<void> {
    if (state.value !== 'signed-in') return
    // Nobody there: their unsaved edits go with the session, not to the next person.
    const dropped = dropDraftsExcept(null) > 0
    expire()
    idle.value = { dropped }
    try {
      await api.logout()
    } catch {
      // See above: the session lapses on the relay within its idle time.
    }
  }

  /**
   * The relay no longer knows this session (a 401 on some call), or refused it as ambiguous
   * (`ambiguous_session`: that reason is kept, whatever the state, for the sign-in page).
   */
  function expire(reason?: ConsoleApiError): void {
    turns++
    end(reason)
  }

  /** Signed out (`expire`'s work; a check's own answer calls it directly). */
  function end(reason?: ConsoleApiError): void {
    if (reason?.code === 'ambiguous_session') {
      error.value = reason
      expired.value = true
    } else if (state.value === 'signed-in') {
      error.value = new ConsoleApiError('unauthorized', 401)
      expired.value = true
      editsKept.value = info.value !== null && hasDrafts(info.value.name)
    }
    info.value = null
    state.value = 'signed-out'
    signOutError.value = null
  }

  return {
    state,
    info,
    error,
    lockedUntil,
    busy,
    expired,
    idle,
    editsKept,
    signOutError,
    check,
    login,
    logout,
    idleOut,
    expire,
  }
})

import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { Greeting } from '../../../shared/domain'
import { useKioskApi } from '../bridge/api-key'

/** How long one greeting stays up when nobody else is waiting. */
export const GREETING_MS = 4_000
/** Shorter when others wait (a burst, or a backlog replayed after reconnecting). */
export const GREETING_BUSY_MS = 2_500
/**
 * A greeting's time counts from when the screen says it is fully in (its fade-in ended,
 * `visible`); if that is not heard this long after it went up (a hidden page paints nothing),
 * its time counts from then.
 */
export const GREETING_VISIBLE_WAIT_MS = 2_000
/** Event ids remembered to ignore a greeting sent twice (event stream resumed, resync). */
const SEEN_LIMIT = 1_000
/**
 * A greeting still waiting this long after its scan (held while the admin area was open, or
 * behind others) is dropped unshown: the visitor has walked on, as the core judges a replayed
 * scan.
 */
export const GREETING_STALE_MS = 60_000
/**
 * How often the wall clock is read while a greeting is on show: its timer stands still while
 * the computer sleeps (a lid closed at lunch), so after waking it would keep a long-gone
 * visitor's greeting up for the rest of its time. As in composables/use-idle.ts.
 */
const WALL_CLOCK_CHECK_MS = 1_000

/**
 * When the greeting's visitor scanned, on this page's clock: its `at` (the core's clock, the
 * same machine's), unless that is in the future or older than the core would greet (the two
 * clocks disagree): then its arrival. A scan replayed after the link came back may already be
 * most of a minute old when it arrives; counted from its arrival, it was shown up to two
 * minutes after the visitor left, the visitor scanning now waiting behind it.
 */
function scannedAt(greeting: Greeting, now: number): number {
  const age = now - greeting.at
  return age >= 0 && age <= GREETING_STALE_MS ? greeting.at : now
}

/**
 * The greeting queue: every greeting is shown, one after another, in arrival order; after
 * each one the core hears `greetingShown`. Paused while the kiosk screen is not on show
 * (admin open), so nobody's greeting plays to an empty room.
 */
export const useGreetingStore = defineStore('greetings', () => {
  const api = useKioskApi()

  const waiting = ref<Greeting[]>([])
  const current = ref<Greeting | null>(null)
  const active = ref(false)
  const seen = new Set<string>()
  /** When each waiting greeting's visitor scanned (`scannedAt`, on the page's clock). */
  const scanTimes = new Map<string, number>()
  let timer: ReturnType<typeof setTimeout> | null = null
  /** When the greeting on show became fully visible (its time counts from then); null: not yet. */
  let shownAt: number | null = null
  /** When the greeting on show was put up (not yet fully in: its time starts at the latest after GREETING_VISIBLE_WAIT_MS). */
  let putUpAt = 0
  /** Reads the wall clock while a greeting is on show; a clock set back leaves it to `timer`. */
  let clockCheck: ReturnType<typeof setInterval> | null = null
  let shownFor = 0

  const pending = computed(() => waiting.value.length)

  function remember(eventId: string): boolean {
    if (seen.has(eventId)) return false
    seen.add(eventId)
    if (seen.size > SEEN_LIMIT) {
      const oldest = seen.values().next()
      if (!oldest.done) seen.delete(oldest.value)
    }
    return true
  }

  /**
   * Drops the waiting greetings whose scan is more than GREETING_STALE_MS old: never shown,
   * never reported as shown. Run on every arrival too,
   * not only when one is put on show: a desk spends the day on the admin area's desk page, and a
   * greeting per check-in would otherwise pile up until the kiosk screen came back.
   */
  function dropStale(): void {
    const now = Date.now()
    const fresh = waiting.value.filter((g) => {
      if (now - (scanTimes.get(g.eventId) ?? now) <= GREETING_STALE_MS) return true
      scanTimes.delete(g.eventId)
      return false
    })
    if (fresh.length < waiting.value.length) waiting.value = fresh
  }

  function enqueue(greeting: Greeting): void {
    if (!remember(greeting.eventId)) return
    dropStale()
    scanTimes.set(greeting.eventId, scannedAt(greeting, Date.now()))
    waiting.value.push(greeting)
    if (!current.value) showNext()
    else hurry()
  }

  /** Someone else is waiting now: cut the greeting on show down to the busy length. */
  function hurry(): void {
    if (!timer || shownFor <= GREETING_BUSY_MS) return
    shownFor = GREETING_BUSY_MS
    // Not fully in yet: its (now shorter) time starts when it is.
    if (shownAt === null) return
    clearTimeout(timer)
    // Never longer than the busy length: a clock set back since it was up reads as no time gone.
    const gone = Math.max(0, Date.now() - shownAt)
    timer = setTimeout(dismiss, Math.max(0, GREETING_BUSY_MS - gone))
  }

  /** Starts the greeting's time: from now on it stays up `shownFor`. */
  function startCounting(): void {
    if (timer) clearTimeout(timer)
    shownAt = Date.now()
    timer = setTimeout(dismiss, shownFor)
  }

  /**
   * The screen painted the greeting fully in (its fade-in ended): its time counts from now, so
   * a slow booth PC, which takes longer to paint it, does not shorten how long it is readable.
   */
  function visible(eventId: string): void {
    if (current.value?.eventId !== eventId || shownAt !== null) return
    startCounting()
  }

  function showNext(): void {
    if (!active.value || current.value) return
    // Held past their time (the admin area was open): dropped, never reported as shown.
    dropStale()
    const next = waiting.value.shift()
    if (!next) return
    shownAt = null
    putUpAt = Date.now()
    shownFor = waiting.value.length > 0 ? GREETING_BUSY_MS : GREETING_MS
    timer = setTimeout(startCounting, GREETING_VISIBLE_WAIT_MS)
    clockCheck ??= setInterval(() => {
      const since = shownAt ?? putUpAt + GREETING_VISIBLE_WAIT_MS
      if (timer !== null && Date.now() - since >= shownFor) dismiss()
    }, WALL_CLOCK_CHECK_MS)
    // Last: the screen may say at once that it is in (`visible`).
    current.value = next
  }

  /** Nothing on show: stop the timer and the wall-clock check. */
  function stopTimers(): void {
    if (timer) clearTimeout(timer)
    timer = null
    if (clockCheck) clearInterval(clockCheck)
    clockCheck = null
  }

  /** Ends the greeting on show (timer or tap) and moves on to the next one. */
  function dismiss(): void {
    stopTimers()
    const shown = current.value
    current.value = null
    if (shown) {
      scanTimes.delete(shown.eventId)
      // Best effort: the core only records it (the attendance row's greeting_shown). If the
      // call fails the row stays unmarked; nothing offers the greeting again.
      api.greetingShown({ eventId: shown.eventId }).catch(() => undefined)
    }
    showNext()
  }

  /** The kiosk screen is on show: start (or resume) showing greetings. */
  function resume(): void {
    active.value = true
    showNext()
  }

  /** The kiosk screen is hidden: the greeting on show goes back to the front of the queue. */
  function pause(): void {
    active.value = false
    stopTimers()
    if (current.value) waiting.value.unshift(current.value)
    current.value = null
  }

  /** Subscribes to greetings; returns the unsubscribe function. */
  function listen(): () => void {
    return api.on('greeting', enqueue)
  }

  return { waiting, current, active, pending, enqueue, visible, dismiss, resume, pause, listen }
})

import { onMounted, onUnmounted } from 'vue'

const ACTIVITY = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const
/**
 * How often the wall clock is read as well: timers stand still while the computer sleeps (a
 * closed lid at lunch, an overnight suspend), so after it wakes a timer fires as late as the
 * sleep was long, and an admin area left open would stay on the booth's screen for minutes.
 */
const WALL_CLOCK_CHECK_MS = 1_000

/**
 * Calls `onIdle` once after `ms` without any input: by a timer, or as soon as the wall clock
 * says so (after a sleep). A clock set back only leaves it to the timer.
 */
export function useIdle(ms: number, onIdle: () => void): void {
  let timer: ReturnType<typeof setTimeout> | null = null
  let check: ReturnType<typeof setInterval> | null = null
  let lastInputAt = 0
  const idle = (): void => {
    if (timer) clearTimeout(timer)
    timer = null
    onIdle()
  }
  const restart = (): void => {
    if (timer) clearTimeout(timer)
    lastInputAt = Date.now()
    timer = setTimeout(idle, ms)
  }
  onMounted(() => {
    ACTIVITY.forEach((e) => window.addEventListener(e, restart, { passive: true }))
    restart()
    check = setInterval(() => {
      if (timer !== null && Date.now() - lastInputAt >= ms) idle()
    }, WALL_CLOCK_CHECK_MS)
  })
  onUnmounted(() => {
    ACTIVITY.forEach((e) => window.removeEventListener(e, restart))
    if (timer) clearTimeout(timer)
    if (check) clearInterval(check)
  })
}

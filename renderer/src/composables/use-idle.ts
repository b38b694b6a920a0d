import { onMounted, onUnmounted } from 'vue'

const ACTIVITY = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const

/** Calls `onIdle` once after `ms` without any input. */
export function useIdle(ms: number, onIdle: () => void): void {
  let timer: ReturnType<typeof setTimeout> | null = null
  const restart = (): void => {
    if (timer) clearTimeout(timer)
    timer = setTimeout(onIdle, ms)
  }
  onMounted(() => {
    ACTIVITY.forEach((e) => window.addEventListener(e, restart, { passive: true }))
    restart()
  })
  onUnmounted(() => {
    ACTIVITY.forEach((e) => window.removeEventListener(e, restart))
    if (timer) clearTimeout(timer)
  })
}

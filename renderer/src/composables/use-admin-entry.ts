import { onMounted, onUnmounted } from 'vue'

/** Long enough that a curious visitor tapping the title does not stumble into the PIN pad. */
export const LONG_PRESS_MS = 3_000

/**
 * The only ways from the kiosk screen towards admin: Ctrl+Shift+A, or a 3-second press on
 * the title. Both merely open the PIN pad; nothing on screen hints at them.
 */
export function useAdminEntry(enter: () => void) {
  let timer: ReturnType<typeof setTimeout> | null = null

  function cancelPress(): void {
    if (timer) clearTimeout(timer)
    timer = null
  }

  function startPress(): void {
    cancelPress()
    timer = setTimeout(() => {
      timer = null
      enter()
    }, LONG_PRESS_MS)
  }

  function onKey(event: KeyboardEvent): void {
    if (event.ctrlKey && event.shiftKey && event.key.toLowerCase() === 'a') {
      event.preventDefault()
      enter()
    }
  }

  onMounted(() => window.addEventListener('keydown', onKey))
  onUnmounted(() => {
    window.removeEventListener('keydown', onKey)
    cancelPress()
  })

  // Every element that takes the long press binds these (`v-on="press"`): the same gesture
  // wherever it is, starting on a press and cancelled by any way the pointer lets go.
  const press = {
    pointerdown: startPress,
    pointerup: cancelPress,
    pointerleave: cancelPress,
    pointercancel: cancelPress,
  }
  return { press }
}

import { onMounted, onUnmounted } from 'vue'

/** Runs `fn` every `ms` while the component is mounted. */
export function useInterval(fn: () => void, ms: number): void {
  let timer: ReturnType<typeof setInterval> | null = null
  onMounted(() => {
    timer = setInterval(fn, ms)
  })
  onUnmounted(() => {
    if (timer) clearInterval(timer)
  })
}

/** `trigger()` runs `fn` once things have been quiet for `ms`; cancelled on unmount. */
export function useDebounce(fn: () => void, ms: number): { trigger: () => void } {
  let timer: ReturnType<typeof setTimeout> | null = null
  onUnmounted(() => {
    if (timer) clearTimeout(timer)
  })
  return {
    trigger() {
      if (timer) clearTimeout(timer)
      timer = setTimeout(() => {
        timer = null
        fn()
      }, ms)
    },
  }
}

/** Listens to key presses on the whole window while the component is mounted. */
export function useKeydown(handler: (event: KeyboardEvent) => void): void {
  onMounted(() => window.addEventListener('keydown', handler))
  onUnmounted(() => window.removeEventListener('keydown', handler))
}

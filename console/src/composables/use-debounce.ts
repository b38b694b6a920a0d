/** `trigger()` runs `fn` once things have been quiet for `ms`; cancelled on unmount. */
import { onUnmounted } from 'vue'

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

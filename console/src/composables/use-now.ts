/** The current time, ticking every `ms` while the component is mounted (countdowns). */
import { onMounted, onUnmounted, ref, type Ref } from 'vue'

export function useNow(ms = 1000): Ref<number> {
  const now = ref(Date.now())
  let timer: ReturnType<typeof setInterval> | null = null
  onMounted(() => {
    timer = setInterval(() => (now.value = Date.now()), ms)
  })
  onUnmounted(() => {
    if (timer) clearInterval(timer)
  })
  return now
}

/**
 * A copy of `source` that follows it at most once per `ms` (the first change at once, the last
 * one always): for what is costly to redraw, such as charts, next to numbers that follow live.
 */
import { onUnmounted, shallowRef, watch, type Ref, type ShallowRef } from 'vue'

export function useThrottled<T>(source: Ref<T>, ms: number): ShallowRef<T> {
  const copy = shallowRef(source.value)
  let last = 0
  let timer: ReturnType<typeof setTimeout> | null = null
  const apply = (): void => {
    timer = null
    last = Date.now()
    copy.value = source.value
  }
  watch(source, () => {
    if (timer) return
    const wait = last + ms - Date.now()
    if (wait <= 0) apply()
    else timer = setTimeout(apply, wait)
  })
  onUnmounted(() => {
    if (timer) clearTimeout(timer)
  })
  return copy
}

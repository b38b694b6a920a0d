/**
 * A copy of `source` that follows it at most once per `ms` (the first change at once, the last
 * one always): for what is costly to redraw, such as charts, next to numbers that follow live.
 */
import { onUnmounted, shallowRef, watch, type Ref, type ShallowRef } from 'vue'
import { throttle } from '../stores/coalesce'

export function useThrottled<T>(source: Ref<T>, ms: number): ShallowRef<T> {
  const copy = shallowRef(source.value)
  const follow = throttle(() => {
    copy.value = source.value
  }, ms)
  watch(source, follow.trigger)
  onUnmounted(follow.cancel)
  return copy
}

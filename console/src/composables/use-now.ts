/** The current time, ticking every `ms` while the component is mounted (countdowns). */
import { inject, onMounted, onUnmounted, provide, ref, type InjectionKey, type Ref } from 'vue'

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

const MINUTE_CLOCK: InjectionKey<Ref<number>> = Symbol('minute clock')

/**
 * A page's minute clock for everything on it that judges the day (the campaigns list's order and
 * its rows' phase badges): one timer for the page, not one per row.
 */
export function provideMinuteClock(): Ref<number> {
  const now = useNow(60_000)
  provide(MINUTE_CLOCK, now)
  return now
}

/** The page's minute clock where it provides one, else one of the component's own. */
export function useMinuteClock(): Ref<number> {
  return inject(MINUTE_CLOCK, null) ?? useNow(60_000)
}

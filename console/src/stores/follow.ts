/**
 * Which live data a page on screen shows: a page follows a store while mounted, and the event
 * stream refreshes only followed stores (the booths list is not fetched on every scan while
 * the organizer looks at the stats, and the other way round).
 */
import { computed, onMounted, onUnmounted, ref } from 'vue'

export function followers() {
  const count = ref(0)
  return {
    followed: computed(() => count.value > 0),
    /** Follows until the returned function is called. */
    follow: (): (() => void) => {
      count.value++
      let done = false
      return () => {
        if (!done) count.value--
        done = true
      }
    },
  }
}

/** Follows `store` while the calling component is mounted. */
export function useFollow(store: { follow(): () => void }): void {
  let stop: (() => void) | null = null
  onMounted(() => {
    stop = store.follow()
  })
  onUnmounted(() => stop?.())
}

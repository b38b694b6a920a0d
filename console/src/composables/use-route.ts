/** Hash routing without a router package: `#/booths`, `#/stats`, `#/attendance`. */
import { computed, onMounted, onUnmounted, ref } from 'vue'

export const PAGES = ['booths', 'stats', 'attendance'] as const
export type Page = (typeof PAGES)[number]

export function parsePage(hash: string): Page {
  const first = hash.replace(/^#\/?/, '').split(/[/?]/)[0]
  return PAGES.find((p) => p === first) ?? 'booths'
}

export function useRoute() {
  const hash = ref(window.location.hash)
  const onChange = (): void => {
    hash.value = window.location.hash
  }
  onMounted(() => window.addEventListener('hashchange', onChange))
  onUnmounted(() => window.removeEventListener('hashchange', onChange))
  return { page: computed(() => parsePage(hash.value)) }
}

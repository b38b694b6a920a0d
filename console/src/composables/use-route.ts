/**
 * Hash routing without a router package: `#/booths`, `#/campaigns`, `#/campaigns/<id>`
 * (`#/campaigns/new`), `#/stats`, `#/attendance`.
 */
import { computed, onMounted, onUnmounted, ref } from 'vue'

export const PAGES = ['booths', 'campaigns', 'stats', 'attendance'] as const
export type Page = (typeof PAGES)[number]

export function parsePage(hash: string): Page {
  const first = hash.replace(/^#\/?/, '').split(/[/?]/)[0]
  return PAGES.find((p) => p === first) ?? 'booths'
}

/**
 * Whether the hash opens one of the pages: an empty hash is the first page; anything else (a
 * link cut short, a typo, an old bookmark) is not, and the console says so rather than quietly
 * showing the booths under an address that names something else.
 */
export function isKnownPage(hash: string): boolean {
  const rest = hash.replace(/^#\/?/, '')
  if (rest === '') return true
  const first = rest.split(/[/?]/)[0]
  return PAGES.some((p) => p === first)
}

/** What follows the page in the hash (`#/campaigns/abc` → `abc`), decoded; '' when nothing. */
export function parseSub(hash: string): string {
  const rest = hash.replace(/^#\/?/, '').split('?')[0]?.split('/')[1] ?? ''
  try {
    return decodeURIComponent(rest)
  } catch {
    return ''
  }
}

export function useRoute() {
  const hash = ref(window.location.hash)
  const onChange = (): void => {
    hash.value = window.location.hash
  }
  onMounted(() => window.addEventListener('hashchange', onChange))
  onUnmounted(() => window.removeEventListener('hashchange', onChange))
  return {
    page: computed(() => parsePage(hash.value)),
    sub: computed(() => parseSub(hash.value)),
    known: computed(() => isKnownPage(hash.value)),
  }
}

export function navigate(hash: string): void {
  window.location.hash = hash
}

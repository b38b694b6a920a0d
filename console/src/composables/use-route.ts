/**
 * Hash routing without a router package: `#/booths`, `#/campaigns`, `#/campaigns/<id>`
 * (`#/campaigns/new`), `#/stats`, `#/attendance`.
 */
import { computed, onMounted, onUnmounted, ref } from 'vue'

export const PAGES = ['booths', 'campaigns', 'stats', 'attendance'] as const
export type Page = (typeof PAGES)[number]

/** The hash's first path segment (`#/campaigns/abc?x=1` → `campaigns`); '' for an empty hash. */
export function pageSegment(hash: string): string {
  return hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? ''
}

export function parsePage(hash: string): Page {
  const first = pageSegment(hash)
  return PAGES.find((p) => p === first) ?? 'booths'
}

/**
 * Whether the hash opens one of the pages: an empty hash is the first page; anything else (a
 * link cut short, a typo, an old bookmark) is not, and the console says so rather than quietly
 * showing the booths under an address that names something else.
 */
export function isKnownPage(hash: string): boolean {
  if (hash.replace(/^#\/?/, '') === '') return true
  const first = pageSegment(hash)
  return PAGES.some((p) => p === first)
}

/** The parameters after the hash's `?` (`#/attendance?campaign=…&day=…`). */
export function hashParams(hash: string): URLSearchParams {
  const at = hash.indexOf('?')
  return new URLSearchParams(at === -1 ? '' : hash.slice(at + 1))
}

/** `hash` with its parameters as `edit` leaves them, its path kept; no `?` when none are left. */
export function withHashParams(hash: string, edit: (params: URLSearchParams) => void): string {
  const at = hash.indexOf('?')
  const path = at === -1 ? hash : hash.slice(0, at)
  const params = hashParams(hash)
  edit(params)
  const query = params.toString()
  return query === '' ? path : `${path}?${query}`
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

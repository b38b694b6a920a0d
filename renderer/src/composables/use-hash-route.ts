import { computed, onMounted, onUnmounted, ref } from 'vue'
import { ADMIN_PAGES, type AdminPage } from '../admin/admin-pages'

export { ADMIN_PAGES, type AdminPage }

export type Route = { view: 'kiosk' } | { view: 'admin'; page: AdminPage | null }

/** `#/` is the kiosk screen, `#/admin[/<page>]` the admin area; anything else is the kiosk. */
export function parseRoute(hash: string): Route {
  const path = (hash.replace(/^#/, '').split('?')[0] ?? '').replace(/\/+$/, '')
  const [, first, second] = path.split('/')
  if (first !== 'admin') return { view: 'kiosk' }
  const page = ADMIN_PAGES.find((p) => p === second) ?? null
  return { view: 'admin', page }
}

export function goTo(path: string): void {
  window.location.hash = path
}

/** Loads the page again at `path`: another kiosk core runs behind it (the booth was cleared). */
export function reloadAt(path: string): void {
  window.location.hash = path
  window.location.reload()
}

/** Like `goTo`, replacing the current history entry instead of adding one. */
export function replaceRoute(path: string): void {
  window.location.replace(`#${path}`)
}

/** Hash routing without a router package: two views and a handful of admin pages. */
export function useHashRoute() {
  const hash = ref(window.location.hash)
  const onChange = (): void => {
    hash.value = window.location.hash
  }
  onMounted(() => window.addEventListener('hashchange', onChange))
  onUnmounted(() => window.removeEventListener('hashchange', onChange))
  const route = computed(() => parseRoute(hash.value))
  return { route, goTo }
}

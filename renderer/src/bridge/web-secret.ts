const SECRET_KEY = 'scandesk.key'

/**
 * Takes `?key=` from the page address (query or hash query), keeps it in sessionStorage so
 * later navigation (`#/admin`, reload) still works, and removes it from the address bar so it
 * does not end up in screenshots, history or over-the-shoulder photos.
 */
export function takeWebSecret(
  location: Pick<Location, 'href'>,
  history: Pick<History, 'replaceState' | 'state'>,
  storage: Pick<Storage, 'getItem' | 'setItem'>,
): string | null {
  const url = new URL(location.href)
  let key = url.searchParams.get('key')
  if (key !== null) url.searchParams.delete('key')
  const [hashPath = '', hashQuery] = url.hash.split('?', 2)
  if (hashQuery !== undefined) {
    const params = new URLSearchParams(hashQuery)
    key ??= params.get('key')
    params.delete('key')
    const rest = params.toString()
    url.hash = rest ? `${hashPath}?${rest}` : hashPath
  }
  if (key) {
    storage.setItem(SECRET_KEY, key)
    history.replaceState(history.state, '', url.pathname + url.search + url.hash)
    return key
  }
  return storage.getItem(SECRET_KEY)
}

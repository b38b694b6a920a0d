/** The relay is configured by one base url; these derive its HTTP and websocket endpoints. */

export function relayHttpUrl(relayUrl: string, path: string): string {
  const u = new URL(relayUrl)
  if (u.protocol === 'ws:') u.protocol = 'http:'
  if (u.protocol === 'wss:') u.protocol = 'https:'
  u.pathname = `${u.pathname.replace(/\/+$/, '')}${path}`
  u.search = ''
  u.hash = ''
  return u.toString()
}

export function relayWsUrl(relayUrl: string): string {
  const u = new URL(relayHttpUrl(relayUrl, '/kiosk'))
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:'
  return u.toString()
}

/**
 * Plain http:// and ws:// only to this computer. The kiosk token, the AppSecret and the access
 * token travel in these requests: in clear on a venue's network anyone on it could read them.
 * Loopback (the demo, the tests, an SSH tunnel) never leaves the machine.
 *
 * Runs in the renderer too: no Node imports.
 */

/** Hostnames as the WHATWG URL parser leaves them (it normalises `127.1`, `0x7f.0.0.1`, `[0::1]`). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase()
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

/** True for an http:// or ws:// address to anything but loopback; false otherwise (or unparseable). */
export function isInsecureRemoteUrl(url: string): boolean {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return false
  }
  return (u.protocol === 'http:' || u.protocol === 'ws:') && !isLoopbackHost(u.hostname)
}

export const INSECURE_HTTP_MESSAGE =
  'plain http:// or ws:// is allowed only to this computer (localhost, 127.0.0.0/8, ::1): use https:// or wss://'

/**
 * True for an address carrying a user name or password (`https://user:password@host`). The
 * relay is reached with the kiosk token and WeChat with the access token, never with these;
 * fetch refuses such an address anyway, and the address is kept in settings in clear and named
 * in the log. False for one without (or unparseable).
 */
export function hasUserInfo(url: string): boolean {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return false
  }
  return u.username !== '' || u.password !== ''
}

/** Words for an address with user info; the address itself is never repeated (it holds them). */
export const USER_INFO_MESSAGE =
  'the address must not hold a user name or password (user:password@ before the host): remove them'

/**
 * Picks the way to reach the kiosk core: the Electron preload's `window.kiosk`, or, when the
 * same UI is served to a browser, the web client with the per-run secret from the address.
 */
import type { KioskApi } from '../../../shared/ipc'
import { createWebKioskApi } from './web-client'
import { takeWebSecret } from './web-secret'

export function resolveKioskApi(win: Window = window): KioskApi {
  if (win.kiosk) return win.kiosk
  const secret = takeWebSecret(win.location, win.history, win.sessionStorage) ?? ''
  return createWebKioskApi(win.location.origin, secret)
}

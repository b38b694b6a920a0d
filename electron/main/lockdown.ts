/**
 * Electron's security checklist applied to the kiosk: the page can open no windows, navigate
 * nowhere but our own page, embed no webviews, download nothing and get no permission (camera,
 * notifications, USB, …), and every response carries our Content-Security-Policy.
 */
import type { Session, WebContents } from 'electron'
import { withPolicyHeader } from './csp'
import type { Logger } from './log'

/** Only the origin is logged: a URL's path or query could carry a token. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url)
    return parsed.protocol === 'file:' ? 'file:' : parsed.origin
  } catch {
    return '(invalid url)'
  }
}

export function lockDownContents(
  contents: WebContents,
  options: { isOwnUrl: (url: string) => boolean; log: Logger },
): void {
  const { isOwnUrl, log } = options

  // A kiosk never opens windows, not even the system browser: a visitor could walk away with it.
  contents.setWindowOpenHandler(({ url }) => {
    log.warn('window.open refused', { target: describeUrl(url) })
    return { action: 'deny' }
  })

  const guard = (kind: string) => (event: { preventDefault(): void }, url: string) => {
    if (isOwnUrl(url)) return
    event.preventDefault()
    log.warn(`${kind} refused`, { target: describeUrl(url) })
  }
  contents.on('will-navigate', guard('navigation'))
  contents.on('will-redirect', guard('redirect'))

  contents.on('will-attach-webview', (event) => {
    event.preventDefault()
    log.warn('webview refused')
  })
}

export interface SessionLockdown {
  /** Read per response: the frame-src follows the relay the kiosk is set up with. */
  csp: string | (() => string)
  log: Logger
  /**
   * A frame the kiosk screen may show (the relay's big-screen page): its response keeps its
   * own headers (its own CSP), instead of getting the kiosk page's policy.
   */
  framable?: (url: string) => boolean
}

export function lockDownSession(session: Session, options: SessionLockdown): void {
  const { csp, log, framable } = options

  session.setPermissionRequestHandler((_contents, permission, callback) => {
    log.warn('permission request denied', { permission })
    callback(false)
  })
  session.setPermissionCheckHandler(() => false)
  session.setDevicePermissionHandler(() => false)

  // A save dialog is a way out of the kiosk; exports are written by the main process instead.
  session.on('will-download', (event) => {
    event.preventDefault()
    log.warn('download refused')
  })

  session.webRequest.onHeadersReceived((details, callback) => {
    if (details.resourceType === 'subFrame' && framable?.(details.url) === true) {
      callback({})
      return
    }
    const policy = typeof csp === 'string' ? csp : csp()
    callback({ responseHeaders: withPolicyHeader(details.responseHeaders, policy) })
  })
}

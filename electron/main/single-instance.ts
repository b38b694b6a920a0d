/**
 * One kiosk per machine: a second launch (a double-clicked shortcut, the autostart entry
 * firing while the kiosk already runs) quits at once and brings the running kiosk forward.
 */
import type { App } from 'electron'

export function claimSingleInstance(
  app: Pick<App, 'requestSingleInstanceLock' | 'quit'> & {
    on(event: 'second-instance', listener: () => void): unknown
  },
  focusRunningKiosk: () => void,
): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit()
    return false
  }
  app.on('second-instance', () => focusRunningKiosk())
  return true
}

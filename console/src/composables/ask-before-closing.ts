/**
 * Has the browser ask before the tab closes or reloads (a `beforeunload` listener's body).
 * `preventDefault()` alone asks only in Chrome 119 and later; the console is built for Chrome
 * 84 and the in-app browsers on older Chromium, which ask only when `returnValue` is set.
 */
export function askBeforeClosing(event: BeforeUnloadEvent): void {
  event.preventDefault()
  event.returnValue = true
}

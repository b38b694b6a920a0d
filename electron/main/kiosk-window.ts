/**
 * The kiosk window: full screen, no menu, always on top, and it takes fullscreen and focus back
 * if it loses either. Closing it (Alt+F4) works only with the admin area unlocked by PIN, or when
 * the app itself is quitting. Security options are fixed here whatever the mode; only the
 * lockdown (kiosk mode, always-on-top, refocus, close guard) is off for development runs.
 */
import type { BrowserWindow, BrowserWindowConstructorOptions, Rectangle } from 'electron'
import { plainPageUrl } from './crash-guard'
import { lockDownContents } from './lockdown'
import type { Logger } from './log'
import { isOwnUrl, rendererUrl, type RendererTarget } from './renderer-target'

/** Electron's `screen`, as far as the kiosk follows displays being plugged and unplugged. */
export interface KioskDisplays {
  getAllDisplays(): ReadonlyArray<{ bounds: Rectangle }>
  getPrimaryDisplay(): { bounds: Rectangle }
  on(event: DisplayChange, listener: () => void): unknown
  removeListener(event: DisplayChange, listener: () => void): unknown
}
type DisplayChange = 'display-added' | 'display-removed' | 'display-metrics-changed'
const DISPLAY_CHANGES: readonly DisplayChange[] = [
  'display-added',
  'display-removed',
  'display-metrics-changed',
]

export interface KioskWindowOptions {
  target: RendererTarget
  preloadPath: string
  /** Kiosk mode, always-on-top, refocus and the close guard. */
  lockdown: boolean
  log: Logger
  /** False while the admin area is unlocked: staff may be using a file picker. */
  holdFocus: () => boolean
  /** Whether the window may close now (admin unlocked, or the app is quitting). */
  canClose: () => boolean
  refocusDelayMs?: number
  /** Followed while locked: the window is kept fullscreen on a display that is there. */
  displays?: KioskDisplays
  /** A page that failed to load is loaded again after this pause, this many times in a row. */
  loadRetryMs?: number
  maxLoadRetries?: number
  schedule?: (fn: () => void, ms: number) => void
  /**
   * Shown at once, instead of our page, until `loadApp()` (the core is still starting: the page
   * would find nothing to call). Without it our page loads at once.
   */
  startingPage?: string
}

export interface KioskWindow {
  readonly window: BrowserWindow
  /** Leaves the lockdown (e.g. for the crash screen, so staff can close the app). */
  release(): void
  /** Loads our page in place of the starting page. */
  loadApp(): void
  /** Settles once the window is on screen (its first page painted and shown). */
  readonly shown: Promise<void>
  /** True if this IPC sender is our window's main frame showing our page. */
  isKioskFrame(sender: unknown, frame: { url: string } | null | undefined): boolean
}

export function kioskWindowOptions(options: {
  preloadPath: string
  lockdown: boolean
  devTools: boolean
}): BrowserWindowConstructorOptions {
  return {
    show: false,
    fullscreen: true,
    kiosk: options.lockdown,
    alwaysOnTop: options.lockdown,
    autoHideMenuBar: true,
    backgroundColor: '#000000',
    title: 'ScanDesk',
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
      devTools: options.devTools,
    },
  }
}

export function createKioskWindow(
  BrowserWindowClass: new (options: BrowserWindowConstructorOptions) => BrowserWindow,
  options: KioskWindowOptions,
): KioskWindow {
  const { target, log } = options
  const schedule = options.schedule ?? ((fn, ms) => void setTimeout(fn, ms))
  const refocusDelayMs = options.refocusDelayMs ?? 1500
  const loadRetryMs = options.loadRetryMs ?? 3000
  const maxLoadRetries = options.maxLoadRetries ?? 5
  let locked = options.lockdown

  const win = new BrowserWindowClass(
    kioskWindowOptions({
      preloadPath: options.preloadPath,
      lockdown: options.lockdown,
      devTools: target.kind === 'dev',
    }),
  )
  const contents = win.webContents
  win.removeMenu()
  if (locked) win.setAlwaysOnTop(true, 'screen-saver')
  lockDownContents(contents, { isOwnUrl: (url) => isOwnUrl(target, url), log })

  const backToFullScreen = (): void => {
    if (!locked || win.isDestroyed()) return
    log.warn('kiosk window left fullscreen; restoring')
    if (win.isMinimized()) win.restore()
    win.setKiosk(true)
    win.setFullScreen(true)
  }
  win.on('leave-full-screen', backToFullScreen)
  win.on('minimize', backToFullScreen)

  // The projector it shows on unplugged mid-event: the OS leaves the window where that display
  // was, or shrunk onto another, not fullscreen. It goes fullscreen on the display under its
  // centre, or on the primary one. A display plugged in leaves a fullscreen window where it is.
  const displays = options.displays
  const keepOnADisplay = (): void => {
    if (!locked || win.isDestroyed() || displays === undefined) return
    const b = win.getBounds()
    const [cx, cy] = [b.x + b.width / 2, b.y + b.height / 2]
    const under = displays
      .getAllDisplays()
      .find(({ bounds: d }) => cx >= d.x && cx < d.x + d.width && cy >= d.y && cy < d.y + d.height)
    if (under !== undefined && win.isFullScreen()) return
    const target = (under ?? displays.getPrimaryDisplay()).bounds
    log.warn('displays changed; kiosk window back to fullscreen on a present display', {
      display: target,
    })
    if (win.isMinimized()) win.restore()
    win.setKiosk(false)
    win.setFullScreen(false)
    win.setBounds(target)
    win.setFullScreen(true)
    win.setKiosk(true)
  }
  if (displays !== undefined) {
    for (const change of DISPLAY_CHANGES) displays.on(change, keepOnADisplay)
    win.on('closed', () => {
      for (const change of DISPLAY_CHANGES) displays.removeListener(change, keepOnADisplay)
    })
  }

  // Delayed, so a brief system dialog or a notification does not fight with us for focus.
  win.on('blur', () => {
    if (!locked || !options.holdFocus()) return
    schedule(() => {
      if (!locked || win.isDestroyed() || win.isFocused() || !options.holdFocus()) return
      log.info('kiosk window lost focus; taking it back')
      win.show()
      win.moveTop()
      win.focus()
    }, refocusDelayMs)
  })

  win.on('close', (event) => {
    if (!locked || options.canClose()) return
    event.preventDefault()
    log.warn('window close refused: admin area is locked')
  })

  const release = (): void => {
    locked = false
    if (win.isDestroyed()) return
    win.setAlwaysOnTop(false)
    win.setKiosk(false)
  }

  let onShown: () => void = () => undefined
  const shown = new Promise<void>((resolve) => (onShown = resolve))
  win.once('ready-to-show', () => {
    win.show()
    win.focus()
    onShown()
  })
  let failedLoads = 0
  contents.on('did-finish-load', () => {
    if (isOwnUrl(target, contents.mainFrame.url)) failedLoads = 0
    // No pinch-zoom on touch screens: the kiosk layout is fixed.
    contents.setVisualZoomLevelLimits(1, 1).catch(() => undefined)
  })
  // Our page not loading (a file missing from the install, a dev server not up, a reload after a
  // crash that failed) left a blank window, or none at all: it never got ready to show. It is
  // loaded again a few times; then a plain error screen says so and staff can close the app.
  // -3 (ERR_ABORTED) is a load replaced by another one; a frame's failure is the frame's.
  contents.on(
    'did-fail-load',
    (_event, errorCode: number, errorDescription: string, url: string, isMainFrame: boolean) => {
      if (!isMainFrame || errorCode === -3 || !isOwnUrl(target, url) || win.isDestroyed()) return
      failedLoads++
      log.error('kiosk page failed to load', { errorCode, errorDescription, failedLoads })
      win.show()
      if (failedLoads > maxLoadRetries) {
        log.error('kiosk page keeps failing to load; stopping on the error screen')
        release()
        win.loadURL(plainPageUrl('load-failed')).catch(() => undefined)
        return
      }
      schedule(() => {
        if (!win.isDestroyed()) load()
      }, loadRetryMs)
    },
  )

  // A failed load is handled by did-fail-load above; its promise rejects as well.
  const load = (): void => void win.loadURL(rendererUrl(target)).catch(() => undefined)
  // The starting page is a plain data: page: its load cannot fail, nor start the retries above.
  if (options.startingPage === undefined) load()
  else win.loadURL(options.startingPage).catch(() => undefined)

  return {
    window: win,
    release,
    loadApp: load,
    shown,
    isKioskFrame(sender, frame) {
      if (win.isDestroyed() || sender !== contents) return false
      // Only the top frame of our page: not an iframe, not a page we navigated away to.
      return frame != null && frame === contents.mainFrame && isOwnUrl(target, frame.url)
    },
  }
}

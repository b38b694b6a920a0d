/**
 * Electron main process: app lifecycle and wiring. One kiosk per machine; the core (plain Node)
 * owns everything privileged; this file connects it to the locked-down window, and closes the
 * SQLite store cleanly on quit.
 */
import { join } from 'node:path'
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  powerMonitor,
  powerSaveBlocker,
  safeStorage,
  screen,
  session,
} from 'electron'
import {
  dataDirFrom,
  parseLaunchArgs,
  savedLocale,
  startShellCore,
  willRunDemo,
  type ShellCore,
} from './core-adapter'
import { crashHistoryStore, guardKioskWindow, plainPageUrl } from './crash-guard'
import { createCrashPolicy } from './crash-policy'
import { contentSecurityPolicy, relayFrameOrigin } from './csp'
import { refusedSwitch, RefusedSwitchError } from './debug-switches'
import { startupBox } from './startup-box'
import { createEventSender, registerKioskIpc } from './ipc'
import { createKioskWindow, type KioskWindow } from './kiosk-window'
import { lockDownSession } from './lockdown'
import { createFileLogger } from './log'
import { createStartAtLogin } from './login-item'
import { findSqliteBinding } from './native-binding'
import { createDisplayAwake } from './power'
import { resolveRendererTarget } from './renderer-target'
import { demoMemoryVault, encryptionProblem, openSafeStorageVault } from './safe-storage-vault'
import { claimSingleInstance } from './single-instance'
import { stdoutSink } from '../../shared/server/stdout-sink'

const SHUTDOWN_TIMEOUT_MS = 5000
/** The longest the core's start waits for the starting window to be on screen. */
const STARTING_SCREEN_WAIT_MS = 3000
const userData = app.getPath('userData')
const logDir = join(userData, 'logs')
const log = createFileLogger({ dir: logDir, echo: !app.isPackaged })

process.on('uncaughtException', (error) =>
  log.error('uncaught exception in the main process', { error }),
)
process.on('unhandledRejection', (reason) =>
  log.error('unhandled rejection in the main process', { reason }),
)

const state: {
  core: ShellCore | null
  /** The core's start while it runs: a quit meanwhile waits for it, to close what it opened. */
  starting: Promise<unknown> | null
  kiosk: KioskWindow | null
  quitting: boolean
  /** Known once the command line is read: whose settings give the error box its language. */
  dataDir: string | null
} = {
  core: null,
  starting: null,
  kiosk: null,
  quitting: false,
  dataDir: null,
}

if (claimSingleInstance(app, focusKiosk)) {
  app.enableSandbox()
  Menu.setApplicationMenu(null)
  // Whatever web contents appear (there should be none but ours): no popups, no webviews.
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }))
    contents.on('will-attach-webview', (event) => event.preventDefault())
  })
  app.on('before-quit', onBeforeQuit)
  app.on('window-all-closed', () => app.quit())
  app.whenReady().then(start).catch(failToStart)
}

async function start(): Promise<void> {
  // Linux and macOS: Electron holds the shutdown while the app quits (the core closes on the
  // way out, onBeforeQuit). The event's type lists no argument; Electron passes one.
  powerMonitor.on('shutdown', (event?: { preventDefault(): void }) => {
    event?.preventDefault()
    quitForSystem('the system is shutting down')
  })
  // A lid closed at lunch, an overnight suspend: the core checks its code and relay link now
  // rather than when its timers, which stood still through the sleep, get round to it.
  powerMonitor.on('resume', () => state.core?.wake())
  const args = parseLaunchArgs(process.argv.slice(1), process.env)
  const dataDir = dataDirFrom(args.dataDir, join(userData, 'kiosk'))
  state.dataDir = dataDir
  log.info('ScanDesk starting', { version: app.getVersion(), packaged: app.isPackaged })
  // Before anything opens: a packaged kiosk started with a debugging switch (a shortcut, an
  // autostart entry) would let whoever added it drive the kiosk page. Chromium has already
  // opened its debugging port by now; no core and no window ever sit behind it.
  const refused = app.isPackaged ? refusedSwitch(process.argv.slice(1), process.platform) : null
  if (refused !== null) throw new RefusedSwitchError(refused)

  // The window shows at once, on black, saying it is starting: the first start after an
  // upgrade may migrate a big data folder for seconds, and a booth showing nothing looks
  // crashed. The kiosk page replaces it once the core is up (the page needs the core to call).
  let up: ShellCore | null = null
  const target = resolveRendererTarget({
    isPackaged: app.isPackaged,
    rendererFile: join(import.meta.dirname, '../renderer/index.html'),
    devUrl: process.env['ELECTRON_RENDERER_URL'],
  })
  // The kiosk screen may frame the relay's big-screen pages (only those, only from its relay).
  const frameOrigin = () => (up === null ? null : relayFrameOrigin(up.relayUrl()))
  lockDownSession(session.defaultSession, {
    csp: () => contentSecurityPolicy(target, frameOrigin()),
    framable: (url) => {
      const origin = frameOrigin()
      if (origin === null) return false
      try {
        const u = new URL(url)
        return u.origin === origin && u.pathname.startsWith('/screen/')
      } catch {
        return false
      }
    },
    log,
  })
  const adminSessionOpen = () => up?.adminSessionOpen() ?? false
  const kiosk = createKioskWindow(BrowserWindow, {
    target,
    preloadPath: join(import.meta.dirname, '../preload/index.cjs'),
    lockdown: app.isPackaged || process.argv.includes('--kiosk'),
    log,
    displays: screen,
    // Not admin use: a blur or a close asks without extending the admin session.
    holdFocus: () => !adminSessionOpen(),
    canClose: () => state.quitting || adminSessionOpen(),
    startingPage: plainPageUrl('starting'),
  })
  state.kiosk = kiosk
  const win = kiosk.window
  // Windows ends the session without 'before-quit': the clean quit starts as soon as it asks.
  win.on('query-session-end', () => quitForSystem('the Windows session is ending'))
  win.on('session-end', () => quitForSystem('the Windows session ended'))
  const awake = createDisplayAwake(powerSaveBlocker)
  win.on('show', () => awake.start())
  win.on('closed', () => awake.stop())
  // On screen before the core starts: its start (migrating kiosk.db, synchronous SQLite) holds
  // this process, and a window not shown by then would appear only once it is done. A window
  // that never gets ready to show does not hold the start for longer than this.
  await Promise.race([
    kiosk.shown,
    new Promise<void>((done) => setTimeout(done, STARTING_SCREEN_WAIT_MS).unref()),
  ])
  if (state.quitting) return

  const binding = findSqliteBinding({
    isPackaged: app.isPackaged,
    appPath: app.getAppPath(),
    resourcesPath: process.resourcesPath,
    platform: process.platform,
    arch: process.arch,
    abi: process.versions.modules,
  })
  if (binding.file === null)
    log.warn('no Electron build of better-sqlite3', { skipped: binding.skipped })

  const problem = encryptionProblem(safeStorage, process.platform)
  if (problem !== null) log.warn('secrets cannot be stored encrypted', { problem })
  // The demo's throw-away token may live in memory; real secrets are refused (see the vault).
  const demoVault =
    problem !== null && willRunDemo(dataDir, args.provisioning) ? demoMemoryVault(problem) : null

  // The demo's lines also go to a terminal the app was started from; one that closed (or a
  // reader gone, `… | head -1`) must not reach the uncaught-exception handler on every line.
  const out = stdoutSink('ScanDesk', 'its lines go to the log only from now on')
  const starting = startShellCore({
    dataDir,
    vault: () =>
      demoVault ?? openSafeStorageVault({ dataDir, safeStorage, platform: process.platform }),
    provisioning: args.provisioning,
    nativeBinding: binding.file,
    startAtLogin: createStartAtLogin({
      platform: process.platform,
      isPackaged: app.isPackaged,
      app,
      executable: process.env['APPIMAGE'] ?? process.execPath,
      configHome: process.env['XDG_CONFIG_HOME'] ?? join(app.getPath('home'), '.config'),
    }),
    version: app.getVersion(),
    log,
    onLine: (line, forLog) => {
      log.info(forLog ?? line)
      out(`${line}\n`)
    },
    logDir,
    // Cleared from the admin area: a first start's new PIN, shown as at a start.
    onRestart: () => {
      const core = state.core
      const win = state.kiosk?.window
      if (core === null || !win || win.isDestroyed() || core.initialPin === null) return
      showInitialPin(win, core.initialPin, () => core.initialPinShown())
    },
  })
  state.starting = starting
  const core = await starting.finally(() => {
    state.starting = null
  })
  demoVault?.seal()
  state.core = core
  up = core
  if (state.quitting) {
    app.quit()
    return
  }

  // The screen starts locked whenever its page loads (a reload, a renderer that crashed or
  // hung): the core's admin session goes with it, or the kiosk screen would show while Alt+F4
  // still closed the window and focus went unguarded until the session idled out.
  const lockWithPage = () => core.lockAdmin()
  win.webContents.on('render-process-gone', lockWithPage)
  win.webContents.on('did-navigate', lockWithPage)

  registerKioskIpc({
    ipcMain,
    isTrustedSender: (event) => kiosk.isKioskFrame(event.sender, event.senderFrame),
    call: core.call,
    log,
  })
  const sendEvent = createEventSender({
    send: (channel, payload) => {
      if (!win.isDestroyed()) win.webContents.send(channel, payload)
    },
    adminSessionOpen: () => core.adminSessionOpen(),
    log,
  })
  core.onEvent(sendEvent)
  // Greetings sent while the page was loading (a reload, a renderer that crashed) reached no
  // listener, and the visitor at the booth was not greeted: each load gets the recent ones not
  // yet shown. did-finish-load comes after the page's scripts have run (its listeners are on);
  // its greeting store ignores an eventId it has already seen.
  win.webContents.on('did-finish-load', () => {
    for (const greeting of core.unshownGreetings()) sendEvent('greeting', greeting)
  })

  guardKioskWindow({
    window: win,
    policy: createCrashPolicy({
      now: Date.now,
      ...crashHistoryStore(join(userData, 'crash-history.json')),
    }),
    log,
    relaunch: () => {
      app.relaunch()
      app.quit()
    },
    onStop: () => {
      awake.stop()
      kiosk.release()
    },
    quitting: () => state.quitting,
  })
  // Everything the page calls and listens to is wired: it may load now.
  kiosk.loadApp()

  if (core.initialPin !== null) showInitialPin(win, core.initialPin, () => core.initialPinShown())
}

function focusKiosk(): void {
  const win = state.kiosk?.window
  if (!win || win.isDestroyed()) return
  if (win.isMinimized()) win.restore()
  win.show()
  win.focus()
}

/** The computer shuts down or logs off: quit as staff would, the core and SQLite closed. */
function quitForSystem(why: string): void {
  if (state.quitting) return
  log.info(`${why}; stopping`)
  app.quit()
}

/** Holds the quit until the core has stopped and SQLite is closed (bounded by a timeout). */
function onBeforeQuit(event: { preventDefault(): void }): void {
  state.quitting = true
  const core = state.core
  if (core === null) {
    // The core is still starting: start() quits again once it has it (closed then, below), and
    // failToStart exits if it fails.
    if (state.starting !== null) event.preventDefault()
    return
  }
  state.core = null
  event.preventDefault()
  const timeout = new Promise<void>((done) => setTimeout(done, SHUTDOWN_TIMEOUT_MS).unref())
  Promise.race([core.close(), timeout])
    .catch((error: unknown) => log.error('kiosk core did not stop cleanly', { error }))
    .finally(() => {
      log.info('ScanDesk stopped')
      app.quit()
    })
}

function showInitialPin(win: BrowserWindow, pin: string, shown: () => void): void {
  // Shown once, never logged: it unlocks the admin area. Only its closing by the operator
  // counts as seen: a power cut before that makes the next start show a new one.
  dialog
    .showMessageBox(win, {
      type: 'info',
      title: 'ScanDesk',
      message: `管理 PIN 码 / Admin PIN: ${pin}`,
      detail:
        '请记下此管理 PIN 码，进入管理界面时需要它；可在管理界面中修改。\n' +
        'Write this admin PIN down: it unlocks the admin area. You can change it there.',
    })
    .then(() => {
      if (state.core !== null) shown()
    })
    .catch((error: unknown) => log.error('could not show the admin PIN', { error }))
}

function failToStart(error: unknown): void {
  log.error('ScanDesk could not start', { error })
  // The starting window steps aside: the box must not sit behind a fullscreen, on-top window.
  const starting = state.kiosk
  if (state.core === null && starting !== null && !starting.window.isDestroyed()) {
    starting.release()
    starting.window.hide()
  }
  const box = startupBox(error, savedLocale(state.dataDir), logDir)
  // Not showErrorBox: its title is all it lets us word, its button is the system's.
  dialog.showMessageBoxSync({
    type: 'error',
    title: box.title,
    message: box.message,
    buttons: [box.quit],
    defaultId: 0,
    noLink: true,
  })
  // Nothing started that needs closing: exit non-zero, so a script or supervisor that launched
  // it (or a second kiosk refused its data folder) sees the failure.
  if (state.core === null) app.exit(1)
  else app.quit()
}

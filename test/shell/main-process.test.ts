/**
 * electron/main/index.ts end to end, with `electron` mocked by the fakes and the kiosk core
 * replaced through the adapter module (the one seam between shell and core).
 */
import { EventEmitter } from 'node:events'
import { Writable } from 'node:stream'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createDispatcher } from '../../electron/core/api/kiosk-api'
import { AdminAuth, hashPin } from '../../electron/core/config/admin-auth'
import type * as LaunchArgs from '../../electron/core/config/provisioning-args'
import type * as Settings from '../../electron/core/config/settings'
import { defaultSettings } from '../../electron/core/config/settings'
import type { ShellCore, ShellCoreOptions } from '../../electron/main/core-adapter'
import type { Greeting } from '../../shared/domain'
import type { KioskEventName, KioskHandlers } from '../../shared/ipc'
import { kioskMethods } from '../../shared/ipc'
import {
  FakeBrowserWindow,
  FakeEvent,
  FakeIpcMain,
  FakeScreen,
  FakeSession,
  FakeWebContents,
} from './fakes'
import { adminEventRow } from '../helpers/admin-event-row'
import { UNDER_LOAD } from '../helpers/wait'

class FakeApp extends EventEmitter {
  isPackaged = true
  gotLock = true
  sandboxed = false
  quitRequests = 0
  quitted = false
  exitCode: number | null = null
  relaunched = 0
  constructor(private readonly dir: string) {
    super()
  }
  requestSingleInstanceLock() {
    return this.gotLock
  }
  enableSandbox() {
    this.sandboxed = true
  }
  whenReady() {
    return Promise.resolve()
  }
  getPath(name: string) {
    return name === 'userData' ? this.dir : join(this.dir, name)
  }
  getAppPath() {
    return this.dir
  }
  getVersion() {
    return '0.1.0'
  }
  relaunch() {
    this.relaunched++
  }
  getLoginItemSettings() {
    return { openAtLogin: false }
  }
  setLoginItemSettings() {}
  /** Like Electron: at once, without 'before-quit'. */
  exit(code: number) {
    this.exitCode = code
    this.quitted = true
  }
  /** Like Electron: 'before-quit' first, and a listener may hold the quit. */
  quit() {
    this.quitRequests++
    const event = new FakeEvent()
    this.emit('before-quit', event)
    if (!event.defaultPrevented) this.quitted = true
  }
}

interface Harness {
  app: FakeApp
  ipcMain: FakeIpcMain
  session: FakeSession
  menu: { setApplicationMenu: ReturnType<typeof vi.fn> }
  dialog: {
    showMessageBox: ReturnType<typeof vi.fn>
    showMessageBoxSync: ReturnType<typeof vi.fn>
    showErrorBox: ReturnType<typeof vi.fn>
  }
  blockers: Set<number>
  powerMonitor: EventEmitter
  screen: FakeScreen
  core: ShellCore & {
    adminUnlocked: boolean
    closed: boolean
    /** How many times the shell told the core the computer woke from a sleep. */
    wakes: number
    emit?: (n: KioskEventName, p: unknown) => void
    /** What unshownGreetings() answers. */
    greetings: Greeting[]
    /** How many times the shell said the PIN box was closed. */
    pinShown: number
  }
  startShellCore: (options: ShellCoreOptions) => Promise<ShellCore>
}

/** As Electron's: ready to show once its first page has painted, a moment after it loads. */
class PaintingBrowserWindow extends FakeBrowserWindow {
  private painted = false
  override loadURL(url: string): Promise<void> {
    if (!this.painted) {
      this.painted = true
      setImmediate(() => this.emit('ready-to-show'))
    }
    return super.loadURL(url)
  }
}

const h = vi.hoisted(() => ({ current: null as unknown as Harness }))

vi.mock('electron', () => ({
  get app() {
    return h.current.app
  },
  get BrowserWindow() {
    return PaintingBrowserWindow
  },
  get ipcMain() {
    return h.current.ipcMain
  },
  get session() {
    return { defaultSession: h.current.session }
  },
  get Menu() {
    return h.current.menu
  },
  get dialog() {
    return h.current.dialog
  },
  get powerSaveBlocker() {
    let next = 1
    const blockers = h.current.blockers
    return {
      start: () => {
        blockers.add(next)
        return next++
      },
      stop: (id: number) => blockers.delete(id),
      isStarted: (id: number) => blockers.has(id),
    }
  },
  get screen() {
    return h.current.screen
  },
  get powerMonitor() {
    return h.current.powerMonitor
  },
  get safeStorage() {
    return {
      isEncryptionAvailable: () => true,
      getSelectedStorageBackend: () => 'gnome_libsecret',
      encryptString: (s: string) => Buffer.from(s).reverse(),
      decryptString: (b: Buffer) => Buffer.from(b).reverse().toString(),
    }
  },
}))

type LaunchArgsModule = typeof LaunchArgs
type SettingsModule = typeof Settings

vi.mock('../../electron/main/core-adapter', async () => {
  // The command line is the core's own parser, as in the app.
  const args: LaunchArgsModule = await vi.importActual(
    '../../electron/core/config/provisioning-args',
  )
  // The saved language too: the real settings file of the test's data folder.
  const settings: SettingsModule = await vi.importActual('../../electron/core/config/settings')
  return {
    parseLaunchArgs: args.parseLaunchArgs,
    dataDirFrom: args.dataDirFrom,
    savedLocale: settings.savedLocale,
    startShellCore: (options: ShellCoreOptions) => h.current.startShellCore(options),
    willRunDemo: () => false,
    isStartupProblem: (e: unknown) =>
      e instanceof Error && (e.name === 'ConfigFileError' || e.name === 'StartupError'),
  }
})

let dir: string
let processHandlers: Map<string, (arg: unknown) => void>
/** The worker's stdout/stderr 'error' listeners before a test: each launch's stdout sink adds its own. */
let streamListeners: Array<[NodeJS.WriteStream, Set<unknown>]>

function fakeCore(): Harness['core'] {
  const core: Harness['core'] = {
    adminUnlocked: false,
    closed: false,
    wakes: 0,
    greetings: [],
    initialPin: '246810',
    pinShown: 0,
    initialPinShown: () => {
      core.pinShown++
    },
    call: createDispatcher({
      handlers: { setLocale: () => ({ ok: true }) } as unknown as KioskHandlers,
      isAdminUnlocked: () => core.adminUnlocked,
    }),
    adminSessionOpen: () => core.adminUnlocked,
    lockAdmin: () => {
      core.adminUnlocked = false
    },
    relayUrl: () => null,
    wake: () => {
      core.wakes++
    },
    unshownGreetings: () => core.greetings,
    onEvent: (listener) => {
      core.emit = listener
      return () => undefined
    },
    close: () => {
      core.closed = true
      return Promise.resolve()
    },
  }
  return core
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'scandesk-main-'))
  const core = fakeCore()
  h.current = {
    app: new FakeApp(dir),
    ipcMain: new FakeIpcMain(),
    session: new FakeSession(),
    menu: { setApplicationMenu: vi.fn() },
    dialog: {
      showMessageBox: vi.fn(() => Promise.resolve({ response: 0 })),
      showMessageBoxSync: vi.fn(() => 0),
      showErrorBox: vi.fn(),
    },
    blockers: new Set(),
    powerMonitor: new EventEmitter(),
    screen: new FakeScreen(1920, 1280),
    core,
    startShellCore: () => Promise.resolve(core),
  }
  FakeBrowserWindow.instances = []
  // Electron sets this; plain Node does not.
  Object.defineProperty(process, 'resourcesPath', { value: dir, configurable: true })
  processHandlers = new Map()
  // index.ts installs process-wide handlers: capture them instead of touching the test worker.
  const realOn = process.on.bind(process)
  vi.spyOn(process, 'on').mockImplementation(((event: string, listener: (arg: unknown) => void) => {
    if (event === 'uncaughtException' || event === 'unhandledRejection') {
      processHandlers.set(event, listener)
      return process
    }
    return realOn(event, listener)
  }) as typeof process.on)
  streamListeners = [process.stdout, process.stderr].map((s) => [s, new Set(s.listeners('error'))])
  vi.resetModules()
})

afterEach(() => {
  for (const [stream, before] of streamListeners) {
    for (const l of stream.listeners('error')) {
      if (!before.has(l)) stream.removeListener('error', l as (err: Error) => void)
    }
  }
  vi.restoreAllMocks()
  Reflect.deleteProperty(process, 'resourcesPath')
  rmSync(dir, { recursive: true, force: true })
})

async function launch(): Promise<void> {
  await import('../../electron/main/index')
}

/** The kiosk's own page (the built renderer), not the plain screen shown while it starts. */
const isKioskPage = (url: string) => /^file:\/\/.*\/renderer\/index\.html$/.test(url)

/** Whether any window ever loaded the kiosk page. */
const kioskPageLoaded = () =>
  FakeBrowserWindow.instances.some((w) => w.loadedUrls.some(isKioskPage))

/** The window as soon as it is there: it shows while the core is still starting. */
async function firstWindow(): Promise<FakeBrowserWindow> {
  await vi.waitFor(() => expect(FakeBrowserWindow.instances).toHaveLength(1), UNDER_LOAD)
  return FakeBrowserWindow.instances[0] as FakeBrowserWindow
}

/** The window once the core is up and the kiosk page loads in it. */
async function launched(): Promise<FakeBrowserWindow> {
  await launch()
  const win = await firstWindow()
  await vi.waitFor(() => expect(win.loadedUrls.some(isKioskPage)).toBe(true), UNDER_LOAD)
  return win
}

/** What a plain page (data: URL) the window shows says. */
const pageText = (url: string | undefined) => decodeURIComponent(url ?? '')

interface SlowStart {
  up: () => void
  fail: (e: Error) => void
  /** Whether the window was already shown when the core's start was called. */
  windowShownFirst: boolean | null
}

/** A core start that waits for the test: `up()` resolves it, `fail(e)` rejects it. */
function slowCoreStart(): SlowStart {
  const { core } = h.current
  const pending: SlowStart = { up: () => undefined, fail: () => undefined, windowShownFirst: null }
  h.current.startShellCore = () => {
    pending.windowShownFirst = FakeBrowserWindow.instances[0]?.calls.includes('show') ?? false
    return new Promise((resolve, reject) => {
      pending.up = () => resolve(core)
      pending.fail = reject
    })
  }
  return pending
}

/** The start-up error box, once it is up: title, its text and its buttons. */
async function errorBox(): Promise<{ title: string; text: string; buttons: string[] }> {
  const { dialog } = h.current
  await vi.waitFor(() => expect(dialog.showMessageBoxSync).toHaveBeenCalledTimes(1), UNDER_LOAD)
  expect(dialog.showErrorBox).not.toHaveBeenCalled()
  const o = dialog.showMessageBoxSync.mock.calls[0]?.[0] as Electron.MessageBoxSyncOptions
  return {
    title: String(o.title),
    text: `${o.message}\n${o.detail ?? ''}`,
    buttons: o.buttons ?? [],
  }
}

const mainLog = () => readFileSync(join(dir, 'logs', 'main.log'), 'utf8')

describe('single instance', () => {
  it('a second launch quits without opening anything', async () => {
    h.current.app.gotLock = false
    await launch()
    expect(h.current.app.quitted).toBe(true)
    expect(FakeBrowserWindow.instances).toHaveLength(0)
    expect(h.current.ipcMain.handlers.size).toBe(0)
  })

  it('the running kiosk is brought forward by a second launch', async () => {
    const win = await launched()
    win.calls.length = 0
    win.minimized = true
    h.current.app.emit('second-instance')
    expect(win.calls).toEqual(expect.arrayContaining(['restore', 'show', 'focus']))
  })
})

describe('startup wiring', () => {
  it('opens one locked-down kiosk window with sandboxing everywhere and no menu', async () => {
    const win = await launched()
    expect(h.current.app.sandboxed).toBe(true)
    expect(h.current.menu.setApplicationMenu).toHaveBeenCalledWith(null)
    expect(win.options).toMatchObject({ kiosk: true, fullscreen: true, alwaysOnTop: true })
    expect(win.options['webPreferences']).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    })
    expect(win.loadedUrls.at(-1)).toMatch(/^file:\/\/.*\/renderer\/index\.html$/)
    expect(h.current.session.permissionRequestHandler).not.toBeNull()
    expect(h.current.session.headersListener).not.toBeNull()
  })

  it('serves IPC to the kiosk window only', async () => {
    const win = await launched()
    const { ipcMain } = h.current
    expect(ipcMain.handlers.size).toBe(Object.keys(kioskMethods).length)
    const ours = { sender: win.webContents, senderFrame: win.webContents.mainFrame }
    await expect(ipcMain.invoke('kiosk:setLocale', ours, { locale: 'en' })).resolves.toEqual({
      ok: true,
      value: { ok: true },
    })
    const stranger = new FakeWebContents(win.webContents.mainFrame.url)
    await expect(
      ipcMain.invoke(
        'kiosk:setLocale',
        { sender: stranger, senderFrame: stranger.mainFrame },
        { locale: 'en' },
      ),
    ).rejects.toThrow(/Refused/)
    // Admin methods stay locked until the core says the PIN was entered.
    expect(await ipcMain.invoke('kiosk:getSettings', ours)).toMatchObject({
      ok: false,
      error: { code: 'admin_locked' },
    })
  })

  it('forwards core events to the window after checking them', async () => {
    const win = await launched()
    h.current.core.emit?.('locale', 'zh-CN')
    h.current.core.emit?.('locale', 'klingon')
    expect(win.webContents.sent).toEqual([{ channel: 'kiosk-event:locale', args: ['zh-CN'] }])
  })

  it("sends the admin area's events only while it is unlocked: no openids on a locked screen", async () => {
    // Every check-in's openid and registered name, an export's file: what listAttendance and
    // startExport need the PIN for, and what the kiosk screen has no use for.
    const win = await launched()
    const row = adminEventRow
    const progress = {
      exportId: 'x_1',
      state: 'done',
      rowsDone: 1,
      rowsTotal: 1,
      fileName: 'expo.csv',
      downloadUrl: null,
      savedPath: '/home/staff/expo.csv',
      error: null,
    }
    h.current.core.emit?.('attendance', row)
    h.current.core.emit?.('exportProgress', progress)
    h.current.core.emit?.('locale', 'en')
    expect(win.webContents.sent).toEqual([{ channel: 'kiosk-event:locale', args: ['en'] }])

    h.current.core.adminUnlocked = true
    h.current.core.emit?.('attendance', row)
    h.current.core.emit?.('exportProgress', progress)
    expect(win.webContents.sent.slice(1)).toEqual([
      { channel: 'kiosk-event:attendance', args: [row] },
      { channel: 'kiosk-event:exportProgress', args: [progress] },
    ])
  })

  it('a page that (re)loads gets the recent greetings not yet shown, checked, in order', async () => {
    // Sent while the page was loading (a reload, a renderer that crashed) nobody heard them, and
    // the visitor at the booth was never greeted. The page ignores an eventId it has seen.
    const win = await launched()
    const greeting = (eventId: string): Greeting => ({
      eventId,
      kind: 'first-visit',
      name: null,
      checkInNumber: 1,
      texts: { 'zh-CN': '欢迎', en: 'Welcome' },
      at: 1_700_000_000_000,
    })
    h.current.core.greetings = [
      greeting('ev_a'),
      { ...greeting(''), kind: 'klingon' } as unknown as Greeting,
      greeting('ev_b'),
    ]
    win.webContents.emit('did-finish-load')
    expect(win.webContents.sent).toEqual([
      { channel: 'kiosk-event:greeting', args: [greeting('ev_a')] },
      { channel: 'kiosk-event:greeting', args: [greeting('ev_b')] },
    ])
  })

  it('shows a newly generated admin PIN once, and never logs it', async () => {
    await launched()
    await vi.waitFor(
      () => expect(h.current.dialog.showMessageBox).toHaveBeenCalledTimes(1),
      UNDER_LOAD,
    )
    expect(JSON.stringify(h.current.dialog.showMessageBox.mock.calls[0])).toContain('246810')
    expect(mainLog()).not.toContain('246810')
    // Closed by the operator: the core keeps it (a start before that makes a new one).
    await vi.waitFor(() => expect(h.current.core.pinShown).toBe(1), UNDER_LOAD)
  })

  it('a PIN box not closed yet has not shown the PIN', async () => {
    // Still open: its promise never settles.
    const open = new Promise<never>(() => undefined)
    h.current.dialog.showMessageBox.mockReturnValue(open)
    await launched()
    await vi.waitFor(
      () => expect(h.current.dialog.showMessageBox).toHaveBeenCalledTimes(1),
      UNDER_LOAD,
    )
    await new Promise((r) => setTimeout(r, 20))
    expect(h.current.core.pinShown).toBe(0)
  })

  it('a closed stdout: the demo lines still go to the log, one note on stderr, nothing uncaught', async () => {
    // Its reader gone (the app started from a terminal that closed, `… | head -1`): every write
    // fails with EPIPE, an 'error' event on process.stdout.
    const written: string[] = []
    const stdout = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written.push(chunk.toString())
        done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))
      },
    })
    const notes: string[] = []
    const stderr = new Writable({
      write(chunk: Buffer, _encoding, done) {
        notes.push(chunk.toString())
        done()
      },
    })
    const real = {
      stdout: Object.getOwnPropertyDescriptor(process, 'stdout'),
      stderr: Object.getOwnPropertyDescriptor(process, 'stderr'),
    }
    let onLine: ((line: string) => void) | null = null
    const core = h.current.core
    h.current.startShellCore = (options) => {
      onLine = options.onLine
      return Promise.resolve(core)
    }
    Object.defineProperty(process, 'stdout', { value: stdout, configurable: true })
    Object.defineProperty(process, 'stderr', { value: stderr, configurable: true })
    try {
      await launched()
      const line = onLine as ((line: string) => void) | null
      expect(line).not.toBeNull()
      // Without a listener the 'error' event is an uncaught exception in the main process.
      expect(stdout.listenerCount('error')).toBeGreaterThan(0)
      line?.('relay: http://127.0.0.1:1/')
      await vi.waitFor(() => expect(stdout.destroyed).toBe(true), UNDER_LOAD)
      await new Promise((r) => setImmediate(r))
      line?.('sandbox: http://127.0.0.1:2/')
      await new Promise((r) => setImmediate(r))
    } finally {
      if (real.stdout) Object.defineProperty(process, 'stdout', real.stdout)
      if (real.stderr) Object.defineProperty(process, 'stderr', real.stderr)
    }
    expect(written).toEqual(['relay: http://127.0.0.1:1/\n'])
    expect(notes.join('').match(/stdout is closed \(EPIPE\)/g)).toHaveLength(1)
    expect(mainLog()).toContain('relay: http://127.0.0.1:1/')
    expect(mainLog()).toContain('sandbox: http://127.0.0.1:2/')
  })

  it("prints the demo console's line with its password; the log gets the line without it", async () => {
    const written: string[] = []
    const stdout = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written.push(chunk.toString())
        done()
      },
    })
    const real = Object.getOwnPropertyDescriptor(process, 'stdout')
    let onLine: ShellCoreOptions['onLine'] | null = null
    const core = h.current.core
    h.current.startShellCore = (options) => {
      onLine = options.onLine
      return Promise.resolve(core)
    }
    const password = 'vn8ww-e2tth-s9qbj-spd7h-xduz6-p'
    const line = `console: http://127.0.0.1:3/console/ (organizer demo, password ${password})`
    Object.defineProperty(process, 'stdout', { value: stdout, configurable: true })
    try {
      await launched()
      const print = onLine as ShellCoreOptions['onLine'] | null
      expect(print).not.toBeNull()
      print?.(line, 'console: http://127.0.0.1:3/console/ (organizer demo)')
      await new Promise((r) => setImmediate(r))
    } finally {
      if (real) Object.defineProperty(process, 'stdout', real)
    }
    expect(written).toEqual([`${line}\n`])
    expect(mainLog()).toContain('console: http://127.0.0.1:3/console/ (organizer demo)')
    expect(mainLog()).not.toContain(password)
  })

  it('keeps the display awake while the kiosk screen is shown', async () => {
    const win = await launched()
    expect(h.current.blockers.size).toBe(0)
    win.emit('show')
    expect(h.current.blockers.size).toBe(1)
    win.emit('closed')
    expect(h.current.blockers.size).toBe(0)
  })

  it('follows the displays: the projector it was on unplugged, it is fullscreen on another', async () => {
    const win = await launched()
    win.bounds = { x: 1920, y: 0, width: 1280, height: 1080 }
    win.fullScreen = false
    h.current.screen.unplug(1)
    expect(win.bounds).toEqual({ x: 0, y: 0, width: 1920, height: 1080 })
    expect(win.fullScreen).toBe(true)
  })

  it('explains a startup problem and quits', async () => {
    h.current.startShellCore = () =>
      Promise.reject(
        Object.assign(new Error('settings.json is invalid at "relayUrl": bad url'), {
          name: 'ConfigFileError',
        }),
      )
    await launch()
    // No settings saved: the app's first language, zh-CN.
    const box = await errorBox()
    expect(box).toMatchObject({ title: 'ScanDesk 无法启动', buttons: ['退出'] })
    expect(box.text).toContain('settings.json is invalid')
    expect(h.current.app.quitted).toBe(true)
    expect(kioskPageLoaded()).toBe(false)
  })

  it('a data folder another kiosk process holds: says so as the core words it, exits 1', async () => {
    const inUse =
      '数据文件夹 /k 正被另一个 kiosk web 进程（pid 42，自 2026-12-03 08:00:00 UTC 起）使用。…\n' +
      'The data folder /k is in use by another kiosk web (pid 42, since 2026-12-03 08:00:00 UTC). …'
    h.current.startShellCore = () =>
      Promise.reject(Object.assign(new Error(inUse), { name: 'StartupError' }))
    await launch()
    expect((await errorBox()).text).toContain(inUse)
    // Non-zero, so whatever started it (a script, a supervisor) sees the refusal.
    expect(h.current.app.exitCode).toBe(1)
    expect(kioskPageLoaded()).toBe(false)
  })

  it('does not show an unexpected error’s text, only where the log is', async () => {
    h.current.startShellCore = () => Promise.reject(new Error('EACCES /secret/path'))
    await launch()
    const shown = (await errorBox()).text
    expect(shown).not.toContain('/secret/path')
    expect(shown).toContain(join(dir, 'logs'))
    expect(shown).toMatch(/^ScanDesk 因意外错误停止/)
  })

  it('words the error box in the language the kiosk was set to', async () => {
    const dataDir = join(dir, 'kiosk')
    mkdirSync(dataDir)
    writeFileSync(
      join(dataDir, 'settings.json'),
      JSON.stringify({ ...defaultSettings(), locale: 'en' }),
    )
    h.current.startShellCore = () => Promise.reject(new Error('EACCES /secret/path'))
    await launch()
    const box = await errorBox()
    expect(box).toMatchObject({ title: 'ScanDesk cannot start', buttons: ['Quit'] })
    expect(box.text).toMatch(/^An unexpected error stopped ScanDesk/)
    expect(h.current.app.exitCode).toBe(1)
  })

  it('a settings file it cannot read: the error box in zh-CN, the problem as the core words it', async () => {
    const dataDir = join(dir, 'kiosk')
    mkdirSync(dataDir)
    writeFileSync(join(dataDir, 'settings.json'), '{ "locale": "en", ')
    h.current.startShellCore = () =>
      Promise.reject(
        Object.assign(new Error('settings.json is not valid JSON'), { name: 'ConfigFileError' }),
      )
    await launch()
    const box = await errorBox()
    expect(box).toMatchObject({ title: 'ScanDesk 无法启动', buttons: ['退出'] })
    expect(box.text).toContain('settings.json is not valid JSON')
  })
})

describe('debugging switches on the command line', () => {
  const argv = process.argv
  afterEach(() => {
    process.argv = argv
  })
  /** Launches as `scandesk <args>` (a shortcut's or an autostart entry's command line). */
  async function launchWith(args: string[]): Promise<void> {
    process.argv = [argv[0] ?? 'scandesk', ...args]
    await launch()
  }

  it.each([
    ['--remote-debugging-port=9222'],
    ['--remote-debugging-pipe'],
    ['--inspect-brk=0'],
    ['--js-flags=--allow-natives-syntax'],
  ])(
    'the packaged kiosk refuses %s: no core, no window, the box in zh-CN, exit 1',
    async (flag) => {
      let started = 0
      const { core } = h.current
      h.current.startShellCore = () => {
        started++
        return Promise.resolve(core)
      }
      await launchWith(['--data', join(dir, 'kiosk'), flag])
      const box = await errorBox()
      expect(box).toMatchObject({ title: 'ScanDesk 无法启动', buttons: ['退出'] })
      const name = flag.split('=')[0] ?? flag
      expect(box.text).toContain(`ScanDesk 不能带调试开关 ${name} 启动`)
      expect(h.current.app.exitCode).toBe(1)
      expect(started).toBe(0)
      expect(FakeBrowserWindow.instances).toHaveLength(0)
      expect(mainLog()).toContain(name)
    },
  )

  it('says it in English on a kiosk set to English', async () => {
    const dataDir = join(dir, 'kiosk')
    mkdirSync(dataDir)
    writeFileSync(
      join(dataDir, 'settings.json'),
      JSON.stringify({ ...defaultSettings(), locale: 'en' }),
    )
    await launchWith(['--data', dataDir, '--remote-debugging-port=9222'])
    const box = await errorBox()
    expect(box).toMatchObject({ title: 'ScanDesk cannot start', buttons: ['Quit'] })
    expect(box.text).toContain(
      'ScanDesk does not start with the debugging switch --remote-debugging-port',
    )
    expect(h.current.app.exitCode).toBe(1)
    expect(FakeBrowserWindow.instances).toHaveLength(0)
  })

  it('a developer’s unpackaged run keeps them', async () => {
    h.current.app.isPackaged = false
    process.argv = [argv[0] ?? 'electron', '.', '--remote-debugging-port=9222']
    await launched()
    expect(h.current.dialog.showMessageBoxSync).not.toHaveBeenCalled()
  })
})

describe('while the core starts', () => {
  // The first start after an upgrade migrates the data folder: with 100,000 roster guests that
  // takes seconds, and a booth showing nothing meanwhile looks crashed and gets power-cycled.
  it('a window shows at once, on black, saying it is starting; the kiosk page follows', async () => {
    const start = slowCoreStart()
    await launch()
    const win = await firstWindow()
    expect(win.options).toMatchObject({ backgroundColor: '#000000', kiosk: true, fullscreen: true })
    expect(win.loadedUrls).toHaveLength(1)
    const starting = pageText(win.loadedUrls[0])
    expect(starting).toMatch(/^data:text\/html/)
    expect(starting).toContain('正在启动')
    expect(starting).toContain('Starting')
    // Shown before the core starts: migrating kiosk.db holds the main process (better-sqlite3
    // is synchronous), and a window not yet on screen then would not show until it is done.
    await vi.waitFor(() => expect(start.windowShownFirst).not.toBeNull(), UNDER_LOAD)
    expect(start.windowShownFirst).toBe(true)
    win.emit('show')
    // Locked as the kiosk is, and nothing to call yet.
    expect(win.tryClose()).toBe(false)
    expect(h.current.ipcMain.handlers.size).toBe(0)
    // Brought forward by a second launch meanwhile, as the kiosk is.
    win.calls.length = 0
    h.current.app.emit('second-instance')
    expect(win.calls).toContain('focus')

    start.up()
    await vi.waitFor(() => expect(win.loadedUrls.some(isKioskPage)).toBe(true), UNDER_LOAD)
    expect(FakeBrowserWindow.instances).toHaveLength(1)
    expect(h.current.ipcMain.handlers.size).toBe(Object.keys(kioskMethods).length)
    // Shown before the core was up: the display is kept awake all the same.
    expect(h.current.blockers.size).toBe(1)
  })

  it('a start that fails: the window steps aside for the box, unlocked, and the app exits', async () => {
    const start = slowCoreStart()
    await launch()
    const win = await firstWindow()
    await vi.waitFor(() => expect(start.windowShownFirst).toBe(true), UNDER_LOAD)
    start.fail(
      Object.assign(new Error('settings.json is not valid JSON'), { name: 'ConfigFileError' }),
    )
    const box = await errorBox()
    expect(box.text).toContain('settings.json is not valid JSON')
    // Not behind a fullscreen, always-on-top window: staff must read it and press Quit.
    expect(win.calls).toContain('hide')
    expect(win.kiosk).toBe(false)
    expect(win.alwaysOnTop).toBe(false)
    expect(win.loadedUrls.some(isKioskPage)).toBe(false)
    expect(h.current.app.exitCode).toBe(1)
  })
})

describe('quitting', () => {
  it('the window refuses to close until the admin area is unlocked', async () => {
    const win = await launched()
    expect(win.tryClose()).toBe(false)
    h.current.core.adminUnlocked = true
    expect(win.tryClose()).toBe(true)
  })

  it('a blur or a close is not admin use: the admin session still idles out', async () => {
    // A visitor tapping outside the window or pressing Alt+F4 while staff left the admin area
    // open must not keep it open: the shell asks without extending the session.
    let now = 0
    const auth = new AdminAuth({
      now: () => now,
      getPinHash: () => hashPin('135790'),
      setPinHash: () => undefined,
      loadLockout: () => ({ failures: 0, lockedUntil: null }),
      saveLockout: () => undefined,
      idleMs: 60_000,
    })
    Object.assign(h.current.core, {
      adminSessionOpen: () => auth.isUnlocked(),
      lockAdmin: () => auth.lock(),
    })
    const win = await launched()
    expect(auth.unlock('135790').ok).toBe(true)
    now = 50_000
    win.emit('blur')
    win.tryClose()
    now = 70_000
    expect(auth.isUnlocked()).toBe(false)
    expect(win.tryClose()).toBe(false)
  })

  it('a page that loads again (reload, renderer crash) starts locked, in the core too', async () => {
    // The screen's own lock state starts locked on every load; an admin session the core still
    // held would let Alt+F4 close the kiosk (and focus go) with the kiosk screen showing.
    const win = await launched()
    const { core } = h.current
    core.adminUnlocked = true
    win.webContents.emit('render-process-gone', new FakeEvent(), {
      reason: 'crashed',
      exitCode: 1,
    })
    expect(core.adminUnlocked).toBe(false)
    expect(win.tryClose()).toBe(false)

    core.adminUnlocked = true
    win.webContents.emit('did-navigate', new FakeEvent(), 'file:///app/out/renderer/index.html')
    expect(core.adminUnlocked).toBe(false)
    expect(win.tryClose()).toBe(false)
    // Moving between the admin area's pages (same document) keeps the session.
    core.adminUnlocked = true
    win.webContents.emit('did-navigate-in-page', new FakeEvent(), 'file:///x#/admin/roster', true)
    expect(core.adminUnlocked).toBe(true)
  })

  it('a quit while the core is still starting (SIGTERM, shutdown): the core is closed too', async () => {
    // The demo's start takes seconds (sandbox, relay): a quit in between let the app exit with
    // the core it was starting never closed.
    const { app, core } = h.current
    const starting: { done: ((c: ShellCore) => void) | null } = { done: null }
    h.current.startShellCore = () => new Promise((resolve) => (starting.done = resolve))
    await launch()
    await vi.waitFor(() => expect(starting.done).not.toBeNull(), UNDER_LOAD)
    app.quit()
    expect(app.quitted).toBe(false)
    starting.done?.(core)
    await vi.waitFor(() => expect(app.quitted).toBe(true), UNDER_LOAD)
    expect(core.closed).toBe(true)
    // The starting screen was all it showed: the kiosk page never loaded.
    expect(kioskPageLoaded()).toBe(false)
  })

  it('closes the core (and SQLite) before the app exits', async () => {
    const win = await launched()
    const { app, core } = h.current
    app.quit()
    // The first quit is held while the core stops…
    expect(app.quitted).toBe(false)
    await vi.waitFor(() => expect(app.quitted).toBe(true), UNDER_LOAD)
    expect(core.closed).toBe(true)
    expect(app.quitRequests).toBe(2)
    // …and from then on the window may close without the PIN.
    expect(win.tryClose()).toBe(true)
    expect(mainLog()).toContain('ScanDesk stopped')
  })
})

describe('the computer waking from a sleep', () => {
  // A lid closed at lunch: timers stood still, the code on screen expired and the relay link
  // may have died without a FIN. The core checks both as the computer wakes.
  it("tells the core at powerMonitor 'resume', and only then", async () => {
    await launched()
    const { core, powerMonitor } = h.current
    powerMonitor.emit('suspend')
    powerMonitor.emit('unlock-screen')
    expect(core.wakes).toBe(0)
    powerMonitor.emit('resume')
    expect(core.wakes).toBe(1)
  })
})

describe('the computer shutting down', () => {
  // Nobody quits the kiosk before the booth PC is switched off: the core (relay link, SQLite)
  // must still be closed the way a quit closes it.
  it('Linux/macOS: holds the shutdown, closes the core, then quits', async () => {
    await launched()
    const { app, core, powerMonitor } = h.current
    const shutdown = new FakeEvent()
    powerMonitor.emit('shutdown', shutdown)
    expect(shutdown.defaultPrevented).toBe(true)
    await vi.waitFor(() => expect(app.quitted).toBe(true), UNDER_LOAD)
    expect(core.closed).toBe(true)
    expect(mainLog()).toContain('ScanDesk stopped')
  })

  it.each(['query-session-end', 'session-end'])(
    'Windows (%s): closes the core and quits without the admin PIN',
    async (event) => {
      const win = await launched()
      const { app, core } = h.current
      win.emit(event, Object.assign(new FakeEvent(), { reasons: ['shutdown'] }))
      await vi.waitFor(() => expect(app.quitted).toBe(true), UNDER_LOAD)
      expect(core.closed).toBe(true)
      expect(win.tryClose()).toBe(true)
    },
  )
})

describe('main-process errors', () => {
  it('are logged, with secrets scrubbed', async () => {
    await launched()
    processHandlers.get('uncaughtException')?.(
      new Error('boom while calling /cgi-bin/token?secret=0123456789abcdef0123456789abcdef'),
    )
    processHandlers.get('unhandledRejection')?.(new Error('rejected for real'))
    const text = mainLog()
    expect(text).toContain('uncaught exception in the main process')
    expect(text).toContain('boom while calling')
    expect(text).toContain('rejected for real')
    expect(text).not.toContain('0123456789abcdef0123456789abcdef')
  })
})

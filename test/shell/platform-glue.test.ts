import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { App } from 'electron'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  AUTOSTART_FILE,
  createStartAtLogin,
  quoteExecArgument,
} from '../../electron/main/login-item'
import { findSqliteBinding } from '../../electron/main/native-binding'
import { createDisplayAwake } from '../../electron/main/power'
import { parseWebArgs } from '../../electron/core/cli/cli-web'
import { dataDirFrom, parseLaunchArgs, willRunDemo } from '../../electron/main/core-adapter'
import { CLEARING_MARKER } from '../../electron/core/clear-booth'
import { writeJsonFile } from '../../electron/core/config/json-file'
import { defaultSettings, saveSettings } from '../../electron/core/config/settings'
import { claimSingleInstance } from '../../electron/main/single-instance'

describe('single instance', () => {
  function fakeApp(gotLock: boolean) {
    const listeners = new Map<string, () => void>()
    const app = {
      quits: 0,
      requestSingleInstanceLock: () => gotLock,
      quit: () => void app.quits++,
      on: (event: string, listener: () => void) => listeners.set(event, listener),
    }
    return { app, listeners }
  }

  it('a second launch quits at once', () => {
    const { app, listeners } = fakeApp(false)
    let focused = 0
    expect(claimSingleInstance(app, () => focused++)).toBe(false)
    expect(app.quits).toBe(1)
    expect(listeners.size).toBe(0)
    expect(focused).toBe(0)
  })

  it('the running kiosk comes forward when another launch is attempted', () => {
    const { app, listeners } = fakeApp(true)
    let focused = 0
    expect(claimSingleInstance(app, () => focused++)).toBe(true)
    expect(app.quits).toBe(0)
    listeners.get('second-instance')?.()
    listeners.get('second-instance')?.()
    expect(focused).toBe(2)
  })
})

describe('display awake', () => {
  it('holds one prevent-display-sleep blocker while the screen is up', () => {
    const started = new Map<number, string>()
    let next = 1
    const blocker = {
      start: (type: 'prevent-app-suspension' | 'prevent-display-sleep') => {
        started.set(next, type)
        return next++
      },
      stop: (id: number) => started.delete(id),
      isStarted: (id: number) => started.has(id),
    }
    const awake = createDisplayAwake(blocker)
    awake.start()
    awake.start()
    expect([...started.values()]).toEqual(['prevent-display-sleep'])
    expect(awake.active).toBe(true)
    awake.stop()
    awake.stop()
    expect(started.size).toBe(0)
    expect(awake.active).toBe(false)
    awake.start()
    expect(started.size).toBe(1)
  })
})

describe('start at login', () => {
  let configHome: string
  beforeEach(() => {
    configHome = mkdtempSync(join(tmpdir(), 'scandesk-autostart-'))
  })
  afterEach(() => {
    rmSync(configHome, { recursive: true, force: true })
  })

  function loginApp() {
    const state = { openAtLogin: false, sets: 0 }
    const app = {
      getLoginItemSettings: () => ({ openAtLogin: state.openAtLogin }),
      setLoginItemSettings: (s: { openAtLogin?: boolean }) => {
        state.sets++
        state.openAtLogin = s.openAtLogin ?? false
      },
    } as unknown as Pick<App, 'getLoginItemSettings' | 'setLoginItemSettings'>
    return { app, state }
  }

  it('writes and removes an autostart .desktop file on Linux', () => {
    const { app, state } = loginApp()
    const login = createStartAtLogin({
      platform: 'linux',
      isPackaged: true,
      app,
      executable: '/home/staff/Apps/ScanDesk 1.0.AppImage',
      configHome,
    })
    expect(login.get()).toBe(false)
    login.set(true)
    const file = join(configHome, 'autostart', AUTOSTART_FILE)
    const entry = readFileSync(file, 'utf8')
    expect(entry).toMatch(/^\[Desktop Entry\]\n/)
    expect(entry).toContain('Type=Application\n')
    expect(entry).toContain('Exec="/home/staff/Apps/ScanDesk 1.0.AppImage"\n')
    expect(login.get()).toBe(true)
    login.set(false)
    expect(existsSync(file)).toBe(false)
    expect(login.get()).toBe(false)
    expect(state.sets).toBe(0)
  })

  it('quotes Exec per the Desktop Entry spec', () => {
    expect(quoteExecArgument('/opt/a b/scandesk')).toBe('"/opt/a b/scandesk"')
    // $ and " take a backslash inside quotes; that backslash is escaped again in the file.
    expect(quoteExecArgument('/opt/$x"y')).toBe('"/opt/\\\\$x\\\\"y"')
    expect(quoteExecArgument('/opt/100%/app')).toBe('"/opt/100%%/app"')
  })

  it('uses the login-item API on Windows and macOS', () => {
    for (const platform of ['win32', 'darwin'] as const) {
      const { app, state } = loginApp()
      const login = createStartAtLogin({
        platform,
        isPackaged: true,
        app,
        executable: 'x',
        configHome,
      })
      login.set(true)
      expect(state.openAtLogin).toBe(true)
      expect(login.get()).toBe(true)
      login.set(false)
      expect(login.get()).toBe(false)
    }
    expect(existsSync(join(configHome, 'autostart'))).toBe(false)
  })

  it('is unavailable in a development run', () => {
    const { app } = loginApp()
    const login = createStartAtLogin({
      platform: 'linux',
      isPackaged: false,
      app,
      executable: 'x',
      configHome,
    })
    expect(login.get()).toBeNull()
    expect(() => login.set(true)).toThrow(expect.objectContaining({ code: 'desktop_only' }))
  })
})

describe('better-sqlite3 Electron binding lookup', () => {
  const files = (entries: Record<string, string>) => ({
    exists: (f: string) => Object.hasOwn(entries, f),
    readText: (f: string) => entries[f] ?? '',
  })

  it('finds the unpacked addon of a packaged app', () => {
    const appPath = join('/opt', 'ScanDesk', 'resources', 'app.asar')
    const addon = join(
      '/opt',
      'ScanDesk',
      'resources',
      'app.asar.unpacked',
      'native',
      'better_sqlite3.node',
    )
    const info = join(
      '/opt',
      'ScanDesk',
      'resources',
      'app.asar.unpacked',
      'native',
      'binding.json',
    )
    const result = findSqliteBinding({
      isPackaged: true,
      appPath,
      resourcesPath: join('/opt', 'ScanDesk', 'resources'),
      platform: 'linux',
      arch: 'x64',
      abi: '150',
      ...files({ [addon]: '', [info]: '{"abi":"150"}' }),
    })
    expect(result.file).toBe(addon)
  })

  it('uses the per-platform build in a development run, and skips one built for another ABI', () => {
    const base = {
      isPackaged: false,
      appPath: '/src/scandesk',
      resourcesPath: '/x/resources',
      platform: 'linux',
      arch: 'arm64',
      abi: '150',
    }
    const dir = join('/src/scandesk', 'native', 'electron', 'linux-arm64')
    const addon = join(dir, 'better_sqlite3.node')
    expect(findSqliteBinding({ ...base, ...files({ [addon]: '' }) }).file).toBe(addon)
    const stale = findSqliteBinding({
      ...base,
      ...files({ [addon]: '', [join(dir, 'binding.json')]: '{"abi":"140"}' }),
    })
    expect(stale.file).toBeNull()
    expect(stale.skipped.join()).toMatch(/ABI 140/)
    // Nothing there: null, i.e. better-sqlite3's own lookup (which may well be the Node build).
    expect(findSqliteBinding({ ...base, ...files({}) }).file).toBeNull()
  })
})

describe('command line', () => {
  it('reads provisioning flags among Chromium switches', () => {
    const args = parseLaunchArgs([
      '.',
      '--password-store=gnome-libsecret',
      '--no-sandbox',
      '--relay',
      'https://relay.example',
      '--kiosk-id',
      'booth-1',
      '--ticket-source',
      'proxy',
      '--data',
      'kiosk-data',
    ])
    expect(args.provisioning).toEqual({
      relayUrl: 'https://relay.example',
      kioskId: 'booth-1',
      ticketSource: 'proxy',
    })
    expect(args.dataDir).toBe(join(process.cwd(), 'kiosk-data'))
  })

  it('needs all three provisioning flags once one is given', () => {
    expect(() => parseLaunchArgs(['--relay', 'https://relay.example'])).toThrow(/--kiosk-id/)
    expect(() =>
      parseLaunchArgs(['--relay', 'https://r', '--kiosk-id', 'k', '--ticket-source', 'magic']),
    ).toThrow('--ticket-source must be proxy or direct, not "magic"')
    expect(parseLaunchArgs(['--no-sandbox'])).toEqual({ dataDir: null, provisioning: null })
  })

  it('is the parser `kiosk web` uses: the same flags mean the same, and so does SCANDESK_DATA', () => {
    const flags = ['--relay', 'https://r.example', '--kiosk-id', 'k1', '--ticket-source', 'direct']
    for (const extra of [[], ['--api-base', 'https://api.example'], ['--appid', 'wx1']]) {
      expect(parseLaunchArgs(['.', '--no-sandbox', ...flags, ...extra]).provisioning).toEqual(
        parseWebArgs([...flags, ...extra]).provisioning,
      )
    }
    const env = { SCANDESK_DATA: '/srv/kiosk' }
    expect(dataDirFrom(null, '/home/u/.config/ScanDesk/kiosk', env)).toBe('/srv/kiosk')
    expect(dataDirFrom('/data/here', '/fallback', env)).toBe('/data/here')
    expect(dataDirFrom(undefined, '/fallback', {})).toBe('/fallback')
  })
})

describe('whether this start runs the demo', () => {
  let dataDir: string
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'scandesk-demo-'))
  })
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }))

  it('a configured booth does not; one whose clear was cut short does (its settings are going)', () => {
    saveSettings(dataDir, { ...defaultSettings(), kioskId: 'booth-7', demo: false })
    expect(willRunDemo(dataDir, null)).toBe(false)
    // `kiosk clear` killed before settings.json went: the runtime finishes the clear before the
    // core reads anything, so this start is a first start (the demo), not the old booth's.
    writeJsonFile(join(dataDir, CLEARING_MARKER), { version: 1, since: 1 })
    expect(willRunDemo(dataDir, null)).toBe(true)
    expect(
      willRunDemo(dataDir, {
        relayUrl: 'https://relay.example',
        kioskId: 'b',
        ticketSource: 'proxy',
      }),
    ).toBe(false)
  })
})

import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { BrowserWindow, BrowserWindowConstructorOptions } from 'electron'
import { beforeEach, describe, expect, it } from 'vitest'
import { createKioskWindow, type KioskWindowOptions } from '../../electron/main/kiosk-window'
import type { RendererTarget } from '../../electron/main/renderer-target'
import { FakeBrowserWindow, FakeEvent, FakeFrame, FakeScreen, memoryLogger } from './fakes'

const rendererFile = join('/opt', 'ScanDesk', 'out', 'renderer', 'index.html')
const fileTarget: RendererTarget = { kind: 'file', file: rendererFile }
const ownUrl = pathToFileURL(rendererFile).href

const BrowserWindowClass = FakeBrowserWindow as unknown as new (
  options: BrowserWindowConstructorOptions,
) => BrowserWindow

function open(overrides: Partial<KioskWindowOptions> = {}) {
  const scheduled: Array<() => void> = []
  const log = memoryLogger()
  const state = { adminUnlocked: false }
  const kiosk = createKioskWindow(BrowserWindowClass, {
    target: fileTarget,
    preloadPath: '/opt/ScanDesk/out/preload/index.cjs',
    lockdown: true,
    log,
    holdFocus: () => !state.adminUnlocked,
    canClose: () => state.adminUnlocked,
    schedule: (fn) => scheduled.push(fn),
    ...overrides,
  })
  const fake = kiosk.window as unknown as FakeBrowserWindow
  return { kiosk, fake, scheduled, log, state }
}

beforeEach(() => {
  FakeBrowserWindow.instances = []
})

describe('kiosk window security options', () => {
  it('isolates and sandboxes the page, without Node', () => {
    const { fake } = open()
    const prefs = fake.options['webPreferences'] as Record<string, unknown>
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      devTools: false,
      preload: '/opt/ScanDesk/out/preload/index.cjs',
    })
  })

  it('is a fullscreen, always-on-top kiosk with no menu', () => {
    const { fake } = open()
    expect(fake.options).toMatchObject({ fullscreen: true, kiosk: true, alwaysOnTop: true })
    expect(fake.alwaysOnTop).toBe(true)
    expect(fake.menuRemoved).toBe(true)
  })

  it('keeps the security options in a development run, only the lockdown is off', () => {
    const { fake } = open({
      lockdown: false,
      target: { kind: 'dev', url: 'http://localhost:5173/' },
    })
    const prefs = fake.options['webPreferences'] as Record<string, unknown>
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false })
    expect(fake.options['kiosk']).toBe(false)
    expect(fake.loadedUrls).toEqual(['http://localhost:5173/'])
  })

  it('loads only our own page', () => {
    const { fake } = open()
    expect(fake.loadedUrls).toEqual([ownUrl])
  })

  it('with a starting page: shows it first, our page only on loadApp(), no IPC meanwhile', async () => {
    const { kiosk, fake, scheduled } = open({ startingPage: 'data:text/html,starting' })
    expect(fake.loadedUrls).toEqual(['data:text/html,starting'])
    const contents = fake.webContents
    expect(kiosk.isKioskFrame(contents, contents.mainFrame)).toBe(false)
    fake.emit('ready-to-show')
    expect(fake.calls).toContain('show')
    await expect(kiosk.shown).resolves.toBeUndefined()
    expect(fake.tryClose()).toBe(false)
    // Not our page: no retries for it.
    contents.emit('did-fail-load', new FakeEvent(), -6, 'x', 'data:text/html,starting', true)
    expect(scheduled).toHaveLength(0)
    kiosk.loadApp()
    expect(fake.loadedUrls).toEqual(['data:text/html,starting', ownUrl])
    expect(kiosk.isKioskFrame(contents, contents.mainFrame)).toBe(true)
  })
})

describe('navigation and new windows', () => {
  it('denies window.open, whatever the URL', () => {
    const { fake } = open()
    const handler = fake.webContents.windowOpenHandler
    expect(handler).not.toBeNull()
    expect(handler?.({ url: 'https://example.com/' })).toEqual({ action: 'deny' })
    expect(handler?.({ url: ownUrl })).toEqual({ action: 'deny' })
  })

  it('blocks navigation and redirects away from our page', () => {
    const { fake, log } = open()
    const contents = fake.webContents
    expect(contents.attempt('will-navigate', 'https://evil.example/phish')).toBe(true)
    expect(contents.attempt('will-navigate', pathToFileURL('/etc/passwd').href)).toBe(true)
    expect(contents.attempt('will-redirect', 'http://127.0.0.1:9999/')).toBe(true)
    expect(contents.attempt('will-navigate', 'data:text/html,<h1>x</h1>')).toBe(true)
    // The log names the origin only: a path or query could carry a token.
    const logged = JSON.stringify(log.entries)
    expect(logged).toContain('https://evil.example')
    expect(logged).not.toContain('phish')
  })

  it('lets our own page reload itself (same file, any hash)', () => {
    const { fake } = open()
    expect(fake.webContents.attempt('will-navigate', `${ownUrl}#/admin`)).toBe(false)
  })

  it('refuses webviews', () => {
    const { fake } = open()
    expect(fake.webContents.attempt('will-attach-webview')).toBe(true)
  })
})

describe('a page that fails to load', () => {
  /** Fires did-fail-load as Electron does: (event, code, description, url, isMainFrame). */
  const failLoad = (fake: FakeBrowserWindow, url = ownUrl, code = -6, mainFrame = true) =>
    fake.webContents.emit(
      'did-fail-load',
      new FakeEvent(),
      code,
      'ERR_FILE_NOT_FOUND',
      url,
      mainFrame,
    )

  it('shows the window and loads the page again after a pause', () => {
    const { fake, scheduled, log } = open()
    failLoad(fake)
    // Not the desktop behind a window that never got ready to show.
    expect(fake.calls).toContain('show')
    expect(fake.loadedUrls).toEqual([ownUrl])
    expect(scheduled).toHaveLength(1)
    scheduled.shift()?.()
    expect(fake.loadedUrls).toEqual([ownUrl, ownUrl])
    expect(log.entries.some((e) => e.level === 'error' && /failed to load/.test(e.message))).toBe(
      true,
    )
  })

  it('ignores a frame’s failure and a load replaced by another one', () => {
    const { fake, scheduled } = open()
    failLoad(fake, 'http://127.0.0.1:1/screen/x', -102, false)
    failLoad(fake, ownUrl, -3)
    expect(scheduled).toHaveLength(0)
    expect(fake.loadedUrls).toEqual([ownUrl])
  })

  it('gives up after a few failures in a row: error screen, lockdown released', () => {
    const { fake, scheduled } = open()
    let retries = 0
    for (; retries < 50; retries++) {
      failLoad(fake)
      const retry = scheduled.shift()
      if (retry === undefined) break
      retry()
    }
    expect(retries).toBeGreaterThan(1)
    expect(retries).toBeLessThan(10)
    const last = decodeURIComponent(fake.loadedUrls.at(-1) ?? '')
    expect(last).toMatch(/^data:text\/html/)
    expect(last).toContain('签到屏页面无法加载')
    expect(last).toContain('could not be loaded')
    // Staff can close it: without its page nobody can enter the admin PIN.
    expect(fake.tryClose()).toBe(true)
    expect(fake.kiosk).toBe(false)
    // The error screen's own load does not start the cycle again.
    failLoad(fake, fake.loadedUrls.at(-1))
    expect(scheduled).toHaveLength(0)
  })

  it('a page that loads in between starts the count again', () => {
    const { fake, scheduled } = open()
    for (let i = 0; i < 20; i++) {
      failLoad(fake)
      scheduled.shift()?.()
      fake.webContents.emit('did-finish-load')
    }
    expect(fake.loadedUrls.every((u) => u === ownUrl)).toBe(true)
    expect(fake.kiosk).toBe(true)
  })
})

describe('lockdown', () => {
  it('goes back to fullscreen when it leaves it or is minimised', () => {
    const { fake } = open()
    fake.fullScreen = false
    fake.kiosk = false
    fake.emit('leave-full-screen')
    expect(fake.fullScreen).toBe(true)
    expect(fake.kiosk).toBe(true)

    fake.minimized = true
    fake.fullScreen = false
    fake.emit('minimize')
    expect(fake.minimized).toBe(false)
    expect(fake.fullScreen).toBe(true)
  })

  it('takes focus back after a short delay, unless it got it back by itself', () => {
    const { fake, scheduled } = open()
    fake.focused = false
    fake.emit('blur')
    expect(scheduled).toHaveLength(1)
    expect(fake.calls).not.toContain('focus')
    scheduled[0]?.()
    expect(fake.calls).toContain('focus')

    fake.calls.length = 0
    fake.emit('blur')
    fake.focused = true
    scheduled[1]?.()
    expect(fake.calls).not.toContain('focus')
  })

  it('leaves focus alone while the admin area is unlocked (file pickers)', () => {
    const { fake, scheduled, state } = open()
    state.adminUnlocked = true
    fake.focused = false
    fake.emit('blur')
    for (const fn of scheduled) fn()
    expect(fake.calls).not.toContain('focus')
  })

  it('cannot be closed while the admin area is locked', () => {
    const { fake, state } = open()
    expect(fake.tryClose()).toBe(false)
    state.adminUnlocked = true
    expect(fake.tryClose()).toBe(true)
  })

  it('release() ends the lockdown (crash screen): closable, not on top', () => {
    const { kiosk, fake } = open()
    kiosk.release()
    expect(fake.tryClose()).toBe(true)
    expect(fake.alwaysOnTop).toBe(false)
    fake.fullScreen = false
    fake.emit('leave-full-screen')
    expect(fake.fullScreen).toBe(false)
  })
})

describe('displays plugged and unplugged mid-event', () => {
  it('the projector it was on unplugged: moves to a present display, fullscreen kept', () => {
    const screen = new FakeScreen(1920, 1280)
    const { fake } = open({ displays: screen })
    fake.bounds = { x: 1920, y: 0, width: 1280, height: 1080 }
    // Windows left it where the projector was, no longer fullscreen on anything.
    fake.fullScreen = false
    screen.unplug(1)
    expect(fake.bounds).toEqual({ x: 0, y: 0, width: 1920, height: 1080 })
    expect(fake.fullScreen).toBe(true)
    expect(fake.kiosk).toBe(true)
  })

  it('a display plugged in: the window stays where it is', () => {
    const screen = new FakeScreen(1920)
    const { fake } = open({ displays: screen })
    screen.displays.push({ id: 1, bounds: { x: 1920, y: 0, width: 1280, height: 1080 } })
    screen.emit('display-added', {}, screen.displays[1])
    expect(fake.calls).not.toContain('setBounds')
    expect(fake.bounds).toEqual({ x: 0, y: 0, width: 1920, height: 1080 })
  })

  it('not while the lockdown is off, and not after the window is gone', () => {
    const screen = new FakeScreen(1920, 1280)
    const { fake, kiosk } = open({ displays: screen })
    kiosk.release()
    fake.bounds = { x: 1920, y: 0, width: 1280, height: 1080 }
    screen.unplug(1)
    expect(fake.calls).not.toContain('setBounds')
    fake.emit('closed')
    expect(screen.listenerCount('display-removed')).toBe(0)
  })
})

describe('isKioskFrame', () => {
  it('accepts only our window’s main frame showing our page', () => {
    const { kiosk, fake } = open()
    const contents = fake.webContents
    expect(kiosk.isKioskFrame(contents, contents.mainFrame)).toBe(true)
    // An iframe inside our page.
    expect(kiosk.isKioskFrame(contents, new FakeFrame(ownUrl))).toBe(false)
    // Another window's contents.
    const other = new FakeBrowserWindow({}).webContents
    expect(kiosk.isKioskFrame(other, other.mainFrame)).toBe(false)
    // Our main frame after it somehow ended up on another page.
    contents.mainFrame.url = 'https://evil.example/'
    expect(kiosk.isKioskFrame(contents, contents.mainFrame)).toBe(false)
    expect(kiosk.isKioskFrame(contents, null)).toBe(false)
  })
})

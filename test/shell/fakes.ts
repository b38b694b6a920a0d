/**
 * Small stand-ins for Electron's main-process objects. Electron's binary cannot be installed
 * on our machines, so the shell is tested against these: they record what the shell asked
 * for and let a test fire the events Electron would.
 */
import { EventEmitter } from 'node:events'
import type { IpcMainInvokeEvent } from 'electron'
import type { Logger } from '../../electron/main/log'

export class FakeEvent {
  defaultPrevented = false
  preventDefault(): void {
    this.defaultPrevented = true
  }
}

export interface LogEntry {
  level: string
  message: string
  details: unknown
}

export function memoryLogger(): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = []
  const at = (level: string) => (message: string, details?: unknown) => {
    entries.push({ level, message, details })
  }
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

export class FakeFrame {
  constructor(public url: string) {}
}

export class FakeWebContents extends EventEmitter {
  readonly mainFrame: FakeFrame
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null
  reloads = 0
  forcedCrashes = 0
  sent: Array<{ channel: string; args: unknown[] }> = []
  zoomLimits: [number, number] | null = null

  constructor(url = '') {
    super()
    this.mainFrame = new FakeFrame(url)
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler
  }
  reload(): void {
    this.reloads++
  }
  forcefullyCrashRenderer(): void {
    this.forcedCrashes++
  }
  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args })
  }
  setVisualZoomLevelLimits(min: number, max: number): Promise<void> {
    this.zoomLimits = [min, max]
    return Promise.resolve()
  }
  /** Fires a navigation-like event the way Electron does; returns whether it was prevented. */
  attempt(event: 'will-navigate' | 'will-redirect' | 'will-attach-webview', url = ''): boolean {
    const e = new FakeEvent()
    this.emit(event, e, url)
    return e.defaultPrevented
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static instances: FakeBrowserWindow[] = []
  readonly webContents = new FakeWebContents()
  readonly calls: string[] = []
  loadedUrls: string[] = []
  fullScreen: boolean
  kiosk: boolean
  alwaysOnTop: boolean
  focused = true
  minimized = false
  destroyed = false
  menuRemoved = false
  /** Where the window is: on the first display unless a test moves it. */
  bounds = { x: 0, y: 0, width: 1920, height: 1080 }

  constructor(readonly options: Record<string, unknown>) {
    super()
    this.fullScreen = options['fullscreen'] === true
    this.kiosk = options['kiosk'] === true
    this.alwaysOnTop = options['alwaysOnTop'] === true
    FakeBrowserWindow.instances.push(this)
  }
  removeMenu(): void {
    this.menuRemoved = true
  }
  setAlwaysOnTop(flag: boolean): void {
    this.alwaysOnTop = flag
  }
  setKiosk(flag: boolean): void {
    this.kiosk = flag
  }
  setFullScreen(flag: boolean): void {
    this.fullScreen = flag
  }
  isFullScreen(): boolean {
    return this.fullScreen
  }
  getBounds(): { x: number; y: number; width: number; height: number } {
    return { ...this.bounds }
  }
  setBounds(bounds: { x: number; y: number; width: number; height: number }): void {
    this.bounds = { ...bounds }
    this.calls.push('setBounds')
  }
  isMinimized(): boolean {
    return this.minimized
  }
  restore(): void {
    this.minimized = false
    this.calls.push('restore')
  }
  isFocused(): boolean {
    return this.focused
  }
  focus(): void {
    this.focused = true
    this.calls.push('focus')
  }
  show(): void {
    this.calls.push('show')
  }
  hide(): void {
    this.calls.push('hide')
  }
  moveTop(): void {
    this.calls.push('moveTop')
  }
  isDestroyed(): boolean {
    return this.destroyed
  }
  loadURL(url: string): Promise<void> {
    this.loadedUrls.push(url)
    this.webContents.mainFrame.url = url
    return Promise.resolve()
  }
  /** Fires 'close' as Electron does; returns whether the window would actually close. */
  tryClose(): boolean {
    const e = new FakeEvent()
    this.emit('close', e)
    return !e.defaultPrevented
  }
}

/** Electron's `screen`: the displays plugged in; a test plugs and unplugs them. */
export class FakeScreen extends EventEmitter {
  displays: Array<{ id: number; bounds: { x: number; y: number; width: number; height: number } }>
  constructor(...widths: number[]) {
    super()
    let x = 0
    this.displays = widths.map((width, id) => {
      const display = { id, bounds: { x, y: 0, width, height: 1080 } }
      x += width
      return display
    })
  }
  getAllDisplays() {
    return this.displays
  }
  getPrimaryDisplay() {
    const primary = this.displays[0]
    if (primary === undefined) throw new Error('no display')
    return primary
  }
  unplug(id: number): void {
    const display = this.displays.find((d) => d.id === id)
    this.displays = this.displays.filter((d) => d.id !== id)
    this.emit('display-removed', {}, display)
  }
}

type PermissionRequestHandler = (
  contents: unknown,
  permission: string,
  callback: (granted: boolean) => void,
) => void
type HeadersListener = (
  details: { responseHeaders?: Record<string, string[]>; resourceType?: string; url?: string },
  callback: (response: { responseHeaders?: Record<string, string[]> }) => void,
) => void

export class FakeSession extends EventEmitter {
  permissionRequestHandler: PermissionRequestHandler | null = null
  permissionCheckHandler: ((...args: unknown[]) => boolean) | null = null
  devicePermissionHandler: ((...args: unknown[]) => boolean) | null = null
  headersListener: HeadersListener | null = null
  readonly webRequest = {
    onHeadersReceived: (listener: HeadersListener) => {
      this.headersListener = listener
    },
  }
  setPermissionRequestHandler(handler: PermissionRequestHandler): void {
    this.permissionRequestHandler = handler
  }
  setPermissionCheckHandler(handler: (...args: unknown[]) => boolean): void {
    this.permissionCheckHandler = handler
  }
  setDevicePermissionHandler(handler: (...args: unknown[]) => boolean): void {
    this.devicePermissionHandler = handler
  }
}

type InvokeListener = (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown

export class FakeIpcMain {
  readonly handlers = new Map<string, InvokeListener>()
  handle(channel: string, listener: InvokeListener): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`)
    this.handlers.set(channel, listener)
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel)
  }
  /** What ipcRenderer.invoke would get back, as a settled promise. */
  async invoke(channel: string, event: unknown, ...args: unknown[]): Promise<unknown> {
    const listener = this.handlers.get(channel)
    if (!listener) throw new Error(`No handler registered for '${channel}'`)
    return await listener(event as IpcMainInvokeEvent, ...args)
  }
}

/**
 * Connects crash-policy.ts to the kiosk window: a renderer that dies or hangs is reloaded,
 * repeated crashes relaunch the app, and a crash loop ends on a plain error screen.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import type { BrowserWindow } from 'electron'
import type { CrashAction, CrashPolicy } from './crash-policy'
import type { Logger } from './log'

export interface CrashGuardOptions {
  window: BrowserWindow
  policy: CrashPolicy
  log: Logger
  /** Relaunch the app (app.relaunch + a clean app.quit, so the store is closed). */
  relaunch: () => void
  /** Called once when the policy gives up, before the error screen is shown. */
  onStop: () => void
  /** True while the app is quitting: renderers going away then are not crashes. */
  quitting: () => boolean
}

export function guardKioskWindow(options: CrashGuardOptions): void {
  const { window: win, policy, log } = options
  const contents = win.webContents
  // Set while we kill a hung renderer ourselves, so its exit is not counted a second time.
  let killingHungRenderer = false

  const act = (action: CrashAction): void => {
    if (win.isDestroyed()) return
    if (action === 'reload') {
      contents.reload()
    } else if (action === 'relaunch') {
      log.error('kiosk screen keeps crashing; relaunching the app')
      options.relaunch()
    } else {
      log.error('kiosk screen is in a crash loop; stopping on the error screen')
      options.onStop()
      win.loadURL(plainPageUrl('crashed')).catch((error: unknown) => {
        log.error('error screen failed to load', { error })
      })
    }
  }

  contents.on('render-process-gone', (_event, details) => {
    if (killingHungRenderer) {
      killingHungRenderer = false
      return
    }
    if (options.quitting() || details.reason === 'clean-exit') return
    log.error('kiosk renderer gone', { reason: details.reason, exitCode: details.exitCode })
    if (policy.stopped) return
    act(policy.onCrash())
  })

  win.on('unresponsive', () => {
    if (options.quitting() || policy.stopped) return
    log.error('kiosk renderer unresponsive')
    const action = policy.onCrash()
    // A hung renderer may not obey a reload or a new page: kill it first (not on relaunch,
    // which replaces every process anyway).
    if (action !== 'relaunch') {
      killingHungRenderer = true
      contents.forcefullyCrashRenderer()
    }
    act(action)
  })
}

/** Relaunch times, kept in a small file so the policy sees through its own relaunches. */
export function crashHistoryStore(file: string): { load(): number[]; save(v: number[]): void } {
  return {
    load() {
      try {
        const value: unknown = JSON.parse(readFileSync(file, 'utf8'))
        return Array.isArray(value) ? value.filter((v): v is number => typeof v === 'number') : []
      } catch {
        return []
      }
    },
    save(values) {
      try {
        writeFileSync(file, JSON.stringify(values), { mode: 0o600 })
      } catch {
        // Losing the history only means one more relaunch before the error screen.
      }
    },
  }
}

/**
 * The plain screens' words, zh-CN first: shown while the kiosk screen's own page is not there
 * (the core still starting) or gone (crashes, a page that does not load).
 */
const PLAIN_TEXTS = {
  starting: [
    '正在启动…',
    'Starting…',
    '更新后的第一次启动要升级数据，可能需要较长时间，请勿关机。',
    'The first start after an update upgrades the data and can take a while: please do not switch off.',
  ],
  crashed: [
    '签到屏多次意外退出，已停止运行。请联系工作人员重新启动 ScanDesk。',
    'The kiosk screen stopped after crashing repeatedly. Please ask staff to restart ScanDesk.',
  ],
  'load-failed': [
    '签到屏页面无法加载，已停止重试。请联系工作人员重新启动 ScanDesk；若仍无法加载，请重新安装。',
    "The kiosk screen's page could not be loaded. Please ask staff to restart ScanDesk; " +
      'if it still fails, reinstall it.',
  ],
} as const

/** A plain page of `kind`'s words (a data: URL: no script, nothing loaded). */
export function plainPageUrl(kind: keyof typeof PLAIN_TEXTS): string {
  const page = `<!doctype html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>ScanDesk</title>
<style>body{margin:0;height:100vh;display:flex;align-items:center;justify-content:center;
background:#111;color:#eee;font:24px/1.6 system-ui,sans-serif;text-align:center}
p{max-width:40em;margin:0 2em 1em}</style></head><body><div>
${PLAIN_TEXTS[kind].map((text) => `<p>${text}</p>`).join('\n')}
</div></body></html>`
  return `data:text/html;charset=utf-8,${encodeURIComponent(page)}`
}

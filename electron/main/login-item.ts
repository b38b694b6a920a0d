/**
 * Start at login, switchable from the admin area. Windows and macOS have an API for it
 * (app.setLoginItemSettings); on Linux the freedesktop way is a .desktop file in
 * ~/.config/autostart, which GNOME, KDE, XFCE and friends all honour.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { App } from 'electron'
import { KioskError } from '../core/api/kiosk-error'

export interface StartAtLogin {
  /** null where it is not available (a development run: there is no installed app to start). */
  get(): boolean | null
  set(enabled: boolean): void
}

export interface StartAtLoginOptions {
  platform: NodeJS.Platform
  isPackaged: boolean
  app: Pick<App, 'getLoginItemSettings' | 'setLoginItemSettings'>
  /** The installed executable (process.execPath), or the AppImage file ($APPIMAGE). */
  executable: string
  /** $XDG_CONFIG_HOME, else ~/.config. */
  configHome: string
}

export const AUTOSTART_FILE = 'scandesk.desktop'

export function createStartAtLogin(options: StartAtLoginOptions): StartAtLogin {
  const { platform, app } = options
  const autostartFile = join(options.configHome, 'autostart', AUTOSTART_FILE)
  const supported = options.isPackaged && ['win32', 'darwin', 'linux'].includes(platform)

  return {
    get() {
      if (!supported) return null
      if (platform === 'linux') return isEnabledDesktopFile(autostartFile)
      return app.getLoginItemSettings().openAtLogin
    },
    set(enabled) {
      if (!supported) {
        throw new KioskError('desktop_only', 'Start at login works only in the installed app.')
      }
      if (platform !== 'linux') {
        app.setLoginItemSettings({ openAtLogin: enabled })
      } else if (enabled) {
        mkdirSync(join(options.configHome, 'autostart'), { recursive: true })
        writeFileSync(autostartFile, autostartDesktopEntry(options.executable), { mode: 0o644 })
      } else {
        rmSync(autostartFile, { force: true })
      }
    },
  }
}

export function autostartDesktopEntry(executable: string): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=ScanDesk',
    'Comment=ScanDesk check-in kiosk',
    `Exec=${quoteExecArgument(executable)}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n')
}

/**
 * Quotes one Exec argument per the Desktop Entry spec: inside double quotes, `"`, `` ` ``, `$`
 * and `\` take a backslash; then the value itself escapes backslashes again, and `%` (field
 * codes) is doubled.
 */
export function quoteExecArgument(arg: string): string {
  const quoted = `"${arg.replace(/["`$\\]/g, (c) => `\\${c}`)}"`
  return quoted.replace(/\\/g, '\\\\').replace(/%/g, '%%')
}

function isEnabledDesktopFile(file: string): boolean {
  if (!existsSync(file)) return false
  const text = readFileSync(file, 'utf8')
  return (
    !/^Hidden\s*=\s*true\s*$/m.test(text) && !/^X-GNOME-Autostart-enabled\s*=\s*false/m.test(text)
  )
}

/**
 * What the start-up error box says: in the kiosk's language for the shell's own problems, and the
 * core's problems (a broken settings file, a bad flag, a damaged kiosk.db) as the core words
 * them, zh-CN first then English. Anything else shows only where the log is.
 */
import { isStartupProblem } from './core-adapter'
import { RefusedSwitchError } from './debug-switches'
import { toKioskError } from './ipc-errors'
import type { Locale } from '../../shared/domain'

/** The box's own words, in the kiosk's language (zh-CN first, as the kiosk screen). */
const STARTUP_WORDS: Record<
  Locale,
  {
    title: string
    quit: string
    sqlite: string
    unexpected: (logs: string) => string
    refusedSwitch: (name: string) => string
  }
> = {
  'zh-CN': {
    title: 'ScanDesk 无法启动',
    quit: '退出',
    refusedSwitch: (name) =>
      `ScanDesk 不能带调试开关 ${name} 启动：它会让他人远程操控签到屏。` +
      '请从启动它的快捷方式或开机自启动项中删除这个开关，然后重新启动。',
    sqlite:
      'SQLite 模块不是为 Electron 编译的。在源码目录中运行 ' +
      '`node scripts/electron-native.mjs`（见 docs/NATIVE-MODULES.md）。',
    unexpected: (logs) => `ScanDesk 因意外错误停止。详情见 ${logs}。`,
  },
  en: {
    title: 'ScanDesk cannot start',
    quit: 'Quit',
    refusedSwitch: (name) =>
      `ScanDesk does not start with the debugging switch ${name}: it would let others ` +
      'control the kiosk screen remotely. Remove it from the shortcut or autostart entry ' +
      'that starts ScanDesk, then start it again.',
    sqlite:
      'The SQLite module is not built for Electron. In a source checkout run ' +
      '`node scripts/electron-native.mjs` (see docs/NATIVE-MODULES.md).',
    unexpected: (logs) => `An unexpected error stopped ScanDesk. Details are in ${logs}.`,
  },
}

/** The box for `error`: its title, its text and its one button. */
export function startupBox(
  error: unknown,
  locale: Locale,
  logDir: string,
): { title: string; message: string; quit: string } {
  const words = STARTUP_WORDS[locale]
  const text = error instanceof Error ? error.message : String(error)
  let message: string
  if (error instanceof RefusedSwitchError) {
    message = words.refusedSwitch(error.switchName)
  } else if (/NODE_MODULE_VERSION|better_sqlite3\.node/.test(text)) {
    message = words.sqlite
  } else if (isStartupProblem(error) || toKioskError(error).expected) {
    message = text
  } else {
    message = words.unexpected(logDir)
  }
  return { title: words.title, message, quit: words.quit }
}

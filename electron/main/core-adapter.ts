/**
 * The one place the shell meets the kiosk core (electron/core, plain Node). If the core's API
 * moves, this file is what changes: the rest of the shell sees only `ShellCore`.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Greeting } from '../../shared/domain'
import type { KioskEventName } from '../../shared/ipc'
import { CLEARING_MARKER } from '../core/clear-booth'
import { ConfigFileError } from '../core/config/json-file'
import { UsageError } from '../core/config/provisioning-args'
import type { KioskCall } from '../core/api/kiosk-api'
import { startKioskRuntime, StartupError, type Provisioning } from '../core/kiosk-runtime'
import { loadSettings } from '../core/config/settings'
import { VaultError, type SecretVault } from '../core/config/vault'
import { prefixed } from '../../shared/server/log'
import { DamagedDatabaseError } from '../../shared/server/damaged-database'
import { DatabaseTooNewError } from '../../shared/server/migrate'
import type { Logger } from './log'
import type { StartAtLogin } from './login-item'

export type { Provisioning }
// The command line is parsed as `kiosk web` parses it (one parser for both).
export { dataDirFrom, parseLaunchArgs } from '../core/config/provisioning-args'
// The language the start-up error box speaks.
export { savedLocale } from '../core/config/settings'

export interface ShellCore {
  /** The core's dispatcher: checks input, admin lock and output for every contract method. */
  readonly call: KioskCall
  /**
   * The PIN generated on this first start (or by clearing the booth), to show the operator
   * once; else null.
   */
  readonly initialPin: string | null
  /** The operator closed the box showing `initialPin`: later starts keep it. */
  initialPinShown(): void
  /**
   * Whether the admin area is unlocked, without extending its session: the shell asks it for
   * admin events, for a blur and for a close, none of which is staff using the admin area (a
   * visitor tapping outside must not keep it from idling out). Admin calls go through `call`.
   */
  adminSessionOpen(): boolean
  /** Ends the admin session (the screen was loaded again and shows itself locked). */
  lockAdmin(): void
  onEvent(listener: (name: KioskEventName, payload: unknown) => void): () => void
  /** The recent greetings the screen has not shown yet, oldest first (sent as the events are). */
  unshownGreetings(): readonly Greeting[]
  /**
   * The computer woke from a sleep: timers stood still meanwhile, so the code on screen is
   * replaced now if it expired, and the relay link, maybe dead without a FIN, is checked now.
   */
  wake(): void
  /** The relay url the kiosk is set up with (the big screen frames its pages), or null. */
  relayUrl(): string | null
  /** Stops the relay link and ticket pool, then closes the SQLite store (and the demo services). */
  close(): Promise<void>
}

export interface ShellCoreOptions {
  dataDir: string
  /** Called once the data folder is locked (startKioskRuntime). */
  vault: () => SecretVault
  provisioning: Provisioning | null
  nativeBinding: string | null
  startAtLogin: StartAtLogin
  version: string
  log: Logger
  /**
   * `sandbox: <url>` / `relay: <url>` / `console: <url> (…)` lines of demo mode; `forLog`, when
   * given, is the line to log (without the console's password).
   */
  onLine: (line: string, forLog?: string) => void
  /** The shell's log folder: clearing the booth from the admin area clears its files too. */
  logDir: string
  /**
   * The admin area cleared the booth and a new core runs, as at a first start: the shell shows
   * its `initialPin` as at a start.
   */
  onRestart: () => void
}

export async function startShellCore(options: ShellCoreOptions): Promise<ShellCore> {
  const { log } = options
  const runtime = await startKioskRuntime({
    dataDir: options.dataDir,
    vault: options.vault,
    provisioning: options.provisioning,
    program: 'ScanDesk app',
    onLine: options.onLine,
    logDirs: [options.logDir],
    onRestart: () => options.onRestart(),
    core: {
      version: options.version,
      startAtLogin: options.startAtLogin,
      ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
      log: prefixed(log, 'core: '),
    },
  })
  // Through the runtime each time: after a clear of the booth, another core runs.
  return {
    call: (name, input) => runtime.core.call(name, input),
    get initialPin() {
      return runtime.core.initialPin
    },
    initialPinShown: () => runtime.core.initialPinShown(),
    adminSessionOpen: () => runtime.core.adminSessionOpen(),
    lockAdmin: () => runtime.core.auth.lock(),
    onEvent: (listener) => runtime.onEvent(listener),
    unshownGreetings: () => runtime.core.unshownGreetings(),
    relayUrl: () => runtime.core.settings().relayUrl,
    wake: () => runtime.core.wake(),
    close: () => runtime.close(),
  }
}

/**
 * Whether this start will run the demo (nothing configured and no provisioning flags). Read
 * before the runtime takes the folder: a clear cut short (clear-booth.ts) is finished by the
 * runtime before the core reads anything, so its settings, still on disk, are not this start's.
 */
export function willRunDemo(dataDir: string, provisioning: Provisioning | null): boolean {
  if (provisioning) return false
  if (existsSync(join(dataDir, CLEARING_MARKER))) return true
  try {
    const settings = loadSettings(dataDir)
    return settings === null || settings.demo
  } catch {
    // A broken settings file: the core reports it when it starts.
    return false
  }
}

/**
 * Problems the user can fix (a broken settings file, a bad flag, a damaged kiosk.db or one a
 * newer ScanDesk wrote): shown as they are.
 */
export function isStartupProblem(error: unknown): error is Error {
  return (
    error instanceof StartupError ||
    error instanceof DamagedDatabaseError ||
    error instanceof DatabaseTooNewError ||
    error instanceof ConfigFileError ||
    error instanceof VaultError ||
    error instanceof UsageError
  )
}

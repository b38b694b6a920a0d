/** `kiosk web`: the kiosk core plus the loopback web bridge; prints where to open it. */
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { parseArgs } from 'node:util'
import { ConfigFileError } from '../config/json-file'
import {
  dataDirFrom,
  PROVISIONING_OPTIONS,
  provisioningFromValues,
  refuseEmptyFlagValues,
  refuseRepeatedFlags,
  UsageError,
} from '../config/provisioning-args'
import { startKioskRuntime, StartupError, type Provisioning } from '../kiosk-runtime'
import type { KioskCore } from '../kiosk-core'
import { listenWeb, newWebSecret, type WebListener } from '../web/web-server'
import { relayFrameOrigin } from '../../../shared/screen-paths'
import { negativeValuesJoined, portFromText } from '../../../shared/net-address'
import { openFileKeyVault, VaultError } from '../config/vault'
import { resetPinCommand } from './cli-reset-pin'
import { createLogger, type Logger } from '../../../shared/server/log'
import { redactedLine } from '../../../shared/server/redact'
import { stdoutSink } from '../../../shared/server/stdout-sink'
import { describeOwner, folderInUse } from '../../../shared/server/folder-lock'
import { errorCode } from '../../../shared/error-code'

/**
 * The checkout this runs from: the nearest folder up with a package.json. This module runs as
 * electron/core/cli/cli-web.ts (tsx, tests) or inside the bundle out/cli/cli.mjs (scripts/build-cli.mjs).
 */
function projectRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`)
  }
}

const STATIC_DIR = join(projectRoot(import.meta.dirname), 'out/renderer')

/**
 * What stops the web server from listening on `port`, said for the person who chose it. A port
 * in use while a kiosk holds `dataDir` is most likely that kiosk's (a second `npm start`): it is
 * named, as the folder's lock would name it, rather than sending them to --port, where the
 * folder's lock would stop them next.
 */
function listenError(port: number, dataDir: string, err: unknown): string {
  if (errorCode(err) !== 'EADDRINUSE') return (err as Error).message
  const held = folderInUse(dataDir)
  if (held === null) {
    return (
      `端口 ${port} 已被其他程序占用：请用 --port 换一个端口。\n` +
      `Port ${port} is in use by another program; pick another with --port.`
    )
  }
  return (
    `端口 ${port} 已被占用，且已有签到程序在这个数据文件夹上运行：${held.folder} 正被` +
    `${describeOwner(held.owner, 'zh-CN')}使用。请继续使用那个签到程序，或先关闭它再启动。\n` +
    `Port ${port} is in use, and a kiosk is already running on the data folder ${held.folder}: ` +
    `${describeOwner(held.owner, 'en')}. Use that one, or close it before starting this again.`
  )
}

export function parseWebArgs(
  args: string[],
  env: Record<string, string | undefined> = process.env,
): {
  port: number
  dataDir: string
  provisioning: Provisioning | null
} {
  const { values, tokens } = parseArgs({
    args: negativeValuesJoined(args, new Set(['port'])),
    options: {
      port: { type: 'string', default: '5170' },
      data: { type: 'string' },
      ...PROVISIONING_OPTIONS,
    },
    strict: true,
    tokens: true,
  })
  refuseRepeatedFlags(tokens)
  refuseEmptyFlagValues(tokens)
  // Digits only: Number('') and Number(' ') are 0, a random free port nobody asked for.
  const port = portFromText(values.port)
  if (port === null) throw new UsageError('--port must be 0–65535')
  return {
    port,
    dataDir: dataDirFrom(values.data, 'kiosk-data'),
    provisioning: provisioningFromValues(values, env),
  }
}

/** Resolves -1: the process keeps running until a signal. */
/**
 * The kiosk core's log in web mode: readable lines on stderr (journald's, under systemd), with
 * secrets and openids scrubbed as the Electron app's main.log has them (shared/server/redact.ts).
 */
export function kioskWebLogger(write: (line: string) => void): Logger {
  return createLogger(write, redactedLine)
}

export async function runWebCommand(args: string[]): Promise<number> {
  let parsed
  try {
    parsed = parseWebArgs(args)
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`)
    return 2
  }
  // The web server's listen first, and kept: a start that failed only at the listen would already
  // have made (and not shown) the admin PIN, or spent a one-time pairing code; a port only
  // probed here could be taken by another program while the kiosk is set up.
  let listener: WebListener
  try {
    listener = await listenWeb(parsed.port)
  } catch (err) {
    process.stderr.write(`error: ${listenError(parsed.port, parsed.dataDir, err)}\n`)
    return 1
  }
  const secret = newWebSecret()
  const log = kioskWebLogger((line) => process.stderr.write(`[scandesk] ${line}`))
  // A reader of stdout that goes away (`kiosk web | head -1`) must not stop the booth.
  const out = stdoutSink('kiosk', 'its lines are dropped from now on, the kiosk keeps running')
  let closing = false
  /** Shown once: only the PIN's hash is kept. When stdout did not take it, say how to get one. */
  const showAdminPin = async (core: KioskCore): Promise<void> => {
    if (core.initialPin === null) return
    if (await out.written(`admin PIN: ${core.initialPin} (new; change it in the admin area)\n`)) {
      // The terminal took it: the next start keeps it (until then each start makes a new one).
      if (!closing) core.initialPinShown()
    } else {
      process.stderr.write(
        'kiosk: the admin PIN was not shown (stdout is closed); to get a new one, stop the kiosk ' +
          `and run ${resetPinCommand(parsed.dataDir)}\n`,
      )
    }
  }
  let runtime
  try {
    runtime = await startKioskRuntime({
      dataDir: parsed.dataDir,
      // Opened (its key made on a first start) only once this process holds the folder.
      vault: () => openFileKeyVault(parsed.dataDir),
      provisioning: parsed.provisioning,
      program: 'kiosk web',
      core: {
        version: process.env.npm_package_version ?? '0.1.0',
        exportDownloadUrl: (id) => `/api/exports/${id}?key=${encodeURIComponent(secret)}`,
        log,
      },
      onLine: (line) => out(`${line}\n`),
      // The admin area cleared the booth: its new PIN is shown as at a first start.
      onRestart: (core) => void showAdminPin(core),
    })
  } catch (err) {
    await listener.close()
    if (
      err instanceof ConfigFileError ||
      err instanceof StartupError ||
      err instanceof VaultError
    ) {
      process.stderr.write(`error: ${err.message}\n`)
      return 1
    }
    throw err
  }
  const rt = runtime
  // The running core, also the one started after the admin area cleared the booth.
  const web = listener.serve({
    target: {
      call: (name, input) => rt.core.call(name, input),
      events: { onAny: (l) => rt.onEvent(l) },
      exports: { file: (id) => rt.core.exports.file(id) },
      unshownGreetings: () => rt.core.unshownGreetings(),
      isAdminUnlocked: () => rt.core.isAdminUnlocked(),
      adminSessionOpen: () => rt.core.adminSessionOpen(),
    },
    secret,
    staticDir: STATIC_DIR,
    frameOrigin: () => relayFrameOrigin(rt.core.settings().relayUrl),
    log,
  })
  // Stoppable before the lines below: their writes wait for stdout to take them.
  const shutdown = () => {
    if (closing) return
    closing = true
    void Promise.allSettled([web.close(), runtime.close()]).then(() => process.exit(0))
  }
  process.on('SIGINT', shutdown)
  process.on('SIGTERM', shutdown)
  // Both shown once: the address carries this start's key, and only the PIN's hash is kept.
  // When stdout did not take them (its reader gone), say so and how to get new ones.
  if (!(await out.written(`kiosk: ${web.kioskUrl}\n`))) {
    process.stderr.write(
      "kiosk: the kiosk page's address was not shown (stdout is closed); " +
        'restart kiosk web to get a new one\n',
    )
  }
  await showAdminPin(runtime.core)
  return -1
}

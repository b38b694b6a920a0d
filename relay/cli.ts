/**
 * `npm run relay -- [--port 8787] [--data DIR] [--redis URL] [--config FILE] [--<field> V]`
 * serves the relay; `kiosk add <id> [--rotate] [--[no-]ticket-proxy] [--scenes 100-199]`,
 * `kiosk list` and `kiosk revoke <id>` manage kiosks in the same store; `organizer add <name>`
 * (prints the password once), `organizer list`, `organizer remove <name>`, `organizer unlock <name>`
 * (lifts the name's sign-in lockout) manage the console's
 * organizers; `healthcheck` asks a
 * running relay for /healthz (exit 0 when healthy, 1 otherwise). Logs are JSON lines.
 */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import {
  CONFIG_FLAGS,
  loadRelayConfigWithSources,
  RelayConfigError,
  ignoredConfigWarning,
  unknownEnvWarnings,
  wechatAesKeyWarning,
  wechatPreviousWarnings,
  wechatTokenWarning,
  type RelayConfig,
} from './config'
import { parseArgs, UsageError, type ParsedArgs } from './cli-args'
import { checkHealth } from './healthcheck'
import { addKiosk, KioskAdminError, parseSceneRanges, revokeKiosk } from './kiosk-admin'
import {
  addOrganizer,
  OrganizerAdminError,
  removeOrganizer,
  unlockOrganizer,
} from './console/organizer-admin'
import { errorMessage, jsonLogger } from './log'
import { stdoutSink, type StdoutSink } from '../shared/server/stdout-sink'
import { normalizeOrganizerName } from '../shared/console-api'
import { startRelay } from './server'
import { timeZoneProblem } from './time-zone'
import { openStore } from './store/open-store'
import { RELAY_DB_FILE } from './store/sqlite/store'
import { SceneRangeClashError, type RelayStore } from './store/types'
import { describeOwner, FolderInUseError } from '../shared/server/folder-lock'

const USAGE = `usage:
  relay [--port 8787] [--data DIR] [--redis URL] [--config FILE] [--host H] [--wechat-token T] ...
  relay kiosk add <kioskId> [--rotate] [--ticket-proxy|--no-ticket-proxy] [--scenes LO-HI,...]
                             (--rotate keeps the kiosk's proxy setting and scenes unless given)
  relay kiosk list
  relay kiosk revoke <kioskId>
  relay organizer add <name>      (prints a generated password once, last line)
  relay organizer list
  relay organizer remove <name>   (also ends the organizer's console sessions)
  relay organizer unlock <name>   (lifts the name's sign-in lockout)
  relay healthcheck          (GET /healthz on this host's relay; exit 0 when healthy)
Every config field can also be set by an env var SCANDESK_RELAY_<FIELD>, and the config file
by SCANDESK_RELAY_CONFIG (--config wins over it).`

const VALUED = new Set([...CONFIG_FLAGS, 'scenes'])
const SWITCHES = new Set(['rotate', 'ticket-proxy', 'no-ticket-proxy', 'help'])

/**
 * One-off commands' output (kiosk list, organizer add, …): a reader that goes away
 * (`… | head -1`) ends the output, said once on stderr, not the command, which finishes its
 * work and exits as it would have. Made on first use: serving makes its own for the logs.
 */
let stdout: StdoutSink | null = null
function sink(): StdoutSink {
  return (stdout ??= stdoutSink('relay', 'the rest of the output is dropped'))
}
const out = (line: string): void => sink()(line + '\n')

/**
 * A secret shown once (a kiosk token, an organizer password) as the last line. When stdout
 * did not take it (its reader gone), it is lost: say so on stderr, with how to get a new one,
 * and exit 1 (the store has the new hash; whoever ran this has no secret).
 */
async function outSecret(secret: string, lost: string): Promise<void> {
  if (await sink().written(secret + '\n')) return
  process.stderr.write(`relay: ${lost}\n`)
  process.exitCode = 1
}

/**
 * `kiosk add`'s own options, refused by every other command: `organizer add bob --rotate` or
 * `kiosk revoke k1 --scenes 1-9` must not run as if the option meant something.
 */
function refuseKioskAddOptions(args: ParsedArgs, command: string): void {
  const given = [...args.switches].filter((s) => s !== 'help')
  if (args.flags.scenes !== undefined) given.push('scenes')
  if (given[0] !== undefined) throw new UsageError(`${command} does not take --${given[0]}`)
}

async function withStore<T>(config: RelayConfig, fn: (s: RelayStore) => Promise<T>): Promise<T> {
  // Beside a running relay: that relay builds the attendance rows, not this command.
  const store = await openStore(config, {
    attendanceForReadsOnly: true,
    warn: (message) => process.stderr.write(`relay: warning: ${message}\n`),
  })
  try {
    return await fn(store)
  } finally {
    await store.close()
  }
}

/**
 * For the commands that only read or remove (kiosk list and revoke, organizer list, remove and
 * unlock): `fn` on the store, or, when a SQLite data folder holds no relay.sqlite (a typo in
 * --data, the wrong working directory), `none` with words naming the folder, and no store is
 * opened: opening one made the folder and an empty database, and said "no organizers" as if
 * that were the relay's. A Redis store has no folder: always opened.
 */
async function withExistingStore<T>(
  config: RelayConfig,
  dataFrom: string | undefined,
  fn: (s: RelayStore) => Promise<T>,
  none: (noData: string) => T,
): Promise<T> {
  if (config.redis === null && config.data !== ':memory:') {
    const folder = resolve(config.data)
    if (!existsSync(join(folder, RELAY_DB_FILE))) {
      return none(
        `no relay data at ${folder} (no ${RELAY_DB_FILE} there; nothing was created): ` +
          dataHint(dataFrom),
      )
    }
  }
  return withStore(config, fn)
}

/**
 * What to check when the data folder holds no relay: the setting the folder came from (a
 * `--config` file's "data" was told to check --data, which the command line did not have).
 */
function dataHint(dataFrom: string | undefined): string {
  if (dataFrom === undefined) return 'that is the default folder: give --data'
  if (dataFrom.startsWith('--') || dataFrom.startsWith('SCANDESK_RELAY_'))
    return `check ${dataFrom}`
  return `check "data" in ${dataFrom}`
}

/** A list with no relay data: empty (its usual "no …" line), and why on stderr. */
function noneListed(noData: string): [] {
  process.stderr.write(`relay: ${noData}\n`)
  return []
}

/** `--ticket-proxy` / `--no-ticket-proxy`, or undefined (a new kiosk: on; else unchanged). */
function ticketProxyOption(args: ParsedArgs): boolean | undefined {
  const on = args.switches.has('ticket-proxy')
  const off = args.switches.has('no-ticket-proxy')
  if (on && off) throw new UsageError('--ticket-proxy and --no-ticket-proxy contradict')
  return on ? true : off ? false : undefined
}

async function kioskCommand(
  args: ParsedArgs,
  config: RelayConfig,
  dataFrom: string | undefined,
): Promise<void> {
  const [, sub, kioskId] = args.positionals
  if (sub === 'add' && kioskId !== undefined && args.positionals.length === 3) {
    const scenes = args.flags.scenes
    const opts = {
      rotate: args.switches.has('rotate'),
      ticketProxy: ticketProxyOption(args),
      sceneRanges: scenes === undefined ? undefined : parseSceneRanges(scenes),
    }
    const token = await withStore(config, (store) => addKiosk(store, kioskId, opts, Date.now()))
    out(`kiosk ${kioskId} ready. Its token is shown once, on the next line; only a hash is kept.`)
    await outSecret(
      token,
      `the token of kiosk ${kioskId} was not shown (stdout is closed); ` +
        `make a new one with: relay kiosk add ${kioskId} --rotate`,
    )
  } else if (sub === 'list' && args.positionals.length === 2) {
    refuseKioskAddOptions(args, 'kiosk list')
    const kiosks = await withExistingStore(
      config,
      dataFrom,
      (store) => store.listKiosks(),
      noneListed,
    )
    if (kiosks.length === 0) out('no kiosks')
    for (const k of kiosks) {
      const status = k.revokedAt === null ? 'active' : 'revoked'
      const ranges = k.sceneRanges.map((r) => `${r.lo}-${r.hi}`).join(',') || '-'
      out(
        `${k.kioskId}\t${status}\thead=${k.headSeq}\tacked=${k.ackedSeq}\t` +
          `tickets=${k.ticketProxy ? 'yes' : 'no'}\tscenes=${ranges}`,
      )
    }
  } else if (sub === 'revoke' && kioskId !== undefined && args.positionals.length === 3) {
    refuseKioskAddOptions(args, 'kiosk revoke')
    const found = await withExistingStore(
      config,
      dataFrom,
      (store) => revokeKiosk(store, kioskId, Date.now()),
      (noData) => {
        throw new KioskAdminError(`no kiosk ${kioskId}: ${noData}`)
      },
    )
    if (!found) throw new KioskAdminError(`no kiosk ${kioskId}`)
    out(`kiosk ${kioskId} revoked`)
  } else {
    throw new UsageError('expected: kiosk add <kioskId> | kiosk list | kiosk revoke <kioskId>')
  }
}

async function organizerCommand(
  args: ParsedArgs,
  config: RelayConfig,
  dataFrom: string | undefined,
): Promise<void> {
  const [, sub, typed] = args.positionals
  refuseKioskAddOptions(args, `organizer ${sub ?? ''}`.trim())
  if (sub === 'add' && typed !== undefined && args.positionals.length === 3) {
    const password = await withStore(config, (store) => addOrganizer(store, typed, Date.now()))
    // As kept and as sign-in reads it: `organizer add Alice` signs in as alice (or Alice).
    const name = normalizeOrganizerName(typed)
    out(
      `organizer ${name} added. The password is shown once, on the next line; only a hash is kept.`,
    )
    await outSecret(
      password,
      `the password of organizer ${name} was not shown (stdout is closed); ` +
        `make a new one with: relay organizer remove ${name}, then relay organizer add ${name}`,
    )
  } else if (sub === 'list' && args.positionals.length === 2) {
    const organizers = await withExistingStore(
      config,
      dataFrom,
      (store) => store.console.listOrganizers(),
      noneListed,
    )
    if (organizers.length === 0) out('no organizers')
    for (const o of organizers) out(`${o.name}\tadded ${new Date(o.createdAt).toISOString()}`)
  } else if (sub === 'remove' && typed !== undefined && args.positionals.length === 3) {
    const removed = await withExistingStore(
      config,
      dataFrom,
      (store) => removeOrganizer(store, typed),
      (noData) => {
        throw new OrganizerAdminError(`no organizer ${normalizeOrganizerName(typed)}: ${noData}`)
      },
    )
    out(`organizer ${removed} removed; their console sessions have ended`)
  } else if (sub === 'unlock' && typed !== undefined && args.positionals.length === 3) {
    const unlocked = await withExistingStore(
      config,
      dataFrom,
      (store) => unlockOrganizer(store, typed),
      (noData) => {
        throw new OrganizerAdminError(`no organizer ${normalizeOrganizerName(typed)}: ${noData}`)
      },
    )
    out(`organizer ${unlocked} unlocked; failed sign-ins for the name are forgotten`)
  } else {
    throw new UsageError(
      'expected: organizer add <name> | organizer list | organizer remove <name> | organizer unlock <name>',
    )
  }
}

async function serve(config: RelayConfig, configWarning: string | null): Promise<void> {
  const log = jsonLogger(
    stdoutSink('relay', 'logs are dropped from now on, the relay keeps serving'),
  )
  // The handlers go in before the relay says anything: whoever reads its output may act on
  // a line at once (a SIGTERM just after "relay listening", from an orchestrator that stops
  // what it just started), and that must drain, not kill by default. A SIGTERM that comes
  // while it starts is kept and acted on once it has.
  let relay: Awaited<ReturnType<typeof startRelay>> | null = null
  let stopping: string | null = null
  const stop = (signal: string): void => {
    if (stopping !== null) return
    stopping = signal
    log.info('shutting down', { signal })
    // The bound holds even if something hangs: WeChat retries what was not answered 200.
    setTimeout(() => {
      log.error('shutdown timed out; exiting', { timeoutMs: config.shutdownTimeoutMs })
      process.exit(1)
    }, config.shutdownTimeoutMs).unref()
    if (relay !== null) closeAndExit(relay)
  }
  const closeAndExit = (started: { close(): Promise<void> }): void => {
    started.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error('shutdown failed', { error: errorMessage(err) })
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
  // A misspelt variable is not refused (the environment is shared), but said, by name only.
  const unknownEnv = unknownEnvWarnings(process.env)
  if (unknownEnv.length > 0) log.warn('unknown environment variables ignored', { unknownEnv })
  if (configWarning !== null) log.warn(configWarning)
  const tokenWarning = wechatTokenWarning(config.wechat.token)
  if (tokenWarning !== null) log.warn(tokenWarning)
  const aesKeyWarning = wechatAesKeyWarning(config.wechat)
  if (aesKeyWarning !== null) log.warn(aesKeyWarning)
  for (const warning of wechatPreviousWarnings(config.wechat)) log.warn(warning)
  relay = await startRelay(config, { log })
  if (stopping !== null) closeAndExit(relay)
}

/**
 * Whether this run serves (no command): only a serving relay is started again by systemd, so
 * only it is told so when its config file is not there yet; `kiosk list`, `organizer add`,
 * `healthcheck` run once.
 */
let serving = false

async function main(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv, VALUED, SWITCHES)
  serving = args.positionals.length === 0
  if (args.switches.has('help')) {
    out(USAGE)
    return
  }
  const { config, sources } = loadRelayConfigWithSources({ flags: args.flags, env: process.env })
  const dataFrom = sources.get('data')
  const unknownEnv = unknownEnvWarnings(process.env)
  if (unknownEnv.length > 0 && args.positionals.length > 0) {
    process.stderr.write(
      `relay: warning: unknown environment variables ignored: ${unknownEnv.join(', ')}\n`,
    )
  }
  if (args.positionals[0] === 'kiosk') return kioskCommand(args, config, dataFrom)
  if (args.positionals[0] === 'organizer') return organizerCommand(args, config, dataFrom)
  // Exit 1 when unhealthy (an unknown error below): Docker reserves exit code 2.
  if (args.positionals[0] === 'healthcheck') {
    if (args.positionals.length > 1) throw new UsageError('healthcheck takes no arguments')
    refuseKioskAddOptions(args, 'healthcheck')
    return out(await checkHealth(config))
  }
  if (args.positionals.length > 0) throw new UsageError(`unknown command ${args.positionals[0]}`)
  refuseKioskAddOptions(args, 'the relay')
  const zone = timeZoneProblem(process.env.TZ)
  if (zone !== null) throw new RelayConfigError('TZ', zone)
  return serve(config, ignoredConfigWarning(args.flags, process.env))
}

/** A second relay on one SQLite data folder: who has it, and what to do instead. */
function folderInUseMessage(err: FolderInUseError): string {
  return (
    `the data folder ${err.folder} is in use by ${describeOwner(err.owner, 'en')}. ` +
    "One relay serves a SQLite data folder (it keeps each kiosk's state in memory): stop that " +
    'one first, or give this one its own --data. Several relays together need a Redis store ' +
    '(--redis; docs/SCALE.md).'
  )
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof FolderInUseError) {
    process.stderr.write(`relay: ${folderInUseMessage(err)}\n`)
    process.exit(1)
  }
  const known =
    err instanceof UsageError ||
    err instanceof RelayConfigError ||
    err instanceof KioskAdminError ||
    err instanceof SceneRangeClashError ||
    err instanceof OrganizerAdminError
  process.stderr.write(`relay: ${errorMessage(err)}\n`)
  if (err instanceof UsageError) process.stderr.write(USAGE + '\n')
  if (err instanceof RelayConfigError && err.notThereYet) {
    // A file on a mount not up yet: exit 1, started again under systemd (exit 2 is not).
    if (serving) {
      process.stderr.write(
        'relay: exiting 1, to be started again (systemd restarts it every 2 s until the file is there: a mount still coming up)\n',
      )
    }
    process.exit(1)
  }
  process.exit(known ? 2 : 1)
})

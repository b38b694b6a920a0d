/**
 * One logger interface for every process: the relay writes structured JSON lines (one object
 * per line, for a log collector), the kiosk readable lines (for a person reading a file or a
 * terminal). Our own few lines rather than pino, which is not installed: the kiosk and relay
 * log a few lines a minute, where pino's speed buys nothing. Callers keep secrets out of
 * `fields`, and openids to `debug` only.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
export type LogFields = Readonly<Record<string, unknown>>

export interface Logger {
  debug(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  error(msg: string, fields?: LogFields): void
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
}

export interface LoggerOptions {
  minLevel?: LogLevel
  now?: () => number
}

/** A logger from one formatter; `write` gets whole lines, newline included. */
export function createLogger(
  write: (line: string) => void,
  format: (at: number, level: LogLevel, msg: string, fields: LogFields | undefined) => string,
  options: LoggerOptions = {},
): Logger {
  const min = RANK[options.minLevel ?? 'info']
  const now = options.now ?? Date.now
  const emit =
    (level: LogLevel) =>
    (msg: string, fields?: LogFields): void => {
      if (RANK[level] >= min) write(format(now(), level, msg, fields))
    }
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') }
}

/**
 * `{"time":…,"level":…,"event":…,"msg":…,…fields}`; an Error field becomes its message. The
 * `event` is what an alert rule matches: the `event` field when the call gives one (the names
 * docs/DEPLOY.md lists, kept across releases), else the message's words without its numbers
 * (`store accepting pushes again after 3 refused` → `store_accepting_pushes_again_after_refused`).
 */
export function jsonLine(
  at: number,
  level: LogLevel,
  msg: string,
  fields: LogFields | undefined,
): string {
  const entry: Record<string, unknown> = {
    time: new Date(at).toISOString(),
    level,
    event: eventOf(msg, fields),
    msg,
  }
  if (fields !== undefined) {
    for (const [k, v] of Object.entries(fields)) {
      if (k !== 'event') entry[k] = v instanceof Error ? v.message : v
    }
  }
  return JSON.stringify(entry) + '\n'
}

/** Most words of a message an `event` derived from it keeps. */
const EVENT_WORDS = 8

/** A line's `event`: the one given, else derived from its message (see jsonLine). */
export function eventOf(msg: string, fields?: LogFields): string {
  const given = fields?.event
  if (typeof given === 'string' && given !== '') return given
  const words = msg
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter((w) => w !== '')
  return words.length === 0 ? 'log' : words.slice(0, EVENT_WORDS).join('_')
}

/** `2026-01-02T03:04:05.678Z WARN  message {"field":…}`: for a person. */
export function readableLine(
  at: number,
  level: LogLevel,
  msg: string,
  fields: LogFields | undefined,
): string {
  const head = `${new Date(at).toISOString()} ${level.toUpperCase().padEnd(5)} ${msg}`
  if (fields === undefined || Object.keys(fields).length === 0) return `${head}\n`
  return `${head} ${JSON.stringify(fields, errorsAsMessages)}\n`
}

function errorsAsMessages(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message } : value
}

/** Structured JSON lines: the relay's log. */
export function jsonLogger(
  write: (line: string) => void,
  minLevel: LogLevel = 'info',
  now: () => number = Date.now,
): Logger {
  return createLogger(write, jsonLine, { minLevel, now })
}

/** Readable lines: the kiosk's (and the sandbox's) log. */
export function lineLogger(write: (line: string) => void, options: LoggerOptions = {}): Logger {
  return createLogger(write, readableLine, options)
}

/** The same log with every message prefixed: one part's lines in a shared log. */
export function prefixed(log: Logger, prefix: string): Logger {
  return {
    debug: (msg, fields) => log.debug(prefix + msg, fields),
    info: (msg, fields) => log.info(prefix + msg, fields),
    warn: (msg, fields) => log.warn(prefix + msg, fields),
    error: (msg, fields) => log.error(prefix + msg, fields),
  }
}

/** How often a LogLimiter lets a line of one key through: once a minute (docs/DEPLOY.md). */
export const LOG_LINE_INTERVAL_MS = 60_000

/** Most distinct names (`LogLimiter.log`'s `named`) one line lists of those it left out. */
export const MAX_UNLOGGED_NAMES = 20

/**
 * Lines of one kind at most once per `intervalMs` for each key, for a line that something
 * outside can repeat at will (a replayed request, every push while the store refuses it): the
 * line it lets through says how many went unlogged since the last. Keys are a fixed few (a
 * cause, a kind of line) or one per booth, not one per request. A clock that steps back lets
 * the next line out.
 */
export class LogLimiter {
  private readonly last = new Map<string, { at: number; unlogged: number; names: Set<string> }>()

  constructor(
    private readonly now: () => number,
    private readonly intervalMs: number = LOG_LINE_INTERVAL_MS,
  ) {}

  /**
   * Whether a line for `key` is logged now: null when not (it is counted as unlogged), else
   * how many went unlogged since the key's last line.
   */
  take(key: string, name?: string): { unlogged: number; names: string[] } | null {
    const at = this.now()
    const last = this.last.get(key)
    if (last !== undefined && at >= last.at && at - last.at < this.intervalMs) {
      last.unlogged++
      if (name !== undefined && last.names.size < MAX_UNLOGGED_NAMES) last.names.add(name)
      return null
    }
    this.last.set(key, { at, unlogged: 0, names: new Set() })
    const names = [...(last?.names ?? [])].filter((n) => n !== name)
    return { unlogged: last?.unlogged ?? 0, names }
  }

  /**
   * Logs `msg` at most once per interval for `key`, with `unlogged` when some went unlogged
   * since; the fields (a kioskId) are the logged one's. The key is the message itself unless
   * given (a store failure every booth repeats while the store is away: one line for all of
   * them, not one per booth); a key naming a kiosk or a cause limits each on its own.
   * With `named` (a booth a refused token claims to be), the line lists under `named.field`
   * the other names of the lines it left out, the first MAX_UNLOGGED_NAMES distinct: which
   * booths were refused in the minute, not only the first.
   */
  log(
    log: Logger,
    level: LogLevel,
    msg: string,
    fields?: LogFields,
    key = `line: ${msg}`,
    named?: { field: string; name: string | null },
  ): void {
    const line = this.take(key, named?.name ?? undefined)
    if (line === null) return
    const listed = named !== undefined && line.names.length > 0
    if (line.unlogged === 0 && !listed) {
      log[level](msg, fields)
      return
    }
    log[level](msg, {
      ...fields,
      ...(line.unlogged > 0 && { unlogged: line.unlogged }),
      ...(listed && { [named.field]: line.names }),
    })
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/**
 * Structured JSON logs, one object per line. The library logs nowhere by default; the CLI
 * passes a stream. Callers must keep secrets out of `fields`, and openids to `debug` only.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>

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

export function jsonLogger(
  write: (line: string) => void,
  minLevel: LogLevel = 'info',
  now: () => number = Date.now,
): Logger {
  const emit =
    (level: LogLevel) =>
    (msg: string, fields: LogFields = {}): void => {
      if (RANK[level] < RANK[minLevel]) return
      write(JSON.stringify({ time: new Date(now()).toISOString(), level, msg, ...fields }) + '\n')
    }
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

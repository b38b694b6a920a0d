/**
 * Main-process log: one line per entry in <userData>/logs/main.log, rotated by size
 * (main.log → main.log.1 → … → main.log.<maxFiles>), so a kiosk left running for weeks never
 * fills the disk. Everything written goes through redact.ts first.
 */
import { appendFileSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { redactText, redactValue } from './redact'

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

export interface Logger {
  debug(message: string, details?: unknown): void
  info(message: string, details?: unknown): void
  warn(message: string, details?: unknown): void
  error(message: string, details?: unknown): void
}

export interface FileLoggerOptions {
  dir: string
  fileName?: string
  /** Rotate once the current file would grow past this many bytes. */
  maxBytes?: number
  /** Rotated files kept besides the current one. */
  maxFiles?: number
  level?: LogLevel
  now?: () => number
  /** Also echo to stderr (development). */
  echo?: boolean
}

export function createFileLogger(options: FileLoggerOptions): Logger {
  const file = join(options.dir, options.fileName ?? 'main.log')
  const maxBytes = options.maxBytes ?? 1024 * 1024
  const maxFiles = Math.max(1, options.maxFiles ?? 5)
  const minLevel = LEVELS[options.level ?? 'info']
  const now = options.now ?? Date.now
  mkdirSync(options.dir, { recursive: true, mode: 0o700 })
  let size = currentSize(file)

  function rotate(): void {
    rmSync(`${file}.${maxFiles}`, { force: true })
    for (let i = maxFiles - 1; i >= 1; i--) renameIfExists(`${file}.${i}`, `${file}.${i + 1}`)
    renameIfExists(file, `${file}.1`)
    size = 0
  }

  function write(level: LogLevel, message: string, details: unknown): void {
    if (LEVELS[level] < minLevel) return
    const line = formatLine(now(), level, message, details)
    const bytes = Buffer.byteLength(line)
    try {
      if (size > 0 && size + bytes > maxBytes) rotate()
      appendFileSync(file, line, { mode: 0o600 })
      size += bytes
    } catch (error) {
      // Logging must never take the kiosk down (disk full, folder removed): fall back to stderr.
      process.stderr.write(`log write failed: ${String(error)}\n${line}`)
    }
    if (options.echo) process.stderr.write(line)
  }

  return {
    debug: (m, d) => write('debug', m, d),
    info: (m, d) => write('info', m, d),
    warn: (m, d) => write('warn', m, d),
    error: (m, d) => write('error', m, d),
  }
}

export function formatLine(at: number, level: LogLevel, message: string, details: unknown): string {
  const head = `${new Date(at).toISOString()} ${level.toUpperCase().padEnd(5)} ${redactText(message)}`
  if (details === undefined) return `${head}\n`
  return `${head} ${JSON.stringify(redactValue(details))}\n`
}

function currentSize(file: string): number {
  try {
    return statSync(file).size
  } catch {
    return 0
  }
}

function renameIfExists(from: string, to: string): void {
  try {
    renameSync(from, to)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
}

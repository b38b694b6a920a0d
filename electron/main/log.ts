/**
 * Main-process log: the kiosk's readable lines (shared/server/log.ts, the one logger interface)
 * in <userData>/logs/main.log, rotated by size (main.log → main.log.1 → … → main.log.<maxFiles>),
 * so a kiosk left running for weeks never fills the disk. Everything written goes through
 * shared/server/redact.ts first.
 */
import { appendFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { createLogger, type Logger, type LogLevel } from '../../shared/server/log'
import { redactedLine } from '../../shared/server/redact'
import { errorCode } from '../../shared/error-code'

export type { Logger, LogLevel }

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
  mkdirSync(options.dir, { recursive: true, mode: 0o700 })
  let size = currentSize(file)

  /** main.log.0 … main.log.<maxFiles - 1> each moved up one, the oldest removed. */
  function shiftOlder(): void {
    rmSync(`${file}.${maxFiles}`, { force: true })
    for (let i = maxFiles - 1; i >= 0; i--) renameIfExists(`${file}.${i}`, `${file}.${i + 1}`)
  }

  function rotate(): void {
    // A main.log.0 is a rotation cut short (the power cut or the app killed before the shift,
    // an older file held open): the log up to then, which the rename below would overwrite.
    if (existsSync(`${file}.0`)) shiftOlder()
    // main.log moved aside first: one held open (a log shipper, a Windows antivirus scanner)
    // throws here, before any older file is shifted or the oldest removed.
    renameIfExists(file, `${file}.0`)
    shiftOlder()
  }

  function write(line: string): void {
    const bytes = Buffer.byteLength(line)
    try {
      if (size > 0 && size + bytes > maxBytes) {
        try {
          rotate()
        } catch (error) {
          // The line still goes to main.log, which grows; the rotation is tried again after
          // another maxBytes.
          process.stderr.write(`log rotation failed: ${String(error)}\n`)
        }
        size = 0
      }
      appendFileSync(file, line, { mode: 0o600 })
      size += bytes
    } catch (error) {
      // Logging must never take the kiosk down (disk full, folder removed): fall back to stderr.
      process.stderr.write(`log write failed: ${String(error)}\n${line}`)
    }
    if (options.echo) process.stderr.write(line)
  }

  return createLogger(write, redactedLine, { minLevel: options.level, now: options.now })
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
    if (errorCode(error) !== 'ENOENT') throw error
  }
}

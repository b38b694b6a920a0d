/**
 * Turns whatever a call threw into the `{code, message}` the renderer sees. Only deliberate
 * errors (those carrying a contract error code) keep their message; anything else, say a
 * SQLite or filesystem error whose text names paths and SQL, becomes a generic 'internal'.
 */
import { ZodError } from 'zod'
import { KioskErrorCode } from '../../shared/ipc'
import { redactText } from './redact'

export interface KioskErrorBody {
  code: KioskErrorCode
  message: string
}

const PUBLIC_CODES: ReadonlySet<string> = new Set(Object.values(KioskErrorCode))
const MAX_MESSAGE = 300

export function describeZodError(error: ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.map(String).join('.') || 'input'}: ${issue.message}`)
    .join('; ')
}

export function badInput(error: unknown): KioskErrorBody {
  const message = error instanceof ZodError ? describeZodError(error) : errorMessage(error)
  return { code: KioskErrorCode.badInput, message: clean(message) }
}

export function toKioskError(error: unknown): { body: KioskErrorBody; expected: boolean } {
  if (error instanceof ZodError) return { body: badInput(error), expected: true }
  if (isPublicError(error)) {
    return { body: { code: error.code, message: clean(error.message) }, expected: true }
  }
  return {
    body: { code: KioskErrorCode.internal, message: 'Internal error; details are in the log.' },
    expected: false,
  }
}

function isPublicError(error: unknown): error is { code: KioskErrorCode; message: string } {
  if (typeof error !== 'object' || error === null) return false
  const { code, message } = error as { code?: unknown; message?: unknown }
  return typeof code === 'string' && PUBLIC_CODES.has(code) && typeof message === 'string'
}

function errorMessage(error: unknown): string {
  if (typeof error === 'string') return error
  return error instanceof Error ? error.message : 'invalid input'
}

function clean(message: string): string {
  const text = redactText(message)
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text
}

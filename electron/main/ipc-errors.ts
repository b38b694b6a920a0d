/**
 * Turns whatever a call threw into the `{code, params}` the renderer sees (shared/errors.ts).
 * Only deliberate errors (those carrying a contract error code) keep their code and params;
 * anything else, say a SQLite or filesystem error whose text names paths and SQL, becomes a
 * generic 'internal'. No sentence crosses: the renderer words the code in the UI's language,
 * and the English detail stays in the log.
 */
import { ZodError } from 'zod'
import { errorBodySchema, isKioskErrorCode, type ErrorBody } from '../../shared/errors'
import { redactText } from '../../shared/server/redact'

export type KioskErrorBody = ErrorBody

const MAX_DETAIL = 300

export function describeZodError(error: ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.map(String).join('.') || 'input'}: ${issue.message}`)
    .join('; ')
}

export function badInput(error: unknown): KioskErrorBody {
  const path = error instanceof ZodError ? error.issues[0]?.path : undefined
  const field = path && path.length > 0 ? path.map(String).join('.').slice(0, 100) : 'input'
  return { code: 'bad_input', params: { field } }
}

export function toKioskError(error: unknown): {
  body: KioskErrorBody
  expected: boolean
  /** English, for the log only. */
  detail: string
} {
  if (error instanceof ZodError) {
    return { body: badInput(error), expected: true, detail: clean(describeZodError(error)) }
  }
  const body = publicBody(error)
  if (body) return { body, expected: true, detail: clean(errorDetail(error)) }
  return { body: { code: 'internal', params: {} }, expected: false, detail: '' }
}

/** A deliberate error: a contract code, and params that pass the wire schema (or none). */
function publicBody(error: unknown): KioskErrorBody | null {
  if (typeof error !== 'object' || error === null) return null
  const { code, body } = error as { code?: unknown; body?: unknown }
  if (!isKioskErrorCode(code)) return null
  const parsed = errorBodySchema.safeParse(body)
  return parsed.success && parsed.data.code === code ? parsed.data : { code, params: {} }
}

function errorDetail(error: unknown): string {
  return error instanceof Error ? error.message : ''
}

function clean(message: string): string {
  const text = redactText(message)
  return text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL - 1)}…` : text
}

import { errorBodySchema, type ErrorBody } from '../../../shared/errors'
import { errorCode } from '../../../shared/error-code'

/** The stable code of a failed kiosk call (the bridge attaches `code`), or null. */
export { errorCode }

/**
 * A failed call as data (`{code, params}`, shared/errors.ts), whatever shape it arrived in:
 * the web client's KioskCallError, the preload's plain object, or anything else thrown in the
 * page (which has no code: 'failed'). Never the thrown message: that is English for logs, and
 * the UI words the code itself (renderer/src/i18n/error-text.ts).
 */
export function toErrorBody(error: unknown): ErrorBody {
  if (typeof error === 'string') return { code: error, params: {} }
  const parsed = errorBodySchema.safeParse(error)
  if (parsed.success) return parsed.data
  const code = errorCode(error)
  return { code: code !== null && code.length <= 64 ? code : 'failed', params: {} }
}

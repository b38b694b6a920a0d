/**
 * The console API's failures as data the pages translate: the relay's error code (contract
 * v2, shared/console-api.ts), the HTTP status and, for a lockout, how long to wait.
 */
import { z } from 'zod'
import {
  consoleErrorCodes,
  storeRefusalOf,
  type ConsoleErrorCode,
  type StoreRefusal,
} from '../../../shared/console-api'

/**
 * The relay's codes plus those the client itself detects: `too_slow` is any 408, a body the
 * relay stopped waiting for (relay/README.md "Connections"): the link, not the input;
 * `cancelled` is an upload the organizer stopped before its body was all sent (nothing stored).
 */
export type ConsoleFailureCode =
  ConsoleErrorCode | 'network' | 'bad_response' | 'too_slow' | 'cancelled'

export class ConsoleApiError extends Error {
  constructor(
    readonly code: ConsoleFailureCode,
    readonly status: number,
    /** From Retry-After on 429 (locked_out, rate_limited); null otherwise. */
    readonly retryAfterSeconds: number | null = null,
    /**
     * From a draw's or redraw's 409 for too few eligible visitors: how many could have been
     * drawn (the body's `eligible`); null for any other failure, or a relay that does not say.
     */
    readonly eligible: number | null = null,
    /**
     * From a 503 `internal` the relay's store refused (its disk full, its database locked):
     * why, and whether nothing was saved, so the page can say retrying now will not help.
     */
    readonly storeRefusal: StoreRefusal | null = null,
  ) {
    super(`console API: ${code} (${status})`)
    this.name = 'ConsoleApiError'
  }
}

const errorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string().optional() }),
})

/** The code in an error answer; a code this client does not know falls back on the status. */
export function errorCodeOf(status: number, body: unknown): ConsoleFailureCode {
  if (status === 408) return 'too_slow'
  const parsed = errorBodySchema.safeParse(body)
  const code = parsed.success ? parsed.data.error.code : null
  const known = consoleErrorCodes.find((c) => c === code)
  if (known) return known
  if (status === 401) return 'unauthorized'
  if (status === 403) return 'forbidden'
  if (status === 404) return 'not_found'
  if (status === 405) return 'method_not_allowed'
  if (status === 409) return 'conflict'
  if (status === 410) return 'gone'
  if (status === 412) return 'precondition_failed'
  if (status === 413) return 'too_large'
  if (status === 429) return 'rate_limited'
  if (status >= 400 && status < 500) return 'bad_request'
  return 'internal'
}

const eligibleBodySchema = z.object({
  error: z.object({ eligible: z.number().int().nonnegative() }),
})

/** The `eligible` count of a 409 body (too few eligible visitors for a draw), else null. */
export function eligibleOf(status: number, body: unknown): number | null {
  if (status !== 409) return null
  const parsed = eligibleBodySchema.safeParse(body)
  return parsed.success ? parsed.data.error.eligible : null
}

/** The store refusal an error answer names (503 `internal`, the relay's fixed words), else null. */
export function storeRefusalIn(status: number, body: unknown): StoreRefusal | null {
  const parsed = errorBodySchema.safeParse(body)
  if (!parsed.success || parsed.data.error.code !== 'internal') return null
  return storeRefusalOf(status, parsed.data.error.message ?? '')
}

/** Retry-After as whole seconds (delta form only; the relay never sends a date), else null. */
export function parseRetryAfter(header: string | null): number | null {
  if (header === null || !/^\d{1,7}$/.test(header.trim())) return null
  return Number(header.trim())
}

export function toConsoleError(error: unknown): ConsoleApiError {
  return error instanceof ConsoleApiError ? error : new ConsoleApiError('network', 0)
}

// Folder api/: the kiosk API every bridge calls. kiosk-api.ts (here) dispatches and checks,
// kiosk-handlers.ts implements the methods, kiosk-events.ts types the events to the screen,
// kiosk-error.ts the errors a method answers with.
/**
 * The kiosk API dispatcher behind every bridge (Electron IPC, web mode, tests): input checked
 * with the method's schema, admin methods gated by the PIN session, output checked against the
 * contract. Bridges add only their own transport checks (sender, origin, secret).
 */
import { ZodError } from 'zod'
import { isKioskErrorCode } from '../../../shared/errors'
import {
  isKioskMethodName,
  kioskMethods,
  parseMethodInput,
  type KioskHandler,
  type KioskHandlers,
  type ParsedInput,
} from '../../../shared/ipc'
import { formatPath } from '../config/json-file'
import { KioskError } from './kiosk-error'
import type { Logger } from '../../../shared/server/log'

export type { KioskHandler, KioskHandlers, ParsedInput }

export interface DispatcherOptions {
  handlers: KioskHandlers
  isAdminUnlocked: () => boolean
  log?: Logger
}

export type KioskCall = (name: string, input: unknown) => Promise<unknown>

export function createDispatcher(o: DispatcherOptions): KioskCall {
  return async (name, input) => {
    if (!isKioskMethodName(name)) throw new KioskError('unknown_method', 'no such method')
    const method = kioskMethods[name]
    let parsed: unknown
    try {
      parsed = parseMethodInput(name, input ?? undefined)
    } catch (err) {
      throw badInputError(err)
    }
    if (method.admin && !o.isAdminUnlocked()) {
      throw new KioskError('admin_locked', 'Unlock the admin area first.')
    }
    let result: unknown
    try {
      result = await (o.handlers[name] as (input: unknown) => unknown)(parsed)
    } catch (err) {
      throw toPublicError(err, name, o.log)
    }
    const output = method.output.safeParse(result)
    if (!output.success) {
      o.log?.error(
        `result of ${name} does not match the contract: ${describeInputError(output.error)}`,
      )
      throw new KioskError('internal', 'Internal error; details are in the log.')
    }
    return output.data
  }
}

/** A refused input as data: the first offending field's path; the full detail goes to the log. */
export function badInputError(err: unknown): KioskError<'bad_input'> {
  const path = err instanceof ZodError ? err.issues[0]?.path : undefined
  const field = path && path.length > 0 ? formatPath(path).slice(0, 100) : 'input'
  return new KioskError('bad_input', describeInputError(err), { field })
}

export function describeInputError(err: unknown): string {
  if (err instanceof ZodError) {
    return err.issues
      .slice(0, 5)
      .map((i) => `${i.path.length ? formatPath(i.path) : 'input'}: ${i.message}`)
      .join('; ')
  }
  return err instanceof Error ? err.message : 'invalid input'
}

/** Deliberate errors pass on as they are; anything else (SQL, paths) becomes a generic one. */
function toPublicError(err: unknown, method: string, log?: Logger): KioskError {
  if (err instanceof KioskError && isKioskErrorCode(err.code)) {
    log?.info(`${method} refused (${err.code}): ${err.message}`)
    return err as KioskError
  }
  if (err instanceof ZodError) return badInputError(err)
  log?.error(`${method} failed: ${err instanceof Error ? err.message : String(err)}`)
  return new KioskError('internal', 'Internal error; details are in the log.')
}

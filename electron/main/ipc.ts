/**
 * The only place the main process touches ipcMain. One `ipcMain.handle('kiosk:<name>')` per
 * contract method, registered through the typed `addHandler`. Every call is checked in order:
 * the sender must be our kiosk window's main frame showing our page, the input must parse with
 * the method's schema, admin methods need the admin area unlocked, and the result must parse
 * with the output schema (which also strips any field the contract does not name).
 */
import type { IpcMainInvokeEvent } from 'electron'
import type { z } from 'zod'
import {
  KioskErrorCode,
  kioskEvents,
  kioskMethods,
  parseMethodInput,
  type KioskEventName,
  type KioskMethodName,
  type MethodOutput,
} from '../../shared/ipc'
import { eventChannel, kioskMethodNames, methodChannel, type IpcReply } from '../preload/channels'
import { badInput, toKioskError } from './ipc-errors'
import type { Logger } from './log'

/** The slice of ipcMain used here (a fake in tests). */
export interface IpcMainLike {
  handle(
    channel: string,
    listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown,
  ): void
  removeHandler(channel: string): void
}

/** A method's input after its schema's defaults are applied (undefined for no-input methods). */
export type ParsedInput<K extends KioskMethodName> =
  (typeof kioskMethods)[K]['input'] extends z.ZodType
    ? z.output<(typeof kioskMethods)[K]['input']>
    : undefined

export type KioskHandler<K extends KioskMethodName> = (
  input: ParsedInput<K>,
) => Promise<MethodOutput<K>> | MethodOutput<K>

export type KioskHandlers = { [K in KioskMethodName]: KioskHandler<K> }

export interface KioskIpcOptions {
  ipcMain: IpcMainLike
  /** True if the event comes from our kiosk window's main frame. */
  isTrustedSender: (event: IpcMainInvokeEvent) => boolean
  isAdminUnlocked: () => boolean
  handlers: KioskHandlers
  log: Logger
}

/** Registers every contract method; returns a function that removes them again. */
export function registerKioskIpc(options: KioskIpcOptions): () => void {
  const { ipcMain, log } = options
  const registered: string[] = []

  function addHandler<K extends KioskMethodName>(name: K, handler: KioskHandler<K>): void {
    const channel = methodChannel(name)
    ipcMain.handle(channel, async (event, ...args) => {
      if (!options.isTrustedSender(event)) {
        log.warn('IPC refused: sender is not the kiosk window', { method: name })
        throw new Error('Refused: not the kiosk window')
      }
      return call(name, handler, args)
    })
    registered.push(channel)
  }

  async function call<K extends KioskMethodName>(
    name: K,
    handler: KioskHandler<K>,
    args: unknown[],
  ): Promise<IpcReply> {
    const method = kioskMethods[name]
    let input: ParsedInput<K>
    try {
      if (args.length > 1) throw new TypeError('Methods take at most one argument')
      input = parseMethodInput(name, args[0]) as ParsedInput<K>
    } catch (error) {
      return { ok: false, error: badInput(error) }
    }
    if (method.admin && !options.isAdminUnlocked()) {
      return {
        ok: false,
        error: { code: KioskErrorCode.locked, message: 'Unlock the admin area first.' },
      }
    }
    try {
      const result = await handler(input)
      const output = method.output.safeParse(result)
      if (!output.success) {
        log.error('IPC result does not match the contract', {
          method: name,
          issues: output.error.issues,
        })
        return { ok: false, error: toKioskError(new Error('bad output')).body }
      }
      return { ok: true, value: output.data }
    } catch (error) {
      const { body, expected } = toKioskError(error)
      if (expected) log.info('IPC call failed', { method: name, code: body.code })
      else log.error('IPC call crashed', { method: name, error })
      return { ok: false, error: body }
    }
  }

  for (const name of kioskMethodNames) {
    // Each name gets its own handler from the typed table; TypeScript cannot correlate the
    // two across a loop, hence the widening to the generic signature.
    addHandler(name, options.handlers[name] as KioskHandler<typeof name>)
  }

  return () => {
    for (const channel of registered.splice(0)) ipcMain.removeHandler(channel)
  }
}

/** Sends a contract event to the window after checking its payload against the schema. */
export function createEventSender(options: {
  send: (channel: string, payload: unknown) => void
  log: Logger
}): (name: KioskEventName, payload: unknown) => void {
  return (name, payload) => {
    if (!Object.hasOwn(kioskEvents, name)) {
      options.log.error('unknown kiosk event dropped', { event: String(name) })
      return
    }
    const parsed = kioskEvents[name].safeParse(payload)
    if (!parsed.success) {
      options.log.error('kiosk event does not match the contract; dropped', { event: name })
      return
    }
    options.send(eventChannel(name), parsed.data)
  }
}

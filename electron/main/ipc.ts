/**
 * The only place the main process touches ipcMain. One `ipcMain.handle('kiosk:<name>')` per
 * contract method. The shell checks what only it can see — the sender must be our kiosk
 * window's main frame showing our page, with at most one argument — and hands the call to the
 * core's dispatcher, which checks the input schema, the admin lock and the output schema (the
 * same checks every bridge gets).
 */
import type { IpcMainInvokeEvent } from 'electron'
import { adminEventNames, kioskEvents, type KioskEventName } from '../../shared/ipc'
import type { KioskCall } from '../core/api/kiosk-api'
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

export interface KioskIpcOptions {
  ipcMain: IpcMainLike
  /** True if the event comes from our kiosk window's main frame. */
  isTrustedSender: (event: IpcMainInvokeEvent) => boolean
  /** The core's dispatcher (input, admin lock and output checks). */
  call: KioskCall
  log: Logger
}

/** Registers every contract method; returns a function that removes them again. */
export function registerKioskIpc(options: KioskIpcOptions): () => void {
  const { ipcMain, log } = options
  const registered: string[] = []

  for (const name of kioskMethodNames) {
    const channel = methodChannel(name)
    ipcMain.handle(channel, async (event, ...args): Promise<IpcReply> => {
      if (!options.isTrustedSender(event)) {
        log.warn('IPC refused: sender is not the kiosk window', { method: name })
        throw new Error('Refused: not the kiosk window')
      }
      if (args.length > 1)
        return { ok: false, error: badInput('Methods take at most one argument') }
      try {
        return { ok: true, value: await options.call(name, args[0]) }
      } catch (error) {
        const { body, expected, detail } = toKioskError(error)
        if (expected) log.info('IPC call failed', { method: name, code: body.code, detail })
        else log.error('IPC call crashed', { method: name, error })
        return { ok: false, error: body }
      }
    })
    registered.push(channel)
  }

  return () => {
    for (const channel of registered.splice(0)) ipcMain.removeHandler(channel)
  }
}

/**
 * Sends a contract event to the window after checking its payload against the schema. The admin
 * area's events (adminEventNames) go only while it is unlocked, as its methods do.
 */
export function createEventSender(options: {
  send: (channel: string, payload: unknown) => void
  /** Whether the admin area is unlocked (without extending its session). */
  adminSessionOpen: () => boolean
  log: Logger
}): (name: KioskEventName, payload: unknown) => void {
  return (name, payload) => {
    if (!Object.hasOwn(kioskEvents, name)) {
      options.log.error('unknown kiosk event dropped', { event: String(name) })
      return
    }
    if (adminEventNames.has(name) && !options.adminSessionOpen()) return
    const parsed = kioskEvents[name].safeParse(payload)
    if (!parsed.success) {
      options.log.error('kiosk event does not match the contract; dropped', { event: name })
      return
    }
    options.send(eventChannel(name), parsed.data)
  }
}

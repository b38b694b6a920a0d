/**
 * Sandboxed preload: exposes `window.kiosk` (the typed contract in shared/ipc.ts) and nothing
 * else. One named function per contract method, plus `on()` for the contract's events. No
 * generic send/invoke forwarder, and listeners never receive the IpcRendererEvent (it would
 * hand the page `sender`, i.e. raw IPC).
 */
import { contextBridge, ipcRenderer } from 'electron'
import type { KioskApi, KioskEventName, KioskMethodName } from '../../shared/ipc'
import {
  eventChannel,
  kioskEventNames,
  kioskMethodNames,
  methodChannel,
  type IpcReply,
} from './channels'

const eventNames: ReadonlySet<string> = new Set(kioskEventNames)

async function call(name: KioskMethodName, input: unknown): Promise<unknown> {
  const reply = (await ipcRenderer.invoke(methodChannel(name), input)) as IpcReply
  if (reply.ok) return reply.value
  // A plain {code, params} object (shared/errors.ts), not an Error: contextBridge rebuilds
  // Errors from their message alone, and the UI needs the code and params to word it.
  // eslint-disable-next-line @typescript-eslint/only-throw-error
  throw { code: reply.error.code, params: reply.error.params }
}

function on(event: string, listener: (payload: unknown) => void): () => void {
  if (!eventNames.has(event)) throw new TypeError(`Unknown kiosk event: ${String(event)}`)
  if (typeof listener !== 'function') throw new TypeError('listener must be a function')
  const channel = eventChannel(event as KioskEventName)
  const forward = (_event: Electron.IpcRendererEvent, payload: unknown): void => listener(payload)
  ipcRenderer.on(channel, forward)
  return () => {
    ipcRenderer.removeListener(channel, forward)
  }
}

const api: Record<string, unknown> = { on }
for (const name of kioskMethodNames) {
  api[name] = (input?: unknown) => call(name, input)
}

// The loop above defines exactly the contract's methods (channels.ts checks the list is
// complete at compile time), so the object is a KioskApi.
const kiosk = Object.freeze(api) as KioskApi
contextBridge.exposeInMainWorld('kiosk', kiosk)

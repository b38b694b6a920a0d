/**
 * The preload's wire format, shared by the preload and the main process. Only names live here
 * (no zod): the sandboxed preload stays small, and the main process validates everything.
 */
import type { KioskEventName, KioskMethodName } from '../../shared/ipc'

/** Every contract method, by name. Checked against the contract at compile time below. */
export const kioskMethodNames = [
  'getScreenState',
  'greetingShown',
  'setLocale',
  'unlockAdmin',
  'lockAdmin',
  'setPin',
  'getSettings',
  'setBigScreen',
  'saveSetup',
  'pairWithCode',
  'testConnection',
  'listCampaigns',
  'saveCampaign',
  'activateCampaign',
  'listAttendance',
  'getStats',
  'startExport',
  'importRoster',
  'searchRoster',
  'showDeskTicket',
  'getDiagnostics',
  'setStartAtLogin',
  'boothDataAtRisk',
  'clearBooth',
] as const satisfies readonly KioskMethodName[]

export const kioskEventNames = [
  'ticket',
  'status',
  'greeting',
  'campaign',
  'attendance',
  'exportProgress',
  'locale',
  'screen',
  'adminLockout',
  'roster',
] as const satisfies readonly KioskEventName[]

// A contract entry missing from the lists above is a compile error here.
type Missing<All, Listed> = [Exclude<All, Listed>] extends [never] ? true : Exclude<All, Listed>
const allMethodsListed: Missing<KioskMethodName, (typeof kioskMethodNames)[number]> = true
const allEventsListed: Missing<KioskEventName, (typeof kioskEventNames)[number]> = true
void allMethodsListed
void allEventsListed

export const methodChannel = (name: KioskMethodName): string => `kiosk:${name}`
export const eventChannel = (name: KioskEventName): string => `kiosk-event:${name}`

/** What a method channel answers: never a thrown error, so the code survives the bridge. */
export type IpcReply =
  | { ok: true; value: unknown }
  | { ok: false; error: { code: string; params: Record<string, string | number> } }

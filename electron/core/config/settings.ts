// Folder config/: how this kiosk is set up. settings.ts (here) is settings.json; vault.ts keeps the
// secrets; setup.ts connects it to a relay and an account; admin-auth.ts guards the admin area with
// the PIN (admin-lockout.ts keeps its lockout); json-file.ts reads and writes validated JSON files;
// provisioning-args.ts parses the flags the kiosk starts with (CLI and Electron shell alike);
// relay-url.ts derives the relay's endpoints from its base url.
/**
 * settings.json: how this kiosk is connected and who may administer it. Secrets are not
 * here (they live in the vault); the PIN only as a salted scrypt hash.
 */
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { z } from 'zod'
import { localeSchema, type Locale } from '../../../shared/domain'
import { kioskIdSchema } from '../../../shared/relay-protocol'
import { bigScreenSchema } from '../../../shared/screen-paths'
import { readJsonFile, writeJsonFile } from './json-file'

/** The settings as the running core holds them: read, and change (saved before it applies). */
export interface SettingsAccess {
  get(): Settings
  /** Validated and saved first: an invalid patch changes nothing. */
  update(patch: Partial<Settings>): Settings
}

export const DEFAULT_API_BASE = 'https://api.weixin.qq.com'

export const poolSettingsSchema = z
  .object({
    /** Tickets kept ready ahead of need. */
    target: z.number().int().min(1).max(50).default(5),
    /** A ticket is never put on screen this close to its expiry. */
    marginSeconds: z.number().int().min(5).max(600).default(30),
    /** Ticket requests in flight at once. */
    maxInFlight: z.number().int().min(1).max(8).default(2),
  })
  .strict()

export const settingsSchema = z
  .object({
    version: z.literal(1),
    kioskId: kioskIdSchema.nullable(),
    ticketSource: z.enum(['direct', 'proxy']),
    relayUrl: z.url({ protocol: /^(https?|wss?)$/ }).nullable(),
    apiBase: z.url({ protocol: /^https?$/ }),
    appId: z.string().min(1).max(64).nullable(),
    activeCampaignId: z.string().min(1).max(64).nullable(),
    locale: localeSchema,
    demo: z.boolean(),
    startAtLogin: z.boolean(),
    /** Changes whenever the account or relay changes; tickets of other connections are not shown. */
    connectionId: z.string().min(1).max(64),
    adminPin: z
      .object({ salt: z.string().min(16).max(64), hash: z.string().min(32).max(256) })
      .strict()
      .nullable(),
    pool: poolSettingsSchema.default({ target: 5, marginSeconds: 30, maxInFlight: 2 }),
    /** What the screen shows: the QR code, or the relay campaign's sign-in wall or draw. */
    bigScreen: bigScreenSchema.default('qr'),
    /**
     * SHA-256 of the pairing code the relay token came from (config/pairing.ts: the admin
     * area's pairing or a headless start's): for a headless start the same code again is a
     * restart, another one a re-pairing. Its being set also says that the relay serves
     * campaigns (only a contract v2 relay pairs; the screen state's campaignsFromRelay). Null
     * for a typed token (a setup with another token, relay or kiosk id clears it), or when
     * paired before this was kept.
     */
    pairedCodeHash: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .nullable()
      .default(null),
  })
  .strict()
export type Settings = z.output<typeof settingsSchema>

export const settingsFile = (dataDir: string): string => join(dataDir, 'settings.json')

export function newConnectionId(): string {
  return randomBytes(9).toString('base64url')
}

export function defaultSettings(): Settings {
  return {
    version: 1,
    kioskId: null,
    ticketSource: 'proxy',
    relayUrl: null,
    apiBase: DEFAULT_API_BASE,
    appId: null,
    activeCampaignId: null,
    locale: 'zh-CN',
    demo: false,
    startAtLogin: false,
    connectionId: newConnectionId(),
    adminPin: null,
    pool: { target: 5, marginSeconds: 30, maxInFlight: 2 },
    bigScreen: 'qr',
    pairedCodeHash: null,
  }
}

/** null when there is no settings file yet (first start: demo or provisioning decides). */
export function loadSettings(dataDir: string): Settings | null {
  return readJsonFile(settingsFile(dataDir), settingsSchema)
}

/**
 * The language the kiosk was set to, for words shown before (or instead of) the kiosk screen,
 * such as the shell's start-up error box: zh-CN, the kiosk's first language, when nothing is
 * saved yet or the file cannot be read (the error being shown may be that very file).
 */
export function savedLocale(dataDir: string | null): Locale {
  if (dataDir === null) return 'zh-CN'
  try {
    return loadSettings(dataDir)?.locale ?? 'zh-CN'
  } catch {
    return 'zh-CN'
  }
}

export function saveSettings(dataDir: string, settings: Settings): void {
  writeJsonFile(settingsFile(dataDir), settingsSchema.parse(settings))
}

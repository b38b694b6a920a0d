/**
 * The kiosk API contract: every call the renderer may make to the main process, and every
 * event the main process may send. The Electron preload exposes it as `window.kiosk`; web
 * mode exposes the very same object over its loopback bridge. Both sides validate with the
 * schemas below, so a call is checked where it is received, whatever sent it.
 *
 * Runs in the renderer too: no Node, DOM or Electron imports.
 */
import { z } from 'zod'
import {
  attendanceRowSchema,
  campaignSchema,
  editableCampaignSchema,
  exportProgressSchema,
  greetingSchema,
  kioskStatusSchema,
  localeSchema,
  rosterEntrySchema,
  screenTicketSchema,
  statsSchema,
} from './domain'
import {
  normalizePairingCode,
  PAIRING_ALPHABET,
  PAIRING_CODE_LENGTH,
  pairingCodeSchema,
} from './console-api'
import { errorBodySchema, rosterColumns } from './errors'
import { kioskIdSchema } from './relay-protocol'
import { bigScreenSchema } from './screen-paths'
import {
  hasUserInfo,
  INSECURE_HTTP_MESSAGE,
  isInsecureRemoteUrl,
  USER_INFO_MESSAGE,
} from './url-rule'

export type { KioskErrorCode } from './errors'

const ok = z.object({ ok: z.literal(true) })
const pin = z.string().regex(/^\d{4,8}$/, 'PIN is 4–8 digits')
/** A field's problem as a code from shared/errors.ts (`required`, `reenter`…); the UI words it. */
const fieldErrors = z.array(z.object({ field: z.string(), code: z.string() }))

export const screenStateSchema = z.object({
  configured: z.boolean(),
  demo: z.boolean(),
  locale: localeSchema,
  campaign: campaignSchema.nullable(),
  ticket: screenTicketSchema.nullable(),
  status: kioskStatusSchema,
  /**
   * The relay's page the screen shows instead of the QR code (the admin area's "big screen"
   * choice), joined to the relay's origin; null: the QR code.
   */
  bigScreen: z
    .object({
      kind: z.enum(['wall', 'draw']),
      url: z
        .url({ protocol: /^https?$/ })
        .refine((u) => new URL(u).pathname.startsWith('/screen/'), 'not a screen page'),
    })
    .strict()
    .nullable()
    .default(null),
  /**
   * The relay this kiosk is linked to serves campaigns (contract v2: it said which campaign it
   * runs this kiosk in, or that it runs none): its organizers can assign this booth one in the
   * event console. False for a relay that never said (v1, or not reached yet).
   */
  campaignsFromRelay: z.boolean().default(false),
  /**
   * The kiosk core's time zone (an IANA name, or a fixed offset such as `+05:30`): the booth's
   * calendar. Whether its campaign has started or ended, and the times the admin area shows, go
   * by it, also in a browser (kiosk web) on a laptop set to another zone. Null from a core that
   * never said: the screen's own zone then.
   */
  timeZone: z.string().min(1).max(64).nullable().default(null),
})
export type ScreenState = z.infer<typeof screenStateSchema>

/** Settings as the admin area sees them: secrets only as "is one stored". */
export const publicSettingsSchema = z.object({
  kioskId: kioskIdSchema.nullable(),
  ticketSource: z.enum(['direct', 'proxy']),
  relayUrl: z.string().nullable(),
  apiBase: z.string(),
  appId: z.string().nullable(),
  hasAppSecret: z.boolean(),
  hasRelayToken: z.boolean(),
  activeCampaignId: z.string().nullable(),
  locale: localeSchema,
  demo: z.boolean(),
  startAtLogin: z.boolean().nullable(),
  bigScreen: bigScreenSchema,
  /** The relay runs this kiosk in a campaign with big screens: the choice is offered. */
  bigScreenAvailable: z.boolean(),
})
export type PublicSettings = z.infer<typeof publicSettingsSchema>

/**
 * A relay token as the link sends it, in an `Authorization: Bearer` header: printable ASCII
 * without spaces (RELAY_TOKEN_CHARS, which the ticket source checks too; the relay's tokens are
 * `<kioskId>.<base64url>`). A line break, a space, a control or a non-ASCII character pasted
 * with one cannot go into a header at all: every link, ticket request and connection test with
 * it would fail before reaching the relay.
 */
export const RELAY_TOKEN_CHARS = /^[\x21-\x7e]+$/
export const relayTokenSchema = z
  .string()
  .min(16)
  .max(256)
  .regex(RELAY_TOKEN_CHARS, 'letters, digits and symbols only, without spaces or line breaks')

const secureOrLoopback = (url: string) => !isInsecureRemoteUrl(url)
const noUserInfo = (url: string) => !hasUserInfo(url)
/** The field's code is `insecure_http` (in `params`): the setup page has a message for it. */
const insecureHttp = { message: INSECURE_HTTP_MESSAGE, params: { code: 'insecure_http' } }
/** The field's code is `user_info`: the setup page says what is wrong, not "enter the address". */
const userInfo = { message: USER_INFO_MESSAGE, params: { code: 'user_info' } }

export const setupInputSchema = z
  .object({
    ticketSource: z.enum(['direct', 'proxy']),
    relayUrl: z
      .url({ protocol: /^(https?|wss?)$/ })
      .refine(secureOrLoopback, insecureHttp)
      .refine(noUserInfo, userInfo),
    kioskId: kioskIdSchema,
    /** Omitted: keep the stored one. */
    relayToken: relayTokenSchema.optional(),
    apiBase: z
      .url({ protocol: /^https?$/ })
      .refine(secureOrLoopback, insecureHttp)
      .refine(noUserInfo, userInfo)
      .optional(),
    appId: z
      .string()
      .regex(/^wx[0-9a-zA-Z]{16}$/, 'AppID looks like wx followed by 16 letters or digits')
      .optional(),
    appSecret: z
      .string()
      .regex(/^[0-9a-zA-Z]{32}$/, 'AppSecret is 32 letters or digits')
      .optional(),
  })
  .strict()
export type SetupInput = z.infer<typeof setupInputSchema>

/**
 * Pairing with a code from the organizer's console (docs/DESIGN.md, contract v2): the setup
 * without kiosk id and token, which the relay hands out for the code. `code` as typed or
 * pasted (grouped, lower case, or a `<relay>/pair/<code>` link); the core normalizes it.
 */
export const pairInputSchema = setupInputSchema
  .omit({ kioskId: true, relayToken: true })
  .extend({
    code: z
      .string()
      .max(300)
      .refine((c) => pairingCodeSchema.safeParse(normalizePairingCode(c)).success, {
        message: `a pairing code is ${PAIRING_CODE_LENGTH} characters of ${PAIRING_ALPHABET}`,
      }),
  })
  .strict()
export type PairInput = z.infer<typeof pairInputSchema>

/**
 * 测试连接 with what the setup form has now, saving nothing. Fields as typed: an empty or
 * malformed one is the check's answer (`required`, `invalid`), not a refused call. A secret
 * left out is the stored one, under the setup's rule: never sent to a changed address. No
 * `kioskId`: pairing, not done yet, so only the relay's address can be checked.
 */
export const connectionTestInputSchema = z
  .object({
    ticketSource: z.enum(['direct', 'proxy']),
    relayUrl: z.string().max(2048),
    kioskId: z.string().max(256).optional(),
    relayToken: z.string().max(256).optional(),
    apiBase: z.string().max(2048).optional(),
    appId: z.string().max(256).optional(),
    appSecret: z.string().max(256).optional(),
  })
  .strict()
export type ConnectionTestInput = z.infer<typeof connectionTestInputSchema>

/** A connection check's outcome: a status code from shared/errors.ts and its params. */
export const connectionCheckSchema = errorBodySchema.extend({
  ok: z.boolean(),
  /** The setup form's field the failure is down to (the page marks it), if it is one field's. */
  field: z.enum(['relayUrl', 'kioskId', 'relayToken', 'apiBase', 'appId', 'appSecret']).optional(),
})
export type ConnectionCheck = z.infer<typeof connectionCheckSchema>

/** The booth's permanent fallback code, as diagnostics show it. */
export const fallbackCodeStatusSchema = z.object({
  /** ready: stored; pending: not created yet (retried); off: no ticket source configured. */
  state: z.enum(['ready', 'pending', 'off']),
  scene: z.string().nullable(),
  url: z.string().nullable(),
  createdAt: z.number().int().nonnegative().nullable(),
  /** When it last went on or came off the screen; null if it never was on screen. */
  lastShownAt: z.number().int().nonnegative().nullable(),
  onScreen: z.boolean(),
  lastError: errorBodySchema.nullable(),
})
export type FallbackCodeStatus = z.infer<typeof fallbackCodeStatusSchema>

export const diagnosticsSchema = z.object({
  version: z.string(),
  kioskId: z.string().nullable(),
  status: kioskStatusSchema,
  relay: z.object({
    epoch: z.string().nullable(),
    lastAckedSeq: z.number().int(),
    lagMs: z.number().nullable(),
    /**
     * The HTTP proxy the relay is reached through (HTTPS_PROXY and the like, docs/DEPLOY.md):
     * its address without user name or password, `invalid: …` for a setting that is not a
     * proxy's address; null for a direct connection (or no relay set).
     */
    proxy: z.string().max(500).nullable(),
  }),
  lastEvents: z.array(attendanceRowSchema).max(50),
  fallbackCode: fallbackCodeStatusSchema,
})
export type Diagnostics = z.infer<typeof diagnosticsSchema>

/**
 * What only this booth holds (electron/core/clear-booth.ts): the admin area's "clear this booth"
 * shows it, and clearing refuses while it is not zero and the loss is not confirmed.
 */
export const boothDataAtRiskSchema = z
  .object({
    /** Desk bindings queued for the relay and not yet acknowledged by it. */
    unsentBindings: z.number().int().nonnegative(),
    /** Check-ins in campaigns the relay does not run: kept only on this booth. */
    localOnlyCheckIns: z.number().int().nonnegative(),
  })
  .strict()
export type BoothDataAtRiskCounts = z.infer<typeof boothDataAtRiskSchema>

/** Something only this booth holds: clearing it loses that unless exported first. */
export function atRisk(r: BoothDataAtRiskCounts): boolean {
  return r.unsentBindings > 0 || r.localOnlyCheckIns > 0
}

export const rosterImportResultSchema = z.object({
  imported: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  /** Codes from `rosterProblemCodes` (shared/errors.ts), never sentences. */
  errors: z.array(
    z.object({
      /** As the spreadsheet numbers it: 1-based, the header row is 1. */
      row: z.number().int().positive(),
      column: z.enum(rosterColumns).nullable(),
      code: z.string().min(1).max(64),
      params: z.record(z.string().max(32), z.union([z.string().max(200), z.number()])),
    }),
  ),
})
export type RosterImportResult = z.infer<typeof rosterImportResultSchema>

/** Each method takes at most one argument (`input`), validated by its schema. */
interface Method<I extends z.ZodType | null, O extends z.ZodType> {
  input: I
  output: O
  /** Needs the admin area unlocked with the PIN. */
  admin: boolean
}
const method = <I extends z.ZodType | null, O extends z.ZodType>(
  input: I,
  output: O,
  admin: boolean,
): Method<I, O> => ({ input, output, admin })

export const kioskMethods = {
  // Kiosk screen: what a passer-by's screen needs, nothing more.
  getScreenState: method(null, screenStateSchema, false),
  greetingShown: method(z.object({ eventId: z.string().min(1).max(128) }).strict(), ok, false),
  setLocale: method(z.object({ locale: localeSchema }).strict(), ok, false),

  // Admin area.
  unlockAdmin: method(
    z.object({ pin }).strict(),
    z.union([
      ok,
      z.object({
        ok: z.literal(false),
        attemptsLeft: z.number().int(),
        lockedUntil: z.number().int().nullable(),
      }),
    ]),
    false,
  ),
  lockAdmin: method(null, ok, true),
  setPin: method(z.object({ currentPin: pin, newPin: pin }).strict(), ok, true),
  getSettings: method(null, publicSettingsSchema, true),
  setBigScreen: method(z.object({ screen: bigScreenSchema }).strict(), ok, true),
  saveSetup: method(
    setupInputSchema,
    z.union([ok, z.object({ ok: z.literal(false), errors: fieldErrors })]),
    true,
  ),
  pairWithCode: method(
    pairInputSchema,
    z.union([
      z.object({ ok: z.literal(true), kioskId: kioskIdSchema }),
      z.object({ ok: z.literal(false), errors: fieldErrors }),
    ]),
    true,
  ),
  /** No input: the saved setup; the form's values: those (see connectionTestInputSchema). */
  testConnection: method(
    connectionTestInputSchema.optional(),
    z.object({ relay: connectionCheckSchema, api: connectionCheckSchema }),
    true,
  ),
  listCampaigns: method(null, z.array(campaignSchema), true),
  saveCampaign: method(
    editableCampaignSchema,
    z.union([ok, z.object({ ok: z.literal(false), errors: fieldErrors })]),
    true,
  ),
  activateCampaign: method(z.object({ id: z.string().min(1).max(64) }).strict(), ok, true),
  listAttendance: method(
    z
      .object({
        campaignId: z.string().min(1).max(64),
        query: z.string().max(100).default(''),
        from: z.number().int().nonnegative().nullable().default(null),
        to: z.number().int().nonnegative().nullable().default(null),
        offset: z.number().int().nonnegative().default(0),
        limit: z.number().int().min(1).max(500).default(100),
      })
      .strict(),
    z.object({ rows: z.array(attendanceRowSchema), total: z.number().int().nonnegative() }),
    true,
  ),
  getStats: method(z.object({ campaignId: z.string().min(1).max(64) }).strict(), statsSchema, true),
  startExport: method(
    z.object({ campaignId: z.string().min(1).max(64), format: z.enum(['csv', 'xlsx']) }).strict(),
    z.object({ exportId: z.string() }),
    true,
  ),
  importRoster: method(
    z
      .object({
        fileName: z.string().min(1).max(255),
        format: z.enum(['csv', 'xlsx']),
        /** File content, base64; at most ~10 MiB decoded. */
        dataBase64: z.string().max(14_000_000),
        skipBadRows: z.boolean(),
      })
      .strict(),
    rosterImportResultSchema,
    true,
  ),
  searchRoster: method(
    z
      .object({ query: z.string().max(100), limit: z.number().int().min(1).max(200).default(50) })
      .strict(),
    z.array(rosterEntrySchema),
    true,
  ),
  showDeskTicket: method(
    z.object({ rosterEntryId: z.string().min(1).max(64) }).strict(),
    screenTicketSchema,
    true,
  ),
  getDiagnostics: method(null, diagnosticsSchema, true),
  setStartAtLogin: method(z.object({ enabled: z.boolean() }).strict(), ok, true),
  /** What clearing this booth would lose (read only). */
  boothDataAtRisk: method(null, boothDataAtRiskSchema, true),
  /**
   * Clears this booth (clear-booth.ts) and starts it again as at its first start, with a new
   * admin PIN shown as a start shows it. Refused, nothing cleared, while something only this
   * booth holds is not confirmed lost (`atRisk`: what it is). Cleared, `left` names what is
   * still in the data folder `folder` and not the kiosk's (kept: an export saved there, a copy
   * of kiosk.db; folders as `name/`).
   */
  clearBooth: method(
    z.object({ confirmLoss: z.boolean() }).strict(),
    z.union([
      z.object({
        ok: z.literal(true),
        removed: z.number().int().nonnegative(),
        folder: z.string(),
        left: z.array(z.string()),
      }),
      z.object({ ok: z.literal(false), atRisk: boothDataAtRiskSchema }),
    ]),
    true,
  ),
} as const

export type KioskMethodName = keyof typeof kioskMethods
type MethodOf<K extends KioskMethodName> = (typeof kioskMethods)[K]
export type MethodInput<K extends KioskMethodName> = MethodOf<K>['input'] extends z.ZodType
  ? z.input<MethodOf<K>['input']>
  : never
export type MethodOutput<K extends KioskMethodName> = z.output<MethodOf<K>['output']>
/** A method's input after its schema's defaults are applied (undefined for no-input methods). */
export type ParsedInput<K extends KioskMethodName> = MethodOf<K>['input'] extends z.ZodType
  ? z.output<MethodOf<K>['input']>
  : undefined

/** What the main process implements for one method; inputs arrive parsed and checked. */
export type KioskHandler<K extends KioskMethodName> = (
  input: ParsedInput<K>,
) => Promise<MethodOutput<K>> | MethodOutput<K>
export type KioskHandlers = { [K in KioskMethodName]: KioskHandler<K> }

/**
 * The `attendance` event: a stored row, and when the scan checked in a roster entry, the check-in
 * time the core stored for it (on the kiosk's clock, as the desk's today is read). WeChat's
 * CreateTime is the real time, which a booth clock hours off puts on another day.
 */
export const attendanceEventSchema = attendanceRowSchema.extend({
  checkedInAt: z.number().int().nonnegative().optional(),
})
export type AttendanceEvent = z.infer<typeof attendanceEventSchema>

/** Events from the main process to the renderer. */
export const kioskEvents = {
  ticket: screenTicketSchema.nullable(),
  status: kioskStatusSchema,
  greeting: greetingSchema,
  campaign: campaignSchema.nullable(),
  attendance: attendanceEventSchema,
  exportProgress: exportProgressSchema,
  locale: localeSchema,
  /** The whole screen state, sent when the setup changes (demo mode left, relay configured). */
  screen: screenStateSchema,
  /**
   * The relay's roster of a campaign was replaced, all of it in (the last slice stored): the
   * desk reads its results again. The status tells no transfer that fits in one frame, and the
   * campaign frame (when the desk searched) may come a read before the roster.
   */
  roster: z.object({ campaignId: z.string() }).strict(),
  /** The admin PIN lockout changed outside the PIN pad (cleared from the relay's console). */
  adminLockout: z.object({ lockedUntil: z.number().int().nullable() }).strict(),
} as const
export type KioskEventName = keyof typeof kioskEvents

/**
 * Events that carry the admin area's data: every check-in's openid and registered name (what
 * listAttendance needs the PIN for), an export's file. Every bridge sends them only while the
 * admin area is unlocked; the kiosk screen has no use for them.
 */
export const adminEventNames: ReadonlySet<KioskEventName> = new Set<KioskEventName>([
  'attendance',
  'exportProgress',
])
/**
 * The admin session ends this long after the last admin call (the core's AdminAuth). The
 * renderer keeps the same clock from the calls it makes, so it shows the PIN pad when the core
 * stops sending the admin events, never a page that silently stops getting them.
 */
export const ADMIN_SESSION_IDLE_MS = 5 * 60_000
export type KioskEventPayload<E extends KioskEventName> = z.output<(typeof kioskEvents)[E]>

/** The shape of `window.kiosk`: one named method per contract entry, plus `on`. */
export type KioskApi = {
  [K in KioskMethodName]: MethodOf<K>['input'] extends z.ZodType
    ? undefined extends MethodInput<K>
      ? (input?: MethodInput<K>) => Promise<MethodOutput<K>>
      : (input: MethodInput<K>) => Promise<MethodOutput<K>>
    : () => Promise<MethodOutput<K>>
} & {
  /** Subscribe to an event; returns the unsubscribe function. */
  on<E extends KioskEventName>(
    event: E,
    listener: (payload: KioskEventPayload<E>) => void,
  ): () => void
}

/** A failed call on the wire: `{code, params}` (codes and their params: shared/errors.ts). */
export const kioskErrorSchema = errorBodySchema

/** Parses a call's input; throws a ZodError naming the field. */
export function parseMethodInput<K extends KioskMethodName>(
  name: K,
  input: unknown,
): MethodInput<K> | undefined {
  const schema = kioskMethods[name].input
  if (schema === null) {
    if (input !== undefined && input !== null) throw new TypeError(`${name} takes no input`)
    return undefined
  }
  return schema.parse(input) as MethodInput<K>
}

export function isKioskMethodName(name: unknown): name is KioskMethodName {
  return typeof name === 'string' && Object.hasOwn(kioskMethods, name)
}

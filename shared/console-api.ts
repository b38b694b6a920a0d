/**
 * The organizer's console API and kiosk pairing, contract v2 (docs/DESIGN.md "Contract v2").
 * One zod schema per request and answer; the schema is the type. Used by the relay (to validate
 * what it receives and shape what it sends), the console app and the kiosk core (pairing).
 */
import { z } from 'zod'
import { campaignIdSchema, relayRosterEntrySchema } from './campaign'
import { rosterColumns } from './errors'
import { kioskIdSchema } from './relay-protocol'

/** Organizer names: what `organizer add <name>` accepts. */
export const ORGANIZER_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,31}$/
export const organizerNameSchema = z
  .string()
  .regex(
    ORGANIZER_NAME_PATTERN,
    'name must be 1–32 of a-z 0-9 . _ - (starting with a letter or digit)',
  )

/**
 * A name as a person typed it at sign-in, as `organizer add` kept it: names are lower case
 * only, so capitals (a name's usual spelling, a phone's first letter), spaces around it and
 * full-width letters (a Chinese input method) can only mean that one name.
 */
export function normalizeOrganizerName(typed: string): string {
  return typed.normalize('NFKC').trim().toLowerCase()
}

/** Pairing codes: 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L, 2/Z, 5/S, 8/B). */
export const PAIRING_ALPHABET = '34679ACDEFGHJKMNPQRTUVWXY'
export const PAIRING_CODE_LENGTH = 8
/**
 * An organizer's session ends this long after its last request (relay/console/sessions.ts), and
 * the console signs itself out this long after the last key or click in any of its tabs, since
 * its own re-reads are requests too (console/src/composables/use-idle-sign-out.ts).
 */
export const SESSION_IDLE_MS = 30 * 60_000

/**
 * How often the relay's event streams (the console's live events, the big screens' feed) send a
 * heartbeat unless told otherwise; the console and the screens assume it until a stream's own
 * heartbeat says its interval (relay/attendance/live-events.ts, relay/screens/screen-hub.ts).
 */
export const STREAM_HEARTBEAT_MS = 15_000

/** How long a pairing code can be used. */
export const PAIRING_CODE_TTL_MS = 15 * 60_000
export const pairingCodeSchema = z
  .string()
  .length(PAIRING_CODE_LENGTH)
  .regex(new RegExp(`^[${PAIRING_ALPHABET}]+$`), 'not a pairing code')

/**
 * What a typed or scanned code becomes before validation: full-width characters (a Chinese
 * input method's ＡＢ３, the U+3000 space) as their ASCII selves, upper case, spaces and dashes
 * of any kind dropped, and a `<relay>/pair/<code>` link reduced to its code.
 */
export function normalizePairingCode(input: string): string {
  const trimmed = input.normalize('NFKC').trim()
  const fromLink = /\/pair\/([^/?#\s]+)\/?(?:[?#].*)?$/.exec(trimmed)
  return (fromLink?.[1] ?? trimmed).replace(/[\s\p{Pd}]/gu, '').toUpperCase()
}

/**
 * `POST /api/pair` (no credential: the code is the credential). Any string is a code to look
 * up (the request's size is bounded where it is read): an empty or overlong one is a code
 * nobody holds, 404 like any unknown code, not a malformed request.
 */
export const pairRequestSchema = z.object({ code: z.string() }).strict()
export type PairRequest = z.infer<typeof pairRequestSchema>
export const pairResponseSchema = z
  .object({ kioskId: kioskIdSchema, token: z.string().min(16) })
  .strict()
export type PairResponse = z.infer<typeof pairResponseSchema>

/** `POST /console/api/login`. */
export const loginRequestSchema = z
  .object({ name: z.string().min(1).max(64), password: z.string().min(1).max(256) })
  .strict()
export type LoginRequest = z.infer<typeof loginRequestSchema>
export const sessionInfoSchema = z.object({
  name: organizerNameSchema,
  expiresAt: z.number().int(),
  /**
   * The relay's time zone as a browser can use it (as `stats/days` names it), so a page that
   * reads no days still writes the relay's times in it. Optional: older relays send none.
   */
  timeZone: z.string().optional(),
})
export type SessionInfo = z.infer<typeof sessionInfoSchema>

/** One booth in `GET /console/api/kiosks`. Never carries a token or its hash. */
export const consoleKioskSchema = z.object({
  id: kioskIdSchema,
  online: z.boolean(),
  /** When the relay last heard from the kiosk (ms since the epoch), null if never. */
  lastSeenAt: z.number().int().nullable(),
  /** Events stored for the kiosk and not yet acknowledged by it. */
  queued: z.number().int().nonnegative(),
  /** Scans routed to the kiosk since local midnight at the relay. */
  scansToday: z.number().int().nonnegative(),
  campaignId: z.string().nullable(),
  /** The kiosk's version, as it said in its hello (optional in v1 hellos). */
  version: z.string().nullable().optional(),
  /** A pairing code not used yet: the booth was added and waits for its kiosk. */
  pairingPending: z.boolean().optional(),
  revoked: z.boolean().optional(),
  /**
   * The kiosk's live links keep replacing each other (three times within two minutes, on any
   * relay instance): two devices use its identity (a cloned disk) and split its scans.
   */
  identityConflict: z.boolean().optional(),
})
export type ConsoleKiosk = z.infer<typeof consoleKioskSchema>
export const consoleKioskListSchema = z.array(consoleKioskSchema)

/** `POST /console/api/kiosks`. */
export const addKioskRequestSchema = z.object({ id: kioskIdSchema }).strict()
export const addKioskResponseSchema = z.object({
  id: kioskIdSchema,
  pairingCode: pairingCodeSchema,
  expiresAt: z.number().int(),
})
export type AddKioskResponse = z.infer<typeof addKioskResponseSchema>

/**
 * `POST /console/api/kiosks/<id>/admin-unlock` (additive; no body) → 202: the relay sent the
 * online booth's kiosk an `admin-unlock` frame, clearing its admin PIN lockout (not the PIN).
 * 404 unknown kiosk; 409 `conflict` when it is revoked or offline (nothing is queued).
 */
export const adminUnlockResponseSchema = z.object({
  id: kioskIdSchema,
  /** When the relay sent it, milliseconds since the epoch. */
  sentAt: z.number().int(),
})
export type AdminUnlockResponse = z.infer<typeof adminUnlockResponseSchema>

/** `PUT /console/api/kiosks/<id>`. */
export const updateKioskRequestSchema = z
  .object({ campaignId: campaignIdSchema.nullable() })
  .strict()

/** `GET /console/api/stats[?campaign=<id>]`. */
export const consoleStatsSchema = z.object({
  scans: z.number().int().nonnegative(),
  visitors: z.number().int().nonnegative(),
  newFollowers: z.number().int().nonnegative(),
  returning: z.number().int().nonnegative(),
  perKiosk: z.array(
    z.object({
      id: kioskIdSchema,
      scans: z.number().int().nonnegative(),
      visitors: z.number().int().nonnegative(),
    }),
  ),
  /** Visitors who completed a stamp rally in scope; absent when no campaign in scope has one. */
  stampsCompleted: z.number().int().nonnegative().optional(),
  /** Scans per 10 minutes of the relay's current day: `[{ at: slot start ms, scans }]`. */
  timeline: z
    .array(z.object({ at: z.number().int(), scans: z.number().int().nonnegative() }))
    .optional(),
})
export type ConsoleStats = z.infer<typeof consoleStatsSchema>

/** One local day of `GET /console/api/stats/days` (the relay's time zone, by receive time). */
export const consoleDayCountSchema = z.object({
  /** `YYYY-MM-DD` in the relay's time zone. */
  day: z.string().regex(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/),
  scans: z.number().int().nonnegative(),
  visitors: z.number().int().nonnegative(),
  newFollowers: z.number().int().nonnegative(),
})
export type ConsoleDayCount = z.infer<typeof consoleDayCountSchema>

/** `GET /console/api/stats/days`: the days with a scan in scope, oldest first. */
export const consoleStatsDaysSchema = z.object({
  /** The zone the days are counted in (the relay's `TZ`), e.g. `Asia/Shanghai`. */
  timeZone: z.string(),
  /**
   * The relay keeps a scan after its campaign's `endsAt` day out of the counts (its config
   * `stopAfterEndsAt`); false: dates are labels and every scan counts. Console-only.
   */
  stopsAfterEndsAt: z.boolean().default(false),
  days: z.array(consoleDayCountSchema),
})
export type ConsoleStatsDays = z.infer<typeof consoleStatsDaysSchema>

/** One row of `GET /console/api/attendance` as JSON (the console's table; CSV/XLSX have the same columns). */
export const consoleAttendanceRowSchema = z.object({
  kioskId: kioskIdSchema,
  eventId: z.string(),
  openid: z.string(),
  event: z.enum(['subscribe', 'scan']),
  scene: z.string(),
  ticket: z.string(),
  fallback: z.boolean(),
  /** WeChat's CreateTime in ms. */
  scannedAt: z.number().int(),
  receivedAt: z.number().int(),
  /** The visitor's check-in number in the kiosk's campaign (null: no campaign then). */
  number: z.number().int().min(1).nullable(),
  /**
   * The visitor's name on the roster of the campaign the scan counted in: the entry a desk
   * bound their openid to, as the sheet's 姓名 (null: none). Added after the other fields: a
   * row without it reads as null.
   */
  name: z.string().nullable().default(null),
})
export type ConsoleAttendanceRow = z.infer<typeof consoleAttendanceRowSchema>
export const consoleAttendancePageSchema = z.object({
  total: z.number().int().nonnegative(),
  rows: z.array(consoleAttendanceRowSchema),
})
export type ConsoleAttendancePage = z.infer<typeof consoleAttendancePageSchema>

/**
 * Server-sent events on `GET /console/api/events`: `stats` whenever a scan is stored (at most
 * a few per second, coalesced), `kiosks` when a booth connects, disconnects, pairs or is revoked.
 * `heartbeat` (added later; sent as the named SSE event `event: heartbeat`, so a console that
 * does not listen for it never sees it): one every `everyMs`, none when the stream opens, so
 * the console can tell a dead connection (no TCP reset: a proxy's idle cut, a laptop asleep)
 * from a quiet one. An SSE comment would not do: EventSource never hands comments to the page.
 */
export const consoleEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('stats'), at: z.number().int() }),
  z.object({ type: z.literal('kiosks'), at: z.number().int() }),
  z.object({
    type: z.literal('heartbeat'),
    at: z.number().int(),
    /** How often the relay sends one on this stream. */
    everyMs: z.number().int().min(10).max(600_000).optional(),
  }),
])
export type ConsoleEvent = z.infer<typeof consoleEventSchema>

/** Errors: the v1 `{ error: { code, message } }` shape; codes the console can translate. */
export const consoleErrorCodes = [
  'unauthorized',
  /**
   * 401 (added after v2): two different session cookies in one request, one planted (cookie
   * tossing); both refused and cleared. A client that does not know it reads 401 `unauthorized`.
   */
  'ambiguous_session',
  'forbidden',
  'locked_out',
  'bad_request',
  'not_found',
  'method_not_allowed',
  'conflict',
  /**
   * 409 (added after v2): a draw sent with `roundsBefore` found the prize drawn in other rounds
   * meanwhile (another organizer pressed Draw first); nothing drawn. A client that does not know
   * it reads 409 `conflict`.
   */
  'drawn_meanwhile',
  /** 412: a PUT's If-Match no longer names the stored version (someone else saved first). */
  'precondition_failed',
  'gone',
  'rate_limited',
  'too_large',
  'internal',
] as const
export type ConsoleErrorCode = (typeof consoleErrorCodes)[number]

/**
 * Why the relay's store refused a console request, in the few fixed words the relay uses for
 * it (relay/store-health.ts `storeErrorText`, never the store's own message).
 */
export const storeRefusalCauses = [
  'database is locked',
  'database or disk is full',
  'store is read-only',
  'store refused authentication',
  'store is out of memory',
  'store cannot save to disk',
  'store unreachable',
  'store did not answer in time',
] as const
export type StoreRefusalCause = (typeof storeRefusalCauses)[number]

/** A console request the store refused: why, and whether it was a write (nothing was saved). */
export interface StoreRefusal {
  cause: string
  write: boolean
}

/**
 * The message of the relay's 503 `internal` for a store refusal; `storeRefusalOf` reads it back
 * (the console shows it in its own words; the code stays `internal`).
 */
export function storeRefusalMessage({ cause, write }: StoreRefusal): string {
  const outcome = write ? ': nothing was saved' : ''
  return `the relay's store refused it (${cause})${outcome}; try again once it is fixed`
}

const STORE_REFUSAL = /^the relay's store refused it \(([^()]{1,100})\)(: nothing was saved)?;/

/** The store refusal a 503 `internal` message names, else null (any other failure). */
export function storeRefusalOf(status: number, message: string): StoreRefusal | null {
  if (status !== 503) return null
  const m = STORE_REFUSAL.exec(message)
  return m?.[1] === undefined ? null : { cause: m[1], write: m[2] !== undefined }
}

/**
 * `POST /console/api/campaigns/<id>/roster[?skipBadRows=1]` (a CSV or XLSX body, the kiosk
 * import's columns, encodings and limits) → the roster now held; a file with problems is
 * refused whole (400, `errors` beside `error`) unless `skipBadRows` asks for the good rows.
 */
export const consoleRosterUploadSchema = z.object({
  version: z.number().int().positive(),
  total: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  /** As the kiosk's import reports them (shared/ipc.ts `rosterImportResultSchema`). */
  errors: z.array(
    z.object({
      row: z.number().int().positive(),
      column: z.enum(rosterColumns).nullable(),
      code: z.string().min(1).max(64),
      params: z.record(z.string().max(32), z.union([z.string().max(200), z.number()])),
    }),
  ),
})
export type ConsoleRosterUpload = z.infer<typeof consoleRosterUploadSchema>
/**
 * `POST …/roster?dryRun=1` (added after v2): what the upload would store, nothing stored. A
 * file with problems gets the same 400 refusal as an upload.
 */
export const consoleRosterCheckSchema = consoleRosterUploadSchema.omit({ version: true }).extend({
  dryRun: z.literal(true),
  /**
   * (Added later; absent from older relays.) The roster the file would replace, matched to the
   * file's rows by registration (code, else name + phone): `total` its guests, `kept` how many
   * of them the file has, `checkedInDropped` how many of those bound to a WeChat user (checked
   * in) it does not. A dropped guest's binding is kept: uploading a file with them again
   * gives them back their name.
   */
  replacing: z
    .object({
      total: z.number().int().nonnegative(),
      kept: z.number().int().nonnegative(),
      checkedInDropped: z.number().int().nonnegative(),
    })
    .optional(),
})
export type ConsoleRosterCheck = z.infer<typeof consoleRosterCheckSchema>

/** `GET /console/api/campaigns/<id>/roster?offset=&limit=` (limit at most 1000). */
export const consoleRosterPageSchema = z.object({
  version: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  offset: z.number().int().nonnegative(),
  entries: z.array(relayRosterEntrySchema),
})
export type ConsoleRosterPage = z.infer<typeof consoleRosterPageSchema>

/**
 * What replaces an erased visitor's openid in a campaign's draws, and (on a SQLite relay) in its
 * scan rows: the prefix of a random id, one per erasure. A WeChat openid never starts so (it has
 * no ':'), and the erasure request refuses one that does.
 */
export const ERASED_OPENID_PREFIX = 'erased:'

export const isErasedOpenid = (openid: string): boolean => openid.startsWith(ERASED_OPENID_PREFIX)

/**
 * `POST /console/api/campaigns/<id>/erasures {"openid"}` (added after v2): erases the visitor
 * from the campaign (their number, name binding, stamps, follow-up, draw places), for a
 * visitor who asked for it. An openid is WeChat's (letters, digits, `-`, `_`); the sandbox's
 * and tests' are the same shape.
 */
export const erasureRequestSchema = z
  .object({
    openid: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9_-]+$/, 'an openid has only letters, digits, - and _'),
  })
  .strict()
export type ErasureRequest = z.infer<typeof erasureRequestSchema>

/** The erasure's answer: what the campaign held of the visitor and no longer does. */
export const erasureAnswerSchema = z.object({
  campaignId: campaignIdSchema,
  at: z.number().int().nonnegative(),
  number: z.number().int().positive().nullable(),
  bindings: z.number().int().nonnegative(),
  stamps: z.number().int().nonnegative(),
  followUp: z.boolean(),
  draws: z.number().int().nonnegative(),
})
export type ErasureAnswer = z.infer<typeof erasureAnswerSchema>

/** `GET /console/api/campaigns/<id>/erasures`: the audit, newest first (who and when only). */
export const erasureAuditSchema = z.object({
  erasures: z.array(z.object({ by: z.string(), at: z.number().int().nonnegative() })),
})
export type ErasureAuditList = z.infer<typeof erasureAuditSchema>

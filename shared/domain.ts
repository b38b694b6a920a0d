/**
 * Domain types shared by the kiosk core and the renderer. Zod schemas are the single
 * source: the same schema validates data crossing the IPC / web bridge and gives the type.
 * Runs in the renderer too: no Node, DOM or Electron imports.
 */
import { z } from 'zod'
import {
  BRACES_MESSAGE,
  GREETING_NO_NAME_MESSAGE,
  hasUnpairedBrace,
  unknownPlaceholders,
} from './campaign'
import { errorBodySchema } from './errors'
import { kioskIdSchema } from './relay-protocol'
import { ticketOutlivesRotation, ticketTtlMessage } from './ticket-ttl'
import { checkTypedText } from './typed-text'

export const LOCALES = ['zh-CN', 'en'] as const
export const localeSchema = z.enum(LOCALES)
export type Locale = z.infer<typeof localeSchema>

const id = z.string().min(1).max(64)
const text = (max: number) => z.string().trim().min(1).max(max)
/** Milliseconds since the epoch. */
const epochMs = z.number().int().nonnegative()

/** Greeting templates; `{name}` and `{number}` are filled in by the kiosk core. */
export const greetingTextsSchema = z.object({
  firstVisit: text(200),
  welcomeBack: text(200),
  named: text(200),
})
export type GreetingTexts = z.infer<typeof greetingTextsSchema>

export const campaignModeSchema = z.enum(['booth', 'desk'])
export type CampaignMode = z.infer<typeof campaignModeSchema>

export const campaignSchema = z
  .object({
    id,
    name: text(80),
    /** ISO dates (YYYY-MM-DD), both optional. */
    startsOn: z.iso.date().nullable(),
    endsOn: z.iso.date().nullable(),
    greetings: z.object({ 'zh-CN': greetingTextsSchema, en: greetingTextsSchema }),
    /** Seconds a code stays on screen before it rotates even without a scan. */
    rotationSeconds: z.number().int().min(10).max(3600),
    /** Lifetime asked of WeChat for each temporary code (at most 30 days). */
    ticketLifetimeSeconds: z.number().int().min(60).max(2_592_000),
    mode: campaignModeSchema,
    /** Set on the campaign a relay runs this kiosk in (contract v2): read-only in the admin area. */
    managedBy: z.literal('relay').optional(),
  })
  .refine((c) => !c.startsOn || !c.endsOn || c.startsOn <= c.endsOn, {
    message: 'endsOn must not be before startsOn',
    path: ['endsOn'],
  })
export type Campaign = z.infer<typeof campaignSchema>

/**
 * A campaign as the admin area saves it: also a code lifetime that outlives the rotation
 * (shared/ticket-ttl.ts), and greetings that reach visitors whole: only `{name}` and
 * `{number}` are filled in (anything else in braces is shown as typed), and `{name}` only in
 * a registered guest's greeting (a first or returning visitor has no name: it would be a gap).
 * The name is one line and the greetings hold no control character but a line break, nor a
 * bidi control (shared/typed-text.ts, as the relay's console checks them). Checked on saving
 * only, not in `campaignSchema`: a campaigns.json written before still loads, and a relay's
 * campaign is shown as it comes.
 */
export const editableCampaignSchema = campaignSchema.superRefine((c, ctx) => {
  checkTypedText(ctx, ['name'], c.name, 'line')
  if (!ticketOutlivesRotation(c.rotationSeconds, c.ticketLifetimeSeconds)) {
    ctx.addIssue({
      code: 'custom',
      path: ['ticketLifetimeSeconds'],
      message: ticketTtlMessage('rotationSeconds', c.rotationSeconds),
    })
  }
  for (const locale of LOCALES) {
    for (const key of ['firstVisit', 'welcomeBack', 'named'] as const) {
      const text = c.greetings[locale][key]
      const path = ['greetings', locale, key]
      const unknown = unknownPlaceholders(text)
      checkTypedText(ctx, path, text, 'lines')
      if (unknown.length > 0) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: `${unknown.join(', ')}: only {name} and {number} are filled in`,
          params: { code: 'greeting_placeholder' },
        })
      } else if (hasUnpairedBrace(text)) {
        // "{name!" or "{{name}}": no placeholder whole, so visitors read the braces.
        ctx.addIssue({
          code: 'custom',
          path,
          message: BRACES_MESSAGE,
          params: { code: 'greeting_braces' },
        })
      } else if (key !== 'named' && text.includes('{name}')) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: GREETING_NO_NAME_MESSAGE,
          params: { code: 'greeting_no_name' },
        })
      }
    }
  }
})

export const rosterEntrySchema = z.object({
  id,
  name: text(100),
  company: z.string().max(200),
  phone: z.string().max(40),
  code: z.string().max(64),
  openid: z.string().max(128).nullable(),
  checkedInAt: epochMs.nullable(),
})
export type RosterEntry = z.infer<typeof rosterEntrySchema>

/** The code on the kiosk screen. Never carries credentials. */
export const screenTicketSchema = z.object({
  id,
  /** What the QR code encodes (WeChat's `url`); rendered locally. */
  url: z.string().min(1).max(512),
  scene: z.string().min(1).max(64),
  issuedAt: epochMs,
  expiresAt: epochMs,
  /** When the screen will move on to the next code if nobody scans. */
  rotateAt: epochMs,
  /** Desk mode: the registered visitor this personal code belongs to. */
  rosterEntry: z.object({ id, name: z.string() }).nullable(),
  /**
   * The booth's permanent fallback code, up while the pool has no fresh code: it never expires
   * (expiresAt and rotateAt are Number.MAX_SAFE_INTEGER) and every visitor scans the same one.
   */
  fallback: z.boolean().optional(),
})
export type ScreenTicket = z.infer<typeof screenTicketSchema>

export const relayStateSchema = z.enum(['connected', 'connecting', 'reconnecting', 'disabled'])
export const apiStateSchema = z.enum(['ok', 'degraded', 'down', 'unknown'])

export const kioskStatusSchema = z.object({
  relay: z.object({
    state: relayStateSchema,
    since: epochMs,
    retryAt: epochMs.nullable(),
    lastEventAt: epochMs.nullable(),
    /** Why the link last failed (a status code from shared/errors.ts); null once it works. */
    lastError: errorBodySchema.nullable(),
    /**
     * Connected and still storing the scans the relay kept while the kiosk was away: how many
     * are left (the welcome's headSeq less the last stored seq). Absent once caught up, and
     * while not connected. A scan made now waits behind them, so the screen says so.
     */
    backlog: z.number().int().positive().optional(),
    /**
     * Connected to a relay that sent its time: how many whole minutes the relay's clock is ahead
     * of this kiosk's (negative: the kiosk's is ahead), when 5 or more either way. Absent
     * otherwise. The kiosk's days, campaign dates and stats are on its own clock, so the corner
     * tells staff to set it.
     */
    relayAheadMinutes: z.number().int().optional(),
    /**
     * A new roster of the relay campaign is arriving: the rows stored of its total (told at
     * each whole percent). Absent when none is. Until it is all in, the desk searches the
     * previous roster, so the screens say so.
     */
    roster: z
      .object({ received: z.number().int().nonnegative(), total: z.number().int().positive() })
      .refine((r) => r.received < r.total, { message: 'received must be less than total' })
      .optional(),
  }),
  api: z.object({
    state: apiStateSchema,
    source: z.enum(['direct', 'proxy']),
    /** A status code from shared/errors.ts the UI words (e.g. 'ip_not_allowed', 'quota'). */
    lastError: errorBodySchema.nullable(),
  }),
  pool: z.object({
    available: z.number().int().nonnegative(),
    target: z.number().int().nonnegative(),
    quotaExhausted: z.boolean(),
    createdToday: z.number().int().nonnegative(),
  }),
})
export type KioskStatus = z.infer<typeof kioskStatusSchema>

export const greetingKindSchema = z.enum(['named', 'first-visit', 'welcome-back'])
export const greetingSchema = z.object({
  eventId: z.string().min(1).max(128),
  kind: greetingKindSchema,
  name: z.string().nullable(),
  checkInNumber: z.number().int().positive(),
  /** The greeting already filled in, per locale. */
  texts: z.object({ 'zh-CN': z.string(), en: z.string() }),
  /**
   * Per locale, whether that text already shows `checkInNumber` (its template has `{number}`):
   * the screen then leaves out its number line. Absent: it does not.
   */
  numberInText: z.object({ 'zh-CN': z.boolean(), en: z.boolean() }).optional(),
  /**
   * When the visitor scanned, on the kiosk's clock (a scan replayed after an outage: when the
   * relay received it; a live one: when it arrived). The screen drops it unshown a minute on.
   */
  at: epochMs,
})
export type Greeting = z.infer<typeof greetingSchema>

export const attendanceRowSchema = z.object({
  id: z.number().int().positive(),
  eventId: z.string(),
  campaignId: z.string(),
  kioskId: kioskIdSchema,
  openid: z.string(),
  scene: z.string(),
  kind: z.enum(['subscribe', 'scan']),
  /** WeChat CreateTime in seconds. */
  createTime: z.number().int().nonnegative(),
  receivedAt: epochMs,
  firstVisit: z.boolean(),
  checkInNumber: z.number().int().positive(),
  rosterEntryId: z.string().nullable(),
  rosterName: z.string().nullable(),
  greetingShown: z.boolean(),
  /** The scan used a code this kiosk no longer knows (reinstalled, expired from the pool). */
  unknownTicket: z.boolean(),
  /** Scanned from the booth's permanent fallback code (the pool had no fresh code then). */
  fallback: z.boolean(),
})
export type AttendanceRow = z.infer<typeof attendanceRowSchema>

export const statsSchema = z.object({
  total: z.number().int().nonnegative(),
  uniqueVisitors: z.number().int().nonnegative(),
  newFollowers: z.number().int().nonnegative(),
  returning: z.number().int().nonnegative(),
  /** Scans of the booth's fallback code (counted in `total` too). */
  fallbackScans: z.number().int().nonnegative(),
  /** Scans per 10 minutes. */
  buckets: z.array(
    z.object({
      start: epochMs,
      scans: z.number().int().nonnegative(),
      firstVisits: z.number().int().nonnegative(),
      repeats: z.number().int().nonnegative(),
    }),
  ),
})
export type Stats = z.infer<typeof statsSchema>

export const exportProgressSchema = z.object({
  exportId: id,
  state: z.enum(['running', 'done', 'failed']),
  rowsDone: z.number().int().nonnegative(),
  rowsTotal: z.number().int().nonnegative(),
  fileName: z.string(),
  /** Web mode: where the finished file can be downloaded. */
  downloadUrl: z.string().nullable(),
  /** Electron: where the file was saved. */
  savedPath: z.string().nullable(),
  /** Why it failed, as a code (shared/errors.ts); the detail is in the kiosk's log. */
  error: errorBodySchema.nullable(),
})
export type ExportProgress = z.infer<typeof exportProgressSchema>

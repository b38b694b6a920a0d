/**
 * A campaign run from the relay, contract v2 (docs/DESIGN.md "Campaign and roster frames"): the
 * one schema the relay stores, the console edits and the kiosk receives in its `campaign`
 * frame (without `screenKey`). Also the roster entry as the relay sends it, and how a roster is
 * cut into frames. Runs in browsers too: no Node imports.
 */
import { z } from 'zod'
import { kioskIdSchema } from './kiosk-id'
import { truncateBytes } from './truncate-bytes'
import { ticketOutlivesRotation, ticketTtlMessage } from './ticket-ttl'
import { checkTypedText } from './typed-text'
import { isXmlText, XML_TEXT_MESSAGE } from './xml-text'

export const campaignIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'campaign id must be 1–64 of A-Z a-z 0-9 _ -')

const text = (max: number) => z.string().trim().min(1).max(max)

/** `{name}` and `{number}` are filled in by the kiosk. */
export const relayGreetingTextsSchema = z
  .object({ first: text(200), returning: text(200), named: text(200) })
  .strict()
export type RelayGreetingTexts = z.infer<typeof relayGreetingTextsSchema>

/** WeChat tag names are at most 30 bytes (UTF-8; `campaignInputSchema` checks the bytes). */
export const MAX_TAG_LENGTH = 30
/** Passive replies and customer-service texts; WeChat allows 2048 bytes, 600 characters fit. */
export const MAX_REPLY_LENGTH = 600
/**
 * A customer-service text's limit in UTF-8 bytes (docs/WECHAT.md "Customer-service text
 * length"): the follow-up must fit it once `{name}` and `{number}` are filled in.
 */
export const MAX_FOLLOW_UP_BYTES = 2048
/** A registered visitor's name, in characters (the roster's limit). */
export const MAX_ROSTER_NAME_LENGTH = 100
/** What one `{name}` may become: the longest name, 3 bytes a character (a surrogate pair is 4). */
export const FOLLOW_UP_NAME_BYTES = 3 * MAX_ROSTER_NAME_LENGTH
/** What one `{number}` may become: the digits of the largest check-in number. */
export const FOLLOW_UP_NUMBER_BYTES = String(Number.MAX_SAFE_INTEGER).length
export const FOLLOW_UP_BYTES_MESSAGE =
  `must fit WeChat's ${MAX_FOLLOW_UP_BYTES} bytes (UTF-8) once filled in: each {name} counts ` +
  `${FOLLOW_UP_NAME_BYTES} bytes (the longest registered name), each {number} ${FOLLOW_UP_NUMBER_BYTES}`

/**
 * The most UTF-8 bytes a follow-up template can take once filled in as the relay fills it
 * (shared/greeting-template.ts `fillGreeting`): its own text, plus the longest name for each
 * `{name}` and the largest number for each `{number}`.
 */
export function followUpMaxBytes(template: string): number {
  let filled = 0
  const rest = template.replace(/\{(name|number)\}/g, (_, key: string) => {
    filled += key === 'name' ? FOLLOW_UP_NAME_BYTES : FOLLOW_UP_NUMBER_BYTES
    return ''
  })
  return new TextEncoder().encode(rest).length + filled
}

/**
 * A filled follow-up cut to what WeChat takes, on a character boundary and ending in "…": only
 * a campaign saved before `followUpMaxBytes` was checked can need it (the relay still reads
 * those), and a cut message beats one WeChat refuses.
 */
export function fitFollowUpBytes(text: string): string {
  const encoder = new TextEncoder()
  if (encoder.encode(text).length <= MAX_FOLLOW_UP_BYTES) return text
  // By user-perceived character: an emoji of several code points (👨‍👩‍👧, 🇨🇳, 👍🏽) cut through
  // would show as other emoji or a lone letter box.
  return `${truncateBytes(text, MAX_FOLLOW_UP_BYTES - encoder.encode('…').length)}…`
}
export const MAX_STAMP_KIOSKS = 50
/** A stamp booth's label in the progress reply ("B 区"): short, it is listed up to 49 times. */
export const MAX_STAMP_NAME_LENGTH = 20

/** A text WeChat gets, as the stored shape reads it (`wechatText` is the input's check). */
const storedText = (s: z.ZodString): z.ZodString => s
/**
 * A text WeChat gets, as an organizer saves it: a passive reply (XML, which cannot carry control
 * characters) or one sent through its API. One it cannot carry would fail every push.
 */
const wechatText = (s: z.ZodString): z.ZodString => s.refine(isXmlText, XML_TEXT_MESSAGE)

/**
 * The fields an organizer edits. Dates are ISO dates (`YYYY-MM-DD`, the venue's local day, as
 * the kiosk's own campaigns have them), both optional: a campaign runs for days, not hours.
 * `wechat` wraps each text WeChat gets: the stored shape reads what an older relay stored
 * (`storedText`); the input refuses what XML cannot carry (`wechatText`) in the same pass as
 * every other field's check, so the console shows all of a form's mistakes at once.
 */
function campaignFields(wechat: (s: z.ZodString) => z.ZodString) {
  return z
    .object({
      name: text(80),
      startsAt: z.iso.date().nullable(),
      endsAt: z.iso.date().nullable(),
      /** Seconds a code stays on screen before it rotates even without a scan. */
      rotationSeconds: z.number().int().min(10).max(3600),
      /** Lifetime asked of WeChat for each temporary code (at most 30 days). */
      ticketTtlSeconds: z.number().int().min(60).max(2_592_000),
      mode: z.enum(['booth', 'desk']),
      greetings: z
        .object({ 'zh-CN': relayGreetingTextsSchema, en: relayGreetingTextsSchema })
        .strict(),
      /** The relay's passive reply texts for this campaign's scans; '' answers `success` (v1). */
      reply: z
        .object({
          subscribe: wechat(z.string().trim().max(MAX_REPLY_LENGTH)),
          scan: wechat(z.string().trim().max(MAX_REPLY_LENGTH)),
        })
        .strict(),
      tag: wechat(text(MAX_TAG_LENGTH)).nullable(),
      followUp: wechat(text(MAX_REPLY_LENGTH)).nullable(),
      /** Kiosk ids of a stamp rally (empty: none). */
      stamps: z
        .array(kioskIdSchema)
        .max(MAX_STAMP_KIOSKS)
        .refine((ids) => new Set(ids).size === ids.length, 'stamps must not repeat a kiosk'),
      /**
       * Optional (shared/stamp-reply.ts has the defaults): a label per stamp booth for the
       * progress reply (else its kiosk id), and the progress and completion reply texts.
       */
      stampNames: z.record(kioskIdSchema, wechat(text(MAX_STAMP_NAME_LENGTH))).optional(),
      stampProgress: wechat(text(MAX_REPLY_LENGTH)).optional(),
      stampComplete: wechat(text(MAX_REPLY_LENGTH)).optional(),
    })
    .strict()
}

/** The fields as stored and sent to kiosks (what an older relay stored still reads). */
export const campaignFieldsSchema = campaignFields(storedText)
export type CampaignFields = z.infer<typeof campaignFieldsSchema>

/**
 * What a new campaign starts with: the console's form, and the fields a `POST
 * /console/api/campaigns` leaves out (only `name` is needed).
 */
export const CAMPAIGN_DEFAULTS = {
  startsAt: null,
  endsAt: null,
  rotationSeconds: 60,
  ticketTtlSeconds: 600,
  mode: 'booth',
  greetings: {
    'zh-CN': {
      first: '欢迎！您是第 {number} 位来宾',
      returning: '欢迎回来！第 {number} 位签到',
      named: '{name}，欢迎您！',
    },
    en: {
      first: 'Welcome! You are visitor no. {number}',
      returning: 'Welcome back! Check-in no. {number}',
      named: 'Welcome, {name}!',
    },
  },
  reply: { subscribe: '感谢关注！签到成功。', scan: '签到成功，欢迎光临！' },
  tag: null,
  followUp: null,
  stamps: [],
} as const satisfies Omit<CampaignFields, 'name'>

function datesInOrder(c: { startsAt: string | null; endsAt: string | null }): boolean {
  return !c.startsAt || !c.endsAt || c.startsAt <= c.endsAt
}
const datesMessage = { message: 'endsAt must not be before startsAt', path: ['endsAt'] }

/** WeChat counts a tag name's 30 in UTF-8 bytes (45158): 30 Latin letters, 10 Chinese. */
function tagFitsWechat(c: { tag: string | null }): boolean {
  return c.tag === null || new TextEncoder().encode(c.tag).length <= MAX_TAG_LENGTH
}

/** What the kiosk fills in a greeting; anything else in braces would reach visitors as typed. */
export const GREETING_PLACEHOLDERS = ['{name}', '{number}'] as const
/** What the relay fills in the rally's progress text (shared/stamp-reply.ts `stampLine`). */
export const STAMP_PROGRESS_PLACEHOLDERS = ['{count}', '{total}', '{missing}'] as const
/**
 * Everything in braces in `text`, placeholder or not. A Chinese input method types full-width
 * braces (｛number｝, or one of each): never filled in, so they are braces like any other.
 */
const braced = (text: string): string[] => text.match(/[{｛][^{}｛｝]*[}｝]/g) ?? []

/**
 * A text filled in (greetings, follow-up, rally progress) must pair its braces: "Welcome,
 * {name!" or "{{name}}" reached visitors as typed ("{Alice}"), as no placeholder was whole.
 */
export const BRACES_MESSAGE = 'a brace is not paired: a placeholder has one brace each side'

/** Whether `text` holds a brace outside a `{…}` pair (full-width ones too): `{name`, `{{name}}`. */
export const hasUnpairedBrace = (text: string): boolean =>
  /[{}｛｝]/.test(text.replace(/[{｛][^{}｛｝]*[}｝]/g, ''))

/** `{name}` in a greeting for visitors off the roster (first visit, welcome back): it fills empty. */
export const GREETING_NO_NAME_MESSAGE =
  '{name} is filled in for registered guests only: other visitors have no name'

/** Placeholders in `text` that are not `known` (a typo such as `{nmae}`). */
export function unknownPlaceholders(
  text: string,
  known: readonly string[] = GREETING_PLACEHOLDERS,
): string[] {
  return braced(text).filter((p) => !known.includes(p))
}

/** Placeholders of the greetings or the progress text found in `text`. */
function placeholdersIn(text: string): string[] {
  const known: readonly string[] = [...GREETING_PLACEHOLDERS, ...STAMP_PROGRESS_PLACEHOLDERS]
  return braced(text).filter((p) => known.includes(p))
}

const FILLS_GREETING = 'only {name} and {number} are filled in'

/**
 * `POST` / `PUT /console/api/campaigns[/<id>]` body. What XML cannot carry in a text WeChat gets
 * (the replies, tag, follow-up and rally texts: a passive reply cannot hold a control character),
 * the tag's byte limit, the greetings' and rally progress text's placeholders and the characters
 * of every text (shared/typed-text.ts: names one line, no control or bidi control character) are
 * checked here, not in the stored shape, so a campaign stored before still reads (and still
 * reaches its kiosks; a reply it holds that XML cannot carry is left out of the push's answer).
 */
export const campaignInputSchema = campaignFields(wechatText)
  .refine(datesInOrder, datesMessage)
  .refine(tagFitsWechat, { message: 'tag must be at most 30 bytes of UTF-8', path: ['tag'] })
  .superRefine((c, ctx) => {
    checkTypedText(ctx, ['name'], c.name, 'line')
    checkTypedText(ctx, ['tag'], c.tag, 'line')
    for (const [kioskId, label] of Object.entries(c.stampNames ?? {})) {
      checkTypedText(ctx, ['stampNames', kioskId], label, 'line')
    }
    for (const locale of ['zh-CN', 'en'] as const) {
      for (const key of ['first', 'returning', 'named'] as const) {
        checkTypedText(ctx, ['greetings', locale, key], c.greetings[locale][key], 'lines')
      }
    }
    checkTypedText(ctx, ['reply', 'subscribe'], c.reply.subscribe, 'lines')
    checkTypedText(ctx, ['reply', 'scan'], c.reply.scan, 'lines')
    checkTypedText(ctx, ['followUp'], c.followUp, 'lines')
    checkTypedText(ctx, ['stampProgress'], c.stampProgress, 'lines')
    checkTypedText(ctx, ['stampComplete'], c.stampComplete, 'lines')
  })
  .superRefine((c, ctx) => {
    /** One issue naming the placeholders `found` at `path`, if any. */
    const flag = (path: (string | number)[], found: string[], why: string): void => {
      if (found.length > 0) {
        ctx.addIssue({ code: 'custom', path, message: `${found.join(', ')}: ${why}` })
      }
    }
    const filled: Array<[(string | number)[], string | null | undefined]> = [
      [['followUp'], c.followUp],
      [['stampProgress'], c.stampProgress],
    ]
    for (const locale of ['zh-CN', 'en'] as const) {
      for (const key of ['first', 'returning', 'named'] as const) {
        const text = c.greetings[locale][key]
        filled.push([['greetings', locale, key], text])
        const unknown = unknownPlaceholders(text)
        flag(['greetings', locale, key], unknown, FILLS_GREETING)
        // As the kiosk's own editor (shared/domain.ts): "Hi {name}!" showed them "Hi !".
        if (unknown.length === 0 && key !== 'named' && text.includes('{name}')) {
          ctx.addIssue({
            code: 'custom',
            path: ['greetings', locale, key],
            message: GREETING_NO_NAME_MESSAGE,
          })
        }
      }
    }
    for (const [path, text] of filled) {
      if (text != null && hasUnpairedBrace(text)) {
        ctx.addIssue({ code: 'custom', path, message: BRACES_MESSAGE })
      }
    }
    flag(
      ['stampProgress'],
      unknownPlaceholders(c.stampProgress ?? '', STAMP_PROGRESS_PLACEHOLDERS),
      'only {count}, {total} and {missing} are filled in',
    )
    // The follow-up is filled as a greeting is (relay/follow-up/worker.ts).
    flag(['followUp'], unknownPlaceholders(c.followUp ?? ''), FILLS_GREETING)
    if (c.followUp !== null && followUpMaxBytes(c.followUp) > MAX_FOLLOW_UP_BYTES) {
      ctx.addIssue({ code: 'custom', path: ['followUp'], message: FOLLOW_UP_BYTES_MESSAGE })
    }
    // Texts sent as typed: a placeholder of the greetings or the progress text, copied here,
    // would reach visitors as "{count}" (other braces are the organizer's own text).
    const asTyped = 'nothing is filled in this text'
    flag(['stampComplete'], placeholdersIn(c.stampComplete ?? ''), asTyped)
    flag(['reply', 'subscribe'], placeholdersIn(c.reply.subscribe), asTyped)
    flag(['reply', 'scan'], placeholdersIn(c.reply.scan), asTyped)
  })
export type CampaignInput = z.infer<typeof campaignInputSchema>

/**
 * What the console's form lets an organizer save: the API's body, and a code lifetime that
 * outlives the rotation and the scan after it (shared/ticket-ttl.ts). The API itself takes any
 * pair within the contract's ranges (a client may set them one at a time, and a campaign saved
 * before must stay editable); a kiosk given a shorter lifetime rotates early instead of showing
 * a dead code. The form is where an organizer learns why.
 */
export const campaignFormSchema = campaignInputSchema.superRefine((c, ctx) => {
  if (!ticketOutlivesRotation(c.rotationSeconds, c.ticketTtlSeconds)) {
    ctx.addIssue({
      code: 'custom',
      path: ['ticketTtlSeconds'],
      message: ticketTtlMessage('rotationSeconds', c.rotationSeconds),
    })
  }
})

/** What a kiosk receives (never the screen key). */
export const relayCampaignSchema = campaignFieldsSchema
  .extend({ id: campaignIdSchema })
  .strict()
  .refine(datesInOrder, datesMessage)
export type RelayCampaign = z.infer<typeof relayCampaignSchema>

/** What the relay stores and the console shows: the kiosk's view plus the big screens' key. */
export const consoleCampaignSchema = campaignFieldsSchema
  .extend({ id: campaignIdSchema, screenKey: z.string().min(16).max(128) })
  .strict()
  .refine(datesInOrder, datesMessage)
export type ConsoleCampaign = z.infer<typeof consoleCampaignSchema>

/** The kiosk's view of a stored campaign: the same object without `screenKey`. */
export function toRelayCampaign(c: ConsoleCampaign): RelayCampaign {
  const { screenKey: _key, ...rest } = c
  return rest
}

/**
 * A campaign as the console's lists and pickers show it (`GET /console/api/campaigns?view=summary`):
 * its id, name, dates and mode, and nothing else (no greetings, replies, follow-up or stamps, and
 * no screen key). A season's 1,000 campaigns are a tenth of the whole list's bytes this way; the
 * editor and anything else that needs the rest reads the campaign itself.
 */
export const consoleCampaignSummarySchema = campaignFieldsSchema
  .pick({ name: true, startsAt: true, endsAt: true, mode: true })
  .extend({ id: campaignIdSchema })
  // A reader takes the summary out of anything that has it (a whole campaign too).
  .strip()
export type ConsoleCampaignSummary = z.infer<typeof consoleCampaignSummarySchema>

/** The shapes `GET /console/api/campaigns` answers in (`?view=`; without it, `full`). */
export const CAMPAIGN_LIST_VIEWS = ['full', 'summary'] as const
export type CampaignListView = (typeof CAMPAIGN_LIST_VIEWS)[number]

/** A campaign's summary: the fields listed above, copied (never the screen key). */
export function toCampaignSummary(c: ConsoleCampaignSummary): ConsoleCampaignSummary {
  return { id: c.id, name: c.name, startsAt: c.startsAt, endsAt: c.endsAt, mode: c.mode }
}

/**
 * One registered visitor as the relay sends it. `id` is the relay's registration id (stable
 * across re-uploads of the same person), `openid` the WeChat user bound to it, if any.
 */
export const relayRosterEntrySchema = z
  .object({
    id: z.string().min(1).max(64),
    name: text(MAX_ROSTER_NAME_LENGTH),
    company: z.string().max(200),
    phone: z.string().max(40),
    code: z.string().max(64),
    openid: z.string().min(1).max(128).nullable(),
  })
  .strict()
export type RelayRosterEntry = z.infer<typeof relayRosterEntrySchema>

/** At most this many entries in one roster frame. */
export const MAX_ROSTER_ENTRIES_PER_FRAME = 200

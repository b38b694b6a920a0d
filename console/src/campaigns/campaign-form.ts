/**
 * The campaign form's data: a draft the inputs edit (text where the organizer types, so a
 * half-typed number or an emptied date is kept as typed), what the draft becomes for the relay,
 * and each problem as the key of a message both languages have.
 */
import type { Locale } from '../../../shared/domain'
import {
  BRACES_MESSAGE,
  CAMPAIGN_DEFAULTS,
  campaignFormSchema,
  FOLLOW_UP_BYTES_MESSAGE,
  GREETING_NO_NAME_MESSAGE,
  type CampaignInput,
  type ConsoleCampaign,
  type GreetingTexts,
} from '../api/campaign-contract'
import { LINE_TEXT_MESSAGE, LINES_TEXT_MESSAGE } from '../../../shared/typed-text'
import { XML_TEXT_MESSAGE } from '../../../shared/xml-text'

export interface CampaignDraft {
  name: string
  startsAt: string
  endsAt: string
  rotationSeconds: string
  ticketTtlSeconds: string
  mode: 'booth' | 'desk'
  greetings: Record<Locale, GreetingTexts>
  reply: { subscribe: string; scan: string }
  tag: string
  followUp: string
  stamps: string[]
  /** Labels of stamp booths as typed (a booth left empty is shown by its id). */
  stampNames: Record<string, string>
  /** Empty: the default text (shared/stamp-reply.ts). */
  stampProgress: string
  stampComplete: string
}

/** A new campaign: the kiosk's usual defaults and greetings in both languages. */
export function newDraft(): CampaignDraft {
  return {
    name: '',
    startsAt: '',
    endsAt: '',
    rotationSeconds: String(CAMPAIGN_DEFAULTS.rotationSeconds),
    ticketTtlSeconds: String(CAMPAIGN_DEFAULTS.ticketTtlSeconds),
    mode: CAMPAIGN_DEFAULTS.mode,
    greetings: {
      'zh-CN': { ...CAMPAIGN_DEFAULTS.greetings['zh-CN'] },
      en: { ...CAMPAIGN_DEFAULTS.greetings.en },
    },
    reply: { ...CAMPAIGN_DEFAULTS.reply },
    tag: '',
    followUp: '',
    stamps: [],
    stampNames: namesOf({}),
    stampProgress: '',
    stampComplete: '',
  }
}

export function draftOf(c: ConsoleCampaign): CampaignDraft {
  return {
    name: c.name,
    startsAt: c.startsAt ?? '',
    endsAt: c.endsAt ?? '',
    rotationSeconds: String(c.rotationSeconds),
    ticketTtlSeconds: String(c.ticketTtlSeconds),
    mode: c.mode,
    greetings: {
      'zh-CN': { ...c.greetings['zh-CN'] },
      en: { ...c.greetings.en },
    },
    reply: { ...c.reply },
    tag: c.tag ?? '',
    followUp: c.followUp ?? '',
    stamps: [...c.stamps],
    stampNames: namesOf(c.stampNames ?? {}),
    stampProgress: c.stampProgress ?? '',
    stampComplete: c.stampComplete ?? '',
  }
}

/** Whole numbers only: `1e3`, `60.5` or ` ` are not a number of seconds. */
function seconds(text: string): number {
  return /^\s*\d{1,9}\s*$/.test(text) ? Number(text) : Number.NaN
}
const orNull = (text: string): string | null => (text.trim() === '' ? null : text.trim())

/** What the relay gets: trimmed text, empty optional fields as null. */
export function candidateOf(d: CampaignDraft): unknown {
  const trimAll = (g: GreetingTexts): GreetingTexts => ({
    first: g.first.trim(),
    returning: g.returning.trim(),
    named: g.named.trim(),
  })
  return {
    name: d.name.trim(),
    startsAt: orNull(d.startsAt),
    endsAt: orNull(d.endsAt),
    rotationSeconds: seconds(d.rotationSeconds),
    ticketTtlSeconds: seconds(d.ticketTtlSeconds),
    mode: d.mode,
    greetings: { 'zh-CN': trimAll(d.greetings['zh-CN']), en: trimAll(d.greetings.en) },
    reply: { subscribe: d.reply.subscribe.trim(), scan: d.reply.scan.trim() },
    tag: orNull(d.tag),
    followUp: orNull(d.followUp),
    stamps: [...d.stamps],
    ...stampFieldsOf(d),
  }
}

/**
 * Booth names keyed by kiosk id, without a prototype: "constructor" is a valid kiosk id, and
 * the editor's input for it would otherwise show Object.prototype's function.
 */
function namesOf(names: Readonly<Record<string, string>>): Record<string, string> {
  return Object.assign(Object.create(null) as Record<string, string>, names)
}

/**
 * A picked booth's typed name. Read with a plain property get, not `Object.hasOwn`: the editor
 * checks its reactive draft in a `computed`, and only a get (or `in`) tells Vue the check
 * depends on that key, so a name typed for a booth that had none is seen (hasOwn is not
 * tracked: the check stayed stale and the save left the name out). A draft's names have no
 * prototype; a plain object's inherited "constructor" is not a string, so it is no name.
 */
function stampNameOf(d: CampaignDraft, id: string): string {
  const name: unknown = d.stampNames[id]
  return typeof name === 'string' ? name.trim() : ''
}

/** The stamp rally's optional fields: names of picked booths only, empty texts left out. */
function stampFieldsOf(d: CampaignDraft): Record<string, unknown> {
  const names = Object.fromEntries(
    d.stamps.map((id) => [id, stampNameOf(d, id)] as const).filter(([, name]) => name !== ''),
  )
  const out: Record<string, unknown> = {}
  if (Object.keys(names).length > 0) out.stampNames = names
  if (d.stampProgress.trim() !== '') out.stampProgress = d.stampProgress.trim()
  if (d.stampComplete.trim() !== '') out.stampComplete = d.stampComplete.trim()
  return out
}

/** A field's path as the form names it: `name`, `greetings.en.first`, `reply.scan`. */
export type FieldErrors = Record<string, string>

/** The message key for a problem at `path` (i18n `campaigns.errors.*`). */
function messageKey(path: string, code: string, message: string): string {
  // A text for WeChat holding what XML cannot carry (reply, stamp texts, tag, follow-up).
  if (message === XML_TEXT_MESSAGE) return 'campaigns.errors.controlChars'
  // A name (one line) or a longer text holding a control or bidi control (shared/typed-text.ts).
  if (message === LINE_TEXT_MESSAGE) return 'campaigns.errors.lineChars'
  if (message === LINES_TEXT_MESSAGE) return 'campaigns.errors.textChars'
  // "{name!" or "{{name}}" in a text filled in (greetings, follow-up, rally progress).
  if (message === BRACES_MESSAGE) return 'campaigns.errors.braces'
  if (message === GREETING_NO_NAME_MESSAGE) return 'campaigns.errors.greetingNoName'
  if (path.startsWith('greetings.')) {
    return code === 'custom' ? 'campaigns.errors.placeholder' : 'campaigns.errors.greeting'
  }
  if (path === 'followUp' && message === FOLLOW_UP_BYTES_MESSAGE)
    return 'campaigns.errors.followUpBytes'
  if (path === 'followUp' && code === 'custom') return 'campaigns.errors.followUpPlaceholder'
  const sentAsTyped = ['reply.subscribe', 'reply.scan', 'stampComplete']
  if (sentAsTyped.includes(path) && code === 'custom') return 'campaigns.errors.notFilledIn'
  if (path.startsWith('reply.')) return 'campaigns.errors.reply'
  if (path.startsWith('stampNames')) return 'campaigns.errors.stampName'
  if (path === 'stampProgress' && code === 'custom') return 'campaigns.errors.stampPlaceholder'
  if (path === 'stampProgress' || path === 'stampComplete') return 'campaigns.errors.reply'
  // Over 50 picked; else an id that is not a booth's or one picked twice (a stored campaign, or
  // a booth list read before an id was changed: the ticks cannot make either).
  if (path.startsWith('stamps'))
    return code === 'too_big' ? 'campaigns.errors.stamps' : 'campaigns.errors.stampsInvalid'
  if (path === 'endsAt' && code === 'custom') return 'campaigns.errors.endsBeforeStart'
  // In range, but not outliving the rotation and the scan after it (shared/ticket-ttl.ts).
  if (path === 'ticketTtlSeconds' && code === 'custom') return 'campaigns.errors.ticketTtlShort'
  if (path === 'startsAt' || path === 'endsAt') return 'campaigns.errors.date'
  const known = ['name', 'rotationSeconds', 'ticketTtlSeconds', 'tag', 'followUp']
  return known.includes(path) ? `campaigns.errors.${path}` : 'campaigns.errors.invalid'
}

export type Checked = { ok: true; input: CampaignInput } | { ok: false; errors: FieldErrors }

/**
 * The draft checked against the same schema the relay holds its body to, and the code lifetime
 * against the rotation (`campaignFormSchema`).
 */
export function checkDraft(d: CampaignDraft): Checked {
  const parsed = campaignFormSchema.safeParse(candidateOf(d))
  if (parsed.success) return { ok: true, input: parsed.data }
  const errors: FieldErrors = {}
  for (const issue of parsed.error.issues) {
    const path = issue.path.join('.')
    errors[path] ??= messageKey(path, issue.code, issue.message)
  }
  return { ok: false, errors }
}

// Push XML → typed event (docs/WECHAT.md "Scan events" and "Receiving pushes").
import type { z } from 'zod'
import { WechatXmlError } from './errors'
import { readXmlFields, type XmlFields } from './xml-read'

export { MAX_PUSH_BYTES } from './xml-read'

/** WeChat prefixes the scene of a QR code that made the visitor follow; nothing else. */
const SUBSCRIBE_SCENE_PREFIX = 'qrscene_'

interface PushBase {
  toUser: string
  /** The visitor's openid (FromUserName). */
  openid: string
  /** Seconds since the epoch, as WeChat sent it. */
  createTime: number
}

export type PushEvent =
  | (PushBase & { kind: 'subscribe-scene'; scene: string; ticket: string })
  | (PushBase & { kind: 'subscribe' })
  | (PushBase & { kind: 'scan'; scene: string; ticket: string })
  | (PushBase & { kind: 'unsubscribe' })
  | (PushBase & {
      kind: 'other'
      msgType: string
      event?: string
      eventKey?: string
      msgId?: string
    })

/** What one leaf field must hold: a length in code points (as zod counts), or a pattern. */
export interface FieldRule {
  optional?: boolean
  min?: number
  max?: number
  pattern?: RegExp
}

type FieldsOf<R> = { [K in keyof R as R[K] extends { optional: true } ? never : K]: string } & {
  [K in keyof R as R[K] extends { optional: true } ? K : never]?: string
}

/**
 * Checks the fields against `rules` in their order; the first failure is a typed error naming
 * the field (missing_field when absent, bad_field otherwise), as `validateFields` reports it.
 * A plain loop rather than a zod schema: this runs on every push
 * (test/wechat/push-fields-differential.test.ts holds it to the zod schema of the same rules).
 */
export function fieldReader<R extends Record<string, FieldRule>>(rules: R) {
  const entries = Object.entries(rules)
  return (fields: XmlFields): FieldsOf<R> => {
    const out: Record<string, string> = {}
    for (const [name, rule] of entries) {
      const value = fields.get(name)
      if (value === undefined) {
        if (rule.optional === true) continue
        return fail('missing_field', `field ${name} is missing`)
      }
      // null: the field was repeated or had children.
      if (
        value === null ||
        tooShort(value, rule.min ?? 0) ||
        tooLong(value, rule.max ?? Infinity) ||
        (rule.pattern !== undefined && !rule.pattern.test(value))
      ) {
        // Field values are never echoed: they may be openids.
        return fail('bad_field', `field ${name} is not valid`)
      }
      out[name] = value
    }
    return out as FieldsOf<R>
  }
}

export const PUSH_FIELD_RULES = {
  ToUserName: { min: 1, max: 128 },
  FromUserName: { min: 1, max: 128 },
  // Digits only, short enough to be an exact JS number.
  CreateTime: { pattern: /^[0-9]{1,12}$/ },
  MsgType: { min: 1, max: 64 },
  Event: { optional: true, max: 64 },
  EventKey: { optional: true, max: 4096 },
  Ticket: { optional: true, max: 512 },
  // 64-bit ids: kept as strings, never numbers.
  MsgId: { optional: true, pattern: /^[0-9]{1,20}$/ },
} as const satisfies Record<string, FieldRule>

export const ENVELOPE_FIELD_RULES = {
  Encrypt: { optional: true, max: 65536 },
  ToUserName: { optional: true, max: 128 },
} as const satisfies Record<string, FieldRule>

/** Code points, as zod counts them: a surrogate pair is one, a lone surrogate one too. */
function codePoints(s: string): number {
  let n = s.length
  for (let i = 0; i < s.length - 1; i++) {
    if ((s.charCodeAt(i) & 0xfc00) === 0xd800 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n--
      i++
    }
  }
  return n
}

// UTF-16 units first: a code point is one or two units, so only the range in between is counted.
const tooShort = (v: string, min: number) =>
  v.length < min || (v.length < 2 * min && codePoints(v) < min)
const tooLong = (v: string, max: number) => v.length > max && codePoints(v) > max

const readPushFields = fieldReader(PUSH_FIELD_RULES)
const readEnvelopeFields = fieldReader(ENVELOPE_FIELD_RULES)

/** Validates the fields with `schema`, turning the first issue into a typed error. */
export function validateFields<T extends z.ZodType>(fields: XmlFields, schema: T): z.output<T> {
  const result = schema.safeParse(Object.fromEntries(fields))
  if (result.success) return result.data
  const name = String(result.error.issues[0]?.path[0] ?? 'xml')
  // Field values are never echoed: they may be openids.
  return fields.has(name)
    ? fail('bad_field', `field ${name} is not valid`)
    : fail('missing_field', `field ${name} is missing`)
}

function fail(code: 'bad_field' | 'missing_field', message: string): never {
  throw new WechatXmlError(code, message)
}

function required(value: string | undefined, name: string): string {
  if (value === undefined || value.length === 0)
    return fail('missing_field', `field ${name} is missing`)
  return value
}

/** Parses a plain or decrypted push. Throws WechatXmlError. */
export function parsePushXml(xml: string | Buffer): PushEvent {
  const f = readPushFields(readXmlFields(xml))
  // Object literals, not `{ ...base }`: spreading is many times slower on this path.
  const toUser = f.ToUserName
  const openid = f.FromUserName
  const createTime = Number(f.CreateTime)
  const event = f.MsgType === 'event' ? f.Event?.toLowerCase() : undefined
  const key = f.EventKey ?? ''

  if (event === 'subscribe') {
    if (key === '') return { toUser, openid, createTime, kind: 'subscribe' }
    if (key.startsWith(SUBSCRIBE_SCENE_PREFIX)) {
      // Exactly one prefix: a scene that itself starts with 'qrscene_' keeps it.
      const scene = key.slice(SUBSCRIBE_SCENE_PREFIX.length)
      if (scene === '') return fail('bad_field', 'field EventKey has an empty scene')
      const ticket = required(f.Ticket, 'Ticket')
      return { toUser, openid, createTime, kind: 'subscribe-scene', scene, ticket }
    }
  } else if (event === 'scan') {
    const scene = required(f.EventKey, 'EventKey')
    const ticket = required(f.Ticket, 'Ticket')
    return { toUser, openid, createTime, kind: 'scan', scene, ticket }
  } else if (event === 'unsubscribe') {
    return { toUser, openid, createTime, kind: 'unsubscribe' }
  }

  const other: PushEvent = { toUser, openid, createTime, kind: 'other', msgType: f.MsgType }
  if (f.Event !== undefined) other.event = f.Event
  if (f.EventKey !== undefined) other.eventKey = f.EventKey
  if (f.MsgId !== undefined) other.msgId = f.MsgId
  return other
}

/** The outer body of a safe- or compat-mode push: the `<Encrypt>` value and the addressee. */
export function parseEnvelope(xml: string | Buffer): { encrypt?: string; toUserName?: string } {
  const f = readEnvelopeFields(readXmlFields(xml))
  const out: { encrypt?: string; toUserName?: string } = {}
  if (f.Encrypt) out.encrypt = f.Encrypt
  if (f.ToUserName) out.toUserName = f.ToUserName
  return out
}

/** The raw Event and EventKey WeChat sent, rebuilt from the parsed event. */
function rawEvent(e: PushEvent): [event: string, eventKey: string] | null {
  switch (e.kind) {
    case 'subscribe-scene':
      return ['subscribe', SUBSCRIBE_SCENE_PREFIX + e.scene]
    case 'subscribe':
      return ['subscribe', '']
    case 'scan':
      return ['SCAN', e.scene]
    case 'unsubscribe':
      return ['unsubscribe', '']
    case 'other':
      return e.msgType === 'event' ? [e.event ?? '', e.eventKey ?? ''] : null
  }
}

/**
 * Identifies a push across WeChat's retries: events by FromUserName + CreateTime + Event +
 * EventKey, messages by MsgId. Two visitors in the same second get different keys.
 */
export function dedupKey(e: PushEvent): string {
  const raw = rawEvent(e)
  if (raw !== null) return `event:${JSON.stringify([e.openid, e.createTime, raw[0], raw[1]])}`
  if (e.kind === 'other' && e.msgId !== undefined) return `msg:${e.msgId}`
  const msgType = e.kind === 'other' ? e.msgType : e.kind
  return `push:${JSON.stringify([e.openid, e.createTime, msgType])}`
}

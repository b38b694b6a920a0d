// Push XML → typed event (WECHAT.md, "Scan events" and "Receiving pushes").
import { z } from 'zod'
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

const pushFieldsSchema = z.object({
  ToUserName: z.string().min(1).max(128),
  FromUserName: z.string().min(1).max(128),
  // Digits only, short enough to be an exact JS number.
  CreateTime: z.string().regex(/^[0-9]{1,12}$/),
  MsgType: z.string().min(1).max(64),
  Event: z.string().max(64).optional(),
  EventKey: z.string().max(4096).optional(),
  Ticket: z.string().max(512).optional(),
  // 64-bit ids: kept as strings, never numbers.
  MsgId: z
    .string()
    .regex(/^[0-9]{1,20}$/)
    .optional(),
})

const envelopeSchema = z.object({
  Encrypt: z.string().max(65536).optional(),
  ToUserName: z.string().max(128).optional(),
})

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
  const f = validateFields(readXmlFields(xml), pushFieldsSchema)
  const base: PushBase = {
    toUser: f.ToUserName,
    openid: f.FromUserName,
    createTime: Number(f.CreateTime),
  }
  const event = f.MsgType === 'event' ? f.Event?.toLowerCase() : undefined
  const key = f.EventKey ?? ''

  if (event === 'subscribe') {
    if (key === '') return { ...base, kind: 'subscribe' }
    if (key.startsWith(SUBSCRIBE_SCENE_PREFIX)) {
      // Exactly one prefix: a scene that itself starts with 'qrscene_' keeps it.
      const scene = key.slice(SUBSCRIBE_SCENE_PREFIX.length)
      if (scene === '') return fail('bad_field', 'field EventKey has an empty scene')
      return { ...base, kind: 'subscribe-scene', scene, ticket: required(f.Ticket, 'Ticket') }
    }
  } else if (event === 'scan') {
    const scene = required(f.EventKey, 'EventKey')
    return { ...base, kind: 'scan', scene, ticket: required(f.Ticket, 'Ticket') }
  } else if (event === 'unsubscribe') {
    return { ...base, kind: 'unsubscribe' }
  }

  const other: PushEvent = { ...base, kind: 'other', msgType: f.MsgType }
  if (f.Event !== undefined) other.event = f.Event
  if (f.EventKey !== undefined) other.eventKey = f.EventKey
  if (f.MsgId !== undefined) other.msgId = f.MsgId
  return other
}

/** The outer body of a safe- or compat-mode push: the `<Encrypt>` value and the addressee. */
export function parseEnvelope(xml: string | Buffer): { encrypt?: string; toUserName?: string } {
  const f = validateFields(readXmlFields(xml), envelopeSchema)
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

/**
 * An authentic push the relay cannot route because a field is missing or not valid (a SCAN
 * without Ticket, a subscribe with a bare `qrscene_`, a CreateTime that is not a number).
 * WeChat must not be told it failed: it would retry three times and show the visitor "该公众号
 * 暂时无法提供服务". It is kept as unrouted instead, with whatever fields are usable.
 */
import { hash } from 'node:crypto'
import { WechatXmlError, readXmlFields } from '../shared/wechat'
import { eventIdOf } from './store/store-util'
import type { UnroutedEvent } from './store/types'

type IncompleteError = WechatXmlError & { code: 'missing_field' | 'bad_field' }

const SUBSCRIBE_SCENE_PREFIX = 'qrscene_'

/** A field's text when present and within `max` characters, else ''. */
function field(fields: Map<string, string | null>, name: string, max: number): string {
  const v = fields.get(name)
  return typeof v === 'string' && v.length <= max ? v : ''
}

export function incompletePush(
  xml: string | Buffer,
  err: IncompleteError,
  receivedAt: number,
): UnroutedEvent {
  const f = readXmlFields(xml)
  const createTime = field(f, 'CreateTime', 12)
  const msgType = field(f, 'MsgType', 64)
  const event = (msgType === 'event' ? field(f, 'Event', 64) : msgType).toLowerCase()
  const key = field(f, 'EventKey', 512)
  const subscribeScene = event === 'subscribe' && key.startsWith(SUBSCRIBE_SCENE_PREFIX)
  return {
    // WeChat's retries carry the same plaintext: they get the same id and are kept once.
    id: eventIdOf(`incomplete:${hash('sha256', xml, 'hex')}`),
    reason: err.code === 'missing_field' ? 'missing-field' : 'bad-field',
    event,
    openid: field(f, 'FromUserName', 128),
    scene: subscribeScene ? key.slice(SUBSCRIBE_SCENE_PREFIX.length) : key,
    ticket: field(f, 'Ticket', 512),
    createTime: /^[0-9]{1,12}$/.test(createTime) ? Number(createTime) : 0,
    receivedAt,
  }
}

/** Whether an error from parsing an authentic push means "incomplete", not "not a push". */
export function isIncomplete(err: unknown): err is IncompleteError {
  return err instanceof WechatXmlError && (err.code === 'missing_field' || err.code === 'bad_field')
}

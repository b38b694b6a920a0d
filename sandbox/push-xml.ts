// The XML WeChat pushes for follow and scan events (docs/WECHAT.md "Scan events"), and the
// safe/compat envelopes around it (docs/WECHAT.md "Receiving pushes").

export type PushEvent = 'subscribe' | 'SCAN' | 'unsubscribe'

export interface EventFields {
  toUserName: string
  fromUserName: string
  createTime: number
  event: PushEvent
  /** Already prefixed (qrscene_…) for a subscribe; omitted for unsubscribe. */
  eventKey?: string
  ticket?: string
}

/** CDATA that survives any text, including one containing "]]>". */
export function cdata(text: string): string {
  return `<![CDATA[${text.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`
}

/** The plaintext push, as plain mode sends it and as safe mode encrypts it. */
export function buildEventXml(f: EventFields): string {
  let xml =
    `<ToUserName>${cdata(f.toUserName)}</ToUserName>` +
    `<FromUserName>${cdata(f.fromUserName)}</FromUserName>` +
    `<CreateTime>${f.createTime}</CreateTime>` +
    `<MsgType>${cdata('event')}</MsgType>` +
    `<Event>${cdata(f.event)}</Event>`
  if (f.eventKey !== undefined) xml += `<EventKey>${cdata(f.eventKey)}</EventKey>`
  if (f.ticket !== undefined) xml += `<Ticket>${cdata(f.ticket)}</Ticket>`
  return `<xml>${xml}</xml>`
}

/** Safe mode: only ToUserName and the encrypted message. */
export function buildSafeXml(toUserName: string, encrypt: string): string {
  return `<xml><ToUserName>${cdata(toUserName)}</ToUserName><Encrypt>${cdata(encrypt)}</Encrypt></xml>`
}

/** Compat mode: every plaintext field and the encrypted copy beside them. */
export function buildCompatXml(plainXml: string, encrypt: string): string {
  return plainXml.replace(/<\/xml>\s*$/, `<Encrypt>${cdata(encrypt)}</Encrypt></xml>`)
}

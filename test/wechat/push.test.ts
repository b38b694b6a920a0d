import { describe, expect, it } from 'vitest'
import { WechatXmlError } from '../../shared/wechat/errors'
import {
  MAX_PUSH_BYTES,
  dedupKey,
  parseEnvelope,
  parsePushXml,
  type PushEvent,
} from '../../shared/wechat/push'
import { vectors } from './vectors'

/** A push as WeChat formats it (docs/WECHAT.md "Scan events"). */
function push(fields: Record<string, string | undefined>): string {
  const f: Record<string, string | undefined> = {
    ToUserName: 'gh_account',
    FromUserName: 'oVisitor123',
    CreateTime: '1700000000',
    MsgType: 'event',
    ...fields,
  }
  const body = Object.entries(f)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => (k === 'CreateTime' ? `<${k}>${v}</${k}>` : `<${k}><![CDATA[${v}]]></${k}>`))
    .join('\n')
  return `<xml>${body}</xml>`
}

function xmlCode(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    if (err instanceof WechatXmlError) return err.code
    throw err
  }
  throw new Error('expected a WechatXmlError')
}

describe('scan events', () => {
  it('parses the documented subscribe-with-scene push and strips qrscene_', () => {
    const xml =
      '<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[FromUser]]></FromUserName>\n' +
      '<CreateTime>123456789</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event>\n' +
      '<EventKey><![CDATA[qrscene_123123]]></EventKey><Ticket><![CDATA[TICKET]]></Ticket></xml>'
    expect(parsePushXml(xml)).toEqual({
      kind: 'subscribe-scene',
      toUser: 'toUser',
      openid: 'FromUser',
      createTime: 123456789,
      scene: '123123',
      ticket: 'TICKET',
    })
  })

  it('parses SCAN with the scene as sent', () => {
    const e = parsePushXml(push({ Event: 'SCAN', EventKey: 'k1:abc', Ticket: 'T' }))
    expect(e).toMatchObject({ kind: 'scan', scene: 'k1:abc', ticket: 'T', openid: 'oVisitor123' })
  })

  it.each([
    ['leading zeros', '007'],
    ['a 20-digit id', '12345678901234567890'],
    ['a 2^53+1 id', '9007199254740993'],
    ['Chinese', '签到-会场A'],
    ['64 characters', 'k'.repeat(24) + ':' + 'n'.repeat(39)],
    ['an inner qrscene_', 'a_qrscene_b'],
    ['a literal entity', 'a&amp;b'],
    ['surrounding spaces', ' x '],
    ['1e3', '1e3'],
    ['0x1F', '0x1F'],
  ])('keeps a scene with %s exact', (_name, scene) => {
    const sub = parsePushXml(
      push({ Event: 'subscribe', EventKey: `qrscene_${scene}`, Ticket: 'T' }),
    )
    expect(sub).toMatchObject({ kind: 'subscribe-scene', scene })
    const scan = parsePushXml(push({ Event: 'SCAN', EventKey: scene, Ticket: 'T' }))
    expect(scan).toMatchObject({ kind: 'scan', scene })
  })

  it('strips exactly one qrscene_ prefix, and none from SCAN', () => {
    const sub = parsePushXml(
      push({ Event: 'subscribe', EventKey: 'qrscene_qrscene_x', Ticket: 'T' }),
    )
    expect(sub).toMatchObject({ kind: 'subscribe-scene', scene: 'qrscene_x' })
    const scan = parsePushXml(push({ Event: 'SCAN', EventKey: 'qrscene_x', Ticket: 'T' }))
    expect(scan).toMatchObject({ kind: 'scan', scene: 'qrscene_x' })
  })

  it('decodes the built-in entities in plain text, once', () => {
    const xml = push({ Event: 'SCAN', Ticket: 'T' }).replace(
      '</xml>',
      '<EventKey>a&amp;b&lt;c&gt;&quot;&apos;&#20013;&#x6587;&amp;lt;</EventKey></xml>',
    )
    expect(parsePushXml(xml)).toMatchObject({ kind: 'scan', scene: 'a&b<c>"\'中文&lt;' })
  })

  it('treats a follow without a QR code as plain subscribe', () => {
    expect(parsePushXml(push({ Event: 'subscribe', EventKey: '' }))).toEqual({
      kind: 'subscribe',
      toUser: 'gh_account',
      openid: 'oVisitor123',
      createTime: 1700000000,
    })
    expect(parsePushXml(push({ Event: 'subscribe' }))).toMatchObject({ kind: 'subscribe' })
  })

  it('parses unsubscribe', () => {
    expect(parsePushXml(push({ Event: 'unsubscribe', EventKey: '' }))).toMatchObject({
      kind: 'unsubscribe',
      openid: 'oVisitor123',
    })
  })

  it('refuses scene events with the scene or ticket missing', () => {
    expect(xmlCode(() => parsePushXml(push({ Event: 'SCAN', EventKey: 'x' })))).toBe(
      'missing_field',
    )
    expect(xmlCode(() => parsePushXml(push({ Event: 'SCAN', Ticket: 'T' })))).toBe('missing_field')
    expect(
      xmlCode(() => parsePushXml(push({ Event: 'subscribe', EventKey: 'qrscene_', Ticket: 'T' }))),
    ).toBe('bad_field')
  })
})

describe('other pushes', () => {
  it('turns the official text message into "other" with its 64-bit MsgId exact', () => {
    const e = parsePushXml(vectors.safe_mode.message.plaintext)
    expect(e).toEqual({
      kind: 'other',
      toUser: vectors.safe_mode.appid,
      openid: 'mycreate',
      createTime: 1409659813,
      msgType: 'text',
      msgId: '4561255354251345929',
    })
  })

  it('keeps other events with their Event and EventKey', () => {
    const e = parsePushXml(push({ Event: 'CLICK', EventKey: 'menu_1' }))
    expect(e).toMatchObject({ kind: 'other', msgType: 'event', event: 'CLICK', eventKey: 'menu_1' })
    // A subscribe whose key is not a QR scene is not a scene scan.
    const odd = parsePushXml(push({ Event: 'subscribe', EventKey: 'last_trade_no_1' }))
    expect(odd).toMatchObject({ kind: 'other', event: 'subscribe', eventKey: 'last_trade_no_1' })
  })

  it('ignores nested fields it does not read', () => {
    const xml = push({ Event: 'scancode_push', EventKey: 'k' }).replace(
      '</xml>',
      '<ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType></ScanCodeInfo></xml>',
    )
    expect(parsePushXml(xml)).toMatchObject({ kind: 'other', event: 'scancode_push' })
  })
})

describe('input handling', () => {
  it('accepts a Buffer, a BOM and an XML declaration', () => {
    const xml = push({ Event: 'SCAN', EventKey: '中文', Ticket: 'T' })
    expect(parsePushXml(Buffer.from(xml))).toMatchObject({ scene: '中文' })
    expect(parsePushXml(`\ufeff<?xml version="1.0" encoding="UTF-8"?>${xml}`)).toMatchObject({
      scene: '中文',
    })
  })

  it.each([
    ['FromUserName missing', { FromUserName: undefined }, 'missing_field'],
    ['FromUserName empty', { FromUserName: '' }, 'bad_field'],
    ['MsgType missing', { MsgType: undefined }, 'missing_field'],
    ['CreateTime missing', { CreateTime: undefined }, 'missing_field'],
    ['CreateTime not digits', { CreateTime: '17e8' }, 'bad_field'],
    ['CreateTime negative', { CreateTime: '-1' }, 'bad_field'],
    ['CreateTime huge', { CreateTime: '1'.repeat(20) }, 'bad_field'],
  ])('refuses %s', (_name, fields, code) => {
    expect(
      xmlCode(() => parsePushXml(push({ Event: 'SCAN', EventKey: 'x', Ticket: 'T', ...fields }))),
    ).toBe(code)
  })

  it('refuses a repeated or nested required field', () => {
    const repeated = push({ Event: 'SCAN', EventKey: 'x', Ticket: 'T' }).replace(
      '</xml>',
      '<FromUserName><![CDATA[someoneElse]]></FromUserName></xml>',
    )
    expect(xmlCode(() => parsePushXml(repeated))).toBe('bad_field')
    const nested = push({
      Event: 'SCAN',
      EventKey: 'x',
      Ticket: 'T',
      FromUserName: undefined,
    }).replace('</xml>', '<FromUserName><a>1</a></FromUserName></xml>')
    expect(xmlCode(() => parsePushXml(nested))).toBe('bad_field')
  })

  it.each([
    ['unclosed', '<xml><FromUserName>a</xml>'],
    ['not XML', 'success'],
    ['two roots', '<xml></xml><xml></xml>'],
    ['another root', '<doc><FromUserName>a</FromUserName></doc>'],
    [
      'an unknown entity',
      push({ Event: 'SCAN', Ticket: 'T' }).replace('</xml>', '<EventKey>&nbsp;</EventKey></xml>'),
    ],
    [
      'a stray ampersand',
      push({ Event: 'SCAN', Ticket: 'T' }).replace('</xml>', '<EventKey>a & b</EventKey></xml>'),
    ],
    [
      'a __proto__ tag',
      push({ Event: 'SCAN', EventKey: 'x', Ticket: 'T' }).replace(
        '</xml>',
        '<__proto__>1</__proto__></xml>',
      ),
    ],
    ['trailing junk', `${push({ Event: 'SCAN', EventKey: 'x', Ticket: 'T' })}junk`],
  ])('refuses malformed XML: %s', (_name, xml) => {
    expect(xmlCode(() => parsePushXml(xml))).toBe('malformed')
  })

  it('refuses a Buffer that is not UTF-8', () => {
    const bytes = Buffer.concat([
      Buffer.from('<xml><a>'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('</a></xml>'),
    ])
    expect(xmlCode(() => parsePushXml(bytes))).toBe('malformed')
  })

  it('limits the body to 64 KiB counted in bytes', () => {
    const base = push({ Event: 'SCAN', EventKey: 'x', Ticket: 'T' })
    const fill = (bytes: number) => base.replace('</xml>', `<Pad>${'a'.repeat(bytes)}</Pad></xml>`)
    const overhead = Buffer.byteLength(fill(0))
    expect(parsePushXml(fill(MAX_PUSH_BYTES - overhead))).toMatchObject({ kind: 'scan' })
    expect(xmlCode(() => parsePushXml(fill(MAX_PUSH_BYTES - overhead + 1)))).toBe('too_large')
    expect(xmlCode(() => parsePushXml(Buffer.from(fill(MAX_PUSH_BYTES))))).toBe('too_large')
    // 25,000 Chinese characters are 75,000 bytes: under the limit in chars, over it in bytes.
    const chinese = base.replace('</xml>', `<Pad>${'中'.repeat(25_000)}</Pad></xml>`)
    expect(chinese.length).toBeLessThan(MAX_PUSH_BYTES)
    expect(xmlCode(() => parsePushXml(chinese))).toBe('too_large')
  })
})

describe('DTDs and entities are refused', () => {
  const xxe =
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' +
    '<xml><ToUserName>a</ToUserName><FromUserName>&xxe;</FromUserName><CreateTime>1</CreateTime>' +
    '<MsgType>event</MsgType><Event>SCAN</Event><EventKey>x</EventKey><Ticket>T</Ticket></xml>'
  const laughs =
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">' +
    '<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>' +
    '<xml><ToUserName>a</ToUserName><FromUserName>&lol4;</FromUserName><CreateTime>1</CreateTime>' +
    '<MsgType>event</MsgType></xml>'

  it.each([
    ['XXE', xxe],
    ['billion laughs', laughs],
    ['lower-case doctype', xxe.replace('DOCTYPE', 'doctype')],
    ['a bare ENTITY', '<xml><!ENTITY a "b"><FromUserName>x</FromUserName></xml>'],
  ])('%s', (_name, xml) => {
    expect(xmlCode(() => parsePushXml(xml))).toBe('doctype')
    expect(xmlCode(() => parseEnvelope(xml))).toBe('doctype')
  })

  it('does not leak file contents or expansions into the result even as text', () => {
    // Without the DOCTYPE, &xxe; is an unknown entity, not an expansion.
    const withoutDtd = xxe.replace(/<!DOCTYPE[^\]]*\]>/, '')
    expect(xmlCode(() => parsePushXml(withoutDtd))).toBe('malformed')
  })
})

describe('parseEnvelope', () => {
  it('reads Encrypt and ToUserName from a safe-mode body', () => {
    const enc = vectors.safe_mode.message.encrypt
    const xml = `<xml><ToUserName><![CDATA[gh_account]]></ToUserName><Encrypt><![CDATA[${enc}]]></Encrypt></xml>`
    expect(parseEnvelope(xml)).toEqual({ encrypt: enc, toUserName: 'gh_account' })
  })

  it('reads a compat-mode body both ways', () => {
    const xml = push({ Event: 'SCAN', EventKey: 'k:1', Ticket: 'T' }).replace(
      '</xml>',
      '<Encrypt><![CDATA[abcd]]></Encrypt></xml>',
    )
    expect(parseEnvelope(xml).encrypt).toBe('abcd')
    expect(parsePushXml(xml)).toMatchObject({ kind: 'scan', scene: 'k:1' })
  })

  it('returns no encrypt for a plain body and refuses a repeated Encrypt', () => {
    expect(parseEnvelope(push({ Event: 'SCAN' }))).toEqual({ toUserName: 'gh_account' })
    const twice = '<xml><Encrypt>a</Encrypt><Encrypt>b</Encrypt></xml>'
    expect(xmlCode(() => parseEnvelope(twice))).toBe('bad_field')
  })
})

describe('dedupKey', () => {
  const scan = (f: Record<string, string>): PushEvent =>
    parsePushXml(push({ Event: 'SCAN', EventKey: 'k:1', Ticket: 'T', ...f }))

  it('is the same for a retried push', () => {
    expect(dedupKey(scan({}))).toBe(dedupKey(scan({})))
    // The ticket is not part of the key (docs/WECHAT.md "Retries and de-duplication"): same
    // event, same key.
    expect(dedupKey(scan({ Ticket: 'T2' }))).toBe(dedupKey(scan({})))
  })

  it('tells apart visitors, seconds, events and keys', () => {
    const keys = [
      scan({}),
      scan({ FromUserName: 'oOther' }),
      scan({ CreateTime: '1700000001' }),
      scan({ EventKey: 'k:2' }),
      parsePushXml(push({ Event: 'subscribe', EventKey: 'qrscene_k:1', Ticket: 'T' })),
      parsePushXml(push({ Event: 'subscribe', EventKey: '' })),
      parsePushXml(push({ Event: 'unsubscribe' })),
      parsePushXml(push({ Event: 'CLICK', EventKey: 'k:1' })),
    ].map(dedupKey)
    expect(new Set(keys).size).toBe(keys.length)
  })

  it('is not fooled by separators inside values', () => {
    const a = scan({ FromUserName: 'o1', EventKey: '2:3' })
    const b = scan({ FromUserName: 'o1:2', EventKey: '3' })
    expect(dedupKey(a)).not.toBe(dedupKey(b))
  })

  it('keys messages by MsgId', () => {
    const msg = (id: string, time: string) =>
      parsePushXml(
        push({ MsgType: 'text', CreateTime: time }).replace('</xml>', `<MsgId>${id}</MsgId></xml>`),
      )
    expect(dedupKey(msg('4561255354251345929', '1'))).toBe(
      dedupKey(msg('4561255354251345929', '2')),
    )
    expect(dedupKey(msg('4561255354251345929', '1'))).not.toBe(
      dedupKey(msg('4561255354251345928', '1')),
    )
  })
})

import { XMLParser } from 'fast-xml-parser'
import { describe, expect, it } from 'vitest'
import { WechatCipher } from '../../shared/wechat/crypto'
import { WechatCryptoError, WechatSignatureError, WechatXmlError } from '../../shared/wechat/errors'
import {
  buildEncryptedReply,
  buildTextReply,
  openEncryptedReply,
  parseTextReply,
} from '../../shared/wechat/reply'
import { msgSignature } from '../../shared/wechat/signature'
import { vectors } from './vectors'

const s = vectors.safe_mode
const cipher = new WechatCipher({ encodingAESKey: s.encodingAESKey, appId: s.appid })
const reply = {
  toUser: 'oVisitor',
  fromUser: 'gh_account',
  content: '欢迎！',
  createTime: 1700000000,
}

// An independent reader: fast-xml-parser's defaults, which merge CDATA pieces into the text.
const reader = new XMLParser({ parseTagValue: false, trimValues: false })
function readBack(xml: string): Record<string, string> {
  const doc = reader.parse(xml) as { xml: Record<string, string> }
  return doc.xml
}

describe('buildTextReply', () => {
  it('builds the passive text reply fields', () => {
    const xml = buildTextReply(reply)
    expect(readBack(xml)).toEqual({
      ToUserName: 'oVisitor',
      FromUserName: 'gh_account',
      CreateTime: '1700000000',
      MsgType: 'text',
      Content: '欢迎！',
    })
    expect(parseTextReply(xml)).toEqual(reply)
  })

  it.each([']]>', 'a]]>b', ']]>]]>', 'x]]', ']]]>>', '<![CDATA[x]]>', '&amp; <b>'])(
    'keeps content %j exact through CDATA',
    (content) => {
      const xml = buildTextReply({ ...reply, content })
      expect(readBack(xml).Content).toBe(content)
      expect(parseTextReply(xml).content).toBe(content)
    },
  )

  it('refuses content XML cannot carry and empty fields', () => {
    expect(() => buildTextReply({ ...reply, content: 'a\u0001b' })).toThrow(WechatXmlError)
    expect(() => buildTextReply({ ...reply, content: 'a\ud800b' })).toThrow(WechatXmlError)
    expect(() => buildTextReply({ ...reply, content: '' })).toThrow(WechatXmlError)
    expect(() => buildTextReply({ ...reply, toUser: '' })).toThrow(WechatXmlError)
    expect(() => buildTextReply({ ...reply, createTime: 1.5 })).toThrow(WechatXmlError)
  })
})

describe('parseTextReply', () => {
  it('refuses replies WeChat would not accept', () => {
    const good = buildTextReply(reply)
    const code = (xml: string) => {
      try {
        parseTextReply(xml)
      } catch (err) {
        if (err instanceof WechatXmlError) return err.code
      }
      return 'accepted'
    }
    expect(code('success')).toBe('malformed')
    expect(code(good.replace('[CDATA[text]]', '[CDATA[image]]'))).toBe('bad_field')
    expect(code(good.replace(/<Content>.*<\/Content>/, ''))).toBe('missing_field')
    expect(code(good.replace('1700000000', 'soon'))).toBe('bad_field')
    expect(code(`<!DOCTYPE x>${good}`)).toBe('doctype')
  })
})

describe('encrypted reply', () => {
  const inner = buildTextReply(reply)
  const random16 = Buffer.alloc(16, 9)

  it('builds a signed envelope that opens to the reply', () => {
    const xml = buildEncryptedReply({
      cipher,
      token: s.token,
      replyXml: inner,
      timestamp: '1409659813',
      nonce: '1372623149',
      random16,
    })
    const env = readBack(xml)
    expect(Object.keys(env).sort()).toEqual(['Encrypt', 'MsgSignature', 'Nonce', 'TimeStamp'])
    expect(env.TimeStamp).toBe('1409659813')
    expect(env.Nonce).toBe('1372623149')
    expect(env.Encrypt).toBe(cipher.encrypt(inner, random16))
    expect(env.MsgSignature).toBe(msgSignature(s.token, '1409659813', '1372623149', env.Encrypt!))
    expect(openEncryptedReply(xml, { cipher, token: s.token })).toBe(inner)
  })

  it('opens an envelope built from the official vector', () => {
    const m = s.message
    const xml =
      `<xml><Encrypt><![CDATA[${m.encrypt}]]></Encrypt><MsgSignature><![CDATA[${m.msg_signature}]]></MsgSignature>` +
      `<TimeStamp>${m.timestamp}</TimeStamp><Nonce><![CDATA[${m.nonce}]]></Nonce></xml>`
    expect(openEncryptedReply(xml, { cipher, token: s.token })).toBe(m.plaintext)
  })

  it('refuses a wrong token, a changed ciphertext and a changed timestamp', () => {
    const xml = buildEncryptedReply({
      cipher,
      token: s.token,
      replyXml: inner,
      timestamp: 5,
      nonce: 'n',
    })
    expect(() => openEncryptedReply(xml, { cipher, token: 'other' })).toThrow(WechatSignatureError)
    // A single flipped bit that CBC alone would not notice is caught by the signature.
    const enc = readBack(xml).Encrypt!
    const bytes = Buffer.from(enc, 'base64')
    bytes[20] = (bytes[20] ?? 0) ^ 1
    const tampered = xml.replace(enc, bytes.toString('base64'))
    expect(() => openEncryptedReply(tampered, { cipher, token: s.token })).toThrow(
      WechatSignatureError,
    )
    const restamped = xml.replace('<TimeStamp>5</TimeStamp>', '<TimeStamp>6</TimeStamp>')
    expect(() => openEncryptedReply(restamped, { cipher, token: s.token })).toThrow(
      WechatSignatureError,
    )
  })

  it('refuses a correctly signed envelope for another appid', () => {
    const other = new WechatCipher({
      encodingAESKey: s.encodingAESKey,
      appId: 'wx1111111111111111',
    })
    const xml = buildEncryptedReply({
      cipher: other,
      token: s.token,
      replyXml: inner,
      timestamp: 5,
      nonce: 'n',
    })
    expect(() => openEncryptedReply(xml, { cipher, token: s.token })).toThrow(WechatCryptoError)
  })

  it('refuses an envelope with fields missing', () => {
    const xml = buildEncryptedReply({
      cipher,
      token: s.token,
      replyXml: inner,
      timestamp: 5,
      nonce: 'n',
    })
    expect(() =>
      openEncryptedReply(xml.replace(/<MsgSignature>.*<\/MsgSignature>/, ''), {
        cipher,
        token: s.token,
      }),
    ).toThrow(WechatXmlError)
  })
})

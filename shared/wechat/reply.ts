// Passive replies (docs/WECHAT.md "Passive replies"): a text message back to the visitor, and the
// encrypted, signed envelope that carries it in safe mode.
import { z } from 'zod'
import type { WechatCipher } from './crypto'
import { WechatSignatureError, WechatXmlError } from './errors'
import { validateFields } from './push'
import { msgSignature, verifyMsgSignature } from './signature'
import { readXmlFields } from './xml-read'
import { NOT_XML_CHAR } from '../xml-text'

/** A CDATA section holding `text` exactly: ']]>' is split across two sections. */
export function cdata(text: string, field = 'value'): string {
  if (NOT_XML_CHAR.test(text)) {
    throw new WechatXmlError('bad_field', `${field} holds characters XML cannot carry`)
  }
  return `<![CDATA[${text.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`
}

function digits(value: string | number, field: string): string {
  const text = String(value)
  if (!/^[0-9]{1,12}$/.test(text)) throw new WechatXmlError('bad_field', `${field} must be digits`)
  return text
}

function nonEmpty(value: string, field: string): string {
  if (value.length === 0) throw new WechatXmlError('missing_field', `${field} is empty`)
  return value
}

export interface TextReply {
  /** The visitor's openid: the push's FromUserName. */
  toUser: string
  /** The account's id: the push's ToUserName. */
  fromUser: string
  content: string
  /** Seconds since the epoch. */
  createTime: number
}

export function buildTextReply(r: TextReply): string {
  return (
    '<xml>' +
    `<ToUserName>${cdata(nonEmpty(r.toUser, 'toUser'), 'toUser')}</ToUserName>` +
    `<FromUserName>${cdata(nonEmpty(r.fromUser, 'fromUser'), 'fromUser')}</FromUserName>` +
    `<CreateTime>${digits(r.createTime, 'createTime')}</CreateTime>` +
    `<MsgType><![CDATA[text]]></MsgType>` +
    `<Content>${cdata(nonEmpty(r.content, 'content'), 'content')}</Content>` +
    '</xml>'
  )
}

export interface EncryptedReplyInput {
  cipher: WechatCipher
  token: string
  replyXml: string
  timestamp: string | number
  nonce: string
  /** Injectable for reproducible tests; random otherwise. */
  random16?: Buffer
}

export function buildEncryptedReply(input: EncryptedReplyInput): string {
  const timestamp = digits(input.timestamp, 'timestamp')
  const nonce = nonEmpty(input.nonce, 'nonce')
  const encrypt = input.cipher.encrypt(input.replyXml, input.random16)
  const signature = msgSignature(input.token, timestamp, nonce, encrypt)
  return (
    '<xml>' +
    // Base64 and hex: nothing to check or split, unlike the caller-supplied nonce.
    `<Encrypt><![CDATA[${encrypt}]]></Encrypt>` +
    `<MsgSignature><![CDATA[${signature}]]></MsgSignature>` +
    `<TimeStamp>${timestamp}</TimeStamp>` +
    `<Nonce>${cdata(nonce, 'nonce')}</Nonce>` +
    '</xml>'
  )
}

const encryptedReplySchema = z.object({
  Encrypt: z.string().min(1),
  MsgSignature: z.string().regex(/^[0-9a-fA-F]{40}$/),
  TimeStamp: z.string().regex(/^[0-9]{1,12}$/),
  Nonce: z.string().min(1).max(128),
})

/** Checks a safe-mode reply's signature and returns the reply XML inside it. */
export function openEncryptedReply(
  xml: string | Buffer,
  opts: { cipher: WechatCipher; token: string },
): string {
  const f = validateFields(readXmlFields(xml), encryptedReplySchema)
  const query = { msg_signature: f.MsgSignature, timestamp: f.TimeStamp, nonce: f.Nonce }
  if (!verifyMsgSignature(opts.token, query, f.Encrypt)) {
    throw new WechatSignatureError('reply MsgSignature does not match')
  }
  return opts.cipher.decrypt(f.Encrypt)
}

const textReplySchema = z.object({
  ToUserName: z.string().min(1).max(128),
  FromUserName: z.string().min(1).max(128),
  CreateTime: z.string().regex(/^[0-9]{1,12}$/),
  MsgType: z.literal('text'),
  Content: z.string().min(1),
})

/** Validates a passive text reply as WeChat would accept it. Throws WechatXmlError. */
export function parseTextReply(xml: string | Buffer): TextReply {
  const f = validateFields(readXmlFields(xml), textReplySchema)
  return {
    toUser: f.ToUserName,
    fromUser: f.FromUserName,
    createTime: Number(f.CreateTime),
    content: f.Content,
  }
}

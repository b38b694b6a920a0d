// What the visitor's phone shows after a push, judged from the developer server's answer the
// way WeChat judges it (docs/WECHAT.md "Receiving pushes"): `success` or an empty body shows
// nothing, a valid passive text reply shows its text, and anything else, or no answer after
// three tries, shows "this account cannot provide service right now".
import type { WechatCipher } from '../shared/wechat/crypto'
import { openEncryptedReply, parseTextReply } from '../shared/wechat/reply'
import type { PushMode } from './options'
import type { Delivery } from './push-sender'

/** WeChat's wording, with a translation, as the visitor reads it. */
export const SERVICE_UNAVAILABLE =
  '该公众号暂时无法提供服务，请稍后再试 (this account cannot provide service right now)'

export type VisitorView =
  | { kind: 'text'; visitorSees: string }
  | { kind: 'none'; visitorSees: null; detail?: string }
  | { kind: 'error'; visitorSees: typeof SERVICE_UNAVAILABLE; detail: string }

export interface ReplyContext {
  mode: PushMode
  token: string
  cipher: WechatCipher
  /** The push's FromUserName: a reply must be addressed back to this visitor. */
  openid: string
  /** The push's ToUserName: a reply must come from the account. */
  originalId: string
}

const error = (detail: string): VisitorView => ({
  kind: 'error',
  visitorSees: SERVICE_UNAVAILABLE,
  detail,
})

export function visitorView(delivery: Delivery, ctx: ReplyContext): VisitorView {
  const answer = delivery.answered
  if (!answer) {
    const last = delivery.attempts.at(-1)
    const why = last?.error ?? (last ? `HTTP ${String(last.status)}` : 'no try')
    return error(`no valid answer after ${delivery.attempts.length} tries (${why})`)
  }
  if (answer.error !== undefined) return error(answer.error)
  const body = answer.body.trim()
  if (body === '' || body === 'success') return { kind: 'none', visitorSees: null }
  return textReply(body, ctx)
}

function textReply(body: string, ctx: ReplyContext): VisitorView {
  // Safe mode replies must be encrypted and signed; compat mode takes either form.
  const encrypted = ctx.mode === 'safe' || (ctx.mode === 'compat' && body.includes('<Encrypt>'))
  let xml = body
  if (encrypted) {
    try {
      xml = openEncryptedReply(body, { cipher: ctx.cipher, token: ctx.token })
    } catch (err) {
      return error(`encrypted reply rejected: ${describe(err)}`)
    }
  }
  try {
    const reply = parseTextReply(xml)
    if (reply.toUser !== ctx.openid) return error('reply ToUserName is not the visitor')
    if (reply.fromUser !== ctx.originalId) return error('reply FromUserName is not the account')
    return { kind: 'text', visitorSees: reply.content }
  } catch (err) {
    return error(`reply is neither success, empty nor a text reply: ${describe(err)}`)
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : 'unknown error'
}

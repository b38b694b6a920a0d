/**
 * The account's tag and customer-service message endpoints (docs/WECHAT.md "Tags and
 * follow-up messages"): request shapes, answers checked with zod, and what each errcode means
 * for a caller that queues the work (retry later, refresh the token, or give up on it).
 */
import { z } from 'zod'
import type { WechatClient } from './client'
import { WechatApiError, WechatHttpError, isTokenEndpoint } from './errors'
import { wechatFailureOf, isTransportFailure } from './failure'
import { parseResponse } from './http'
import { errorCode } from '../error-code'
import { fitFollowUpBytes } from '../campaign'
import { fillGreeting } from '../greeting-template'
import { WECHAT_UNAVAILABLE_ERRCODE } from '../follow-up-api'

/** batchtagging takes at most 50 openids a call (40032 beyond). */
export const MAX_OPENIDS_PER_TAGGING = 50
/** Tag names are at most 30 bytes of UTF-8 (45158 beyond). */
export const MAX_TAG_NAME_BYTES = 30

/** Characters WeChat could read as markup in a text message, and what stands in for each. */
const MARKUP_STAND_INS: Readonly<Record<string, string>> = { '<': '＜', '>': '＞', '&': '＆' }

/**
 * `value` as plain words inside a customer-service text (docs/WECHAT.md "Names in a follow-up
 * text"): WeChat renders `<a href>` in a text message as a link showing only its words, so a
 * name someone typed into a sign-up form must not carry markup into the account's message.
 * Angle brackets and `&` (an entity WeChat might decode) become their full-width look-alikes,
 * which read the same and are never markup. For filled-in values only: the organizer's own
 * template keeps its links.
 */
export const wechatPlainText = (value: string): string =>
  value.replace(/[<>&]/g, (ch) => MARKUP_STAND_INS[ch] ?? ch)

/**
 * What `{name}` becomes for a visitor with no name (a booth's visitor, a guest no desk bound),
 * by the language of the template's line: "，欢迎光临" and "Hi , thanks" read as a mistake.
 */
export const UNNAMED_VISITOR = { 'zh-CN': '嘉宾', en: 'Guest' } as const

const HAN = /\p{Script=Han}/u
const PLACEHOLDERS = /\{(name|number)\}/g

/** Whether `{name}` on `line` of `template` is in Chinese: by the line's words, else the text's. */
function chineseAt(line: string, template: string): boolean {
  const own = line.replace(PLACEHOLDERS, '')
  return HAN.test(/\p{L}/u.test(own) ? own : template)
}

/**
 * A follow-up text as the relay sends it (docs/WECHAT.md "Names in a follow-up text"): `{name}`
 * the visitor's registered name as plain words, or for a visitor without one 嘉宾 on a line
 * holding Chinese and Guest on any other (a bilingual text keeps a language a line; a line with
 * no words of its own, "{name}：", goes by the whole text); `{number}` their check-in number;
 * cut to WeChat's 2048 bytes.
 */
export function fillFollowUp(
  template: string,
  values: { name: string | undefined; number: number },
): string {
  const { name, number } = values
  const filled = template
    .split('\n')
    .map((line) =>
      fillGreeting(line, {
        name:
          name !== undefined
            ? wechatPlainText(name)
            : UNNAMED_VISITOR[chineseAt(line, template) ? 'zh-CN' : 'en'],
        number,
      }),
    )
    .join('\n')
  return fitFollowUpBytes(filled)
}

const tagSchema = z.object({ id: z.number().int(), name: z.string() })
const tagsGetSchema = z.object({
  tags: z.array(tagSchema.extend({ count: z.number().optional() })),
})
const tagCreateSchema = z.object({ tag: tagSchema })

export interface WechatTag {
  id: number
  name: string
}

export async function getTags(client: WechatClient): Promise<WechatTag[]> {
  const json = await client.callApi('GET', 'cgi-bin/tags/get')
  return parseResponse(tagsGetSchema, json, 'cgi-bin/tags/get').tags.map(({ id, name }) => ({
    id,
    name,
  }))
}

export async function createTag(client: WechatClient, name: string): Promise<WechatTag> {
  const json = await client.callApi('POST', 'cgi-bin/tags/create', { tag: { name } })
  return parseResponse(tagCreateSchema, json, 'cgi-bin/tags/create').tag
}

export async function batchTagging(
  client: WechatClient,
  tagId: number,
  openids: readonly string[],
): Promise<void> {
  if (openids.length === 0 || openids.length > MAX_OPENIDS_PER_TAGGING) {
    throw new RangeError(`batchtagging takes 1–${MAX_OPENIDS_PER_TAGGING} openids`)
  }
  await client.callApi('POST', 'cgi-bin/tags/members/batchtagging', {
    openid_list: openids,
    tagid: tagId,
  })
}

export async function sendCustomText(
  client: WechatClient,
  openid: string,
  content: string,
): Promise<void> {
  await client.callApi('POST', 'cgi-bin/message/custom/send', {
    touser: openid,
    msgtype: 'text',
    text: { content },
  })
}

/** The errcodes the follow-up work reacts to, as the official pages give them. */
export const FOLLOW_UP_ERRCODES = {
  busy: -1,
  invalidOpenid: 40003,
  /** batchtagging: an openid of another AppID ("传入的openid不属于此AppID"). */
  openidNotOfAppId: 49003,
  openidListSize: 40032,
  apiLimit: 45009,
  outOfWindow: 45015,
  responseCount: 45047,
  tooManyTags: 45056,
  userTagLimit: 45059,
  tagNameTaken: 45157,
  tagNameTooLong: 45158,
  invalidTagId: 45159,
} as const

/**
 * How a failed call is handled: `retry` (transient: busy, a limit, the network, a token the
 * client could not refresh), or `permanent` with WeChat's errcode (0 when there is none). A
 * call that never got WeChat's answer (unreachable, 5xx, too slow, unreadable) is retried with
 * WECHAT_UNAVAILABLE_ERRCODE, which the report words as such.
 */
export type FollowUpFailure =
  { kind: 'retry'; errcode: number } | { kind: 'permanent'; errcode: number }

const TRANSIENT_ERRCODES: ReadonlySet<number> = new Set([-1, 45009, 40001, 40014, 42001])

/** Socket errors of a request that never reached WeChat: nothing can have been sent. */
const NEVER_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
])

/**
 * Whether a failed `message/custom/send` may still have sent its text: asked and never
 * answered (a timeout, or a connection lost after it was made), or answered unreadably. Such a
 * message is never sent again (one text at most); a refusal, a 5xx or a connection that was
 * never made sent nothing and is retried. So is a failure of the token endpoint: the client
 * renews its token before the send, or after WeChat refused the send for its token (40001,
 * 42001), and either way the text did not go out.
 */
export function mayHaveBeenSent(err: unknown): boolean {
  const f = wechatFailureOf(err)
  if (f === null) return false
  if (err instanceof WechatHttpError && isTokenEndpoint(err.endpoint)) return false
  if (f.kind === 'timeout' || f.kind === 'bad_response') return true
  if (f.kind !== 'network') return false
  const socket: unknown =
    err instanceof Error && err.cause instanceof Error ? err.cause.cause : null
  return !NEVER_SENT.has(errorCode(socket) ?? '')
}

export function classifyFollowUpFailure(err: unknown): FollowUpFailure {
  const f = wechatFailureOf(err)
  if (f === null) throw err
  if (isTransportFailure(f.kind)) return { kind: 'retry', errcode: WECHAT_UNAVAILABLE_ERRCODE }
  const errcode = err instanceof WechatApiError ? err.errcode : (f.errcode ?? 0)
  // No token (40164 the relay's address off the allow-list, 40125 a changed AppSecret, the
  // endpoint's own limit): the call never reached the API and says nothing of the visitor. The
  // work waits for the operator's fix; a text's window closing meanwhile keeps the errcode.
  if (err instanceof WechatApiError && isTokenEndpoint(err.endpoint)) {
    return { kind: 'retry', errcode }
  }
  return TRANSIENT_ERRCODES.has(errcode)
    ? { kind: 'retry', errcode }
    : { kind: 'permanent', errcode }
}

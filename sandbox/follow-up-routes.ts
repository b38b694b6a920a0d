// WeChat's tag and customer-service message endpoints (tags/get, tags/create,
// tags/members/batchtagging, message/custom/send) with the limits and errcodes of the official
// pages, on the followers in state.users. api-routes.ts puts them behind the fault switches.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { z } from 'zod'
import { json, readJsonBody } from './api-body'
import { apiError, type ApiErrorName } from './api-errors'
import type { ResolvedSandboxOptions } from './options'
import type { SandboxState } from './state'

interface Deps {
  opts: ResolvedSandboxOptions
  state: SandboxState
}

type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  deps: Deps,
) => void | Promise<void>

/** The token checks every endpoint shares, then busy; null when all pass. */
function callError(url: URL, state: SandboxState): ApiErrorName | null {
  const token = url.searchParams.get('access_token')
  if (token === null || token === '') return 'accessTokenMissing'
  const check = state.tokens.check(token)
  if (check === 'expired') return 'accessTokenExpired'
  if (check === 'invalid') return 'invalidCredential'
  if (state.faults.busy) return 'systemBusy'
  return null
}

/** Checks method and token, reads and validates the JSON body; undefined once answered. */
async function postBody<T>(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  state: SandboxState,
  schema: z.ZodType<T>,
): Promise<T | undefined> {
  if (req.method !== 'POST') return void json(res, apiError('requirePost'))
  const err = callError(url, state)
  if (err !== null) return void json(res, apiError(err))
  const raw = await readJsonBody(req, res)
  if (raw === undefined) return undefined
  const body = schema.safeParse(raw)
  if (!body.success) return void json(res, apiError('dataFormat'))
  return body.data
}

const ok = { errcode: 0, errmsg: 'ok' }

const handleTagsGet: Handler = (req, res, url, { state }) => {
  if (req.method !== 'GET') return json(res, apiError('requireGet'))
  const err = callError(url, state)
  if (err !== null) return json(res, apiError(err))
  const tags = state.users
    .listedTags()
    .map((t) => ({ id: t.id, name: t.name, count: t.openids.length }))
  json(res, { tags })
}

const createSchema = z.object({ tag: z.object({ name: z.string().min(1) }) })

const handleTagsCreate: Handler = async (req, res, url, { state }) => {
  const body = await postBody(req, res, url, state, createSchema)
  if (body === undefined) return
  const r = state.users.createTag(body.tag.name)
  if (r.result === 'name_too_long') return json(res, apiError('tagNameTooLong'))
  if (r.result === 'name_taken') return json(res, apiError('tagNameTaken'))
  if (r.result === 'too_many_tags') return json(res, apiError('tooManyTags'))
  json(res, { tag: r.tag })
}

const taggingSchema = z.object({
  openid_list: z.array(z.string()),
  tagid: z.number().int(),
})

const TAGGING_ERRORS = {
  invalid_tag: 'invalidTagId',
  invalid_openid: 'invalidOpenid',
  other_account: 'openidNotOfAppId',
  list_size: 'invalidOpenidListSize',
  user_tag_limit: 'userTagLimit',
} as const satisfies Record<string, ApiErrorName>

const handleBatchTagging: Handler = async (req, res, url, { state }) => {
  const body = await postBody(req, res, url, state, taggingSchema)
  if (body === undefined) return
  // The tagFailRate fault: a share of calls WeChat is too busy to take (nothing tagged), spread
  // evenly over the calls (0.3: the 4th, 7th, 10th…) rather than drawn at random, so a test
  // meets the same failures every run: at random, a run of failures in a row now and then
  // grew the relay's pause (doubling per refusal, up to a minute) past the test's patience.
  const n = state.users.taggingCalls
  const rate = state.faults.tagFailRate
  if (rate > 0 && Math.floor((n + 1) * rate) > Math.floor(n * rate)) {
    state.users.taggingCalls++
    return json(res, apiError('systemBusy'))
  }
  const r = state.users.batchTag(body.tagid, body.openid_list)
  if (r !== 'ok') return json(res, apiError(TAGGING_ERRORS[r]))
  json(res, ok)
}

const customSendSchema = z.object({
  touser: z.string().min(1),
  msgtype: z.literal('text'),
  text: z.object({ content: z.string().min(1) }),
})

const handleCustomSend: Handler = async (req, res, url, { state }) => {
  const body = await postBody(req, res, url, state, customSendSchema)
  if (body === undefined) return
  const r = state.users.sendText(body.touser, body.text.content)
  if (r === 'invalid_openid') return json(res, apiError('invalidOpenid'))
  if (r === 'out_of_window') return json(res, apiError('outOfWindow'))
  if (r === 'out_of_count') return json(res, apiError('outOfCount'))
  json(res, ok)
}

export const FOLLOW_UP_ROUTES: Record<string, Handler> = {
  '/cgi-bin/tags/get': handleTagsGet,
  '/cgi-bin/tags/create': handleTagsCreate,
  '/cgi-bin/tags/members/batchtagging': handleBatchTagging,
  '/cgi-bin/message/custom/send': handleCustomSend,
}

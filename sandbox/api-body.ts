// Reading a WeChat API request's JSON body and answering JSON, as api.weixin.qq.com does
// (413 past the size cap, 44002 for an empty body, 47001 for one that is not JSON).
import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  answerBodyError,
  BadJsonError,
  BodyError,
  parseJsonBody,
  readBody,
  sendJson,
  sendText,
} from '../shared/server'
import { apiError, type ApiErrorBody } from './api-errors'

/** WeChat's API bodies are tiny; anything bigger is refused before parsing. */
export const MAX_API_BODY = 16 * 1024

export const json = (res: ServerResponse, body: ApiErrorBody | object) => sendJson(res, 200, body)

/** Reads a JSON body, answering 413 / 44002 / 47001 itself; undefined when it did. */
export async function readJsonBody(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  let body: Buffer
  try {
    body = await readBody(req, MAX_API_BODY)
  } catch (err) {
    if (!(err instanceof BodyError)) throw err
    answerBodyError(res, err, (status) => sendText(res, status, 'request body too large'))
    return undefined
  }
  if (body.length === 0) {
    json(res, apiError('emptyPostData'))
    return undefined
  }
  try {
    return parseJsonBody(body)
  } catch (err) {
    if (!(err instanceof BadJsonError)) throw err
    json(res, apiError('dataFormat'))
    return undefined
  }
}

// JSON over HTTP for the WeChat API: timeouts, status checks, and errcode → typed error.
import { z } from 'zod'
import { WechatApiError, WechatHttpError } from './errors'
import { errorCode } from '../error-code'

/**
 * A fetch that is given an address (and its init), never a `Request`: the kiosk's `netFetch`
 * picks the venue's proxy by the address, and a `Request` would slip past it.
 */
export type AddressFetch = (url: string | URL, init?: RequestInit) => Promise<Response>

export interface JsonRequest {
  method: 'GET' | 'POST'
  /** May hold secrets (access_token, secret): never put into an error or log line. */
  url: string
  /** What to call this request in errors, e.g. 'cgi-bin/stable_token'. */
  label: string
  /** The call's credentials (access token, AppSecret): masked in WeChat's errmsg if echoed. */
  secrets?: readonly string[]
  body?: unknown
  timeoutMs: number
  fetch: AddressFetch
}

const apiErrorSchema = z.object({
  errcode: z.number().int(),
  errmsg: z.string().optional(),
})

function causeCode(err: unknown): string {
  // undici wraps the socket error; its code (ECONNREFUSED…) helps and carries no secret.
  const code = errorCode(err instanceof Error ? err.cause : undefined)
  if (code !== null) return code
  return err instanceof Error ? err.name : 'unknown'
}

/**
 * Performs the request and returns its JSON body. Throws WechatHttpError for transport problems
 * and WechatApiError when the body carries a non-zero errcode.
 */
export async function requestJson(req: JsonRequest): Promise<unknown> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), req.timeoutMs)
  let text: string
  let status: number
  try {
    const init: RequestInit = { method: req.method, signal: controller.signal, redirect: 'error' }
    if (req.body !== undefined) {
      init.body = JSON.stringify(req.body)
      init.headers = { 'content-type': 'application/json' }
    }
    const res = await req.fetch(req.url, init)
    status = res.status
    text = await res.text() // still under the timer: a stalled body times out too
  } catch (err) {
    if (controller.signal.aborted) {
      throw new WechatHttpError('timeout', `${req.label} timed out after ${req.timeoutMs} ms`, {
        endpoint: req.label,
      })
    }
    throw new WechatHttpError('network', `${req.label} failed: ${causeCode(err)}`, {
      cause: err,
      endpoint: req.label,
    })
  } finally {
    clearTimeout(timer)
  }
  if (status < 200 || status > 299) {
    throw new WechatHttpError('http', `${req.label} answered HTTP ${status}`, {
      status,
      endpoint: req.label,
    })
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new WechatHttpError('bad_response', `${req.label} answered with invalid JSON`, {
      status,
      endpoint: req.label,
    })
  }
  const apiError = apiErrorSchema.safeParse(json)
  if (apiError.success && apiError.data.errcode !== 0) {
    const { errcode, errmsg } = apiError.data
    throw new WechatApiError(errcode, errmsg ?? '', req.label, req.secrets)
  }
  return json
}

/** Parses a successful body with `schema`, or fails as an unexpected response. */
export function parseResponse<T extends z.ZodType>(
  schema: T,
  json: unknown,
  label: string,
): z.output<T> {
  const result = schema.safeParse(json)
  if (!result.success) {
    throw new WechatHttpError('bad_response', `${label} answered with an unexpected body`, {
      endpoint: label,
    })
  }
  return result.data
}

/**
 * How the relay answers a kiosk when a WeChat call it made on the kiosk's behalf failed (the
 * ticket proxy, the fallback code): WeChat's refusal as `wechat_<kind>` (502, with its errcode;
 * the kind as shared/wechat/errors.ts classified it for the endpoint that answered), WeChat out
 * of reach as 502/504, anything else 500. The kiosk reads the kind, never the errcode alone.
 */
import type { ServerResponse } from 'node:http'
import { WechatApiError, WechatHttpError } from '../shared/wechat'
import { sendApiError } from './http-util'
import { errorMessage, type Logger } from './log'

export function sendWechatFailure(
  res: ServerResponse,
  err: unknown,
  log: Logger,
  what: { name: string; internalMessage: string },
): void {
  if (err instanceof WechatApiError) {
    log.warn(`${what.name}: WeChat refused`, { errcode: err.errcode, kind: err.kind })
    sendApiError(res, 502, `wechat_${err.kind}`, err.message, err.errcode)
  } else if (err instanceof WechatHttpError) {
    log.warn(`${what.name}: WeChat unreachable`, { code: err.code })
    sendApiError(res, err.code === 'timeout' ? 504 : 502, `wechat_${err.code}`, err.message)
  } else {
    log.error(`${what.name} failed`, { error: errorMessage(err) })
    sendApiError(res, 500, 'internal', what.internalMessage)
  }
}

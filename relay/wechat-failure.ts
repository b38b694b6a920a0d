/**
 * How the relay answers a kiosk when a WeChat call it made on the kiosk's behalf failed (the
 * ticket proxy, the fallback code): as shared/wechat/failure.ts classifies it, `wechat_<kind>`
 * (502, or 504 for a timeout; WeChat's errcode when it gave one), anything else 500. The kiosk
 * reads the kind back with the same module, never the errcode alone.
 */
import type { ServerResponse } from 'node:http'
import {
  isTransportFailure,
  wechatFailureCode,
  wechatFailureOf,
  wechatFailureStatus,
} from '../shared/wechat'
import { sendApiError } from './http-util'
import { errorMessage, type Logger } from './log'

export function sendWechatFailure(
  res: ServerResponse,
  err: unknown,
  log: Logger,
  what: { name: string; internalMessage: string },
): void {
  const failure = wechatFailureOf(err)
  if (failure === null) {
    log.error(`${what.name} failed`, { error: errorMessage(err) })
    sendApiError(res, 500, 'internal', what.internalMessage)
    return
  }
  const { kind, errcode, message } = failure
  if (isTransportFailure(kind)) log.warn(`${what.name}: WeChat unreachable`, { code: kind })
  else log.warn(`${what.name}: WeChat refused`, { errcode, kind })
  sendApiError(res, wechatFailureStatus(kind), wechatFailureCode(kind), message, errcode)
}

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
  type WechatFailureKind,
} from '../shared/wechat'
import { sendApiError } from './http-util'
import { errorMessage, type Logger } from './log'

/**
 * What the relay's operator changes for a refusal no kiosk can cure (docs/WECHAT.md "Access
 * token"): an AppSecret reset in the WeChat admin mid-event leaves every booth on the proxy
 * without new codes until the relay has the new one.
 */
const OPERATOR_FIX: Partial<Record<WechatFailureKind, string>> = {
  config:
    'WeChat refuses the AppID or AppSecret (reset in the WeChat admin?): set ' +
    'SCANDESK_RELAY_WECHAT_APP_ID / SCANDESK_RELAY_WECHAT_APP_SECRET and restart the relay',
  ip: "add this server's public IP to the account's IP allow-list (WeChat admin: IP白名单)",
}

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
  else {
    const fix = OPERATOR_FIX[kind]
    log.warn(`${what.name}: WeChat refused`, { errcode, kind, ...(fix !== undefined && { fix }) })
  }
  sendApiError(res, wechatFailureStatus(kind), wechatFailureCode(kind), message, errcode)
}

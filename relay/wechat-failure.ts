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
import { errorMessage, type LogLimiter, type Logger } from './log'

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
  quota:
    "the account's daily qrcode/create quota is spent: booths show their fallback code until " +
    "midnight Beijing time; to spread the next day's quota, lower " +
    'SCANDESK_RELAY_TICKET_DAILY_BUDGET or have booths change codes less often',
}

/**
 * Where a failed call's line goes: every booth asks again within seconds while WeChat refuses
 * (an AppSecret reset, the IP allow-list, the day's quota spent), so each cause is logged once
 * a minute (`lines`), naming the booth of the line and, as `unloggedKioskIds`, the others the
 * minute left unlogged: which booths show no codes, without a line per request.
 */
export interface WechatFailureLog {
  log: Logger
  lines: LogLimiter
  kioskId: string
}

export function sendWechatFailure(
  res: ServerResponse,
  err: unknown,
  to: WechatFailureLog,
  what: { name: string; internalMessage: string },
): void {
  const failure = wechatFailureOf(err)
  const line = (
    level: 'warn' | 'error',
    msg: string,
    fields: { event: string } & Record<string, unknown>,
  ): void =>
    to.lines.log(
      to.log,
      level,
      msg,
      { ...fields, kioskId: to.kioskId, call: what.name },
      `${what.name}: ${fields.event} ${failure?.kind ?? ''}`,
      { field: 'unloggedKioskIds', name: to.kioskId },
    )
  if (failure === null) {
    line('error', `${what.name} failed`, { event: 'call_failed', error: errorMessage(err) })
    sendApiError(res, 500, 'internal', what.internalMessage)
    return
  }
  const { kind, errcode, message } = failure
  if (isTransportFailure(kind)) {
    line('warn', `${what.name}: WeChat unreachable`, {
      event: 'wechat_unreachable',
      kind,
      action: "check this server's outbound link to api.weixin.qq.com",
    })
  } else {
    const fix = OPERATOR_FIX[kind]
    line('warn', `${what.name}: WeChat refused`, {
      event: 'wechat_refused',
      errcode,
      kind,
      ...(fix !== undefined && { fix }),
    })
  }
  sendApiError(res, wechatFailureStatus(kind), wechatFailureCode(kind), message, errcode)
}

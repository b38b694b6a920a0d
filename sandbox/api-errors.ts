// The errcode/errmsg pairs the sandbox answers with, worded as api.weixin.qq.com words them.
// WeChat appends " rid: <request id>" to every errmsg; clients must key on errcode, never on
// the text, and the suffix keeps them honest.
import { randomBytes } from 'node:crypto'

export interface ApiErrorBody {
  errcode: number
  errmsg: string
}

export const ERR = {
  systemBusy: [-1, 'system error'],
  invalidCredential: [40001, 'invalid credential, access_token is invalid or not latest'],
  invalidGrantType: [40002, 'invalid grant_type'],
  invalidAppId: [40013, 'invalid appid'],
  invalidOpenid: [40003, 'invalid openid'],
  invalidOpenidListSize: [40032, 'invalid openid list size'],
  invalidActionName: [40052, 'invalid action name'],
  invalidActionInfo: [40053, 'invalid action info'],
  invalidAppSecret: [40125, 'invalid appsecret'],
  ipNotAllowed: [40164, 'not in whitelist'],
  accessTokenMissing: [41001, 'access_token missing'],
  appIdMissing: [41002, 'appid missing'],
  secretMissing: [41004, 'appsecret missing'],
  accessTokenExpired: [42001, 'access_token expired'],
  requireGet: [43001, 'require GET method'],
  requirePost: [43002, 'require POST method'],
  emptyPostData: [44002, 'empty post data'],
  dailyQuota: [45009, 'reach max api daily quota limit'],
  // The docs give no code for the 100,000-permanent-code cap; this is the code WeChat uses for
  // the same cap on mini-program codes.
  qrCountLimit: [45029, 'qrcode count out of limit'],
  dataFormat: [47001, 'data format error'],
  // Tags and customer-service messages (docs/WECHAT.md "Tags and follow-up messages").
  outOfWindow: [45015, 'response out of time limit or subscription is canceled'],
  outOfCount: [45047, 'out of response count limit'],
  tooManyTags: [45056, 'too many tags'],
  userTagLimit: [45059, 'user tag count exceeds limit'],
  tagNameTaken: [45157, 'invalid tag name'],
  tagNameTooLong: [45158, 'tag name too long'],
  invalidTagId: [45159, 'invalid tag id'],
  openidNotOfAppId: [49003, 'openid does not belong to this appid'],
  // WeChat's generic "argument invalid!" code, for expire_seconds outside 1..2592000: the docs
  // state the limit but not the code.
  argumentInvalid: [47003, 'argument invalid!'],
} as const satisfies Record<string, readonly [number, string]>

export type ApiErrorName = keyof typeof ERR

function rid(): string {
  const hex = randomBytes(12).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 16)}-${hex.slice(16, 24)}`
}

/** `{"errcode":..,"errmsg":".. rid: .."}`, optionally with a hint before the rid. */
export function apiError(name: ApiErrorName, hint?: string): ApiErrorBody {
  const [errcode, errmsg] = ERR[name]
  const detail = hint === undefined ? '' : ` hint: [${hint}]`
  return { errcode, errmsg: `${errmsg}${detail} rid: ${rid()}` }
}

/** 40164's message names the caller's address, as WeChat's does. */
export function ipNotAllowedError(ip: string): ApiErrorBody {
  return {
    errcode: ERR.ipNotAllowed[0],
    errmsg: `invalid ip ${ip}, not in whitelist rid: ${rid()}`,
  }
}

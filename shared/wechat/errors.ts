// Typed errors for the WeChat protocol library. Messages name the rule that failed, never a
// secret, token, key or openid, so callers may log them as they are.

export class WechatError extends Error {
  readonly code: string

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}

export class WechatSignatureError extends WechatError {
  constructor(message = 'signature does not match') {
    super('bad_signature', message)
  }
}

/** `bad_message`: the decrypted message is not UTF-8, i.e. tampering the other checks missed. */
export type WechatCryptoErrorCode =
  'bad_key' | 'bad_base64' | 'bad_padding' | 'bad_length' | 'appid_mismatch' | 'bad_message'

export class WechatCryptoError extends WechatError {
  declare readonly code: WechatCryptoErrorCode

  constructor(code: WechatCryptoErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
  }
}

export type WechatXmlErrorCode =
  'too_large' | 'doctype' | 'malformed' | 'missing_field' | 'bad_field'

export class WechatXmlError extends WechatError {
  declare readonly code: WechatXmlErrorCode

  constructor(code: WechatXmlErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
  }
}

/** A QR-code request that WeChat would refuse; `field` and `rule` say which check failed. */
export class WechatRequestError extends WechatError {
  readonly field: string
  readonly rule: string

  constructor(field: string, rule: string) {
    super('bad_request', `${field}: ${rule}`)
    this.field = field
    this.rule = rule
  }
}

export const WECHAT_API_ERROR_KINDS = [
  'token',
  'config',
  'ip',
  'quota',
  'token_limit',
  'busy',
  'other',
] as const
/**
 * `quota` is only qrcode/create's daily quota; `token_limit` is a call limit of a token
 * endpoint (stable_token's 20 forced refreshes a day, its 10,000 a minute), which leaves QR
 * creation working with the current token.
 */
export type WechatApiErrorKind = (typeof WECHAT_API_ERROR_KINDS)[number]

const TOKEN_ENDPOINTS: ReadonlySet<string> = new Set(['cgi-bin/token', 'cgi-bin/stable_token'])

/** Whether `endpoint` (an API path such as `cgi-bin/stable_token`) is one that hands out tokens. */
export function isTokenEndpoint(endpoint: string | undefined): boolean {
  return endpoint !== undefined && TOKEN_ENDPOINTS.has(endpoint)
}

/**
 * What an errcode means, given the endpoint that answered it (docs/WECHAT.md "Access token"):
 * 45009 ("api freq out of limit") is each endpoint's own limit.
 */
export function classifyErrcode(errcode: number, endpoint: string): WechatApiErrorKind {
  switch (errcode) {
    case 40001:
    case 40014:
    case 42001:
      return 'token'
    case 40013:
    case 40125:
      return 'config'
    case 40164:
      return 'ip'
    case 45009:
      if (endpoint === 'cgi-bin/qrcode/create') return 'quota'
      return isTokenEndpoint(endpoint) ? 'token_limit' : 'other'
    case -1:
      return 'busy'
    default:
      return 'other'
  }
}

/** WeChat answered with `{"errcode": non-zero}`; `endpoint` is the API path that did, e.g. `cgi-bin/stable_token`. */
export class WechatApiError extends WechatError {
  readonly errcode: number
  readonly errmsg: string
  readonly endpoint: string
  readonly kind: WechatApiErrorKind

  /**
   * `secrets`: the credentials of the call (its access token, the AppSecret), masked wherever
   * WeChat's errmsg echoes them, in whatever words, besides the patterns `redact` knows.
   */
  constructor(errcode: number, errmsg: string, endpoint: string, secrets: readonly string[] = []) {
    const kind = classifyErrcode(errcode, endpoint)
    // errmsg comes from WeChat; 40164's names the caller's IP, which is fine, but never a token.
    const masked = redact(errmsg, secrets)
    super(`api_${kind}`, `WeChat API error ${errcode} (${kind}) from ${endpoint}: ${masked}`)
    this.errcode = errcode
    this.errmsg = masked
    this.endpoint = endpoint
    this.kind = kind
  }
}

export type WechatHttpErrorCode = 'timeout' | 'http' | 'bad_response' | 'network'

/** Transport failures: non-2xx, unparsable or unexpected JSON, timeout, connection errors. */
export class WechatHttpError extends WechatError {
  declare readonly code: WechatHttpErrorCode
  readonly status: number | undefined
  /** The API path whose call failed (`cgi-bin/stable_token`…), when the caller named it. */
  readonly endpoint: string | undefined

  constructor(
    code: WechatHttpErrorCode,
    message: string,
    options?: { cause?: unknown; status?: number; endpoint?: string },
  ) {
    super(code, message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.status = options?.status
    this.endpoint = options?.endpoint
  }
}

/** Shorter values are no credential of WeChat's (AppSecrets are 32 characters, tokens far longer). */
const MIN_SECRET_CHARS = 8

/**
 * Masks anything that looks like a token or secret in text echoed from WeChat: the values in
 * `secrets` wherever they appear verbatim (or URL-encoded), then any query parameter
 * (`secret=…`) or JSON field (`"secret":"…"`, what stable_token is sent) of such a name, before
 * shortening (a cut must not leave half a secret showing).
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_CHARS) continue
    for (const form of new Set([secret, encodeURIComponent(secret)])) {
      out = out.split(form).join('***')
    }
  }
  return out
    .replace(/(access_token|secret|appsecret|ticket)(\s*=\s*|"?\s*:\s*"?)[^&\s,;"'}]*/gi, '$1$2***')
    .slice(0, 200)
}

/**
 * Where temporary QR tickets come from: WeChat directly (this machine holds the AppSecret
 * and is on the IP allow-list) or the relay's ticket proxy. The pool only sees this interface.
 */
import type { StatusCode } from '../../../shared/errors'
import type { WechatFailureKind } from '../../../shared/wechat/failure'
import { proxyFault, type ProxyFault } from '../net/proxy'
import { untrustedCertificate } from '../scans/relay-socket'

export interface CreatedTicket {
  ticket: string
  /** What the QR code encodes. */
  url: string
  scene: string
  expireSeconds: number
}

export interface TicketSource {
  readonly kind: 'direct' | 'proxy'
  /** Most tickets one `create` call may ask for. */
  readonly maxBatch: number
  create(count: number, expireSeconds: number): Promise<CreatedTicket[]>
}

/**
 * Only codes the UI has words for (shared/errors.ts `statusCodes`, a message in each locale): a
 * code added here and not there fails to compile, instead of reaching a Chinese screen as
 * "未知错误（错误代码：…）".
 */
type Worded<C extends StatusCode> = C

/** Stable codes the status corner and Diagnostics translate. */
export type TicketSourceErrorCode = Worded<
  | 'quota'
  | 'ip_not_allowed'
  | 'bad_credentials'
  | 'unauthorized'
  | 'unreachable'
  | 'busy'
  /** The relay's per-kiosk limit (429): wait `retryAfterMs`, then ask again. Not a fault. */
  | 'rate_limited'
  /**
   * The relay's per-kiosk daily ticket budget is spent (its 429 until midnight Beijing time):
   * waited out like `rate_limited`, and staff are told no per-visitor codes come today.
   */
  | 'ticket_budget'
  | 'bad_response'
  /** The relay has no WeChat credentials: its ticket proxy is off (its 503 ticket_proxy_disabled). */
  | 'proxy_disabled'
  /**
   * The relay does not let this kiosk use its ticket proxy (its 403 `forbidden`: the kiosk was
   * added with --no-ticket-proxy). The token is fine: pairing again keeps the refusal.
   */
  | 'proxy_not_allowed'
  /**
   * The relay failed for a reason of its own, not WeChat's (a restart, its store, a reverse
   * proxy that cannot reach it, a code this kiosk does not know): `status` is its HTTP status.
   */
  | 'unhealthy'
  /** The venue's HTTP proxy refused the request's tunnel (`status`: its answer, 407 …). */
  | 'proxy_refused'
  /** The booth's proxy setting (`setting`: HTTPS_PROXY …) is not a proxy's address. */
  | 'proxy_invalid'
  /** The TLS handshake met a certificate not trusted, or no TLS at all: the network answered. */
  | 'tls_untrusted'
  | 'other'
>

export class TicketSourceError extends Error {
  override name = 'TicketSourceError'
  /**
   * How long the source asked us to wait before the next request: `rate_limited`,
   * `ticket_budget`, or any code from a relay's 503 with Retry-After.
   */
  readonly retryAfterMs: number | undefined

  constructor(
    readonly code: TicketSourceErrorCode,
    message: string,
    options?: {
      cause?: unknown
      retryAfterMs?: number
      errcode?: number
      status?: number
      proxy?: ProxyFault['params']
    },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.retryAfterMs = options?.retryAfterMs
    this.errcode = options?.errcode
    this.status = options?.status
    this.proxy = options?.proxy
  }
  /** What `proxy_refused` / `proxy_invalid` name: the proxy's answer, or the setting at fault. */
  readonly proxy: ProxyFault['params'] | undefined

  /** The params the UI words this failure with (shared/errors.ts). */
  get params(): SourceErrorBody['params'] {
    return sourceErrorBody(this).params
  }
  /** WeChat's errcode, when WeChat (or the relay, passing it on) gave one. */
  readonly errcode: number | undefined
  /** The relay's HTTP status, for `unhealthy`. */
  readonly status: number | undefined
}

/** A ticket source's failure as the UI shows it (shared/errors.ts); the detail goes to the log. */
export interface SourceErrorBody {
  code: TicketSourceErrorCode
  params: { errcode?: number; status?: number } | ProxyFault['params']
}

/** `err` as the status and Diagnostics show it: the ticket supply's and the fallback code's. */
export function sourceErrorBody(err: unknown): SourceErrorBody {
  if (!(err instanceof TicketSourceError)) return { code: 'other', params: {} }
  if (err.proxy !== undefined) return { code: err.code, params: err.proxy }
  const { errcode, status } = err
  return {
    code: err.code,
    params: {
      ...(errcode !== undefined && { errcode }),
      ...(status !== undefined && { status }),
    },
  }
}

/**
 * The one mapping from a WeChat failure (classified once, in shared/wechat/failure.ts, whether
 * this kiosk called WeChat or the relay did and passed the kind on) to what the kiosk does: only
 * `quota` stops creation for the day; a token endpoint's limit is retried like a busy platform.
 */
export function sourceCodeOfFailure(kind: WechatFailureKind): TicketSourceErrorCode {
  switch (kind) {
    case 'quota':
      return 'quota'
    case 'ip':
      return 'ip_not_allowed'
    case 'config':
      return 'bad_credentials'
    case 'busy':
    case 'token_limit':
      return 'busy'
    case 'timeout':
    case 'network':
    case 'http':
      return 'unreachable'
    case 'bad_response':
      return 'bad_response'
    case 'token':
    case 'other':
      return 'other'
  }
}

/**
 * A request the venue's network stopped, as the source error the corner and Diagnostics name it
 * by, or null: the proxy's refusal or a setting that is not a proxy's address (`proxy_refused`,
 * `proxy_invalid`: staff were sent to the Wi-Fi by "unreachable" while the proxy wanted a
 * password), or a TLS handshake answered in the server's place (`tls_untrusted`: a filtering
 * proxy's block page, a TLS-inspecting proxy, a captive portal), as the relay link says them.
 */
export function networkSourceError(err: unknown): TicketSourceError | null {
  const message = err instanceof Error ? err.message : String(err)
  const fault = proxyFault(err)
  if (fault !== null)
    return new TicketSourceError(fault.code, message, { cause: err, proxy: fault.params })
  if (untrustedCertificate(err))
    return new TicketSourceError('tls_untrusted', message, { cause: err })
  return null
}

/**
 * Where temporary QR tickets come from: WeChat directly (this machine holds the AppSecret
 * and is on the IP allow-list) or the relay's ticket proxy. The pool only sees this interface.
 */

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

/** Stable codes the status corner translates. */
export type TicketSourceErrorCode =
  | 'quota'
  | 'ip_not_allowed'
  | 'bad_credentials'
  | 'unauthorized'
  | 'unreachable'
  | 'busy'
  | 'bad_response'
  | 'other'

export class TicketSourceError extends Error {
  override name = 'TicketSourceError'
  constructor(
    readonly code: TicketSourceErrorCode,
    message: string,
    options?: { cause?: unknown; errcode?: number },
  ) {
    super(message, options)
    this.errcode = options?.errcode
  }
  /** WeChat's errcode, when WeChat (or the relay, passing it on) gave one. */
  readonly errcode: number | undefined
}

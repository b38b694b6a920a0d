/**
 * Answers: text and JSON with their length, `no-store` and `nosniff` (a browser must not read a
 * text answer echoing its input, e.g. `/wechat`'s echostr, as HTML), and the relay API's error shape
 * (contract v1: `{error: {code, message, errcode?}}`, shared/relay-protocol.ts).
 */
import type { ServerResponse } from 'node:http'
import { ERROR_CODE_HEADER, ERROR_MESSAGE_HEADER, type RelayApiError } from '../relay-protocol'
import type { BodyError } from './body'

/**
 * Above this declared length (and for a chunked body, of no declared length) an unread body ends
 * the connection; below it Node drops the rest and the connection is kept: a small body usually
 * came in the headers' packet, and a client refused (401, 404, 503) need not reconnect.
 */
const DRAIN_BELOW_BYTES = 64 * 1024

/**
 * Whether the request being answered declared a body not yet all received that is too large (or
 * of unknown length) to drop: an answer given before reading it (a wrong Content-Type, 401, 404)
 * must close the connection, or Node would read and drop the rest of it, however large or slow,
 * before the next request.
 */
function bodyUnread(res: ServerResponse): boolean {
  const req = res.req
  if (req.complete) return false
  if (req.headers['transfer-encoding'] !== undefined) return true
  const length = Number(req.headers['content-length'] ?? '0')
  return !(Number.isSafeInteger(length) && length <= DRAIN_BELOW_BYTES)
}

export function sendText(
  res: ServerResponse,
  status: number,
  body: string,
  contentType = 'text/plain; charset=utf-8',
): void {
  if (res.headersSent) return
  closeIfBodyUnread(res)
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  })
  res.end(body)
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendText(res, status, JSON.stringify(body), 'application/json; charset=utf-8')
}

/** The v1 error answer every relay API endpoint gives (not `/wechat`, which answers WeChat). */
export function sendApiError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  errcode?: number,
): void {
  const body: RelayApiError = { error: { code, message } }
  if (errcode !== undefined) body.error.errcode = errcode
  if (res.req.method === 'HEAD' && !res.headersSent) {
    // A HEAD answer has no body: the same code and message in headers (shared/relay-protocol.ts).
    res.setHeader(ERROR_CODE_HEADER, encodeURIComponent(code))
    const encoded = headerText(message)
    if (encoded !== null) res.setHeader(ERROR_MESSAGE_HEADER, encoded)
  }
  sendJson(res, status, body)
}

/** A longer message is cut in the header (the GET's body has it whole). */
const MAX_HEADER_MESSAGE = 500

/** `message`'s first characters percent-encoded, or null when it cannot be (a lone surrogate). */
function headerText(message: string): string | null {
  try {
    return encodeURIComponent(Array.from(message).slice(0, MAX_HEADER_MESSAGE).join(''))
  } catch {
    return null
  }
}

/**
 * Before an answer given without reading the request's body (a refusal, a fixed page): the
 * connection closes after it when the rest of the body is too large (or of unknown length) to
 * drop (see `bodyUnread`).
 */
export function closeIfBodyUnread(res: ServerResponse): void {
  if (bodyUnread(res)) closeAfterResponse(res)
}

/** Answers early (e.g. 413) without reading the rest of the body: the connection must close. */
export function closeAfterResponse(res: ServerResponse): void {
  if (!res.headersSent) res.setHeader('Connection', 'close')
}

/**
 * Answers a body error in the caller's own shape (`send`), closing the connection after a 413
 * or 408 (the rest of the body is not read); a client that went away gets nothing (the socket
 * is already gone).
 */
export function answerBodyError(
  res: ServerResponse,
  err: BodyError,
  send: (status: number, message: string) => void,
): void {
  if (err.status === 0) {
    res.destroy()
    return
  }
  if (err.status === 413 || err.status === 408) closeAfterResponse(res)
  send(err.status, err.message)
}

/**
 * A body error as the v1 answer: 413 `too_large` (the connection closes after it), 400
 * `bad_request`, 408 `bad_request` for a body that stalled (its message says so; the connection
 * closes); nothing for a client that went away.
 */
export function sendBodyError(res: ServerResponse, err: BodyError): void {
  answerBodyError(res, err, (status, message) =>
    sendApiError(res, status, status === 413 ? 'too_large' : 'bad_request', message),
  )
}

/**
 * One server-sent event message (or comment), on its way now. Node corks a response's socket
 * until the next tick, so a message written and left would wait for whatever synchronous work
 * follows it (a kiosk's pool rotation and its SQLite commit after a greeting; the relay's next
 * push) before it leaves.
 */
export function sendEvent(res: ServerResponse, text: string): void {
  res.write(text)
  res.socket?.uncork()
}

/**
 * The named `heartbeat` message the console's and the big screens' event streams send every
 * `everyMs` (`{type:'heartbeat',at,everyMs}`): named, so a page listening only to unnamed
 * messages never sees it; a message, not a comment, so one that listens can tell a stream gone
 * silent from a quiet one (EventSource never hands comments to the page).
 */
export function heartbeatMessage(at: number, everyMs: number): string {
  return `event: heartbeat\ndata: ${JSON.stringify({ type: 'heartbeat', at, everyMs })}\n\n`
}

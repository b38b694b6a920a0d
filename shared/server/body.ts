/**
 * Reading a request body with a size limit, and the typed errors a body can fail with: each
 * carries the HTTP status to answer, so no caller tells them apart by message.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

/** Why a body could not be read; `status` is the answer (0: the client is gone, none can be sent). */
export abstract class BodyError extends Error {
  abstract readonly status: number
}

/** Over the limit, declared (Content-Length) or sent: 413, and the connection closes after it. */
export class BodyTooLargeError extends BodyError {
  readonly status = 413
  constructor(readonly limit: number) {
    super(`body over ${limit} bytes`)
    this.name = 'BodyTooLargeError'
  }
}

/** The client closed the connection before the body was complete. */
export class BodyAbortedError extends BodyError {
  readonly status = 0
  constructor() {
    super('request aborted')
    this.name = 'BodyAbortedError'
  }
}

/**
 * The body stopped arriving, or came too slowly, for its `BodyPace`: 408, and the connection
 * closes after it (the rest of the body is never read).
 */
export class BodyTimeoutError extends BodyError {
  readonly status = 408
  constructor(message: string) {
    super(message)
    this.name = 'BodyTimeoutError'
  }
}

/**
 * How long a body may take, counted from when its reading starts (the headers' own deadline
 * is the server's `headersTimeout`). A small body must be whole within `totalMs`; a file upload
 * sets the rest too, and so may take up to `totalMs` as long as it keeps coming, as nginx's
 * client_body_timeout and Apache's mod_reqtimeout MinRate have it.
 */
export interface BodyPace {
  /** The whole body within this many ms. */
  totalMs: number
  /** Cut when no byte came for this long. */
  idleMs?: number
  /**
   * The least average rate, in bytes per second, once `idleMs` has passed: by `idleMs +
   * n / minBytesPerSecond` ms after the start at least n bytes must be in.
   */
  minBytesPerSecond?: number
}

/** Each request's pace when its reader names none (the relay sets its own on every request). */
const requestPaces = new WeakMap<IncomingMessage, BodyPace>()

/** The pace `readBody` holds this request's body to unless it is given another. */
export function paceBody(req: IncomingMessage, pace: BodyPace): void {
  requestPaces.set(req, pace)
}

/**
 * Watches a body being read against `pace`; `fail` is called once with the reason when it is
 * broken. Returns `progress` (call with each chunk's size) and `stop`.
 */
function watchPace(pace: BodyPace, fail: (err: BodyTimeoutError) => void) {
  const started = Date.now()
  let lastByte = started
  let received = 0
  const check = (): void => {
    const now = Date.now()
    if (now - started >= pace.totalMs) {
      fail(new BodyTimeoutError(`body not complete within ${pace.totalMs} ms`))
    } else if (pace.idleMs !== undefined && now - lastByte >= pace.idleMs) {
      fail(new BodyTimeoutError(`no byte of the body for ${pace.idleMs} ms`))
    } else if (
      pace.idleMs !== undefined &&
      pace.minBytesPerSecond !== undefined &&
      now - started >= pace.idleMs + (received * 1000) / pace.minBytesPerSecond
    ) {
      fail(new BodyTimeoutError(`body slower than ${pace.minBytesPerSecond} bytes/s`))
    } else {
      timer = setTimeout(check, nextCheckMs(now)).unref()
    }
  }
  /** The nearest moment a limit can be broken, if no byte comes until then. */
  const nextCheckMs = (now: number): number => {
    let at = started + pace.totalMs
    if (pace.idleMs !== undefined) {
      at = Math.min(at, lastByte + pace.idleMs)
      if (pace.minBytesPerSecond !== undefined) {
        at = Math.min(at, started + pace.idleMs + (received * 1000) / pace.minBytesPerSecond)
      }
    }
    return Math.max(1, Math.ceil(at - now))
  }
  let timer = setTimeout(check, nextCheckMs(started)).unref()
  return {
    progress(bytes: number): void {
      received += bytes
      lastByte = Date.now()
    },
    stop(): void {
      clearTimeout(timer)
    },
  }
}

/**
 * While a body with an idle gap (`pace.idleMs`) is read, the socket's own idle timeout (the
 * relay's idleTimeoutMs, 30 s, under uploadIdleTimeoutMs, 60 s) is lengthened past that gap:
 * else it cut a pause the pace allows, and a stall the pace answers 408, with no answer at all.
 * Returns what puts it back once the body is read (for a request held by `holdIdleUntilAnswered`,
 * what turns it off until the answer).
 */
function outlastIdleGap(req: IncomingMessage, pace: BodyPace | undefined): () => void {
  const socket = req.socket
  // Already set aside (a route that awaits lookups before reading its upload calls this
  // first): what puts it back is still the socket's own.
  const before = idleBefore.get(socket) ?? socket.timeout ?? 0
  if (pace?.idleMs === undefined || before === 0 || before > pace.idleMs) return () => {}
  setIdle(socket, pace.idleMs + IDLE_GAP_MARGIN_MS)
  return () => {
    if (!answerOwed.has(req)) putIdleBack(socket)
  }
}

/**
 * For a request whose body takes the relay long to handle (a 10 MiB roster parsed and stored
 * on a busy relay: 8.5–10 s under load, more on a slow box): the socket's idle timeout is
 * lengthened past the body's gap while it comes (`outlastIdleGap`), from when the body is in
 * until `res` is answered lengthened to the body's whole deadline (`pace.totalMs`, the relay's
 * uploadTimeoutMs), and its own again after. The client has sent everything and waits; put
 * back when the body was in, the idle timeout cut the answer of work that outlasted it, and
 * the organizer saw a network error for a roster that was stored. Never off: a handler that
 * never answers (a store call that never returns) must not hold the socket open forever.
 */
export function holdIdleUntilAnswered(
  req: IncomingMessage,
  res: ServerResponse,
  pace: BodyPace | undefined,
): void {
  outlastIdleGap(req, pace)
  answerOwed.set(req, pace?.totalMs ?? 0)
  const answered = (): void => {
    if (!answerOwed.delete(req)) return
    // Unless Node has set the connection's timeout since (a kept-alive one's, for its next
    // request, is set before this runs).
    if (req.socket.timeout === idleSet.get(req.socket)) putIdleBack(req.socket)
    else forgetIdle(req.socket)
  }
  res.once('finish', answered)
  res.once('close', answered)
}

/**
 * The body of a request held by `holdIdleUntilAnswered` is in: until it is answered, the idle
 * timeout is the longer of the socket's own and the body's whole deadline (none if the socket
 * had none).
 */
function bodyIn(req: IncomingMessage): void {
  const deadline = answerOwed.get(req)
  const socket = req.socket
  if (deadline === undefined || socket.destroyed) return
  const own = idleBefore.get(socket) ?? socket.timeout ?? 0
  setIdle(socket, own === 0 ? 0 : Math.max(own, deadline))
}

/**
 * Requests answered only after work on their whole body (`holdIdleUntilAnswered`), each with
 * its body's whole deadline (ms), the longest it may then wait in silence for its answer.
 */
const answerOwed = new WeakMap<IncomingMessage, number>()

/** Each socket's own idle timeout while it is set aside, and the one set instead. */
const idleBefore = new WeakMap<Socket, number>()
const idleSet = new WeakMap<Socket, number>()

function setIdle(socket: Socket, ms: number): void {
  if (!idleBefore.has(socket)) idleBefore.set(socket, socket.timeout ?? 0)
  idleSet.set(socket, ms)
  socket.setTimeout(ms)
}

function putIdleBack(socket: Socket): void {
  const before = idleBefore.get(socket)
  forgetIdle(socket)
  if (before !== undefined && !socket.destroyed) socket.setTimeout(before)
}

function forgetIdle(socket: Socket): void {
  idleBefore.delete(socket)
  idleSet.delete(socket)
}

/** How much longer than a body's idle gap its socket may stay silent: the pace answers first. */
const IDLE_GAP_MARGIN_MS = 1000

/** Requests that sent `Expect: 100-continue` and have not been told to go on yet. */
const awaitingContinue = new WeakMap<IncomingMessage, ServerResponse>()

/**
 * Answers `Expect: 100-continue` only when the body is wanted: `server`'s requests that send it
 * get `100 Continue` when `readBody` starts reading (past its declared-size check), not as
 * Node's default sends it, before the handler has looked at anything. So a request refused
 * first (401, 403, 404, 405, or 413 for its declared Content-Length) is answered without the
 * client sending a body the server will not read, as the expectation is meant for; the
 * connection then closes after the answer, since the client may or may not send that body
 * after all and its bytes must not be read as the next request.
 */
export function continueOnlyWhenRead(
  server: Server,
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): void {
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    awaitingContinue.set(req, res)
    res.setHeader('Connection', 'close')
    handle(req, res)
  })
}

/** Sends the `100 Continue` a request is waiting for (continueOnlyWhenRead), once. */
function sendContinue(req: IncomingMessage): void {
  const res = awaitingContinue.get(req)
  if (res === undefined) return
  awaitingContinue.delete(req)
  if (res.headersSent || res.writableEnded) return
  // The body will be read whole: the connection can be kept as for any other request.
  res.removeHeader('Connection')
  res.writeContinue()
}

/** The body is not JSON (or is empty where JSON was required): 400. */
export class BadJsonError extends BodyError {
  readonly status = 400
  constructor(message = 'body must be JSON') {
    super(message)
    this.name = 'BadJsonError'
  }
}

/**
 * Reads the whole body, failing as soon as it passes `limit` bytes (declared or actual): an
 * oversized upload is never buffered, and a declared one is refused before a byte is read.
 * With a `pace` (given, or set on the request by `paceBody`) a body that stalls or crawls fails
 * with BodyTimeoutError (408). Listeners rather than `for await`: this is the push hot path.
 */
export function readBody(
  req: IncomingMessage,
  limit: number,
  pace: BodyPace | undefined = requestPaces.get(req),
): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0')
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(new BodyTooLargeError(limit))
  }
  sendContinue(req)
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const restoreIdle = req.complete ? () => {} : outlastIdleGap(req, pace)
    const watch =
      pace === undefined || req.complete
        ? null
        : watchPace(pace, (err) => {
            // Left unread: the answer closes the connection, so no byte more is waited for.
            req.off('data', onData)
            req.pause()
            reject(err)
          })
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      watch?.progress(chunk.length)
      if (size > limit) {
        watch?.stop()
        restoreIdle()
        req.off('data', onData)
        // Drained, not kept: the answer can still go out on this socket.
        req.resume()
        reject(new BodyTooLargeError(limit))
        return
      }
      chunks.push(chunk)
    }
    req.on('data', onData)
    req.once('end', () => {
      watch?.stop()
      restoreIdle()
      bodyIn(req)
      resolve(Buffer.concat(chunks))
    })
    req.once('error', () => {
      watch?.stop()
      reject(new BodyAbortedError())
    })
    req.once('close', () => {
      watch?.stop()
      if (!req.complete) reject(new BodyAbortedError())
    })
  })
}

/**
 * Strict: a byte that is not UTF-8 is an error, not U+FFFD. A leading byte order mark is
 * dropped (RFC 8259 §8.1 lets a parser ignore it): a file saved by Windows Notepad or
 * PowerShell's `-Encoding UTF8` and sent with `curl --data-binary @file` starts with one, and
 * was refused as "not JSON" though it was; the relay's config file is read the same way.
 */
const UTF8 = new TextDecoder('utf-8', { fatal: true })

/**
 * The body as text; BadJsonError (400) when it is not UTF-8. Decoded leniently, a script's
 * GBK body (curl on a Chinese Windows console) was stored as U+FFFD where its Chinese was,
 * and reached visitors so.
 */
function bodyText(body: Buffer): string {
  try {
    return UTF8.decode(body)
  } catch {
    throw new BadJsonError('body must be JSON in UTF-8')
  }
}

/**
 * Parses a JSON body; throws BadJsonError (400) for anything else, an empty body and one not
 * in UTF-8 included.
 */
export function parseJsonBody(body: Buffer): unknown {
  const text = bodyText(body)
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new BadJsonError()
  }
}

export interface ReadJsonOptions {
  /** An empty (or blank) body reads as `undefined` instead of failing. */
  optional?: boolean
}

/** `readBody` then `parseJsonBody`: the body as untrusted JSON, for a zod schema to check. */
export async function readJson(
  req: IncomingMessage,
  limit: number,
  options: ReadJsonOptions = {},
): Promise<unknown> {
  const body = await readBody(req, limit)
  if (options.optional && bodyText(body).trim() === '') return undefined
  return parseJsonBody(body)
}

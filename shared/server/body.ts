/**
 * Reading a request body with a size limit, and the typed errors a body can fail with: each
 * carries the HTTP status to answer, so no caller tells them apart by message.
 */
import type { IncomingMessage } from 'node:http'

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
 * Listeners rather than `for await`: this is the push hot path.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0')
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(new BodyTooLargeError(limit))
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > limit) {
        req.off('data', onData)
        // Drained, not kept: the answer can still go out on this socket.
        req.resume()
        reject(new BodyTooLargeError(limit))
        return
      }
      chunks.push(chunk)
    }
    req.on('data', onData)
    req.once('end', () => resolve(Buffer.concat(chunks)))
    req.once('error', () => reject(new BodyAbortedError()))
    req.once('close', () => {
      if (!req.complete) reject(new BodyAbortedError())
    })
  })
}

/** Strict: a byte that is not UTF-8 is an error, not U+FFFD. A BOM is kept (JSON refuses it). */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

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

// Push signatures (WECHAT.md, "Receiving pushes"): sha1 over the sorted, concatenated parts.
import { createHash, timingSafeEqual } from 'node:crypto'

function sha1OfSorted(parts: string[]): string {
  // Plain code-unit sort, as WeChat's samples do (sort() / Arrays.sort / sorted()).
  return createHash('sha1')
    .update([...parts].sort().join(''), 'utf8')
    .digest('hex')
}

/** The `signature` query parameter: sha1(sort([token, timestamp, nonce]).join('')). */
export function plainSignature(token: string, timestamp: string, nonce: string): string {
  return sha1OfSorted([token, timestamp, nonce])
}

/** Safe mode's `msg_signature`: the same, with the `<Encrypt>` value as a fourth part. */
export function msgSignature(
  token: string,
  timestamp: string,
  nonce: string,
  encrypt: string,
): string {
  return sha1OfSorted([token, timestamp, nonce, encrypt])
}

/** Constant-time string comparison, so a forger learns nothing from response times. */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8')
  const bb = Buffer.from(b, 'utf8')
  if (ab.length !== bb.length) return false
  return timingSafeEqual(ab, bb)
}

function isPresent(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0
}

export function verifyPlainSignature(
  token: string,
  q: { signature?: unknown; timestamp?: unknown; nonce?: unknown },
): boolean {
  // An empty token would make every signature forgeable from the query alone.
  if (token.length === 0) return false
  if (!isPresent(q.signature) || !isPresent(q.timestamp) || !isPresent(q.nonce)) return false
  // WeChat sends lower-case hex; accept upper case too since it is the same digest.
  return safeEqual(plainSignature(token, q.timestamp, q.nonce), q.signature.toLowerCase())
}

export function verifyMsgSignature(
  token: string,
  q: { msg_signature?: unknown; timestamp?: unknown; nonce?: unknown },
  encrypt: string,
): boolean {
  if (token.length === 0 || encrypt.length === 0) return false
  if (!isPresent(q.msg_signature) || !isPresent(q.timestamp) || !isPresent(q.nonce)) return false
  return safeEqual(
    msgSignature(token, q.timestamp, q.nonce, encrypt),
    q.msg_signature.toLowerCase(),
  )
}

/**
 * Whether a push's `timestamp` (seconds) is within `windowSeconds` of now, either way. A valid
 * signature alone does not stop a captured push from being replayed later.
 */
export function isFreshTimestamp(
  timestamp: unknown,
  windowSeconds: number,
  nowMs: number = Date.now(),
): boolean {
  if (typeof timestamp !== 'string' || !/^[0-9]{1,12}$/.test(timestamp)) return false
  return Math.abs(nowMs / 1000 - Number(timestamp)) <= windowSeconds
}

// Push signatures (docs/WECHAT.md "Signatures"): sha1 over the sorted, concatenated parts.
import { hash, timingSafeEqual } from 'node:crypto'

/** `parts` is sorted in place: callers pass a fresh array. */
function sha1OfSorted(parts: string[]): string {
  // Plain code-unit sort, as WeChat's samples do (sort() / Arrays.sort / sorted()).
  // One-shot hash(): a Hash object per push costs more than the digest itself.
  return hash('sha1', parts.sort().join(''), 'hex')
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

const SHA1_HEX = /^[0-9a-fA-F]{40}$/
/** Scratch space for comparing two hex digests without allocating per push. */
const digestPair = Buffer.alloc(80)
const expectedBytes = digestPair.subarray(0, 40)
const receivedBytes = digestPair.subarray(40, 80)

/**
 * Compares our lower-case hex sha1 with the one received, in constant time. WeChat sends
 * lower case; upper case is the same digest. Anything that is not 40 hex digits cannot match
 * and is refused before the comparison (its shape is no secret).
 */
function digestMatches(expected: string, received: string): boolean {
  if (!SHA1_HEX.test(received)) return false
  expectedBytes.write(expected, 'latin1')
  receivedBytes.write(received.toLowerCase(), 'latin1')
  return timingSafeEqual(expectedBytes, receivedBytes)
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
  return digestMatches(plainSignature(token, q.timestamp, q.nonce), q.signature)
}

export function verifyMsgSignature(
  token: string,
  q: { msg_signature?: unknown; timestamp?: unknown; nonce?: unknown },
  encrypt: string,
): boolean {
  if (token.length === 0 || encrypt.length === 0) return false
  if (!isPresent(q.msg_signature) || !isPresent(q.timestamp) || !isPresent(q.nonce)) return false
  return digestMatches(msgSignature(token, q.timestamp, q.nonce, encrypt), q.msg_signature)
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

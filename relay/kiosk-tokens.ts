/**
 * Kiosk bearer tokens: `<kioskId>.<43 random base64url characters>`. Only a SHA-256 of the
 * token is stored (the token has 256 random bits, so a slow hash adds nothing); naming the
 * kiosk inside the token lets the relay fetch one record and compare in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { KIOSK_ID_PATTERN } from '../shared/relay-protocol'
import type { RelayStore } from './store/types'

const MAX_TOKEN_LENGTH = 128

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

export function issueKioskToken(kioskId: string): { token: string; tokenHash: string } {
  const token = `${kioskId}.${randomBytes(32).toString('base64url')}`
  return { token, tokenHash: hashToken(token) }
}

/**
 * The token in an `Authorization: Bearer <token>` header, or null. The scheme's name is
 * case-insensitive (RFC 9110 §11.1: `bearer` is the same scheme); the token is not. One or more
 * spaces part them (RFC 6750 §2.1: `"Bearer" 1*SP b64token`).
 */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined || header.length > MAX_TOKEN_LENGTH + 16) return null
  const m = /^[Bb][Ee][Aa][Rr][Ee][Rr] +([A-Za-z0-9._~+/=-]+)$/.exec(header.trim())
  return m?.[1] ?? null
}

/**
 * The challenge every 401 for a missing or wrong kiosk token carries (`WWW-Authenticate`: RFC
 * 9110 §15.5.2 requires one on a 401; RFC 6750 §3 names the Bearer scheme's). The same for a
 * token that is missing and one that is wrong, as the answer's body is.
 */
export const KIOSK_TOKEN_CHALLENGE = 'Bearer realm="scandesk-relay"'

export interface KioskCredential {
  kioskId: string
  tokenHash: string
  ticketProxy: boolean
}

/**
 * The kiosk id a token names (its `<kioskId>.` prefix), unverified: for a refusal's log line,
 * which names the booth locked out and never the secret. Null when it names no well-formed id.
 */
export function claimedKioskId(token: string | null): string | null {
  if (token === null || token.length > MAX_TOKEN_LENGTH) return null
  const kioskId = token.slice(0, Math.max(0, token.indexOf('.')))
  return KIOSK_ID_PATTERN.test(kioskId) ? kioskId : null
}

/** The kiosk a token belongs to, when the token is current and the kiosk not revoked. */
export async function verifyKioskToken(
  store: RelayStore,
  token: string | null,
): Promise<KioskCredential | null> {
  const kioskId = claimedKioskId(token)
  if (token === null || kioskId === null) return null
  const kiosk = await store.getKiosk(kioskId)
  if (kiosk === null || kiosk.revokedAt !== null) return null
  const given = Buffer.from(hashToken(token), 'hex')
  const stored = Buffer.from(kiosk.tokenHash, 'hex')
  if (given.length !== stored.length || !timingSafeEqual(given, stored)) return null
  return { kioskId, tokenHash: kiosk.tokenHash, ticketProxy: kiosk.ticketProxy }
}

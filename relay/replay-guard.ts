/**
 * A push's signature covers the token, timestamp and nonce (and in safe and compat mode the
 * `<Encrypt>` value), never the whole body: anyone who sees one signed push URL could send
 * another body under it until the timestamp goes stale. Every verified signed query is
 * therefore claimed in the store with a hash of its body (`RelayStore.claimSignedQuery`): it
 * is accepted again only with the same body (a genuine retry of the same try), on every
 * instance and after a restart, never with another one.
 *
 * The claim is keyed by the signature alone. It is a digest of the sorted values, so the same
 * signature with the timestamp and nonce swapped (or the `<Encrypt>` moved) still verifies; keyed
 * by the values as given, such a swap would be a fresh claim free to carry any body.
 */
import { hash } from 'node:crypto'

export interface SignedQueryClaim {
  /** `s:<signature>`, or `m:<msg_signature>` for an encrypted push, lower-cased. */
  key: string
  /** SHA-256 (hex) of the raw body. */
  bodyHash: string
}

export function signedQueryClaim(
  q: Readonly<Record<string, string | undefined>>,
  body: Buffer,
  encrypted: boolean,
): SignedQueryClaim {
  // The digest as verified: the check takes its hex in either case, so the key must too, or
  // each upper-cased letter of one captured signature would be a fresh claim (another body).
  const signature = encrypted
    ? `m:${q.msg_signature?.toLowerCase()}`
    : `s:${q.signature?.toLowerCase()}`
  return { key: signature, bodyHash: hash('sha256', body, 'hex') }
}

/**
 * How long a claim is kept: a timestamp stays fresh for a window either side of now, so a
 * query first seen at its earliest stays usable for two windows. A minute more covers the
 * clocks of several instances (each judges freshness on its own) and the store's expiry.
 */
export const CLAIM_MARGIN_MS = 60_000
export function claimTtlMs(windowMs: number): number {
  return 2 * windowMs + CLAIM_MARGIN_MS
}

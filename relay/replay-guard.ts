/**
 * A push's signature covers the token, timestamp and nonce (and in safe and compat mode the
 * `<Encrypt>` value), never the whole body: anyone who sees one signed push URL could send
 * another body under it until the timestamp goes stale. Every verified signed query is
 * therefore claimed in the store with a hash of its body (`RelayStore.claimSignedQuery`): it
 * is accepted again only with the same body (a genuine retry of the same try), on every
 * instance and after a restart, never with another one.
 */
import { hash } from 'node:crypto'

export interface SignedQueryClaim {
  /** `timestamp/nonce/signature`, with msg_signature for an encrypted push. */
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
  return { key: `${q.timestamp}/${q.nonce}/${signature}`, bodyHash: hash('sha256', body, 'hex') }
}

/** How long a claim is kept: a timestamp stays fresh for a window either side of now. */
export function claimTtlMs(windowMs: number): number {
  return 2 * windowMs
}

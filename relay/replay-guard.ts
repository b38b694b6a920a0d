/**
 * Plain-mode `signature` covers only token, timestamp and nonce, never the body: anyone who
 * sees one signed push URL could send a different body under it until the timestamp goes
 * stale. This remembers each signed query for the timestamp window and accepts it again only
 * with the same body (a genuine retry of the same try), never with another one.
 */
import { hash } from 'node:crypto'

export class ReplayGuard {
  private readonly seen = new Map<string, { bodyHash: string; expiresAt: number }>()

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries = 100_000,
  ) {}

  /** False when this signed query was already used with a different body. */
  check(signedQuery: string, body: Buffer, now: number): boolean {
    this.evict(now)
    const bodyHash = hash('sha256', body, 'hex')
    const prev = this.seen.get(signedQuery)
    if (prev !== undefined) return prev.bodyHash === bodyHash
    // Memory stays bounded: past the cap the oldest entry goes first (Map keeps insertion order).
    if (this.seen.size >= this.maxEntries) {
      const oldest = this.seen.keys().next()
      if (!oldest.done) this.seen.delete(oldest.value)
    }
    this.seen.set(signedQuery, { bodyHash, expiresAt: now + 2 * this.windowMs })
    return true
  }

  private evict(now: number): void {
    for (const [key, entry] of this.seen) {
      if (entry.expiresAt > now) break
      this.seen.delete(key)
    }
  }
}

/**
 * Announcements of stored writes whose PUBLISH failed (relay/README.md "Stores"): the write is
 * kept, so its caller is answered success and this instance's listeners hear it at once; the
 * other instances hear it when a later attempt gets through (every RETRY_MS, oldest first).
 * A change already waiting is not queued twice; past MAX_WAITING the oldest is dropped, as the
 * instances that missed it re-read everything on their next resync.
 */
import type { StoreChange } from '../types'

const RETRY_MS = 1000
const MAX_WAITING = 1000

export class LateAnnouncements {
  private readonly waiting = new Map<string, StoreChange>()
  private timer: NodeJS.Timeout | null = null
  private closed = false

  constructor(
    /** PUBLISH on the change channel. */
    private readonly publish: (change: StoreChange) => Promise<void>,
    /** This instance's own listeners. */
    private readonly hearLocally: (change: StoreChange) => void,
  ) {}

  /** After a stored write: never rejects, since the write itself succeeded. */
  async announce(change: StoreChange): Promise<void> {
    try {
      await this.publish(change)
    } catch {
      this.hearLocally(change)
      this.keep(change)
    }
  }

  private keep(change: StoreChange): void {
    if (this.closed) return
    const key = JSON.stringify(change)
    this.waiting.delete(key)
    this.waiting.set(key, change)
    if (this.waiting.size > MAX_WAITING) {
      const oldest = this.waiting.keys().next().value
      if (oldest !== undefined) this.waiting.delete(oldest)
    }
    this.schedule()
  }

  private schedule(): void {
    if (this.timer !== null || this.closed) return
    this.timer = setTimeout(() => {
      this.timer = null
      void this.retry()
    }, RETRY_MS)
    this.timer.unref()
  }

  private async retry(): Promise<void> {
    for (const [key, change] of this.waiting) {
      try {
        await this.publish(change)
      } catch {
        break // still unreachable: the rest wait with it, in order
      }
      this.waiting.delete(key)
    }
    if (this.waiting.size > 0) this.schedule()
  }

  close(): void {
    this.closed = true
    this.waiting.clear()
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
  }
}

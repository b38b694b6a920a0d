/**
 * The recent greetings the screen has not yet said it showed (`greetingShown`). Events are not
 * kept or sent again, so a greeting emitted while the page was not listening (web mode's event
 * stream reconnecting, a page loading or reloading) would be lost and the visitor at the booth
 * not greeted: the bridges hand these to each page that starts listening. The page ignores a
 * greeting whose eventId it has seen, so sending one twice is safe.
 */
import type { Greeting } from '../../../shared/domain'

export interface GreetingBacklogOptions {
  now: () => number
  /** Older than this (since the scan), the visitor has walked on: scan-intake's greetWindowMs. */
  windowMs: number
  /** At most this many are kept, the newest. */
  limit?: number
}

export const GREETING_BACKLOG_LIMIT = 50

export class GreetingBacklog {
  /** By eventId, in the order they were emitted (a Map keeps insertion order). */
  private readonly entries = new Map<string, Greeting>()

  constructor(private readonly o: GreetingBacklogOptions) {}

  /** A greeting just emitted, for a scan made at its `at` (the core's clock). */
  add(greeting: Greeting): void {
    this.entries.delete(greeting.eventId)
    this.entries.set(greeting.eventId, greeting)
    const limit = this.o.limit ?? GREETING_BACKLOG_LIMIT
    for (const id of this.entries.keys()) {
      if (this.entries.size <= limit) break
      this.entries.delete(id)
    }
  }

  /** The screen showed it: never offered again. */
  shown(eventId: string): void {
    this.entries.delete(eventId)
  }

  clear(): void {
    this.entries.clear()
  }

  /** The ones still within the window, oldest first. */
  recent(): Greeting[] {
    const now = this.o.now()
    const out: Greeting[] = []
    for (const [id, g] of this.entries) {
      if (now - g.at > this.o.windowMs) this.entries.delete(id)
      else out.push(g)
    }
    return out
  }
}

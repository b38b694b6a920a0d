/**
 * Runs a test file in `zone` (the process's `TZ`, which the relay's days and the sheets' times
 * follow): set before the file's tests, put back after them. Call at the file's top level.
 */
import { afterAll, beforeAll } from 'vitest'

export function inTimeZone(zone: string): void {
  const before = process.env.TZ
  beforeAll(() => {
    process.env.TZ = zone
  })
  afterAll(() => {
    if (before === undefined) delete process.env.TZ
    else process.env.TZ = before
  })
}

// The scrypt gate: at most `concurrency` checks at once, a bounded queue, and "busy" (null)
// past it, so a sign-in flood cannot take every libuv thread or queue without end.
import { describe, expect, it } from 'vitest'
import { KdfGate, hashPassword, verifyPassword } from '../../relay/console/passwords'

describe('KdfGate', () => {
  it('runs at most 2 at once, queues 3 more, and turns the rest away', async () => {
    const gate = new KdfGate({ concurrency: 2, maxWaiting: 3 })
    let running = 0
    let most = 0
    const releases: Array<() => void> = []
    const job = () =>
      gate.run(async () => {
        running++
        most = Math.max(most, running)
        await new Promise<void>((r) => releases.push(r))
        running--
        return 'done'
      })
    const results = Array.from({ length: 7 }, job)
    // The two over the queue's bound are answered at once.
    expect(await Promise.race([results[5], results[6]])).toBeNull()
    expect(await results[6]).toBeNull()
    while (releases.length > 0 || running > 0) {
      releases.shift()?.()
      await new Promise((r) => setTimeout(r, 1))
    }
    expect(await Promise.all(results.slice(0, 5))).toEqual(Array(5).fill('done'))
    expect(most).toBe(2)
    // Free again afterwards.
    expect(await gate.run(() => Promise.resolve(1))).toBe(1)
  })

  it('checks passwords in constant shape: right, wrong, unknown name, malformed hash', async () => {
    const hash = await hashPassword('abc-def')
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/)
    expect(await verifyPassword('abc-def', hash)).toBe(true)
    expect(await verifyPassword('abc-deg', hash)).toBe(false)
    expect(await verifyPassword('abc-def', null)).toBe(false)
    expect(await verifyPassword('abc-def', 'plain-text')).toBe(false)
    // A tampered row asking for other parameters is refused, never run with them.
    expect(await verifyPassword('abc-def', hash.replace('$32768$', '$1048576$'))).toBe(false)
    // Two hashes of one password differ (a salt per organizer).
    expect(await hashPassword('abc-def')).not.toBe(hash)
  })
})

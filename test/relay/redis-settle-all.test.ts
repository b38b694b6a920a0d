// "Let every step settle, then throw the first failure" (relay/store/redis/settle-all.ts): the
// erasure's per-kiosk steps and the two Redis connects. A failure answered while another step
// is still on its way would let a retry run beside it (or close a socket under a handshake).
import { describe, expect, it } from 'vitest'
import { settleAll } from '../../relay/store/redis/settle-all'

describe('settleAll', () => {
  it('every value, in order, when all succeed', async () => {
    await expect(settleAll([Promise.resolve(1), Promise.resolve(2)])).resolves.toEqual([1, 2])
    await expect(settleAll([])).resolves.toEqual([])
  })

  it('a failure is thrown only once every other step has settled', async () => {
    let resolveSlow!: (v: string) => void
    const slow = new Promise<string>((resolve) => (resolveSlow = resolve))
    let settled = false
    const all = settleAll([Promise.reject(new Error('first')), slow]).finally(() => {
      settled = true
    })
    await new Promise((r) => setImmediate(r))
    expect(settled).toBe(false)
    resolveSlow('late')
    await expect(all).rejects.toThrow('first')
  })

  it('of several failures, the first in the list is thrown', async () => {
    let rejectLater!: (e: Error) => void
    const later = new Promise<never>((_, reject) => (rejectLater = reject))
    const all = settleAll([later, Promise.reject(new Error('sooner'))])
    rejectLater(new Error('listed first'))
    await expect(all).rejects.toThrow('listed first')
  })
})

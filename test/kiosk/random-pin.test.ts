/**
 * The admin PIN a first start makes (config/admin-auth.ts randomPin): each digit is drawn with
 * crypto.randomInt(10), not `byte % 10` (256 is not a multiple of 10: 0-5 came up 26 times in
 * 256, 6-9 25), and the PIN is always `digits` decimal digits, leading zeros kept.
 */
import * as crypto from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof crypto>()
  return { ...actual, randomInt: vi.fn(actual.randomInt) }
})

const { randomPin } = await import('../../electron/core/config/admin-auth')
const randomInt = vi.mocked(crypto.randomInt) as unknown as ReturnType<typeof vi.fn>

afterEach(() => {
  randomInt.mockClear()
})

describe('randomPin', () => {
  it('makes PINs of exactly the asked number of decimal digits', () => {
    for (const digits of [4, 6, 8]) {
      for (let i = 0; i < 200; i++)
        expect(randomPin(digits)).toMatch(new RegExp(`^\\d{${digits}}$`))
    }
    for (let i = 0; i < 200; i++) expect(randomPin()).toMatch(/^\d{6}$/)
  })

  it('draws each digit uniformly from 0-9 with crypto.randomInt, leading zeros kept', () => {
    const draws = [0, 0, 7, 9, 1, 0]
    randomInt.mockImplementation(() => draws.shift() ?? 0)
    expect(randomPin(6)).toBe('007910')
    expect(randomInt).toHaveBeenCalledTimes(6)
    for (const call of randomInt.mock.calls) expect(call).toEqual([10])
  })
})

/**
 * What a call throws, for tests that look into the error itself (its message, what shows it):
 * the test fails when the call returns, or throws something other than a `type`.
 */
import { expect } from 'vitest'

export function thrown(fn: () => unknown): unknown
export function thrown<E>(fn: () => unknown, type: abstract new (...args: never[]) => E): E
export function thrown<E>(fn: () => unknown, type?: abstract new (...args: never[]) => E): unknown {
  try {
    fn()
  } catch (error) {
    if (type) expect(error).toBeInstanceOf(type)
    return error
  }
  throw new Error('it did not throw')
}

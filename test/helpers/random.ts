/**
 * Seeded choices for generated-input tests, on the fuzzers' PRNG: a failure names its seed and
 * case number, and the same seed gives the same inputs on every machine.
 */
import { prng } from '../reliability/push-fuzz-gen'

/** The bare generator (mulberry32): numbers in [0, 1), the same sequence for a seed everywhere. */
export { prng }

export class Rand {
  private readonly next: () => number

  constructor(seed: number) {
    this.next = prng(seed)
  }

  /** 0 ≤ n < max */
  int(max: number): number {
    return Math.floor(this.next() * max)
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(xs: readonly T[]): T {
    const x = xs[this.int(xs.length)]
    if (x === undefined) throw new Error('pick from an empty list')
    return x
  }

  /** `count` pieces from `make`, joined. */
  join(count: number, make: () => string, sep = ''): string {
    return Array.from({ length: count }, make).join(sep)
  }
}

// Fairness of the lucky draw, checked on the drawing functions themselves (no HTTP): with the
// real CSPRNG (no seed can be fixed), every eligible visitor wins equally often and every order
// of winners is equally likely (chi-square tests); previous winners never win again; the byte
// mapping rejects the values that would bias a modulo, and replays exactly what it consumed.
//
// Flake bound: each chi-square limit is the statistic's 1 - 1e-7 quantile for its degrees of
// freedom (scipy.stats.chi2.isf(1e-7, df): 69.78 for 19, 133.72 for 59, 50.17 for 9), so a fair
// RNG fails a test less than once in 10^7 runs; 3 such tests: under 1 in 10^6 for the file. A real bias
// (one visitor never chosen, a modulo skew of a few percent on a bin, an off-by-one) adds
// hundreds to the statistic.
import { describe, expect, it } from 'vitest'
import type { DrawRecord } from '../../shared/screen-api'
import { drawAmong, eligibleOf, makeDraw } from '../../relay/draws/draw-service'
import { pickIndexes, replayPicks } from '../../relay/draws/fair-draw'
import type { DrawSnapshot, DrawStore } from '../../relay/store/draw-types'
import { visitors } from './draws-helpers'

function chiSquare(observed: readonly number[], expected: number): number {
  return observed.reduce((sum, o) => sum + (o - expected) ** 2 / expected, 0)
}

/** A draw store in memory: the service's logic without a database. */
function memoryStore(openids: readonly string[]): DrawStore & { draws: DrawRecord[] } {
  const draws: DrawRecord[] = []
  let version = 0
  return {
    draws,
    snapshot: (): Promise<DrawSnapshot> =>
      Promise.resolve({
        version,
        visitors: openids.map((openid, i) => ({ openid, number: i + 1 })),
        names: new Map(),
        draws: [...draws],
      }),
    commit(record, expected) {
      if (expected !== version) return Promise.resolve(false)
      version++
      const i = draws.findIndex((d) => d.id === record.id)
      if (i >= 0) draws[i] = record
      else draws.push(record)
      return Promise.resolve(true)
    },
    list: () => Promise.resolve([...draws].reverse()),
    get: (_c, id) => Promise.resolve(draws.find((d) => d.id === id) ?? null),
  }
}

describe('lucky draw fairness', () => {
  it('20,000 draws of 1 among 20: every visitor equally often (chi-square, 19 df)', () => {
    const eligible = visitors(20)
    const wins = new Map(eligible.map((o) => [o, 0]))
    const draws = 20_000
    for (let i = 0; i < draws; i++) {
      const [w] = drawAmong(eligible, 1).openids
      wins.set(w ?? '', (wins.get(w ?? '') ?? 0) + 1)
    }
    expect(wins.size).toBe(20)
    expect(chiSquare([...wins.values()], draws / 20)).toBeLessThan(69.78)
  })

  it('30,000 draws of 3 among 5: every ordered result equally likely (chi-square, 59 df)', () => {
    const eligible = visitors(5)
    const seen = new Map<string, number>()
    const draws = 30_000
    for (let i = 0; i < draws; i++) {
      const key = drawAmong(eligible, 3).openids.join(' ')
      seen.set(key, (seen.get(key) ?? 0) + 1)
    }
    expect(seen.size).toBe(60)
    expect(chiSquare([...seen.values()], draws / 60)).toBeLessThan(133.72)
  })

  it('inclusion in a draw of 3 among 10 is equal for all (chi-square, 9 df)', () => {
    const eligible = visitors(10)
    const wins = new Map(eligible.map((o) => [o, 0]))
    const draws = 10_000
    for (let i = 0; i < draws; i++) {
      for (const w of drawAmong(eligible, 3).openids) wins.set(w, (wins.get(w) ?? 0) + 1)
    }
    // Each visitor is in 3/10 of the draws. Drawn without replacement, the statistic is
    // (1 - 3/10) × 10/9 ≈ 0.78 times a chi-square with 9 df: its 1 - 1e-7 bound (50.17) holds.
    expect(chiSquare([...wins.values()], (3 * draws) / 10)).toBeLessThan(50.17)
  })

  it('excluded winners never win again: 100 rounds of 20 single draws among 20', async () => {
    for (let round = 0; round < 100; round++) {
      const people = visitors(20)
      const store = memoryStore(people)
      for (let i = 0; i < 20; i++) {
        const out = await makeDraw(
          store,
          'c',
          { prize: 'p', count: 1, excludeWinners: true, rosterOnly: false },
          { organizer: 'o', clock: () => i },
        )
        expect(out.ok).toBe(true)
      }
      const won = store.draws.flatMap((d) => d.winners.map((w) => w.openid))
      expect(won.sort()).toEqual(people)
      const none = await makeDraw(
        store,
        'c',
        { prize: 'p', count: 1, excludeWinners: true, rosterOnly: false },
        { organizer: 'o', clock: () => 99 },
      )
      expect(none).toMatchObject({ ok: false, status: 409 })
    }
  })

  it('eligibility is the checked-in visitors, roster-bound if asked, minus the excluded', () => {
    const snap = {
      visitors: [
        { openid: 'b', number: 1 },
        { openid: 'a', number: 2 },
        { openid: 'c', number: 3 },
      ],
      names: new Map([
        ['a', 'A'],
        ['c', 'C'],
      ]),
    }
    expect(eligibleOf(snap, false, new Set())).toEqual(['a', 'b', 'c'])
    expect(eligibleOf(snap, true, new Set())).toEqual(['a', 'c'])
    expect(eligibleOf(snap, true, new Set(['c']))).toEqual(['a'])
  })

  it('rejects the values that would bias a modulo and stores every byte it read', () => {
    // 2^32 % 3 = 1: 0xFFFFFFFF is the one value that would favour index 0; it is skipped.
    const chunks = [Buffer.from('ffffffff', 'hex'), Buffer.from('00000005', 'hex')]
    const picks = pickIndexes(3, 1, () => chunks.shift() ?? null)
    expect(picks).toEqual({ indexes: [2], rng: 'ffffffff00000005' })
    expect(replayPicks(3, 1, 'ffffffff00000005')).toEqual([2])
    // Bytes left over, or too few, or not hex: not a replay of the record.
    expect(replayPicks(3, 1, 'ffffffff0000000500000001')).toBeNull()
    expect(replayPicks(3, 1, 'ffffffff')).toBeNull()
    expect(replayPicks(3, 1, 'zz')).toBeNull()
    // Partial Fisher–Yates: the second pick indexes the candidates left after the first.
    const two = [Buffer.from('00000000', 'hex'), Buffer.from('00000000', 'hex')]
    expect(pickIndexes(3, 2, () => two.shift() ?? null)?.indexes).toEqual([0, 2])
    expect(() => pickIndexes(2, 3, () => null)).toThrow(RangeError)
  })
})

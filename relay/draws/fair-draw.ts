/**
 * The lucky draw's arithmetic (docs/DESIGN.md "Draws"), pure so a disputed draw can be re-checked
 * by anyone from its stored record and the attendance export:
 * - the eligible list's canonical order (openids sorted by UTF-16 code unit, which for WeChat's
 *   ASCII openids is byte order) and its SHA-256 (each openid followed by "\n");
 * - the mapping of random bytes to picks without modulo bias: each pick reads 4 bytes as a
 *   big-endian uint32 and rejects values at or above the largest multiple of the candidates
 *   left, then swaps the pick to the end of the candidates (a partial Fisher–Yates shuffle);
 *   every 4 bytes read, rejected ones included, are stored as the draw's `rng`;
 * - the re-check: recompute the hash, replay `rng`, compare the winners.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { DrawRecord } from '../../shared/screen-api'

const CHUNK = 4
const RANGE = 2 ** 32

/** The canonical order the draw indexes: a copy, sorted. */
export function canonicalOrder(openids: Iterable<string>): string[] {
  return [...openids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}

/** Hex SHA-256 of the list in the order given (canonical order expected). */
export function eligibleHash(sorted: readonly string[]): string {
  const h = createHash('sha256')
  for (const openid of sorted) h.update(openid + '\n')
  return h.digest('hex')
}

export interface Picks {
  /** Positions in the eligible list, in the order drawn. */
  indexes: number[]
  /** Hex of every 4-byte chunk read. */
  rng: string
}

/**
 * `count` distinct positions among `n`. `next` gives the next 4 random bytes (crypto in the
 * relay; the stored bytes in a replay). Throws when there are fewer than `count` candidates.
 */
export function pickIndexes(n: number, count: number, next: () => Buffer | null): Picks | null {
  if (!Number.isInteger(count) || count < 0 || count > n) {
    throw new RangeError(`cannot draw ${count} among ${n}`)
  }
  const pos = new Map<number, number>() // sparse Fisher–Yates: only swapped slots are kept
  const at = (i: number): number => pos.get(i) ?? i
  const indexes: number[] = []
  const used: Buffer[] = []
  for (let k = 0; k < count; k++) {
    const left = n - k
    const limit = RANGE - (RANGE % left)
    let v: number
    do {
      const chunk = next()
      if (chunk === null || chunk.length !== CHUNK) return null
      used.push(chunk)
      v = chunk.readUInt32BE(0)
    } while (v >= limit)
    const i = v % left
    const last = left - 1
    const chosen = at(i)
    pos.set(i, at(last))
    pos.set(last, chosen)
    indexes.push(chosen)
  }
  return { indexes, rng: Buffer.concat(used).toString('hex') }
}

/** Picks with node:crypto's CSPRNG. */
export function cryptoPicks(n: number, count: number): Picks {
  const picks = pickIndexes(n, count, () => randomBytes(CHUNK))
  if (picks === null) throw new Error('random source ran dry')
  return picks
}

/** The picks the stored `rng` hex gives, or null when it is not exactly what they consumed. */
export function replayPicks(n: number, count: number, rng: string): number[] | null {
  if (!/^(?:[0-9a-f]{8})*$/.test(rng)) return null
  const bytes = Buffer.from(rng, 'hex')
  let offset = 0
  let picks: Picks | null
  try {
    picks = pickIndexes(n, count, () => {
      if (offset + CHUNK > bytes.length) return null
      offset += CHUNK
      return bytes.subarray(offset - CHUNK, offset)
    })
  } catch {
    return null
  }
  if (picks === null || offset !== bytes.length) return null
  return picks.indexes
}

export type RecheckResult = { ok: true } | { ok: false; reason: string }

function recheckOne(
  what: string,
  eligible: Iterable<string>,
  stored: { eligibleCount: number; eligibleHash: string; rng: string },
  winners: readonly string[],
): RecheckResult {
  const sorted = canonicalOrder(new Set(eligible))
  if (sorted.length !== stored.eligibleCount) {
    return {
      ok: false,
      reason: `${what}: ${sorted.length} eligible, record says ${stored.eligibleCount}`,
    }
  }
  if (eligibleHash(sorted) !== stored.eligibleHash) {
    return { ok: false, reason: `${what}: the eligible list's hash differs from the record's` }
  }
  const indexes = replayPicks(sorted.length, winners.length, stored.rng)
  if (indexes === null) return { ok: false, reason: `${what}: the rng does not replay` }
  const drawn = indexes.map((i) => sorted[i])
  if (drawn.some((o, i) => o !== winners[i])) {
    return { ok: false, reason: `${what}: the rng picks other winners than the record's` }
  }
  return { ok: true }
}

/**
 * Re-checks a stored draw. `eligible`: the openids the draw was made among (any order), as
 * rebuilt from the attendance export; `redrawEligible[i]`: those of the record's i-th redraw.
 */
export function recheckDraw(
  record: Pick<DrawRecord, 'eligibleCount' | 'eligibleHash' | 'rng' | 'winners' | 'redraws'>,
  eligible: Iterable<string>,
  redrawEligible: ReadonlyArray<Iterable<string>> = [],
): RecheckResult {
  const first = record.winners.slice(0, record.winners.length - record.redraws.length)
  const main = recheckOne(
    'draw',
    eligible,
    record,
    first.map((w) => w.openid),
  )
  if (!main.ok) return main
  for (const [i, step] of record.redraws.entries()) {
    const got = record.winners[first.length + i]?.openid
    if (got !== step.openid) return { ok: false, reason: `redraw ${i + 1}: winner not in record` }
    const r = recheckOne(`redraw ${i + 1}`, redrawEligible[i] ?? [], step, [step.openid])
    if (!r.ok) return r
  }
  return { ok: true }
}

/**
 * Making and redrawing a lucky draw (docs/DESIGN.md "Draws"), the same on both stores: take a
 * snapshot of the campaign, work out who is eligible, draw with the CSPRNG (fair-draw.ts), and
 * store the record behind the campaign's draw fence; a fence that moved (someone else drew
 * meanwhile, on any instance) means drawing again on a fresh snapshot. The result is stored
 * before anyone is told: screens only ever hear of a stored draw (draw-feed.ts).
 */
import { randomBytes } from 'node:crypto'
import {
  drawAnswerOf,
  type DrawRecord,
  type DrawRequest,
  type DrawWinner,
  type RedrawStep,
  type ScreenDraw,
} from '../../shared/screen-api'
import type { DrawSnapshot, DrawStore } from '../store/draw-types'
import { canonicalOrder, cryptoPicks, eligibleHash } from './fair-draw'

/** Tries before giving up when other draws keep moving the fence (each try is a full draw). */
export const MAX_DRAW_TRIES = 32

export const newDrawId = (): string => 'd-' + randomBytes(9).toString('base64url')

export type DrawFailure = {
  ok: false
  status: 404 | 409 | 503
  code: 'not_found' | 'conflict' | 'drawn_meanwhile' | 'internal'
  message: string
  /** Set on a 409 for too few eligible visitors: how many could have been drawn. */
  eligible?: number
}
export type DrawOutcome = { ok: true; record: DrawRecord } | DrawFailure

const fail = (
  status: DrawFailure['status'],
  code: DrawFailure['code'],
  message: string,
): DrawFailure => ({ ok: false, status, code, message })

/** Winners of the campaign's draws who were not replaced: "previous winners". */
export function currentWinners(draws: readonly DrawRecord[]): Set<string> {
  const out = new Set<string>()
  for (const d of draws) for (const w of d.winners) if (w.replacedAt === null) out.add(w.openid)
  return out
}

/**
 * Who may win, in the canonical order the draw indexes: every checked-in visitor (bound to a
 * roster registration when `rosterOnly`), minus `excluded`.
 */
export function eligibleOf(
  snap: Pick<DrawSnapshot, 'visitors' | 'names'>,
  rosterOnly: boolean,
  excluded: ReadonlySet<string>,
): string[] {
  const out: string[] = []
  for (const v of snap.visitors) {
    if (excluded.has(v.openid)) continue
    if (rosterOnly && !snap.names.has(v.openid)) continue
    out.push(v.openid)
  }
  return canonicalOrder(out)
}

/** `count` winners among `eligible` (canonical order), with the bytes that picked them. */
export function drawAmong(
  eligible: readonly string[],
  count: number,
): { openids: string[]; hash: string; rng: string } {
  const picks = cryptoPicks(eligible.length, count)
  return {
    openids: picks.indexes.map((i) => eligible[i] ?? ''),
    hash: eligibleHash(eligible),
    rng: picks.rng,
  }
}

function winnerOf(snap: DrawSnapshot, numbers: Map<string, number>, openid: string): DrawWinner {
  return {
    openid,
    number: numbers.get(openid) ?? 0,
    name: snap.names.get(openid) ?? null,
    replacedAt: null,
  }
}

const numbersOf = (snap: DrawSnapshot): Map<string, number> =>
  new Map(snap.visitors.map((v) => [v.openid, v.number]))

const tooFew = (eligible: number, wanted: number): DrawFailure => ({
  ...fail(409, 'conflict', `only ${eligible} eligible visitors; cannot draw ${wanted}`),
  eligible,
})

/** A prize drawn in `rounds` rounds, where the console that asked saw `seen`. */
const drawnMeanwhile = (prize: string, rounds: number, seen: number): DrawFailure =>
  fail(
    409,
    'drawn_meanwhile',
    `"${prize}" has ${rounds} rounds drawn, not the ${seen} this draw was asked after; nothing drawn`,
  )

/** The campaign's rounds of `prize` (a prize is its trimmed name, as the console counts them). */
const roundsOf = (draws: readonly DrawRecord[], prize: string): number =>
  draws.filter((d) => d.prize.trim() === prize.trim()).length

const busy = fail(503, 'internal', 'other draws kept coming in; try again')

export interface DrawBy {
  organizer: string
  /**
   * The relay's clock, read for each try just before its snapshot, however long the request or
   * a lost race took. The draw drew among the check-ins stored when the snapshot was read, and
   * is dated when the clock was: a check-in whose write lands between the two (on Redis,
   * another instance's push; a push is dated at its receipt, before its write) is in the pool
   * yet dated just after the draw, and one received just before the clock read but written
   * after the snapshot is dated before it yet not in the pool. Only such check-ins, received
   * around the draw's time, are on the "wrong" side of it; the re-check from the exports
   * settles them by the eligible hash (docs/DESIGN.md "Draws": re-checking a disputed draw).
   */
  clock: () => number
}

/** A new draw among the campaign's eligible visitors, stored before it is returned. */
export async function makeDraw(
  store: DrawStore,
  campaignId: string,
  req: DrawRequest,
  by: DrawBy,
): Promise<DrawOutcome> {
  const id = newDrawId()
  for (let t = 0; t < MAX_DRAW_TRIES; t++) {
    const now = by.clock()
    const snap = await store.snapshot(campaignId)
    if (snap === null) return fail(404, 'not_found', 'no such campaign')
    // Checked on the snapshot the commit is fenced by: a round stored after it moves the fence,
    // and the next try's snapshot has it (two consoles expecting the same rounds: one draws).
    const rounds = roundsOf(snap.draws, req.prize)
    if (req.roundsBefore !== undefined && rounds !== req.roundsBefore) {
      return drawnMeanwhile(req.prize, rounds, req.roundsBefore)
    }
    const excluded = req.excludeWinners ? currentWinners(snap.draws) : new Set<string>()
    const eligible = eligibleOf(snap, req.rosterOnly, excluded)
    if (eligible.length < req.count) return tooFew(eligible.length, req.count)
    const drawn = drawAmong(eligible, req.count)
    const numbers = numbersOf(snap)
    const record: DrawRecord = {
      id,
      campaignId,
      prize: req.prize,
      at: now,
      organizer: by.organizer,
      excludeWinners: req.excludeWinners,
      rosterOnly: req.rosterOnly,
      eligibleCount: eligible.length,
      eligibleHash: drawn.hash,
      rng: drawn.rng,
      winners: drawn.openids.map((o) => winnerOf(snap, numbers, o)),
      redraws: [],
    }
    if (await store.commit(record, snap.version)) return { ok: true, record }
  }
  return busy
}

/**
 * Replaces the absent winner `openid` of draw `drawId` by one drawn by the draw's own rule,
 * among those who have not won in this draw (replaced ones included) nor, when the draw
 * excludes previous winners, in any other; the other winners stay.
 */
export async function redraw(
  store: DrawStore,
  campaignId: string,
  drawId: string,
  openid: string,
  by: DrawBy,
): Promise<DrawOutcome> {
  for (let t = 0; t < MAX_DRAW_TRIES; t++) {
    const now = by.clock()
    const snap = await store.snapshot(campaignId)
    if (snap === null) return fail(404, 'not_found', 'no such campaign')
    const draw = snap.draws.find((d) => d.id === drawId)
    if (draw === undefined) return fail(404, 'not_found', 'no such draw')
    const at = draw.winners.findIndex((w) => w.openid === openid && w.replacedAt === null)
    // The draw exists: the openid is what does not fit it (never drawn, or already replaced).
    if (at < 0) return fail(409, 'conflict', 'not a current winner of this draw')
    const excluded = draw.excludeWinners ? currentWinners(snap.draws) : new Set<string>()
    for (const w of draw.winners) excluded.add(w.openid)
    const eligible = eligibleOf(snap, draw.rosterOnly, excluded)
    if (eligible.length < 1) return tooFew(0, 1)
    const drawn = drawAmong(eligible, 1)
    const chosen = drawn.openids[0] ?? ''
    const step: RedrawStep = {
      at: now,
      organizer: by.organizer,
      replaced: openid,
      openid: chosen,
      eligibleCount: eligible.length,
      eligibleHash: drawn.hash,
      rng: drawn.rng,
    }
    const record: DrawRecord = {
      ...draw,
      winners: [
        ...draw.winners.map((w, i) => (i === at ? { ...w, replacedAt: now } : w)),
        winnerOf(snap, numbersOf(snap), chosen),
      ],
      redraws: [...draw.redraws, step],
    }
    if (await store.commit(record, snap.version)) return { ok: true, record }
  }
  return busy
}

/** What a screen may see of a draw: its current winners by number and name, no openid. */
export function screenDrawOf(d: DrawRecord): ScreenDraw {
  return {
    id: d.id,
    prize: d.prize,
    at: d.redraws.at(-1)?.at ?? d.at,
    eligibleCount: d.eligibleCount,
    // As the console lists them: a redraw's winner in the place of the one it replaced.
    winners: drawAnswerOf(d).winners.map((w) => ({ number: w.number, name: w.name })),
  }
}

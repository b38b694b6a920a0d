/**
 * What the wall shows, merged from snapshots and events in any order: the count only grows,
 * each check-in number appears once (a reconnect's snapshot repeats what events brought; one
 * sent again with a name names its tile), and
 * only the newest `cap` tiles are kept, so the page's DOM stays bounded at any scan rate. A
 * snapshot is the relay's word on every number up to its count: a tile it does not carry there
 * is of a visitor erased since (the relay's newest check-ins are taken 1, 2, 3… in order, so it
 * has every other), and goes.
 */
import {
  SCREEN_RECENT_CHECKINS,
  type ScreenCampaign,
  type ScreenCheckin,
  type ScreenDraw,
  type WallSnapshot,
} from '../../../shared/screen-api'

/** The tiles a wall shows: as many as its snapshot carries (see `applySnapshot`). */
export const WALL_TILES = SCREEN_RECENT_CHECKINS

export class WallState {
  campaign: ScreenCampaign | null = null
  count = 0
  /** Newest first, at most `cap`. */
  tiles: ScreenCheckin[] = []
  draw: ScreenDraw | null = null
  /**
   * Whether a snapshot was applied: until then (or a count from the stream) the count is not
   * known. Not `campaign`, which the stream's `campaign` event (a rename) also sets.
   */
  read = false

  constructor(readonly cap = WALL_TILES) {}

  applySnapshot(s: WallSnapshot): void {
    this.read = true
    this.campaign = s.campaign
    // Up to the snapshot's count, what it does not carry was erased (it carries the newest
    // `cap`, and a tile older than all of those is past the wall's cap anyway). Above it: check-
    // ins that came on the stream after the snapshot was read, kept.
    const carried = new Set(s.recent.map((c) => c.number))
    this.tiles = this.tiles.filter((t) => t.number > s.count || carried.has(t.number))
    this.count = Math.max(this.count, s.count)
    this.add(s.recent)
    if (s.draw !== null && (this.draw === null || s.draw.at >= this.draw.at)) this.draw = s.draw
  }

  applyCheckins(count: number, checkins: readonly ScreenCheckin[]): ScreenCheckin[] {
    this.count = Math.max(this.count, count)
    return this.add(checkins)
  }

  /**
   * Adds the check-ins not shown yet; returns those added. One shown already, now with a name
   * (a desk bound the visitor after their check-in), names its tile.
   */
  add(checkins: readonly ScreenCheckin[]): ScreenCheckin[] {
    const names = namesOf(checkins)
    this.tiles = named(this.tiles, names)
    const shown = new Set(this.tiles.map((t) => t.number))
    const oldest = this.tiles[this.tiles.length - 1]?.number ?? 0
    const full = this.tiles.length >= this.cap
    // A new tile takes its name from any of the batch's copies: the relay sends a check-in and,
    // when a desk binds the visitor within the same batch, the same check-in again named.
    const fresh = named(
      checkins.filter((c) => {
        if (shown.has(c.number) || (full && c.number < oldest)) return false
        shown.add(c.number)
        return true
      }),
      names,
    )
    if (fresh.length === 0) return []
    this.tiles = [...this.tiles, ...fresh].sort((a, b) => b.number - a.number).slice(0, this.cap)
    this.count = Math.max(this.count, this.tiles[0]?.number ?? 0)
    return fresh
  }
}

/** The names the check-ins carry, by number. */
function namesOf(checkins: readonly ScreenCheckin[]): Map<number, string> {
  const names = new Map<number, string>()
  for (const c of checkins) if (c.name !== null) names.set(c.number, c.name)
  return names
}

/** The tiles, each named by a check-in of its number that carries a name. */
function named(tiles: ScreenCheckin[], names: ReadonlyMap<number, string>): ScreenCheckin[] {
  if (names.size === 0) return tiles
  return tiles.map((t) => {
    const name = names.get(t.number)
    return name === undefined || name === t.name ? t : { ...t, name }
  })
}

// The big screens' logic without a browser: the wall's state merges snapshots and batches in
// any order (a reconnect's snapshot repeats what events brought) without a duplicate tile, keeps
// at most WALL_TILES, and never lets the count go back; the draw roll stops every slot on
// exactly its winner, whatever the pool and the random picks; texts name a visitor without
// a name as "来宾 #<number>".
import { describe, expect, it } from 'vitest'
import {
  missedDrawToPlay,
  REPLAY_WITHIN_MS,
  rollDuration,
  rollPool,
  ROLL,
  NO_ROLL,
  slotsAt,
} from '../../console/src/screen/draw-roll'
import {
  grouped,
  screenLang,
  screenTexts,
  tileLabelLength,
  titleLength,
  visitorLabel,
} from '../../console/src/screen/screen-text'
import { WallState, WALL_TILES } from '../../console/src/screen/wall-state'
import { SCREEN_LIMITS } from '../../relay/screens/screen-hub'
import type { ScreenCheckin, ScreenDraw } from '../../shared/screen-api'

const c = (n: number, name: string | null = null): ScreenCheckin => ({ number: n, name, at: n })
const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i)

describe('WallState', () => {
  it('a snapshot after events (reconnect) adds nothing twice and keeps the higher count', () => {
    const w = new WallState()
    w.applyCheckins(
      5,
      range(1, 5).map((n) => c(n)),
    )
    w.applySnapshot({
      campaign: { id: 'x', name: 'X' },
      count: 4, // read a moment before the last event
      recent: range(1, 4)
        .reverse()
        .map((n) => c(n)),
      draw: null,
    })
    expect(w.tiles.map((t) => t.number)).toEqual([5, 4, 3, 2, 1])
    expect(w.count).toBe(5)
    // Events that overlap the snapshot and each other.
    expect(w.applyCheckins(7, [c(4), c(6), c(7), c(6)]).map((t) => t.number)).toEqual([6, 7])
    expect(w.tiles.map((t) => t.number)).toEqual([7, 6, 5, 4, 3, 2, 1])
  })

  it('a check-in repeated with the name bound since names the tile already shown', () => {
    const w = new WallState()
    w.applyCheckins(3, [c(1), c(2), c(3)])
    // The desk bound visitor 2 after their check-in: the relay sends it again, named.
    expect(w.applyCheckins(3, [c(2, '韩梅梅')])).toEqual([])
    expect(w.tiles.map((t) => [t.number, t.name])).toEqual([
      [3, null],
      [2, '韩梅梅'],
      [1, null],
    ])
    // A reconnect's snapshot names a tile too; a name is never taken away.
    w.applySnapshot({
      campaign: { id: 'x', name: 'X' },
      count: 3,
      recent: [c(3, '李雷'), c(2), c(1)],
      draw: null,
    })
    expect(w.tiles.map((t) => t.name)).toEqual(['李雷', '韩梅梅', null])
    expect(w.count).toBe(3)
  })

  it('a check-in and its naming in one message (the desk bound them within the batch) show the name', () => {
    const w = new WallState()
    w.applyCheckins(1, [c(1)])
    // The relay batches a second's check-ins: the desk guest's scan, then the same check-in
    // again named once the desk's binding came in the same second.
    const added = w.applyCheckins(2, [c(2), c(2, '张伟')])
    expect(added.map((t) => t.number)).toEqual([2])
    expect(w.tiles.map((t) => [t.number, t.name])).toEqual([
      [2, '张伟'],
      [1, null],
    ])
  })

  it(`keeps the newest ${WALL_TILES} tiles and ignores what is older than all of them`, () => {
    const w = new WallState()
    w.applyCheckins(
      500,
      range(1, 500).map((n) => c(n)),
    )
    expect(w.tiles).toHaveLength(WALL_TILES)
    expect(w.tiles[0]?.number).toBe(500)
    expect(w.tiles.at(-1)?.number).toBe(500 - WALL_TILES + 1)
    expect(w.applyCheckins(500, [c(3)])).toEqual([])
    expect(w.count).toBe(500)
  })

  it(`the relay's snapshot carries at least the ${WALL_TILES} check-ins a wall shows`, () => {
    // A snapshot's tile rule (applySnapshot) reads a shown tile it does not carry as erased: a
    // snapshot carrying fewer than the wall shows would take innocent guests' tiles off.
    expect(SCREEN_LIMITS.recentLimit).toBeGreaterThanOrEqual(WALL_TILES)
  })

  it("a snapshot read after a visitor's erasure takes their tile off; later check-ins stay", () => {
    const w = new WallState()
    w.applyCheckins(4, [c(1), c(2, '王小明'), c(3), c(4)])
    // 王小明 asked the organizer to erase them: the relay no longer has #2 among the campaign's
    // check-ins (its count, the last number, stays). #5 came on the stream after the read.
    w.applyCheckins(5, [c(5)])
    w.applySnapshot({
      campaign: { id: 'x', name: 'X' },
      count: 4,
      recent: [c(4), c(3), c(1)],
      draw: null,
    })
    expect(w.tiles.map((t) => t.number)).toEqual([5, 4, 3, 1])
    expect(w.tiles.some((t) => t.name === '王小明')).toBe(false)
    expect(w.count).toBe(5)
    // Every one of them erased: none left, the count as it was.
    w.applySnapshot({ campaign: { id: 'x', name: 'X' }, count: 5, recent: [], draw: null })
    expect(w.tiles).toEqual([])
    expect(w.count).toBe(5)
  })

  it('the count follows the highest number seen even when the message count lags', () => {
    const w = new WallState()
    w.applyCheckins(0, [c(9)])
    expect(w.count).toBe(9)
  })
})

describe('the draw roll', () => {
  const winners = [
    { number: 17, name: null },
    { number: 123, name: '王小明' },
    { number: 201, name: null },
  ]

  it('every slot ends on its winner, whatever the picks, and slots stop one after another', () => {
    const pool = rollPool([], winners, 230)
    expect(pool.length).toBe(230)
    const end = rollDuration(3, ROLL)
    for (const pick of [() => 0, (n: number) => n - 1, (n: number) => Math.floor(n / 2)]) {
      expect(slotsAt(winners, pool, end, ROLL, pick).map((s) => s.visitor)).toEqual(winners)
    }
    const early = slotsAt(winners, pool, ROLL.firstStopMs, ROLL, () => 0)
    expect(early.map((s) => s.stopped)).toEqual([true, false, false])
    expect(slotsAt(winners, pool, 0, ROLL, () => 0).every((s) => !s.stopped)).toBe(true)
  })

  it('reduced motion (or an empty pool) shows the winners at once', () => {
    expect(rollDuration(3, NO_ROLL)).toBe(0)
    expect(slotsAt(winners, [], 0, ROLL, () => 0).map((s) => s.visitor)).toEqual(winners)
  })

  it('a 100-winner draw still rolls for a few seconds, not minutes', () => {
    expect(rollDuration(100, ROLL)).toBeLessThanOrEqual(ROLL.firstStopMs + 3000)
  })
})

describe('screen texts', () => {
  it('Chinese unless ?lang=en; a visitor without a name is 来宾 #n', () => {
    expect(screenLang('?key=abc')).toBe('zh-CN')
    expect(screenLang('?key=abc&lang=en')).toBe('en')
    const zh = screenTexts('zh-CN')
    expect(visitorLabel(zh, { number: 42, name: null })).toBe('来宾 #42')
    expect(visitorLabel(zh, { number: 42, name: '李雷' })).toBe('李雷')
    expect(visitorLabel(screenTexts('en'), { number: 42, name: null })).toBe('Guest #42')
  })

  it("the wall's count says it is every day's, not today's (the campaign's visitors, each once)", () => {
    // The count is the campaign's last number: a two-day fair's second morning starts at
    // yesterday's total, which "已签到" alone read as today's arrivals.
    expect(screenTexts('zh-CN').checkedIn).toBe('累计签到')
    expect(screenTexts('en').checkedIn).toBe('checked in (all days)')
  })
})

describe("missedDrawToPlay (a reconnect's snapshot)", () => {
  const d = (id: string, at: number): ScreenDraw => ({
    id,
    prize: 'P',
    at,
    eligibleCount: 3,
    winners: [{ number: 1, name: null }],
  })
  const now = 1_000_000_000

  it("plays a draw not shown yet made within the bound, by the relay's clock", () => {
    expect(missedDrawToPlay(null, d('a', now - 5_000), now)).toBe(true)
    expect(missedDrawToPlay(d('a', now - 90_000), d('b', now - REPLAY_WITHIN_MS), now)).toBe(true)
    // A redraw of the shown draw is a new `at`: it plays too.
    expect(missedDrawToPlay(d('a', now - 20_000), d('a', now - 1_000), now)).toBe(true)
  })

  it('shows (does not play) an old draw, the one already shown, an older one, or none', () => {
    expect(missedDrawToPlay(null, d('a', now - REPLAY_WITHIN_MS - 1), now)).toBe(false)
    expect(missedDrawToPlay(d('a', now - 1_000), d('a', now - 1_000), now)).toBe(false)
    expect(missedDrawToPlay(d('b', now - 1_000), d('a', now - 2_000), now)).toBe(false)
    expect(missedDrawToPlay(d('a', now - 1_000), null, now)).toBe(false)
  })
})

describe('screen numbers and titles', () => {
  it('groups counts as the room reads them, in both languages', () => {
    expect(grouped(0)).toBe('0')
    expect(grouped(5000)).toBe('5,000')
    expect(grouped(1234567)).toBe('1,234,567')
    expect(screenTexts('zh-CN').eligible(5000)).toBe('5,000 位来宾参与')
    expect(screenTexts('en').eligible(12000)).toBe('12,000 guests in the draw')
  })

  it('says one guest, not "1 guests", in the English draw', () => {
    expect(screenTexts('en').eligible(1)).toBe('1 guest in the draw')
    expect(screenTexts('en').eligible(0)).toBe('0 guests in the draw')
    expect(screenTexts('zh-CN').eligible(1)).toBe('1 位来宾参与')
  })

  it('sizes a title by its characters (a CJK name counted per character)', () => {
    expect(titleLength('春季展 签到')).toBe('short')
    expect(titleLength('长'.repeat(21))).toBe('long')
    expect(titleLength('长'.repeat(45))).toBe('longer')
  })

  it('sizes a wall tile by its width: a CJK character or emoji counts as two Latin letters', () => {
    // Chinese names that fit two lines of a tile keep the large size they had.
    expect(tileLabelLength('阿卜杜热西提·买买提')).toBe('short')
    expect(tileLabelLength('长'.repeat(10))).toBe('short')
    expect(tileLabelLength('🎉🎉王小明🎉🎉')).toBe('short')
    // Marks drawn on the letter before them add no width: Vietnamese accents saved decomposed
    // (a letter then its marks, as a Mac saves them), Thai vowels and tones.
    expect(tileLabelLength('Nguyễn Thị Ánh Tuyết'.normalize('NFD'))).toBe('short')
    expect(tileLabelLength('ณัฐวุฒิ ศักดิ์สิทธิ์ไพบูลย์')).toBe('short')
    // A Korean name from a Mac (conjoining jamo, two or three a syllable) is as wide as typed.
    const korean = '김민준박서연이하'
    expect(tileLabelLength(korean.normalize('NFD'))).toBe(tileLabelLength(korean))
    expect(tileLabelLength(korean.normalize('NFD'))).toBe('short')
    expect(tileLabelLength('Guest #123456')).toBe('short')
    // English ones run twice as many characters for the same width.
    expect(tileLabelLength('Bartholomew Fitzgerald-Worthington')).toBe('long')
    // Two lines of a landscape tile hold ten at the large size: an eleventh was cut.
    expect(tileLabelLength('长'.repeat(11))).toBe('long')
    expect(tileLabelLength('买买提江·阿卜杜热合曼')).toBe('long')
    expect(tileLabelLength('Maximilian Alexander von Hohenzollern-Sigmaringen')).toBe('longer')
    expect(tileLabelLength('Wolfeschlegelsteinhausenbergerdorff')).toBe('longer')
  })
})

// @vitest-environment happy-dom
// The draw stage showing a draw's winners when one of them is erased (they asked the organizer
// to take their name off the screens): the screen's next snapshot brings the same draw (same id
// and time) with that place unnamed. The stage kept the name up until the next draw; now it
// shows the place as "来宾 #<number>", without playing the draw again.
import { mount } from '@vue/test-utils'
import { nextTick } from 'vue'
import { afterEach, describe, expect, it, vi } from 'vitest'
import DrawStage from '../../console/src/screen/DrawStage.vue'
import { ROLL } from '../../console/src/screen/draw-roll'
import { ticker } from '../../console/src/screen/screen-page'
import { screenTexts } from '../../console/src/screen/screen-text'
import type { ScreenDraw } from '../../shared/screen-api'
import { UNDER_LOAD } from '../helpers/wait'

const t = screenTexts('zh-CN')

const draw: ScreenDraw = {
  id: 'd1',
  prize: '一等奖',
  at: 1_000,
  eligibleCount: 3,
  winners: [
    { number: 1, name: '王小明' },
    { number: 2, name: '李雷' },
  ],
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('the draw stage', () => {
  it("shows an erased winner's place unnamed once a snapshot says so, without a replay", async () => {
    const props = { draw, plays: 0, seen: [], t, title: '春季展', reducedMotion: false }
    const stage = mount(DrawStage, { props })
    const winners = (): string[] => stage.findAll('.winner').map((w) => w.text())
    expect(winners()).toEqual(['王小明', '李雷'])
    const erased: ScreenDraw = {
      ...draw,
      winners: [
        { number: 1, name: null },
        { number: 2, name: '李雷' },
      ],
    }
    await stage.setProps({ draw: erased })
    expect(winners()).toEqual(['来宾 #1', '李雷'])
    expect(stage.get('[data-testid="draw-stage"]').attributes('data-phase')).toBe('done')
    stage.unmount()
  })

  it('a running roll stops on the new winners, and an erased winner no longer rolls', async () => {
    // The roll's clock and its ticks are the test's: each tick is run by hand.
    let now = 0
    const ticks: Array<() => void> = []
    vi.spyOn(ticker, 'now').mockImplementation(() => now)
    vi.spyOn(ticker, 'every').mockImplementation((_ms, fn) => {
      ticks.push(fn)
      return () => ticks.splice(ticks.indexOf(fn), 1)
    })
    // Picks go round the whole pool, so every name in it is shown within a few ticks.
    let picks = 0
    vi.spyOn(Math, 'random').mockImplementation(() => (picks++ % 10) / 10)
    const seen = [
      { number: 1, name: '王小明' },
      { number: 2, name: '李雷' },
      { number: 3, name: '韩梅梅' },
    ]
    const props = { draw: null, plays: 0, seen, t, title: '春季展', reducedMotion: false }
    const stage = mount(DrawStage, { props })
    await stage.setProps({ draw, plays: 1 })
    await vi.waitFor(() => expect(ticks).toHaveLength(1), UNDER_LOAD)
    const shown = async (): Promise<string[]> => {
      ticks[0]?.()
      await nextTick()
      return stage.findAll('.winner').map((w) => w.text())
    }
    const rolled = new Set<string>()
    for (let i = 0; i < 20; i++) for (const name of await shown()) rolled.add(name)
    // Rolling, the pool's names show partly hidden (a video of the roll reads every one).
    expect(rolled).toContain('王*明')
    expect(rolled).toContain('韩*梅')
    expect(rolled).not.toContain('韩梅梅')

    // Winner 1 is erased mid-roll: the snapshot brings the same draw with their place unnamed,
    // and the wall's tiles without them.
    const erased: ScreenDraw = {
      ...draw,
      winners: [
        { number: 1, name: null },
        { number: 2, name: '李雷' },
      ],
    }
    await stage.setProps({ draw: erased, seen: seen.slice(1) })
    expect(stage.get('[data-testid="draw-stage"]').attributes('data-phase')).toBe('rolling')
    rolled.clear()
    for (let i = 0; i < 20; i++) for (const name of await shown()) rolled.add(name)
    expect(rolled).not.toContain('王*明')
    expect(rolled).toContain('韩*梅')

    now = ROLL.firstStopMs + ROLL.gapMs
    expect(await shown()).toEqual(['来宾 #1', '李雷'])
    expect(stage.get('[data-testid="draw-stage"]').attributes('data-phase')).toBe('done')
    expect(ticks).toHaveLength(0)
    stage.unmount()
  })
})

// @vitest-environment happy-dom
// The draw stage showing a draw's winners when one of them is erased (they asked the organizer
// to take their name off the screens): the screen's next snapshot brings the same draw (same id
// and time) with that place unnamed. The stage kept the name up until the next draw; now it
// shows the place as "来宾 #<number>", without playing the draw again.
import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import DrawStage from '../../console/src/screen/DrawStage.vue'
import { screenTexts } from '../../console/src/screen/screen-text'
import type { ScreenDraw } from '../../shared/screen-api'

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
})

// @vitest-environment happy-dom
// The sign-in wall stands in a public hall: roster names show whole (the contract's wall), or
// partly hidden (王*明) on the link that asks for it (&names=masked); the console offers both.
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { reactive } from 'vue'
import ScreenKeyCard from '../../console/src/components/ScreenKeyCard.vue'
import WallView from '../../console/src/screen/WallView.vue'
import { readScreenPage } from '../../console/src/screen/screen-page'
import { maskName, screenTexts } from '../../console/src/screen/screen-text'
import { WallState } from '../../console/src/screen/wall-state'
import { createFakeConsoleApi, makeCampaign } from './fake-console-api'
import { mountConsole } from './setup-console'

enableAutoUnmount(afterEach)

const t = screenTexts('zh-CN')

function wallWith(maskNames?: boolean) {
  const wall = reactive(new WallState())
  wall.applySnapshot({
    campaign: { id: 'c1', name: '春季展' },
    count: 4,
    recent: [
      { number: 1, name: '王小明', at: 1_000 },
      { number: 2, name: '张三', at: 2_000 },
      { number: 3, name: null, at: 3_000 },
      { number: 4, name: 'Maximilian Featherstonehaugh', at: 4_000 },
    ],
    draw: null,
  })
  const props =
    maskNames === undefined ? { wall, t, title: '春季展' } : { wall, t, title: '春季展', maskNames }
  return mount(WallView, { props })
    .findAll('.tile .who')
    .map((w) => w.text())
}

describe('maskName', () => {
  it('keeps a Chinese name’s first and last characters, a Latin name’s first word and an initial', () => {
    expect(maskName('王小明')).toBe('王*明')
    expect(maskName('张三')).toBe('张*')
    expect(maskName('欧阳娜娜')).toBe('欧**娜')
    expect(maskName('李')).toBe('李')
    expect(maskName('Maximilian Featherstonehaugh')).toBe('Maximilian F.')
    expect(maskName('  Ana   de la Cruz ')).toBe('Ana C.')
    expect(maskName('Alexandra')).toBe('A*******a')
  })
})

describe('the sign-in wall’s names', () => {
  it('shows roster names whole by default, a guest without one by number', () => {
    const whole = ['Maximilian Featherstonehaugh', '来宾 #3', '张三', '王小明']
    expect(wallWith()).toEqual(whole)
    expect(wallWith(false)).toEqual(whole)
  })

  it('shows them partly hidden when the link asked for that', () => {
    expect(wallWith(true)).toEqual(['Maximilian F.', '来宾 #3', '张*', '王*明'])
  })

  it('reads the choice from the link: only names=masked hides part of them', () => {
    window.history.replaceState(null, '', '/screen/c1/wall?key=k')
    expect(readScreenPage().maskNames).toBe(false)
    window.history.replaceState(null, '', '/screen/c1/wall?key=k&names=yes')
    expect(readScreenPage().maskNames).toBe(false)
    window.history.replaceState(null, '', '/screen/c1/wall?key=k&names=masked')
    expect(readScreenPage().maskNames).toBe(true)
  })
})

describe('the console’s big-screen links', () => {
  it('offers the wall with full names and, labelled as such, the wall with names partly hidden', async () => {
    const fake = createFakeConsoleApi()
    const campaign = makeCampaign({ id: 'c-expo', screenKey: 'k'.repeat(32) })
    const { wrapper } = mountConsole(ScreenKeyCard, fake.api, { props: { campaign } })
    await flushPromises()
    const wall = wrapper.get('[data-testid="screen-link-wall"]')
    const masked = wrapper.get('[data-testid="screen-link-wall-masked"]')
    expect(wall.attributes('href')).toBe(
      `http://relay.test/screen/c-expo/wall?key=${'k'.repeat(32)}`,
    )
    expect(masked.attributes('href')).toBe(
      `http://relay.test/screen/c-expo/wall?key=${'k'.repeat(32)}&names=masked`,
    )
    expect(wall.element.parentElement?.textContent).toContain('签到墙（显示完整姓名）')
    expect(masked.element.parentElement?.textContent).toContain('签到墙（姓名部分隐藏）')
  })
})

// @vitest-environment happy-dom
// A booth whose campaign's first day (startsOn) is still ahead on its own calendar says so:
// staff setting up the evening before see 活动未开始（…开始） / Not started (starts …)
// in the status bar beside the relay's state, and the admin area's campaign page says when
// the active campaign starts and that scans before it count (the relay does not check the start
// date; a booth's own campaign's dates are labels), while the code keeps rotating. Judged in the
// kiosk's zone (here Asia/Shanghai): 23:59 the evening before has not started, 00:01 on the
// first day (16:01 UTC, still the evening before in UTC) runs.
import { flushPromises } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import { makeCampaign } from './fake-kiosk-api'
import { campaignPageAt, kioskScreenAt, onShanghaiCalendar, shanghai } from './campaign-phase-setup'

vi.mock('../../renderer/src/audio/chimes', () => ({ playChime: vi.fn(), preloadChimes: vi.fn() }))

onShanghaiCalendar()

const EVENING_BEFORE_2359 = shanghai(4, 23, 59)
const FIRST_DAY_0001 = shanghai(5, 0, 1)
const FAIR = makeCampaign({ startsOn: '2026-12-05', endsOn: '2026-12-07' })
/** Another campaign a standalone booth keeps beside it. */
const OTHER = makeCampaign({ id: 'winter', name: '冬季展', startsOn: '2026-11-01' })

const pageAt = (at: number, from: 'local' | 'relay' = 'relay') =>
  campaignPageAt(FAIR, OTHER, at, from)
const kioskAt = (at: number, locale: 'zh-CN' | 'en' = 'zh-CN') => kioskScreenAt(FAIR, at, locale)

describe('the kiosk screen before its campaign’s first day', () => {
  it('at 23:59 the evening before, says when the campaign starts and keeps showing the code', async () => {
    const w = await kioskAt(EVENING_BEFORE_2359)
    expect(w.get('[data-testid="status-not-started"]').text()).toBe(
      '活动未开始（2026年12月5日开始）',
    )
    expect(w.find('[data-testid="status-ended"]').exists()).toBe(false)
    expect(w.get('[data-testid="status-relay"]').text()).toBe('中继已连接')
    expect(w.get('[data-testid="qr-card"]').attributes('data-ticket-id')).toBe('t-1')
    const en = await kioskAt(EVENING_BEFORE_2359, 'en')
    expect(en.get('[data-testid="status-not-started"]').text()).toBe(
      'Not started (starts Dec 5, 2026)',
    )
  })

  it('runs without a note at 00:01 on the first day (still the day before in UTC)', async () => {
    const w = await kioskAt(FIRST_DAY_0001)
    expect(w.find('[data-testid="status-not-started"]').exists()).toBe(false)
    expect(w.find('[data-testid="qr-card"]').exists()).toBe(true)
  })

  it('drops the note at the kiosk’s midnight while on screen', async () => {
    const w = await kioskAt(EVENING_BEFORE_2359)
    expect(w.find('[data-testid="status-not-started"]').exists()).toBe(true)
    vi.advanceTimersByTime(2 * 60_000)
    await flushPromises()
    expect(w.find('[data-testid="status-not-started"]').exists()).toBe(false)
  })
})

describe('the admin campaign page before the active campaign’s first day', () => {
  it('on a booth run from the console: scans count already, an organizer changes it there', async () => {
    const w = await pageAt(EVENING_BEFORE_2359, 'relay')
    const note = w.get('[data-testid="active-campaign-not-started"]').text()
    expect(note).toContain('当前活动将于 2026年12月5日 开始')
    expect(note).toContain('也照常计入')
    expect(note).toContain('中继不按开始日期拦截扫码')
    expect(note).toContain('请主办方在控制台中操作')
    expect(note).not.toContain('请修改活动的开始日期')
    expect(w.find('[data-testid="active-campaign-ended"]').exists()).toBe(false)
    expect(w.findAll('[data-testid="campaign-not-started-badge"]')).toHaveLength(1)
  })

  it('on a standalone booth: its own campaign’s scans count, staff change it here', async () => {
    const w = await pageAt(EVENING_BEFORE_2359, 'local')
    const note = w.get('[data-testid="active-campaign-not-started"]').text()
    expect(note).toContain('当前活动将于 2026年12月5日 开始')
    expect(note).toContain('也照常计入')
    expect(note).not.toContain('中继')
    expect(note).toContain('请修改活动的开始日期或换一个活动')
    // Only the campaign still ahead is marked: the other began in November.
    expect(w.findAll('[data-testid="campaign-not-started-badge"]')).toHaveLength(1)
  })

  it('says nothing on the first day', async () => {
    const w = await pageAt(FIRST_DAY_0001)
    expect(w.find('[data-testid="active-campaign-not-started"]').exists()).toBe(false)
    expect(w.find('[data-testid="campaign-not-started-badge"]').exists()).toBe(false)
  })
})

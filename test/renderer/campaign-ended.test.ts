// @vitest-environment happy-dom
// A booth whose campaign's last day (endsOn) is over on its own calendar says so: the kiosk
// screen's status bar carries 活动已结束 / Campaign ended beside the relay's state, and the
// admin area's campaign page says the active campaign has ended (and marks ended campaigns),
// while the code keeps rotating (the relay decides whether a scan counts). Judged in the
// kiosk's zone (here Asia/Shanghai): 23:59 on the last day runs, 00:01 the day after (16:01 UTC,
// still the last day in UTC) has ended.
import { flushPromises } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import CampaignPage from '../../renderer/src/admin/pages/CampaignPage.vue'
import { useScreenStore } from '../../renderer/src/stores/screen'
import type { Campaign } from '../../shared/domain'
import { createFakeKioskApi, makeCampaign } from './fake-kiosk-api'
import { mountWith } from './setup-app'
import { campaignPageAt, kioskScreenAt, onShanghaiCalendar, shanghai } from './campaign-phase-setup'

vi.mock('../../renderer/src/audio/chimes', () => ({ playChime: vi.fn(), preloadChimes: vi.fn() }))

onShanghaiCalendar()

const LAST_DAY_2359 = shanghai(3, 23, 59)
const AFTER_END_0001 = shanghai(4, 0, 1)
const FAIR = makeCampaign({ startsOn: '2026-12-01', endsOn: '2026-12-03' })
/** Another campaign a standalone booth keeps beside it. */
const OTHER = makeCampaign({ id: 'winter', name: '冬季展', endsOn: '2027-01-31' })

const pageAt = (at: number, from: 'local' | 'relay' = 'relay') =>
  campaignPageAt(FAIR, OTHER, at, from)
const kioskAt = (at: number, locale: 'zh-CN' | 'en' = 'zh-CN') => kioskScreenAt(FAIR, at, locale)

describe('the kiosk screen after its campaign’s last day', () => {
  it('runs as before at 23:59 on the last day: no note', async () => {
    const w = await kioskAt(LAST_DAY_2359)
    expect(w.find('[data-testid="status-ended"]').exists()).toBe(false)
    expect(w.find('[data-testid="qr-card"]').exists()).toBe(true)
  })

  it('at 00:01 the day after, says the campaign ended and keeps showing the code', async () => {
    const w = await kioskAt(AFTER_END_0001)
    expect(w.get('[data-testid="status-ended"]').text()).toBe('活动已结束')
    expect(w.get('[data-testid="status-relay"]').text()).toBe('中继已连接')
    expect(w.get('[data-testid="qr-card"]').attributes('data-ticket-id')).toBe('t-1')
    const en = await kioskAt(AFTER_END_0001, 'en')
    expect(en.get('[data-testid="status-ended"]').text()).toBe('Campaign ended')
  })

  it('turns at the kiosk’s midnight while on screen', async () => {
    const w = await kioskAt(LAST_DAY_2359)
    vi.advanceTimersByTime(2 * 60_000)
    await flushPromises()
    expect(w.get('[data-testid="status-ended"]').text()).toBe('活动已结束')
  })
})

describe('the admin campaign page after the active campaign’s last day', () => {
  it('on a booth run from the console: the relay decides, an organizer changes it there', async () => {
    const w = await pageAt(AFTER_END_0001, 'relay')
    const note = w.get('[data-testid="active-campaign-ended"]').text()
    expect(note).toContain('当前活动已于')
    expect(note).toContain('由中继的设置决定')
    expect(note).toContain('请主办方在控制台中修改')
    // The page is read-only there: the note sends nobody to edit it here.
    expect(note).not.toContain('请修改活动的结束日期')
    expect(w.findAll('[data-testid="campaign-ended-badge"]')).toHaveLength(1)
  })

  it('on a standalone booth: its own campaign’s scans still count, staff change it here', async () => {
    const w = await pageAt(AFTER_END_0001, 'local')
    const note = w.get('[data-testid="active-campaign-ended"]').text()
    expect(note).toContain('当前活动已于')
    expect(note).toContain('扫码照常计入')
    expect(note).not.toContain('中继')
    expect(note).toContain('请修改活动的结束日期或换一个活动')
    expect(w.findAll('[data-testid="campaign-ended-badge"]')).toHaveLength(1)
  })

  it('says nothing on the last day', async () => {
    const w = await pageAt(LAST_DAY_2359)
    expect(w.find('[data-testid="active-campaign-ended"]').exists()).toBe(false)
    expect(w.find('[data-testid="campaign-ended-badge"]').exists()).toBe(false)
  })
})

/**
 * Staff keep the admin campaign page open while the organizer changes the booth's campaign in
 * the console: the relay's campaign frame reaches the core, which tells the screen (the
 * `campaign` event) and lists the new campaign. The page follows it, as the status bar does.
 */
describe('the admin campaign page while the organizer changes the campaign', () => {
  const relayFair = { ...FAIR, managedBy: 'relay' as const }

  async function openWith(first: Campaign) {
    vi.useFakeTimers({ now: AFTER_END_0001, toFake: ['Date'] })
    const fake = createFakeKioskApi()
    let listed = [first]
    fake.api.listCampaigns.mockImplementation(() => Promise.resolve(listed))
    const { wrapper } = mountWith(CampaignPage, fake.api)
    const screen = useScreenStore()
    screen.campaign = first
    await flushPromises()
    /** The relay's new frame: the core lists it and emits `campaign` (the screen store takes it). */
    const relaySends = async (c: Campaign) => {
      listed = [c]
      screen.campaign = c
      await flushPromises()
    }
    return { wrapper, relaySends }
  }

  it('extended by the organizer: the ended note and badge go, the new last day shows', async () => {
    const { wrapper, relaySends } = await openWith(relayFair)
    expect(wrapper.find('[data-testid="active-campaign-ended"]').exists()).toBe(true)
    await relaySends({ ...relayFair, endsOn: '2026-12-05' })
    expect(wrapper.find('[data-testid="active-campaign-ended"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="campaign-ended-badge"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="campaign-dates"]').text()).toContain('12月5日')
    // The read-only editor shows the new last day too.
    expect(wrapper.get<HTMLInputElement>('#c-end-day').element.value).toBe('5')
  })

  it('ended early by the organizer: the page says so at once', async () => {
    const { wrapper, relaySends } = await openWith({ ...relayFair, endsOn: '2026-12-10' })
    expect(wrapper.find('[data-testid="active-campaign-ended"]').exists()).toBe(false)
    await relaySends({ ...relayFair, endsOn: '2026-12-03' })
    expect(wrapper.get('[data-testid="active-campaign-ended"]').text()).toContain('当前活动已于')
    expect(wrapper.findAll('[data-testid="campaign-ended-badge"]')).toHaveLength(1)
  })

  it('the booth moved to another campaign: it is listed and marked active', async () => {
    const { wrapper, relaySends } = await openWith(relayFair)
    const winter = { ...OTHER, managedBy: 'relay' as const }
    await relaySends(winter)
    expect(wrapper.text()).toContain('冬季展')
    expect(wrapper.find('[data-testid="active-campaign-ended"]').exists()).toBe(false)
  })
})

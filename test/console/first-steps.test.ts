// @vitest-environment happy-dom
// A relay with nothing yet, as a new organizer first sees it: the stats page's zeros and the
// attendance page's empty list each say what comes next, with the link to do it, rather than a
// page of zeros that looks broken or "no matching rows" with no filter to clear.
import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import CampaignEditor from '../../console/src/components/CampaignEditor.vue'
import AttendancePage from '../../console/src/pages/AttendancePage.vue'
import StatsPage from '../../console/src/pages/StatsPage.vue'
import { createFakeConsoleApi, makeCampaign, makeRow, makeStats } from './fake-console-api'
import { mountConsole } from './setup-console'

enableAutoUnmount(afterEach)
afterEach(() => {
  window.location.hash = ''
})

describe('the stats page of a relay with no scan yet', () => {
  it('with no campaign, says to create one first, with the button to do it', async () => {
    window.location.hash = '#/stats'
    const fake = createFakeConsoleApi()
    const { wrapper } = mountConsole(StatsPage, fake.api)
    await flushPromises()
    const first = wrapper.get('[data-testid="stats-first"]')
    expect(first.text()).toContain('先新建一个活动')
    const action = first.get('[data-testid="stats-first-action"]')
    expect(action.attributes('href')).toBe('#/campaigns/new')
    expect(action.text()).toBe('新建活动')
  })

  it('with a campaign, says scans come once a booth runs it, with the way to the booths', async () => {
    window.location.hash = '#/stats'
    const fake = createFakeConsoleApi()
    fake.api.campaigns.mockResolvedValue([makeCampaign({ id: 'c-1', name: '春季展' })])
    const { wrapper } = mountConsole(StatsPage, fake.api)
    await flushPromises()
    const first = wrapper.get('[data-testid="stats-first"]')
    expect(first.text()).toContain('签到台接入并为它选择活动后')
    expect(first.get('[data-testid="stats-first-action"]').attributes('href')).toBe('#/booths')
  })

  it('says nothing of first steps once there are scans', async () => {
    window.location.hash = '#/stats'
    const fake = createFakeConsoleApi()
    fake.api.stats.mockResolvedValue(makeStats({ scans: 3, visitors: 2 }))
    const { wrapper } = mountConsole(StatsPage, fake.api)
    await flushPromises()
    expect(wrapper.find('[data-testid="stat-value"]').exists()).toBe(true)
    expect(wrapper.find('[data-testid="stats-first"]').exists()).toBe(false)
  })
})

describe('the attendance page of a relay with no scan yet', () => {
  it('says where the rows come from and links to the booths, not "no matching rows"', async () => {
    window.location.hash = '#/attendance'
    const fake = createFakeConsoleApi()
    const { wrapper } = mountConsole(AttendancePage, fake.api)
    await flushPromises()
    const none = wrapper.get('[data-testid="attendance-no-scans"]')
    expect(none.text()).toContain('还没有扫码记录')
    expect(none.get('[data-testid="attendance-to-booths"]').attributes('href')).toBe('#/booths')
    expect(wrapper.find('[data-testid="attendance-empty"]').exists()).toBe(false)
  })

  it('a search that finds nothing still says no row matches', async () => {
    window.location.hash = '#/attendance?q=nobody'
    const fake = createFakeConsoleApi()
    fake.api.attendance.mockImplementation((q) =>
      Promise.resolve(q.q === '' ? { total: 1, rows: [makeRow(0)] } : { total: 0, rows: [] }),
    )
    const { wrapper } = mountConsole(AttendancePage, fake.api)
    await flushPromises()
    expect(wrapper.get('[data-testid="attendance-empty"]').text()).toBe('没有符合条件的记录')
    expect(wrapper.find('[data-testid="attendance-no-scans"]').exists()).toBe(false)
  })
})

describe('a first campaign on a relay with no booth', () => {
  it('says there is no booth to pick yet, with the way to add one', async () => {
    const fake = createFakeConsoleApi()
    const { wrapper } = mountConsole(CampaignEditor, fake.api, { props: { id: null } })
    await flushPromises()
    const none = wrapper.get('[data-testid="campaign-no-booths"]')
    expect(none.text()).toContain('还没有签到台')
    const link = none.get('[data-testid="campaign-no-booths-link"]')
    expect(link.attributes('href')).toBe('#/booths')
    expect(link.text()).toBe('去添加签到台')
  })
})

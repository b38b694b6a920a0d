// @vitest-environment happy-dom
// The campaign the stats and attendance pages are about, in their hash: a reload or a link a
// colleague pasted opens that campaign's figures, the back and forward buttons follow it, the
// nav links keep it, and a link to a deleted (or made-up) campaign says so and shows them all.
import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import AppHeader from '../../console/src/components/AppHeader.vue'
import AttendancePage from '../../console/src/pages/AttendancePage.vue'
import StatsPage from '../../console/src/pages/StatsPage.vue'
import { useScopeStore } from '../../console/src/stores/scope'
import {
  INVALID,
  linkedCampaign,
  pageHref,
  withCampaign,
} from '../../console/src/campaigns/scope-hash'
import { createFakeConsoleApi, makeCampaign } from './fake-console-api'
import { mountConsole } from './setup-console'

enableAutoUnmount(afterEach)
afterEach(() => {
  window.location.hash = ''
})

function fakeWithTwo() {
  const fake = createFakeConsoleApi()
  fake.api.campaigns.mockResolvedValue([
    makeCampaign({ id: 'c-spring', name: '春季展' }),
    makeCampaign({ id: 'c-autumn', name: '秋季展' }),
  ])
  return fake
}

/** The campaign each attendance read asked for (undefined: every campaign). */
function asked(fake: ReturnType<typeof createFakeConsoleApi>): (string | undefined)[] {
  return fake.api.attendance.mock.calls.map(([q]) => q.campaign)
}

async function go(hash: string): Promise<void> {
  window.location.hash = hash
  window.dispatchEvent(new HashChangeEvent('hashchange'))
  await flushPromises()
}

describe('the campaign chosen, in the hash', () => {
  it('reads and writes the campaign parameter, other parameters kept', () => {
    expect(linkedCampaign('#/attendance?campaign=c-autumn')).toBe('c-autumn')
    expect(linkedCampaign('#/attendance')).toBeNull()
    expect(linkedCampaign('#/attendance?campaign=')).toBeNull()
    expect(linkedCampaign('#/attendance?campaign=%3Cscript%3E')).toBe(INVALID)
    expect(linkedCampaign(`#/attendance?campaign=${'a'.repeat(65)}`)).toBe(INVALID)
    expect(withCampaign('#/stats?x=1', 'c-1')).toBe('#/stats?x=1&campaign=c-1')
    expect(withCampaign('#/stats?campaign=c-1', null)).toBe('#/stats')
    expect(pageHref('attendance', 'c-1')).toBe('#/attendance?campaign=c-1')
    expect(pageHref('booths', 'c-1')).toBe('#/booths')
  })

  it('a link to one campaign’s attendance opens its scans, and the choice goes into the address', async () => {
    window.location.hash = '#/attendance?campaign=c-autumn'
    const fake = fakeWithTwo()
    const { wrapper } = mountConsole(AttendancePage, fake.api)
    await flushPromises()
    // The first read is already that campaign's: no other campaign's rows shown first.
    expect(asked(fake)).toEqual(['c-autumn'])
    const select = wrapper.get('[data-testid="campaign-scope"]')
    expect((select.element as HTMLSelectElement).value).toBe('c-autumn')
    expect(wrapper.get('[data-testid="download-csv"]').attributes('href')).toContain(
      'campaign=c-autumn',
    )
    await select.setValue('c-spring')
    await flushPromises()
    expect(window.location.hash).toBe('#/attendance?campaign=c-spring')
    await select.setValue('')
    await flushPromises()
    expect(window.location.hash).toBe('#/attendance')
    expect(wrapper.find('[data-testid="campaign-scope-gone"]').exists()).toBe(false)
  })

  it('the back and forward buttons show the campaign the address names', async () => {
    window.location.hash = '#/stats?campaign=c-spring'
    const fake = fakeWithTwo()
    const { wrapper } = mountConsole(StatsPage, fake.api)
    await flushPromises()
    expect(fake.api.stats).toHaveBeenLastCalledWith('c-spring')
    await go('#/stats?campaign=c-autumn')
    expect(fake.api.stats).toHaveBeenLastCalledWith('c-autumn')
    expect(useScopeStore().campaignId).toBe('c-autumn')
    await go('#/stats')
    expect(fake.api.stats).toHaveBeenLastCalledWith(undefined)
    const select = wrapper.get('[data-testid="campaign-scope"]')
    expect((select.element as HTMLSelectElement).value).toBe('')
    // Another page's hash is not this page's to follow.
    fake.api.stats.mockClear()
    await go('#/attendance?campaign=c-spring')
    expect(fake.api.stats).not.toHaveBeenCalled()
  })

  it('a link to a deleted campaign says so and shows every campaign', async () => {
    window.location.hash = '#/attendance?campaign=c-gone'
    const fake = fakeWithTwo()
    const { wrapper } = mountConsole(AttendancePage, fake.api)
    await flushPromises()
    expect(wrapper.get('[data-testid="campaign-scope-gone"]').text()).toBe(
      '链接中的活动在中继上不存在（可能已被删除），现显示全部活动',
    )
    expect(useScopeStore().campaignId).toBeNull()
    expect(asked(fake).at(-1)).toBeUndefined()
    expect(window.location.hash).toBe('#/attendance')
    // Choosing a campaign puts the note away.
    await wrapper.get('[data-testid="campaign-scope"]').setValue('c-spring')
    await flushPromises()
    expect(wrapper.find('[data-testid="campaign-scope-gone"]').exists()).toBe(false)
  })

  it('a deleted campaign’s link pasted into an open page says so, and is not asked for', async () => {
    window.location.hash = '#/attendance?campaign=c-spring'
    const fake = fakeWithTwo()
    const { wrapper } = mountConsole(AttendancePage, fake.api)
    await flushPromises()
    await go('#/attendance?campaign=c-gone')
    expect(wrapper.find('[data-testid="campaign-scope-gone"]').exists()).toBe(true)
    expect(asked(fake)).not.toContain('c-gone')
    expect(asked(fake).at(-1)).toBeUndefined()
    expect(window.location.hash).toBe('#/attendance')
  })

  it('a made-up campaign in a link is never sent to the relay', async () => {
    window.location.hash = '#/attendance?campaign=%3Cimg%20src%3Dx%3E'
    const fake = fakeWithTwo()
    const { wrapper } = mountConsole(AttendancePage, fake.api)
    await flushPromises()
    expect(asked(fake)).toEqual([undefined])
    expect(wrapper.find('[data-testid="campaign-scope-gone"]').exists()).toBe(true)
    expect(window.location.hash).toBe('#/attendance')
  })

  it('the nav links to the stats and attendance keep the campaign chosen', async () => {
    const fake = fakeWithTwo()
    const { wrapper } = mountConsole(AppHeader, fake.api, { props: { page: 'booths' } })
    useScopeStore().campaignId = 'c-autumn'
    await flushPromises()
    const hrefs = wrapper.findAll('[data-nav]').map((a) => a.attributes('href'))
    expect(hrefs).toEqual([
      '#/booths',
      '#/campaigns',
      '#/stats?campaign=c-autumn',
      '#/attendance?campaign=c-autumn',
    ])
  })
})

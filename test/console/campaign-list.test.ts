// @vitest-environment happy-dom
// An agency's season on one relay: 300 campaigns, most ended, a few running, some ahead. The
// campaigns list puts what runs first (ending soonest first, undated ones with them), then what
// starts next, then what ended, newest first; a search finds a name folded as the attendance
// search folds (full width, case, accents, spaces); a phase filter narrows it; both are kept in
// the hash so a reload or a shared link shows the same list. The stats and attendance pages'
// campaign choice is grouped in the same order and searchable.
import { enableAutoUnmount, flushPromises, type VueWrapper } from '@vue/test-utils'
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  campaignMatcher,
  campaignOrder,
  listHash,
  parseListState,
  PHASE_FILTERS,
  type ListedCampaign,
} from '../../console/src/campaigns/campaign-list'
import CampaignScope from '../../console/src/components/CampaignScope.vue'
import CampaignsPage from '../../console/src/pages/CampaignsPage.vue'
import { useScopeStore } from '../../console/src/stores/scope'
import { campaignPhase } from '../../shared/campaign-phase'
import { createFakeConsoleApi, makeCampaign } from './fake-console-api'
import { mountConsole } from './setup-console'

enableAutoUnmount(afterEach)

const ZONE = 'Asia/Shanghai'
/** 10:00 on 2026-12-06 in Shanghai. */
const NOW = Date.UTC(2026, 11, 6, 2, 0)
const phaseAt = (c: ListedCampaign) =>
  campaignPhase(c.startsAt, c.endsAt, NOW, ZONE) ?? ('running' as const)

const camp = (id: string, name: string, startsAt: string | null, endsAt: string | null) =>
  makeCampaign({ id, name, startsAt, endsAt })

const SEASON = [
  camp('c-old', '春季展', '2026-03-01', '2026-03-03'),
  camp('c-next', '冬季展', '2026-12-20', '2026-12-22'),
  camp('c-open', '常设展台', null, null),
  camp('c-now-late', '年会', '2026-12-01', '2026-12-31'),
  camp('c-recent', '秋季展', '2026-11-01', '2026-11-03'),
  camp('c-soon', 'Café Lumière 开放日', '2026-12-08', '2026-12-09'),
  camp('c-now-soon', 'ＥＸＰＯ 2026', '2026-12-05', '2026-12-07'),
  camp('c-open-end', '会员日', '2026-12-01', null),
]

describe('campaignOrder', () => {
  it('running (ending soonest, open end, undated), then not started by start, then ended newest first', () => {
    expect(campaignOrder(SEASON, phaseAt).map((c) => c.id)).toEqual([
      'c-now-soon',
      'c-now-late',
      'c-open-end',
      'c-open',
      'c-soon',
      'c-next',
      'c-recent',
      'c-old',
    ])
  })

  it('within a day, numbers in names in number order (年会 7 before 年会 37)', () => {
    const same = (id: string, name: string) => camp(id, name, '2026-12-01', '2026-12-31')
    const list = [same('a', '年会 37'), same('b', '年会 127'), same('c', '年会 7')]
    expect(campaignOrder(list, phaseAt).map((c) => c.name)).toEqual([
      '年会 7',
      '年会 37',
      '年会 127',
    ])
  })

  it('is a total order: any shuffle of the same campaigns sorts the same way', () => {
    const day = fc
      .tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }))
      .map(([m, d]) => `2026-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`)
    const campaign = fc.record({
      id: fc.uuid(),
      name: fc.constantFrom('甲', '乙', 'Expo', 'expo', '展'),
      startsAt: fc.option(day),
      endsAt: fc.option(day),
    })
    fc.assert(
      fc.property(fc.uniqueArray(campaign, { selector: (c) => c.id, maxLength: 30 }), (list) => {
        const sorted = campaignOrder(list, phaseAt).map((c) => c.id)
        expect(campaignOrder([...list].reverse(), phaseAt).map((c) => c.id)).toEqual(sorted)
        // Phases never interleave.
        const ranks = campaignOrder(list, phaseAt).map((c) =>
          ['running', 'not-started', 'ended'].indexOf(phaseAt(c)),
        )
        expect(ranks).toEqual([...ranks].sort((a, b) => a - b))
      }),
      { seed: 240, numRuns: 100 },
    )
  })
})

describe('campaignMatcher', () => {
  it('folds width, case, accents and spaces as the attendance search does', () => {
    const names = (q: string) => SEASON.filter(campaignMatcher(q)).map((c) => c.id)
    expect(names('expo2026')).toEqual(['c-now-soon'])
    expect(names('EXPO 2026')).toEqual(['c-now-soon'])
    expect(names('cafe lumiere')).toEqual(['c-soon'])
    expect(names('CAFÉ')).toEqual(['c-soon'])
    expect(names('季 展')).toEqual(['c-old', 'c-next', 'c-recent'])
    // Its id finds it too; an empty or punctuation-only query finds everything.
    expect(names('c-old')).toEqual(['c-old'])
    expect(names('  ')).toHaveLength(SEASON.length)
    expect(names('nothing-like-it')).toEqual([])
  })
})

describe('the list state in the hash', () => {
  it('round-trips, and anything unknown falls back to the defaults', () => {
    for (const phase of PHASE_FILTERS) {
      for (const q of ['', 'EXPO 2026', '春季&展?#=/']) {
        expect(parseListState(listHash({ phase, q }))).toEqual({ phase, q })
      }
    }
    expect(listHash({ phase: 'all', q: '' })).toBe('#/campaigns')
    expect(parseListState('#/campaigns?phase=bogus&q=a')).toEqual({ phase: 'all', q: 'a' })
    expect(parseListState('#/campaigns')).toEqual({ phase: 'all', q: '' })
    expect(parseListState(`#/campaigns?q=${'x'.repeat(500)}`).q).toHaveLength(64)
  })
})

/** 300 campaigns: 280 ended, 10 running, 10 ahead, mixed in the relay's order. */
function season300() {
  const list = []
  for (let i = 0; i < 300; i++) {
    const id = `c-${String(i).padStart(3, '0')}`
    if (i % 30 === 7)
      list.push(camp(id, `进行中的展 ${i}`, '2026-12-01', `2026-12-${10 + (i % 9)}`))
    else if (i % 30 === 11)
      list.push(camp(id, `明年展 ${i}`, `2027-01-${10 + (i % 9)}`, '2027-02-01'))
    else {
      const month = String(1 + (i % 11)).padStart(2, '0')
      list.push(camp(id, `旧展 ${i}`, `2026-${month}-01`, `2026-${month}-${10 + (i % 18)}`))
    }
  }
  return list
}

async function mountList(hash = '#/campaigns') {
  window.history.replaceState(null, '', hash)
  const fake = createFakeConsoleApi()
  fake.api.campaigns.mockResolvedValue(season300())
  fake.api.statsDays.mockResolvedValue({ timeZone: ZONE, stopsAfterEndsAt: false, days: [] })
  const mounted = mountConsole(CampaignsPage, fake.api)
  await flushPromises()
  return { ...mounted, fake }
}
const rowIds = (w: VueWrapper) =>
  w.findAll('[data-testid="campaign-row"]').map((r) => r.attributes('data-campaign'))

describe('the campaigns page with 300 campaigns', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(NOW)
  })
  afterEach(() => {
    vi.useRealTimers()
    window.history.replaceState(null, '', '#/')
  })

  it('lists running first, then ahead, then ended, and says how many it shows', async () => {
    const { wrapper, fake } = await mountList()
    const ids = rowIds(wrapper)
    expect(ids).toHaveLength(300)
    expect(ids.slice(0, 10).every((id) => Number(id?.slice(2)) % 30 === 7)).toBe(true)
    expect(ids.slice(10, 20).every((id) => Number(id?.slice(2)) % 30 === 11)).toBe(true)
    expect(wrapper.get('[data-testid="campaign-count"]').text()).toBe('显示 300 / 300')
    // One read of the list per page view.
    expect(fake.api.campaigns).toHaveBeenCalledTimes(1)
  })

  it('the phase filter and search narrow the list and land in the hash', async () => {
    const { wrapper, i18n } = await mountList()
    await wrapper.get('[data-testid="campaign-phase-filter"]').setValue('not-started')
    expect(rowIds(wrapper)).toHaveLength(10)
    expect(window.location.hash).toBe('#/campaigns?phase=not-started')
    // Full-width digits and a space fold away.
    await wrapper.get('[data-testid="campaign-search"]').setValue('明年展 １１')
    expect(rowIds(wrapper)).toEqual(['c-011'])
    expect(wrapper.get('[data-testid="campaign-count"]').text()).toBe('显示 1 / 300')
    expect(parseListState(window.location.hash)).toEqual({ phase: 'not-started', q: '明年展 １１' })
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(wrapper.get('[data-testid="campaign-count"]').text()).toBe('Showing 1 of 300')
  })

  it('opens with the filter a link or a reload carries', async () => {
    const { wrapper } = await mountList(listHash({ phase: 'ended', q: '旧展 2' }))
    expect(
      (wrapper.get('[data-testid="campaign-phase-filter"]').element as HTMLSelectElement).value,
    ).toBe('ended')
    expect((wrapper.get('[data-testid="campaign-search"]').element as HTMLInputElement).value).toBe(
      '旧展 2',
    )
    const ids = rowIds(wrapper)
    expect(ids.length).toBeGreaterThan(0)
    expect(ids.every((id) => Number(id?.slice(2)) % 30 !== 7)).toBe(true)
  })

  it('an empty result says so and clears the filter in one click', async () => {
    const { wrapper, i18n } = await mountList('#/campaigns?phase=running&q=明年展')
    expect(rowIds(wrapper)).toEqual([])
    expect(wrapper.get('[data-testid="campaign-none"]').text()).toContain(
      '没有符合搜索或筛选条件的活动',
    )
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(wrapper.get('[data-testid="campaign-none"]').text()).toContain('No campaign matches')
    await wrapper.get('[data-testid="campaign-clear-filter"]').trigger('click')
    expect(rowIds(wrapper)).toHaveLength(300)
    expect(window.location.hash).toBe('#/campaigns')
  })

  it('every row’s phase badge and the order tick on one clock, and turn together at midnight', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] })
    vi.setSystemTime(NOW)
    const every = vi.spyOn(globalThis, 'setInterval')
    try {
      const { wrapper } = await mountList()
      const running = () =>
        wrapper.findAll('[data-testid="campaign-phase"][data-phase="running"]').length
      expect(running()).toBe(10)
      // 300 rows, one minute timer (the page's), not one per row.
      expect(every.mock.calls.filter(([, ms]) => ms === 60_000)).toHaveLength(1)
      // 00:01 on 12-12 in Shanghai: c-037, c-127 and c-217 ended on 12-11.
      vi.setSystemTime(Date.UTC(2026, 11, 11, 16, 1))
      vi.advanceTimersByTime(60_000)
      await flushPromises()
      expect(running()).toBe(7)
      const ids = rowIds(wrapper)
      expect(ids.slice(0, 7).every((id) => Number(id?.slice(2)) % 30 === 7)).toBe(true)
      expect(ids.slice(0, 7)).not.toContain('c-037')
    } finally {
      every.mockRestore()
    }
  })

  it('the editor’s way back keeps the filter and search the list was left with', async () => {
    const hash = listHash({ phase: 'ended', q: '旧展 2' })
    const { wrapper } = await mountList(hash)
    const shown = rowIds(wrapper)
    expect(shown.length).toBeGreaterThan(0)
    const go = async (to: string) => {
      window.location.hash = to
      window.dispatchEvent(new HashChangeEvent('hashchange'))
      await flushPromises()
    }
    await go('#/campaigns/c-002')
    const back = wrapper.get('[data-testid="editor-back"]')
    expect(back.attributes('href')).toBe(hash)
    await go(back.attributes('href') ?? '')
    expect(
      (wrapper.get('[data-testid="campaign-phase-filter"]').element as HTMLSelectElement).value,
    ).toBe('ended')
    expect((wrapper.get('[data-testid="campaign-search"]').element as HTMLInputElement).value).toBe(
      '旧展 2',
    )
    expect(rowIds(wrapper)).toEqual(shown)
    expect(window.location.hash).toBe(hash)
  })

  it('an editor opened by its own link goes back to the whole list', async () => {
    const { wrapper } = await mountList('#/campaigns/c-002')
    expect(wrapper.get('[data-testid="editor-back"]').attributes('href')).toBe('#/campaigns')
  })

  it('follows the hash when a link goes back to the bare list', async () => {
    const { wrapper } = await mountList('#/campaigns?phase=ended')
    expect(rowIds(wrapper)).toHaveLength(280)
    window.location.hash = '#/campaigns'
    window.dispatchEvent(new HashChangeEvent('hashchange'))
    await flushPromises()
    expect(rowIds(wrapper)).toHaveLength(300)
  })
})

describe('the campaign choice on the stats and attendance pages', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(NOW)
  })
  afterEach(() => vi.useRealTimers())

  async function mountScope() {
    const fake = createFakeConsoleApi()
    fake.api.campaigns.mockResolvedValue(season300())
    fake.api.statsDays.mockResolvedValue({ timeZone: ZONE, stopsAfterEndsAt: false, days: [] })
    const mounted = mountConsole(CampaignScope, fake.api)
    await flushPromises()
    return mounted
  }
  const optionIds = (w: VueWrapper) =>
    w.findAll('[data-testid="campaign-scope"] option').map((o) => o.attributes('value'))

  it('groups running first, then ahead, then ended, each under its label', async () => {
    const { wrapper } = await mountScope()
    const groups = wrapper.findAll('optgroup')
    expect(groups.map((g) => g.attributes('label'))).toEqual(['进行中', '未开始', '已结束'])
    expect(groups.map((g) => g.findAll('option').length)).toEqual([10, 10, 280])
    expect(optionIds(wrapper)[0]).toBe('')
  })

  it('a search narrows the choice, keeps the one chosen, and choosing still works', async () => {
    const { wrapper } = await mountScope()
    await wrapper.get('[data-testid="campaign-scope"]').setValue('c-007')
    expect(useScopeStore().campaignId).toBe('c-007')
    await wrapper.get('[data-testid="campaign-scope-search"]').setValue('明年 展 41')
    expect(optionIds(wrapper)).toEqual(['', 'c-007', 'c-041'])
    await wrapper.get('[data-testid="campaign-scope"]').setValue('c-041')
    expect(useScopeStore().campaignId).toBe('c-041')
    await wrapper.get('[data-testid="campaign-scope-search"]').setValue('')
    expect(optionIds(wrapper)).toHaveLength(301)
  })
})

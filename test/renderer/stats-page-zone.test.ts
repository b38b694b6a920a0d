// @vitest-environment happy-dom
/**
 * The admin area's 统计 page in a browser set to another zone than the booth's (kiosk web on a
 * laptop): the chart's bars are labelled, and its days split, on the kiosk core's clock
 * (ScreenState.timeZone), as the booth and its export write the scans. The charts are stood in
 * for (no canvas here): what is checked is the labels the page hands the bar chart.
 */
import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import StatsPage from '../../renderer/src/admin/pages/StatsPage.vue'
import { useScreenStore } from '../../renderer/src/stores/screen'
import { createFakeKioskApi, makeCampaign } from './fake-kiosk-api'
import { mountWith } from './setup-app'

vi.mock('vue-chartjs', async () => {
  const { z } = await import('zod')
  const chart = (kind: string) =>
    defineComponent({
      props: { data: { type: Object, required: true }, options: { type: Object, default: null } },
      setup: (props) => () =>
        h(
          'ol',
          { 'data-chart': kind },
          z
            .object({ labels: z.array(z.string()) })
            .parse(props.data)
            .labels.map((l) => h('li', l)),
        ),
    })
  return { Bar: chart('bar'), Doughnut: chart('doughnut') }
})

enableAutoUnmount(afterEach)

describe('stats page: the chart on the kiosk core’s clock', () => {
  it('labels the bars and splits the days in the core’s zone, not the page’s (kiosk web elsewhere)', async () => {
    const fake = createFakeKioskApi()
    // 2026-05-01 15:50 and 16:10 UTC: 05:50 and 06:10 in Honolulu, one day; 23:50 on 1 May and
    // 00:10 on 2 May in Shanghai, two.
    const start = Date.UTC(2026, 4, 1, 15, 50)
    const buckets = [start, start + 20 * 60_000].map((s) => ({
      start: s,
      scans: 1,
      firstVisits: 1,
      repeats: 0,
    }))
    fake.api.getStats.mockResolvedValue({
      total: 2,
      uniqueVisitors: 2,
      newFollowers: 0,
      returning: 0,
      fallbackScans: 0,
      buckets,
    })
    const { wrapper } = mountWith(StatsPage, fake.api)
    const screen = useScreenStore()
    screen.campaign = makeCampaign()
    screen.timeZone = 'Pacific/Honolulu'
    await flushPromises()
    const labels = () => wrapper.findAll('[data-chart="bar"] li').map((li) => li.text())
    expect(labels()).toEqual(['05:50', '06:10'])
    screen.timeZone = 'Asia/Shanghai'
    await flushPromises()
    expect(labels()).toEqual(['05/01 23:50', '05/02 00:10'])
  })
})

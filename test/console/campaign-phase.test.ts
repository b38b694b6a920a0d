// @vitest-environment happy-dom
// A campaign's 未开始 / 进行中 / 已结束 badge (campaigns list, editor, stats) is judged on the
// relay's calendar, not this computer's or UTC's: in Asia/Shanghai a campaign ending on
// 3 December is running at 23:59 local and ended at 00:01 local (16:01 UTC, still the 3rd in
// UTC). Ended, it says scans no longer count only where the relay says it stops counting them
// (stats/days' stopsAfterEndsAt); elsewhere its title says they still count.
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { I18nInjectionKey } from 'vue-i18n'
import CampaignEditor from '../../console/src/components/CampaignEditor.vue'
import CampaignPhaseBadge from '../../console/src/components/CampaignPhaseBadge.vue'
import { consoleApiKey } from '../../console/src/api/api-key'
import { useSessionStore } from '../../console/src/stores/session'
import { campaignPhase, dayIn } from '../../shared/campaign-phase'
import { createFakeConsoleApi, makeCampaign, makeKiosk } from './fake-console-api'
import { mountConsole, setupConsoleStores } from './setup-console'

enableAutoUnmount(afterEach)
afterEach(() => {
  vi.useRealTimers()
})

const ZONE = 'Asia/Shanghai'
/** Shanghai local time (UTC+8 all year) as a UTC instant. */
const shanghai = (y: number, mo: number, d: number, h: number, mi: number): number =>
  Date.UTC(y, mo - 1, d, h - 8, mi)

const LAST_DAY_2359 = shanghai(2026, 12, 3, 23, 59)
const AFTER_END_0001 = shanghai(2026, 12, 4, 0, 1)
const EVE_2359 = shanghai(2026, 11, 30, 23, 59)
const FIRST_DAY_0001 = shanghai(2026, 12, 1, 0, 1)

describe('campaignPhase on the relay’s calendar', () => {
  it('turns at the zone’s midnight, not UTC’s', () => {
    // 00:01 on the 4th in Shanghai is still the 3rd in UTC.
    expect(dayIn(AFTER_END_0001, 'UTC')).toBe('2026-12-03')
    expect(dayIn(AFTER_END_0001, ZONE)).toBe('2026-12-04')
    const phase = (at: number) => campaignPhase('2026-12-01', '2026-12-03', at, ZONE)
    expect(phase(EVE_2359)).toBe('not-started')
    expect(phase(FIRST_DAY_0001)).toBe('running')
    expect(phase(LAST_DAY_2359)).toBe('running')
    expect(phase(AFTER_END_0001)).toBe('ended')
    // In UTC the same instants fall on the day before.
    expect(campaignPhase('2026-12-01', '2026-12-03', AFTER_END_0001, 'UTC')).toBe('running')
    expect(campaignPhase('2026-12-01', '2026-12-03', FIRST_DAY_0001, 'UTC')).toBe('not-started')
  })

  it('open dates: no phase without any; one side open never ends or never starts', () => {
    expect(campaignPhase(null, null, AFTER_END_0001, ZONE)).toBeNull()
    expect(campaignPhase(null, '2026-12-03', EVE_2359, ZONE)).toBe('running')
    expect(campaignPhase('2026-12-01', null, AFTER_END_0001 + 400 * 86_400_000, ZONE)).toBe(
      'running',
    )
  })

  it('a fixed offset (the relay on a POSIX TZ such as IST-5:30) turns at its own midnight', () => {
    // 18:31 UTC on the 3rd is 00:01 on the 4th at +05:30 (and 08:31 on the 3rd at -10:00).
    const at = Date.UTC(2026, 11, 3, 18, 31)
    expect(dayIn(at, '+05:30')).toBe('2026-12-04')
    expect(campaignPhase('2026-12-01', '2026-12-03', at, '+05:30')).toBe('ended')
    expect(campaignPhase('2026-12-01', '2026-12-03', at - 2 * 60_000, '+05:30')).toBe('running')
    expect(dayIn(at, '-10:00')).toBe('2026-12-03')
  })

  it('an unknown zone falls back to this computer’s calendar instead of throwing', () => {
    const local = new Date(AFTER_END_0001)
    const expected = [local.getFullYear(), local.getMonth() + 1, local.getDate()]
      .map((n) => String(n).padStart(2, '0'))
      .join('-')
    expect(dayIn(AFTER_END_0001, 'Mars/Olympus_Mons')).toBe(expected)
  })
})

async function badgeAt(
  at: number,
  stopsAfterEndsAt: boolean,
  locale: 'zh-CN' | 'en' = 'zh-CN',
  dates: { startsAt: string | null; endsAt: string | null } = {
    startsAt: '2026-12-01',
    endsAt: '2026-12-03',
  },
) {
  vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] })
  vi.setSystemTime(at)
  const fake = createFakeConsoleApi()
  fake.api.statsDays.mockResolvedValue({ timeZone: ZONE, stopsAfterEndsAt, days: [] })
  const { wrapper, i18n } = mountConsole(CampaignPhaseBadge, fake.api, { props: dates })
  i18n.global.locale.value = locale
  await flushPromises()
  return { wrapper, fake }
}

const phaseOf = (w: Awaited<ReturnType<typeof badgeAt>>['wrapper']) =>
  w.find('[data-testid="campaign-phase"]')

/**
 * The badge on a page that read no days, the session answer (a relay of now) having named the
 * zone: it needs no days for the zone, only, once ended, for whether scans still count.
 */
async function badgeAfterSignIn(at: number, stopsAfterEndsAt: boolean) {
  vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] })
  vi.setSystemTime(at)
  const fake = createFakeConsoleApi()
  fake.api.statsDays.mockResolvedValue({ timeZone: ZONE, stopsAfterEndsAt, days: [] })
  const { app, i18n, pinia } = setupConsoleStores(fake.api)
  app.runWithContext(() => {
    useSessionStore().info = { name: 'alice', expiresAt: 0, timeZone: ZONE }
  })
  const wrapper = mount(CampaignPhaseBadge, {
    props: { startsAt: '2026-12-01', endsAt: '2026-12-03' },
    global: {
      plugins: [i18n, pinia],
      provide: { [consoleApiKey as symbol]: fake.api, [I18nInjectionKey as symbol]: i18n },
    },
  })
  await flushPromises()
  return { wrapper, fake }
}

describe('the phase badge', () => {
  it('reads the relay’s zone once and shows each phase in both languages', async () => {
    const eve = await badgeAt(EVE_2359, false)
    expect(eve.fake.api.statsDays).toHaveBeenCalledTimes(1)
    expect(phaseOf(eve.wrapper).attributes('data-phase')).toBe('not-started')
    expect(phaseOf(eve.wrapper).text()).toBe('未开始')
    const first = await badgeAt(FIRST_DAY_0001, false, 'en')
    expect(phaseOf(first.wrapper).text()).toBe('Running')
    const last = await badgeAt(LAST_DAY_2359, true)
    expect(phaseOf(last.wrapper).text()).toBe('进行中')
    expect(last.wrapper.find('[data-testid="campaign-phase-note"]').exists()).toBe(false)
  })

  it('ended at 00:01 local on a relay that stops counting: says scans no longer count', async () => {
    const zh = await badgeAt(AFTER_END_0001, true)
    expect(phaseOf(zh.wrapper).attributes('data-phase')).toBe('ended')
    expect(phaseOf(zh.wrapper).text()).toBe('已结束 · 扫码不再计入')
    expect(phaseOf(zh.wrapper).attributes('title')).toContain('不再计入')
    const en = await badgeAt(AFTER_END_0001, true, 'en')
    expect(phaseOf(en.wrapper).text()).toBe('Ended · scans no longer count')
  })

  it('ended on a relay where dates are labels: no such note, its title says scans count', async () => {
    const { wrapper } = await badgeAt(AFTER_END_0001, false)
    expect(phaseOf(wrapper).text()).toBe('已结束')
    expect(wrapper.find('[data-testid="campaign-phase-note"]').exists()).toBe(false)
    expect(phaseOf(wrapper).attributes('title')).toContain('仍照常计入')
  })

  it('turns from running to ended while on screen when the relay’s midnight passes', async () => {
    const { wrapper } = await badgeAt(LAST_DAY_2359, true)
    expect(phaseOf(wrapper).attributes('data-phase')).toBe('running')
    vi.advanceTimersByTime(2 * 60_000)
    await flushPromises()
    expect(phaseOf(wrapper).attributes('data-phase')).toBe('ended')
  })

  it('with the zone from the session: reads the days only once ended, for whether scans count', async () => {
    const running = await badgeAfterSignIn(LAST_DAY_2359, true)
    expect(phaseOf(running.wrapper).attributes('data-phase')).toBe('running')
    expect(running.fake.api.statsDays).not.toHaveBeenCalled()
    // Midnight passes on screen: now it asks, and says what this relay does.
    vi.advanceTimersByTime(2 * 60_000)
    await flushPromises()
    expect(running.fake.api.statsDays).toHaveBeenCalledTimes(1)
    expect(phaseOf(running.wrapper).text()).toBe('已结束 · 扫码不再计入')

    const ended = await badgeAfterSignIn(AFTER_END_0001, true)
    expect(ended.fake.api.statsDays).toHaveBeenCalledTimes(1)
    expect(phaseOf(ended.wrapper).text()).toBe('已结束 · 扫码不再计入')
    expect(phaseOf(ended.wrapper).attributes('title')).toContain('不再计入')
  })

  it('shows nothing for a campaign without dates', async () => {
    const { wrapper } = await badgeAt(AFTER_END_0001, true, 'zh-CN', {
      startsAt: null,
      endsAt: null,
    })
    expect(phaseOf(wrapper).exists()).toBe(false)
  })
})

describe('the badge’s explanation without hover (touch, keyboard)', () => {
  const noteOf = (w: Awaited<ReturnType<typeof badgeAt>>['wrapper']) =>
    w.get('[data-testid="campaign-phase-explain-note"]')
  /** Shown, as v-show leaves it (happy-dom lays nothing out). */
  const shown = (w: Awaited<ReturnType<typeof badgeAt>>['wrapper']): boolean =>
    !(noteOf(w).attributes('style') ?? '').includes('display: none')

  it('not started: a button that opens and closes the note under it, named for what it does', async () => {
    const { wrapper } = await badgeAt(EVE_2359, false)
    const badge = wrapper.get('[data-testid="campaign-phase"]')
    expect(badge.element.tagName).toBe('BUTTON')
    expect(badge.attributes('type')).toBe('button')
    expect(badge.text()).toBe('未开始')
    expect(badge.attributes('aria-label')).toBe('未开始：查看说明')
    expect(badge.attributes('aria-expanded')).toBe('false')
    // The note it controls is there, hidden until asked for.
    expect(badge.attributes('aria-controls')).toBe(noteOf(wrapper).attributes('id'))
    expect(shown(wrapper)).toBe(false)
    await badge.trigger('click')
    expect(badge.attributes('aria-expanded')).toBe('true')
    expect(shown(wrapper)).toBe(true)
    expect(noteOf(wrapper).text()).toContain('中继不检查开始日期')
    expect(noteOf(wrapper).text()).toContain('照常计入')
    await badge.trigger('click')
    expect(badge.attributes('aria-expanded')).toBe('false')
    expect(shown(wrapper)).toBe(false)
  })

  it('ended: the note says what the relay does with scans, the same as the title', async () => {
    const stops = await badgeAt(AFTER_END_0001, true, 'en')
    const badge = stops.wrapper.get('[data-testid="campaign-phase"]')
    expect(badge.attributes('aria-label')).toBe('Ended · scans no longer count: what this means')
    await badge.trigger('click')
    expect(noteOf(stops.wrapper).text()).toContain('no longer counts its scans')
    expect(noteOf(stops.wrapper).text()).toBe(badge.attributes('title'))
    const counts = await badgeAt(AFTER_END_0001, false)
    await counts.wrapper.get('[data-testid="campaign-phase"]').trigger('click')
    expect(noteOf(counts.wrapper).text()).toContain('扫码仍照常计入')
  })

  it('running: nothing to explain, a plain badge and no note', async () => {
    const { wrapper } = await badgeAt(LAST_DAY_2359, true)
    expect(phaseOf(wrapper).element.tagName).toBe('SPAN')
    expect(wrapper.find('button').exists()).toBe(false)
    expect(wrapper.find('[data-testid="campaign-phase-explain-note"]').exists()).toBe(false)
  })

  it('starts closed in each phase: a note opened before the first day does not pop up at the end', async () => {
    // A one-day campaign on the 4th, opened at 23:59 the evening before, left on screen.
    const { wrapper } = await badgeAt(shanghai(2026, 12, 3, 23, 59), false, 'zh-CN', {
      startsAt: '2026-12-04',
      endsAt: '2026-12-04',
    })
    await wrapper.get('[data-testid="campaign-phase"]').trigger('click')
    expect(shown(wrapper)).toBe(true)
    vi.advanceTimersByTime(2 * 60_000)
    await flushPromises()
    expect(phaseOf(wrapper).attributes('data-phase')).toBe('running')
    vi.setSystemTime(shanghai(2026, 12, 5, 0, 1))
    vi.advanceTimersByTime(60_000)
    await flushPromises()
    const badge = wrapper.get('[data-testid="campaign-phase"]')
    expect(badge.attributes('data-phase')).toBe('ended')
    expect(badge.attributes('aria-expanded')).toBe('false')
    expect(shown(wrapper)).toBe(false)
  })
})

describe('the campaign editor, where touch cannot hover the badge', () => {
  async function editorAt(at: number, stopsAfterEndsAt: boolean, locale: 'zh-CN' | 'en') {
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] })
    vi.setSystemTime(at)
    const fake = createFakeConsoleApi()
    fake.api.statsDays.mockResolvedValue({ timeZone: ZONE, stopsAfterEndsAt, days: [] })
    fake.api.campaign.mockResolvedValue({
      campaign: makeCampaign({ startsAt: '2026-12-01', endsAt: '2026-12-03' }),
      etag: '"1"',
    })
    const { wrapper, i18n } = mountConsole(CampaignEditor, fake.api, { props: { id: 'c-expo' } })
    i18n.global.locale.value = locale
    await flushPromises()
    return wrapper
  }
  const explainOf = (w: Awaited<ReturnType<typeof editorAt>>) =>
    w.find('[data-testid="campaign-phase-explain"]')

  it('writes by the dates what the badge’s title says, once the campaign has ended', async () => {
    const counts = await editorAt(AFTER_END_0001, false, 'zh-CN')
    expect(explainOf(counts).text()).toContain('扫码仍照常计入')
    expect(explainOf(counts).text()).toBe(
      counts.get('[data-testid="campaign-phase"]').attributes('title'),
    )
    const stops = await editorAt(AFTER_END_0001, true, 'en')
    expect(explainOf(stops).text()).toContain('no longer counts its scans')
  })

  it('warns before saving an end date already past: the booths it stops and their scans today', async () => {
    // Friday night, a typo: the running campaign's last day set to yesterday. On a relay that
    // stops counting after endsAt the save would silently turn every scan at its booths into
    // "event ended": the form says so, with how many booths and scans, before the save.
    for (const locale of ['zh-CN', 'en'] as const) {
      vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] })
      vi.setSystemTime(LAST_DAY_2359)
      const fake = createFakeConsoleApi()
      fake.api.statsDays.mockResolvedValue({ timeZone: ZONE, stopsAfterEndsAt: true, days: [] })
      fake.api.campaign.mockResolvedValue({
        campaign: makeCampaign({ id: 'c-expo', startsAt: '2026-12-01', endsAt: '2026-12-03' }),
        etag: '"1"',
      })
      fake.api.kiosks.mockResolvedValue([
        makeKiosk({ id: 'hall-a', campaignId: 'c-expo', scansToday: 30 }),
        makeKiosk({ id: 'hall-b', campaignId: 'c-expo', scansToday: 12 }),
        makeKiosk({ id: 'hall-c', campaignId: 'c-other', scansToday: 99 }),
      ])
      // Signed in to a relay that named its zone: no page has read the days (stopsAfterEndsAt).
      const { app, i18n, pinia } = setupConsoleStores(fake.api)
      app.runWithContext(() => {
        useSessionStore().info = { name: 'alice', expiresAt: 0, timeZone: ZONE }
      })
      i18n.global.locale.value = locale
      const wrapper = mount(CampaignEditor, {
        props: { id: 'c-expo' },
        global: {
          plugins: [i18n, pinia],
          provide: { [consoleApiKey as symbol]: fake.api, [I18nInjectionKey as symbol]: i18n },
        },
      })
      await flushPromises()
      const warning = () => wrapper.find('[data-testid="ends-at-stops"]')
      expect(warning().exists()).toBe(false)
      await wrapper.get('[data-testid="date-c-ends"] .day').setValue('2')
      await flushPromises()
      const text = warning().text()
      expect(text).toContain(locale === 'en' ? 'stop counting' : '不再计入')
      expect(text).toContain(locale === 'en' ? '2 booths' : '2 个签到台')
      expect(text).toContain('42')
      // The field is described by it, so a screen reader hears it with the date.
      const day = wrapper.get('[data-testid="date-c-ends"] .day')
      expect(day.attributes('aria-describedby') ?? '').toContain(warning().attributes('id'))
      expect(day.attributes('aria-invalid')).toBe('false')
      // Back to the right date: nothing to warn of.
      await day.setValue('3')
      await flushPromises()
      expect(warning().exists()).toBe(false)
      wrapper.unmount()
      vi.useRealTimers()
    }
  })

  it('no such warning where dates are labels only, or for a campaign already ended', async () => {
    const counts = await editorAt(LAST_DAY_2359, false, 'zh-CN')
    await counts.get('[data-testid="date-c-ends"] .day').setValue('2')
    await flushPromises()
    expect(counts.find('[data-testid="ends-at-stops"]').exists()).toBe(false)
    const ended = await editorAt(AFTER_END_0001, true, 'en')
    await ended.get('[data-testid="date-c-ends"] .day').setValue('2')
    await flushPromises()
    expect(ended.find('[data-testid="ends-at-stops"]').exists()).toBe(false)
    expect(explainOf(ended).text()).toContain('no longer counts its scans')
  })

  it('says nothing of it while the campaign runs', async () => {
    const running = await editorAt(LAST_DAY_2359, true, 'zh-CN')
    expect(running.get('[data-testid="campaign-phase"]').attributes('data-phase')).toBe('running')
    expect(explainOf(running).exists()).toBe(false)
  })
})

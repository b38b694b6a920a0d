/**
 * The set-up the kiosk's campaign-phase tests share (campaign-not-started, campaign-ended): the
 * kiosk's calendar in Asia/Shanghai, fake timers reset after each test, and the kiosk screen or
 * the admin campaign page mounted at a given instant. A test file still mocks the chimes itself
 * (vi.mock is hoisted in the file that calls it).
 */
import { enableAutoUnmount, flushPromises, type VueWrapper } from '@vue/test-utils'
import { afterAll, afterEach, beforeAll, vi } from 'vitest'
import App from '../../renderer/src/App.vue'
import CampaignPage from '../../renderer/src/admin/pages/CampaignPage.vue'
import { useScreenStore } from '../../renderer/src/stores/screen'
import type { Campaign } from '../../shared/domain'
import { createFakeKioskApi, makeScreenState, makeTicket } from './fake-kiosk-api'
import { mountWith } from './setup-app'

/**
 * Call at a test file's top level: its tests run with TZ=Asia/Shanghai (restored after them),
 * each test's wrappers are unmounted and its fake timers undone after it.
 */
export function onShanghaiCalendar(): void {
  enableAutoUnmount(afterEach)
  let savedTz: string | undefined
  beforeAll(() => {
    savedTz = process.env.TZ
    process.env.TZ = 'Asia/Shanghai'
  })
  afterAll(() => {
    if (savedTz === undefined) delete process.env.TZ
    else process.env.TZ = savedTz
  })
  afterEach(() => {
    vi.useRealTimers()
  })
}

/** Shanghai local time (UTC+8) on a day of December 2026, as a UTC instant. */
export const shanghai = (d: number, h: number, mi: number): number =>
  Date.UTC(2026, 11, d, h - 8, mi)

/** The kiosk screen (App at #/) at `at`, with `campaign` active and a fresh code on screen. */
export async function kioskScreenAt(
  campaign: Campaign,
  at: number,
  locale: 'zh-CN' | 'en' = 'zh-CN',
): Promise<VueWrapper> {
  vi.useFakeTimers({ now: at })
  const ticket = makeTicket(at, { expiresAt: at + 600_000, rotateAt: at + 300_000 })
  const fake = createFakeKioskApi(makeScreenState(at, { campaign, ticket, locale }))
  window.location.hash = '#/'
  const { wrapper } = mountWith(App, fake.api, { global: { stubs: { transition: true } } })
  await flushPromises()
  return wrapper
}

/**
 * The admin campaign page at `at` with `campaign` active: run from the console (`relay`: the
 * only campaign, managed by the relay) or standalone (`local`: beside `other`).
 */
export async function campaignPageAt(
  campaign: Campaign,
  other: Campaign,
  at: number,
  from: 'local' | 'relay' = 'relay',
): Promise<VueWrapper> {
  vi.useFakeTimers({ now: at, toFake: ['Date'] })
  const fake = createFakeKioskApi()
  const active = from === 'relay' ? { ...campaign, managedBy: 'relay' as const } : campaign
  const list = from === 'relay' ? [active] : [active, other]
  fake.api.listCampaigns.mockImplementation(() => Promise.resolve(list))
  const { wrapper } = mountWith(CampaignPage, fake.api)
  useScreenStore().campaign = active
  await flushPromises()
  return wrapper
}

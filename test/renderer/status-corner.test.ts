// @vitest-environment happy-dom
import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import DiagnosticsPage from '../../renderer/src/admin/pages/DiagnosticsPage.vue'
import StatusCorner from '../../renderer/src/kiosk/StatusCorner.vue'
import { isOffline } from '../../renderer/src/kiosk/status-view'
import type { KioskStatus } from '../../shared/domain'
import { createFakeKioskApi, makeStatus } from './fake-kiosk-api'
import { mountWith } from './setup-app'

enableAutoUnmount(afterEach)

const NOW = 1_750_000_000_000

function render(status: KioskStatus, demo = false, locale: 'zh-CN' | 'en' = 'en') {
  const { wrapper, i18n } = mountWith(StatusCorner, createFakeKioskApi().api, {
    props: { status, now: NOW, demo },
  })
  i18n.global.locale.value = locale
  return wrapper
}

/** The corner for `status` in Chinese and in English, rendered. */
async function renderBoth(status: KioskStatus) {
  const zh = render(status, false, 'zh-CN')
  const en = render(status)
  await zh.vm.$nextTick()
  await en.vm.$nextTick()
  return { zh, en }
}

/** One fact of the diagnostics page (`data-fact`) for a kiosk with `status`, rendered. */
async function diagnosticsFact(
  status: KioskStatus,
  fact: string,
  locale: 'zh-CN' | 'en' = 'zh-CN',
): Promise<string> {
  const fake = createFakeKioskApi()
  const base = await fake.api.getDiagnostics()
  fake.api.getDiagnostics.mockResolvedValue({ ...base, status })
  const { wrapper, i18n } = mountWith(DiagnosticsPage, fake.api)
  i18n.global.locale.value = locale
  await flushPromises()
  return wrapper.get(`[data-fact="${fact}"]`).text()
}

const text = (w: ReturnType<typeof render>, id: string) => w.get(`[data-testid="${id}"]`).text()
const level = (w: ReturnType<typeof render>, id: string) =>
  w.get(`[data-testid="${id}"]`).attributes('data-level')

describe('status corner', () => {
  it('all well: relay connected, proxy reachable, codes in the pool, no warning', async () => {
    const w = render(makeStatus({ pool: { available: 17, target: 20 } }))
    await w.vm.$nextTick()
    expect(text(w, 'status-relay')).toBe('Relay connected')
    expect(level(w, 'status-relay')).toBe('ok')
    expect(text(w, 'status-api')).toBe('Relay proxy reachable')
    expect(text(w, 'status-pool')).toBe('17 codes left')
    expect(w.find('[data-testid="status-quota"]').exists()).toBe(false)
    expect(w.find('[data-testid="demo-badge"]').exists()).toBe(false)
  })

  it('reconnecting: counts down to the next attempt', async () => {
    const w = render(makeStatus({ relay: { state: 'reconnecting', retryAt: NOW + 4_200 } }))
    await w.vm.$nextTick()
    expect(text(w, 'status-relay')).toBe('Relay reconnecting (retry in 5 s)')
    expect(level(w, 'status-relay')).toBe('bad')
    await w.setProps({ now: NOW + 3_500 })
    expect(text(w, 'status-relay')).toBe('Relay reconnecting (retry in 1 s)')
  })

  it('while the relay reconnects, the relay proxy is not shown as reachable', async () => {
    const relay = { state: 'reconnecting' as const, retryAt: NOW + 4_200 }
    const w = render(makeStatus({ relay }), false, 'zh-CN')
    await w.vm.$nextTick()
    expect(text(w, 'status-api')).toBe('中继代理状态未知')
    expect(level(w, 'status-api')).toBe('off')
    // A worse state stays as it is, and the direct WeChat API does not depend on the relay.
    const down = render(makeStatus({ relay, api: { state: 'down', source: 'proxy' } }))
    await down.vm.$nextTick()
    expect(level(down, 'status-api')).toBe('bad')
    const direct = render(makeStatus({ relay, api: { state: 'ok', source: 'direct' } }))
    await direct.vm.$nextTick()
    expect(level(direct, 'status-api')).toBe('ok')
  })

  it('no campaign yet: the code source is not "status unknown" but waiting for one, and says what to do', async () => {
    const idle = (status: KioskStatus, locale: 'zh-CN' | 'en') => {
      const mounted = mountWith(StatusCorner, createFakeKioskApi().api, {
        props: { status, now: NOW, demo: false, idle: true },
      })
      mounted.i18n.global.locale.value = locale
      return mounted
    }
    const status = makeStatus({ api: { state: 'unknown', source: 'proxy' } })
    for (const [locale, shown] of [
      ['zh-CN', '中继代理待用：指定活动后开始取码'],
      ['en', 'Relay proxy idle: assign a campaign to start'],
    ] as const) {
      const { wrapper } = idle(status, locale)
      await wrapper.vm.$nextTick()
      expect(text(wrapper, 'status-api')).toBe(shown)
      expect(level(wrapper, 'status-api')).toBe('off')
    }
    // With a campaign, unknown is still unknown; a known state shows as it is without one.
    const running = render(status, false, 'zh-CN')
    await running.vm.$nextTick()
    expect(text(running, 'status-api')).toBe('中继代理状态未知')
    const down = idle(makeStatus({ api: { state: 'down', source: 'direct' } }), 'en')
    await down.wrapper.vm.$nextTick()
    expect(text(down.wrapper, 'status-api')).toBe('WeChat API unreachable')
  })

  it('direct WeChat API down is named as such', async () => {
    const w = render(makeStatus({ api: { state: 'down', source: 'direct' } }))
    await w.vm.$nextTick()
    expect(text(w, 'status-api')).toBe('WeChat API unreachable')
    expect(level(w, 'status-api')).toBe('bad')
  })

  it('a relay proxy that answers but has no WeChat account is not called unreachable', async () => {
    const lastError = { code: 'proxy_disabled', params: {} }
    const { zh, en } = await renderBoth(
      makeStatus({ api: { state: 'down', source: 'proxy', lastError } }),
    )
    expect(text(en, 'status-api')).toBe('Relay has no WeChat account set up')
    expect(level(en, 'status-api')).toBe('bad')
    expect(text(zh, 'status-api')).toBe('中继未设置公众号')
    // A relay that does not let this booth use its proxy: the relay's admin, not the Wi-Fi.
    const denied = { code: 'proxy_not_allowed', params: {} }
    const notAllowed = await renderBoth(
      makeStatus({ api: { state: 'down', source: 'proxy', lastError: denied } }),
    )
    expect(text(notAllowed.en, 'status-api')).toBe("Relay won't make codes for this booth")
    expect(text(notAllowed.zh, 'status-api')).toBe('中继不为本台生成二维码')
    // Any other failure of the proxy still reads as its state.
    const other = { code: 'unreachable', params: {} }
    const down = render(makeStatus({ api: { state: 'down', source: 'proxy', lastError: other } }))
    await down.vm.$nextTick()
    expect(text(down, 'status-api')).toBe('Relay proxy unreachable')
  })

  // WeChat refuses the credentials or the calling address: the network is fine, and who fixes
  // it differs. 40125 after the organizer reset the AppSecret: the booth's secret (direct) or the
  // relay's (proxy). 40164: an address not on the account's IP allow-list, this computer's public
  // IP (direct) or the relay's, its admin's to add (proxy).
  it.each([
    {
      name: 'an AppSecret WeChat refuses (reset in the WeChat admin)',
      lastError: { code: 'bad_credentials', params: { errcode: 40125 } },
      direct: [
        'AppID or AppSecret wrong — re-enter it in Admin → Setup',
        'AppID 或 AppSecret 不正确 — 请在管理界面“首次设置”页重新输入',
      ],
      proxyState: 'degraded' as const,
      proxy: [
        "Relay's AppID or AppSecret wrong — tell the relay admin",
        '中继的 AppID 或 AppSecret 不正确 — 请联系中继管理员',
      ],
      proxyLevel: 'warn',
    },
    {
      name: 'a booth IP off the WeChat allow-list (40164)',
      lastError: { code: 'ip_not_allowed', params: { errcode: 40164 } },
      direct: [
        "This booth's IP is not on WeChat's IP allow-list — add it in the WeChat admin",
        '本签到台的 IP 不在公众号的 IP 白名单中 — 请在公众平台后台添加',
      ],
      proxyState: 'down' as const,
      proxy: [
        "Relay's IP is not on WeChat's IP allow-list — tell the relay admin",
        '中继的 IP 不在公众号的 IP 白名单中 — 请联系中继管理员',
      ],
      proxyLevel: 'bad',
    },
  ])(
    '$name is not called unreachable',
    async ({ lastError, direct, proxy, proxyState, proxyLevel }) => {
      const d = await renderBoth(
        makeStatus({ api: { state: 'down', source: 'direct', lastError } }),
      )
      expect([text(d.en, 'status-api'), text(d.zh, 'status-api')]).toEqual(direct)
      expect(level(d.en, 'status-api')).toBe('bad')
      const p = await renderBoth(
        makeStatus({ api: { state: proxyState, source: 'proxy', lastError } }),
      )
      expect([text(p.en, 'status-api'), text(p.zh, 'status-api')]).toEqual(proxy)
      expect(level(p.en, 'status-api')).toBe(proxyLevel)
    },
  )

  it('warns when the daily quota is used up', async () => {
    const w = render(
      makeStatus({ pool: { available: 3, target: 20, quotaExhausted: true } }),
      false,
      'zh-CN',
    )
    await w.vm.$nextTick()
    expect(text(w, 'status-quota')).toBe('今日二维码额度已用完')
    expect(level(w, 'status-pool')).toBe('bad')
  })

  it('warns before the pool runs dry', async () => {
    const w = render(makeStatus({ pool: { available: 2, target: 20 } }))
    await w.vm.$nextTick()
    expect(text(w, 'status-quota')).toBe('Running out of codes')
    expect(level(w, 'status-pool')).toBe('warn')
  })

  it('counts the codes left in English as English does (1 code, 2 codes), in Chinese as one', async () => {
    const one = render(makeStatus({ pool: { available: 1, target: 20 } }))
    await one.vm.$nextTick()
    expect(text(one, 'status-pool')).toBe('1 code left')
    const two = render(makeStatus({ pool: { available: 2, target: 20 } }))
    await two.vm.$nextTick()
    expect(text(two, 'status-pool')).toBe('2 codes left')
    const zh = render(makeStatus({ pool: { available: 1, target: 20 } }), false, 'zh-CN')
    await zh.vm.$nextTick()
    expect(text(zh, 'status-pool')).toBe('剩余二维码 1')
  })

  it('catching up after an outage: says how many stored scans are left, then plain connected', async () => {
    const { zh, en } = await renderBoth(makeStatus({ relay: { backlog: 2_345 } }))
    expect(text(zh, 'status-relay')).toBe('同步中：还有 2,345 条')
    expect(level(zh, 'status-relay')).toBe('warn')
    expect(text(en, 'status-relay')).toBe('Catching up: 2,345 left')
    await en.setProps({ status: makeStatus({ relay: { backlog: 1 } }) })
    expect(text(en, 'status-relay')).toBe('Catching up: 1 left')
    await en.setProps({ status: makeStatus() })
    expect(text(en, 'status-relay')).toBe('Relay connected')
    expect(level(en, 'status-relay')).toBe('ok')
  })

  it('a new roster arriving: says how much is in, amber; scans left to store come first', async () => {
    const roster = { received: 22_600, total: 50_000 }
    const { zh, en } = await renderBoth(makeStatus({ relay: { roster } }))
    expect(text(zh, 'status-relay')).toBe('名单同步中 45%')
    expect(level(zh, 'status-relay')).toBe('warn')
    expect(text(en, 'status-relay')).toBe('Roster updating 45%')
    // A scan made now waits behind the stored ones: that is said first.
    await en.setProps({ status: makeStatus({ relay: { roster, backlog: 12 } }) })
    expect(text(en, 'status-relay')).toBe('Catching up: 12 left')
    // Cut off meanwhile: the link's state is what matters.
    await en.setProps({ status: makeStatus({ relay: { roster, state: 'reconnecting' } }) })
    expect(text(en, 'status-relay')).toBe('Relay reconnecting')
    expect(level(en, 'status-relay')).toBe('bad')
    await en.setProps({ status: makeStatus() })
    expect(text(en, 'status-relay')).toBe('Relay connected')
    expect(level(en, 'status-relay')).toBe('ok')
  })

  it('catching up shows on the diagnostics page too', async () => {
    expect(await diagnosticsFact(makeStatus({ relay: { backlog: 40 } }), 'relay')).toBe(
      '同步中：还有 40 条',
    )
  })

  it("diagnostics' last error sends a proxy booth's refused AppSecret or IP to the relay admin", async () => {
    // A proxy booth has no AppSecret field and its IP is not the one WeChat sees: only the
    // relay's admin can fix either. A direct booth keeps the code's own words.
    const status = (code: string, source: 'direct' | 'proxy') =>
      makeStatus({
        api: { state: 'down', source, lastError: { code, params: { errcode: 40125 } } },
      })
    const proxyCredentials = status('bad_credentials', 'proxy')
    expect(await diagnosticsFact(proxyCredentials, 'lastError', 'en')).toBe(
      "WeChat refuses the relay's AppID or AppSecret (reset in the WeChat admin?) — the relay admin must set the new one on the relay; nothing to change on this booth",
    )
    expect(await diagnosticsFact(proxyCredentials, 'lastError')).toBe(
      '微信拒绝了中继的 AppID 或 AppSecret（可能已在公众平台后台重置）— 请中继管理员在中继上设置新的；本签到台无需修改',
    )
    const proxyIp = status('ip_not_allowed', 'proxy')
    expect(await diagnosticsFact(proxyIp, 'lastError', 'en')).toBe(
      "WeChat refuses calls from the relay's IP: it is not on the account's IP allow-list — the relay admin must add the relay server's public IP in the WeChat admin; nothing to change on this booth",
    )
    expect(await diagnosticsFact(proxyIp, 'lastError')).toBe(
      '中继服务器的 IP 不在公众号的 IP 白名单中 — 请中继管理员在公众平台后台添加中继的公网 IP；本签到台无需修改',
    )
    expect(await diagnosticsFact(status('bad_credentials', 'direct'), 'lastError', 'en')).toBe(
      'AppID or AppSecret is wrong',
    )
  })

  it('says how far the booth’s clock is off the relay’s, in both languages; nothing in step', async () => {
    const clock = async (relayAheadMinutes: number) => {
      const { zh, en } = await renderBoth(makeStatus({ relay: { relayAheadMinutes } }))
      return [text(zh, 'status-clock'), text(en, 'status-clock')]
    }
    expect(await clock(180)).toEqual(['本机时钟慢 3 小时', 'Clock 3 h slow'])
    expect(await clock(-40)).toEqual(['本机时钟快 40 分钟', 'Clock 40 min fast'])
    expect(await clock(119)).toEqual(['本机时钟慢 119 分钟', 'Clock 119 min slow'])
    expect(await clock(-47 * 60)).toEqual(['本机时钟快 47 小时', 'Clock 47 h fast'])
    expect(await clock(-36 * 60)).toEqual(['本机时钟快 36 小时', 'Clock 36 h fast'])
    // 47 h 30 min and more rounds to two days, not to "48 h" beside "2 days" a minute later.
    expect(await clock(47 * 60 + 30)).toEqual(['本机时钟慢 2 天', 'Clock 2 days slow'])
    expect(await clock(47 * 60 + 29)).toEqual(['本机时钟慢 47 小时', 'Clock 47 h slow'])
    // A CMOS battery reset to 2000-01-01 while the event runs in December 2026.
    expect(
      await clock(Math.round((Date.UTC(2026, 11, 6) - Date.UTC(2000, 0, 1)) / 60_000)),
    ).toEqual(['本机时钟慢 9,836 天', 'Clock 9,836 days slow'])
    expect(await clock(24 * 60 * 2)).toEqual(['本机时钟慢 2 天', 'Clock 2 days slow'])
    expect(await clock(-24 * 60 * 2 - 1)).toEqual(['本机时钟快 2 天', 'Clock 2 days fast'])
    const inStep = render(makeStatus())
    await inStep.vm.$nextTick()
    expect(inStep.find('[data-testid="status-clock"]').exists()).toBe(false)
  })

  it('shows the demo badge in demo mode', async () => {
    const w = render(makeStatus(), true)
    await w.vm.$nextTick()
    expect(text(w, 'demo-badge')).toBe('Demo mode')
  })
})

describe('offline rule', () => {
  it('reconnecting is offline at once; a first connection only after a while', () => {
    expect(isOffline(makeStatus({ relay: { state: 'reconnecting', since: NOW } }), NOW)).toBe(true)
    expect(isOffline(makeStatus({ relay: { state: 'connecting', since: NOW } }), NOW + 1_000)).toBe(
      false,
    )
    expect(
      isOffline(makeStatus({ relay: { state: 'connecting', since: NOW } }), NOW + 30_000),
    ).toBe(true)
    expect(isOffline(makeStatus(), NOW)).toBe(false)
    expect(isOffline(makeStatus({ relay: { state: 'disabled' } }), NOW)).toBe(false)
  })
})

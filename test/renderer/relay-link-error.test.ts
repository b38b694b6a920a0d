// @vitest-environment happy-dom
// Booth staff see why the relay link is down, in the UI's language: the screen's status corner
// names the problem, the admin area's diagnostics say what is wrong and what to do.
import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import DiagnosticsPage from '../../renderer/src/admin/pages/DiagnosticsPage.vue'
import StatusCorner from '../../renderer/src/kiosk/StatusCorner.vue'
import type { KioskStatus } from '../../shared/domain'
import type { ErrorBody } from '../../shared/errors'
import { LINK_PROBLEMS, type LinkProblem } from '../../renderer/src/kiosk/status-view'
import { createFakeKioskApi, makeStatus } from './fake-kiosk-api'
import { mountWith } from './setup-app'

enableAutoUnmount(afterEach)

const NOW = 1_750_000_000_000

function corner(
  lastError: ErrorBody | null,
  locale: 'zh-CN' | 'en',
  state: KioskStatus['relay']['state'] = 'reconnecting',
) {
  const status = makeStatus({ relay: { state, retryAt: NOW + 4_200, lastError } })
  const { wrapper, i18n } = mountWith(StatusCorner, createFakeKioskApi().api, {
    props: { status, now: NOW, demo: false },
  })
  i18n.global.locale.value = locale
  return wrapper
}

async function relayText(lastError: ErrorBody | null, locale: 'zh-CN' | 'en'): Promise<string> {
  const w = corner(lastError, locale)
  await w.vm.$nextTick()
  expect(w.get('[data-testid="status-relay"]').attributes('data-level')).toBe('bad')
  return w.get('[data-testid="status-relay"]').text()
}

/**
 * The diagnostics page mounted on a status whose relay link failed with `lastError` (`state`: the
 * link's, reconnecting unless said); `fake` and `base` to change what the next read answers.
 */
async function diagnostics(
  lastError: ErrorBody,
  state: KioskStatus['relay']['state'] = 'reconnecting',
) {
  const fake = createFakeKioskApi()
  const base = await fake.api.getDiagnostics()
  fake.api.getDiagnostics.mockResolvedValue({
    ...base,
    status: makeStatus({ relay: { state, lastError } }),
  })
  const { wrapper, i18n } = mountWith(DiagnosticsPage, fake.api)
  await flushPromises()
  return { fake, base, wrapper, i18n }
}

describe('status corner: why the relay link is down', () => {
  it('names each failure staff must act on, in zh-CN and English', async () => {
    const cases: Array<[ErrorBody, string, string]> = [
      [{ code: 'store_failed', params: {} }, '磁盘', 'disk'],
      [{ code: 'link_refused', params: { status: 404 } }, '404', '404'],
      [{ code: 'unauthorized', params: {} }, '令牌', 'token'],
      [{ code: 'revoked', params: {} }, '撤销', 'revoked'],
      [{ code: 'forbidden', params: {} }, '编号', 'booth ID'],
    ]
    for (const [error, zh, en] of cases) {
      const zhText = await relayText(error, 'zh-CN')
      expect(zhText).toContain(zh)
      expect(zhText).not.toMatch(/重连中|正在连接/)
      const enText = await relayText(error, 'en')
      expect(enText).toContain(en)
      expect(enText).not.toMatch(/reconnecting|Connecting/)
    }
  })

  it('another kiosk with this identity: said even while this one holds the link', async () => {
    for (const [locale, words] of [
      ['zh-CN', '另一台设备在使用本签到台的身份'],
      ['en', "Another device is using this booth's identity"],
    ] as const) {
      const w = corner({ code: 'identity_conflict', params: {} }, locale, 'connected')
      await w.vm.$nextTick()
      expect(w.get('[data-testid="status-relay"]').text()).toBe(words)
      expect(w.get('[data-testid="status-relay"]').attributes('data-level')).toBe('bad')
    }
  })

  it('a network failure keeps the reconnect countdown', async () => {
    expect(await relayText({ code: 'unreachable', params: {} }, 'en')).toBe(
      'Relay reconnecting (retry in 5 s)',
    )
  })
})

describe('diagnostics: the relay link error', () => {
  it('says what is wrong and what to do, and nothing once the link works', async () => {
    const { fake, base, wrapper, i18n } = await diagnostics({ code: 'store_failed', params: {} })
    expect(wrapper.get('[data-fact="relayError"]').text()).toContain('磁盘')
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(wrapper.get('[data-fact="relayError"]').text()).toMatch(/disk.*free/i)

    fake.api.getDiagnostics.mockResolvedValue(base)
    await wrapper.get('button').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-fact="relayError"]').text()).toBe('None')
  })

  it('a revoked or refused token sends staff to the organizer for a pairing code, as the screen banner does', async () => {
    // The banner on the screen said "get a new pairing code from the organizer"; the diagnostics
    // and the connection test said "ask the relay admin for a new one", a person booth staff
    // have never heard of, for a token they never saw (a paired booth gets its token itself).
    for (const code of ['revoked', 'unauthorized'] as const) {
      const { wrapper, i18n } = await diagnostics({ code, params: {} })
      const zh = wrapper.get('[data-fact="relayError"]').text()
      expect(zh).toContain('向组织者获取新的配对码')
      expect(zh).not.toContain('中继管理员')
      i18n.global.locale.value = 'en'
      await flushPromises()
      const en = wrapper.get('[data-fact="relayError"]').text()
      expect(en).toContain('new pairing code from the organizer')
      expect(en).not.toContain('relay admin')
      wrapper.unmount()
    }
  })

  it('the relay row names the refusal as the status corner does, not "reconnecting"; what to do is said once, in the error row', async () => {
    // The link is retried in between (state reconnecting), but the row read 中继重连中 while the
    // relay refused the booth's token: staff waited for a link that would never come back. Then
    // the row took the screen banner's words, and the page said "get a new pairing code from the
    // organizer" twice, in the relay row and, almost the same, in the relay error row below it.
    for (const code of ['revoked', 'unauthorized'] as const) {
      const { wrapper, i18n } = await diagnostics({ code, params: {} })
      const zh = wrapper.get('[data-fact="relay"]').text()
      expect(zh).toBe(i18n.global.t(`status.link.${code}`))
      expect(zh).not.toContain('重连中')
      const facts = () => wrapper.get('[data-testid="diagnostics"]').text()
      expect(facts().split('向组织者获取新的配对码').length - 1).toBe(1)
      expect(wrapper.get('[data-fact="relayError"]').text()).toContain('向组织者获取新的配对码')
      i18n.global.locale.value = 'en'
      await flushPromises()
      const en = wrapper.get('[data-fact="relay"]').text()
      expect(en).toBe(i18n.global.t(`status.link.${code}`))
      expect(en).not.toMatch(/reconnecting/i)
      expect(facts().split('new pairing code from the organizer').length - 1).toBe(1)
      wrapper.unmount()
    }
    // A network failure still reads as reconnecting.
    const { wrapper } = await diagnostics({ code: 'unreachable', params: {} })
    expect(wrapper.get('[data-fact="relay"]').text()).toBe('中继重连中')
  })

  it('every failure staff must act on: the relay row is the corner’s short name, the error row what to do, the banner not repeated', async () => {
    const params: Record<LinkProblem, ErrorBody['params']> = {
      store_failed: {},
      link_refused: { status: 404 },
      network_sign_in: { status: 302 },
      tls_untrusted: {},
      proxy_refused: { status: 407 },
      proxy_invalid: { setting: 'HTTPS_PROXY' },
      unauthorized: {},
      forbidden: {},
      revoked: {},
      identity_conflict: {},
    }
    for (const code of LINK_PROBLEMS) {
      const state = code === 'identity_conflict' ? 'connected' : 'reconnecting'
      const { wrapper, i18n } = await diagnostics({ code, params: params[code] }, state)
      for (const locale of ['zh-CN', 'en'] as const) {
        i18n.global.locale.value = locale
        await flushPromises()
        const relay = wrapper.get('[data-fact="relay"]').text()
        const error = wrapper.get('[data-fact="relayError"]').text()
        expect(relay).toBe(i18n.global.t(`status.link.${code}`, params[code]))
        expect(error).toBe(i18n.global.t(`codes.${code}`, params[code]))
        expect(error).not.toBe(relay)
        expect(wrapper.get('[data-testid="diagnostics"]').text()).not.toContain(
          i18n.global.t(`status.banner.${code}`),
        )
      }
      wrapper.unmount()
    }
  })
})

describe('diagnostics: the HTTP proxy the relay is reached through', () => {
  it('names the proxy’s address, or says the connection is direct, in zh-CN and English', async () => {
    const { fake, base, wrapper, i18n } = await diagnostics({ code: 'unreachable', params: {} })
    expect(wrapper.get('[data-fact="proxy"]').text()).toBe('无（直接连接）')
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(wrapper.get('[data-fact="proxy"]').text()).toBe('None (direct connection)')
    wrapper.unmount()
    fake.api.getDiagnostics.mockResolvedValue({
      ...base,
      relay: { ...base.relay, proxy: 'http://proxy.corp:3128' },
    })
    const { wrapper: shown } = mountWith(DiagnosticsPage, fake.api)
    await flushPromises()
    expect(shown.get('[data-fact="proxy"]').text()).toBe('http://proxy.corp:3128')
    shown.unmount()
  })
})

describe('diagnostics: the ticket API row names what the status corner names', () => {
  it('a relay with no AppID, a booth it makes no codes for, a refused AppSecret or IP: not "relay proxy unreachable", in zh-CN and English', async () => {
    const faults: Array<[KioskStatus['api']['source'], ErrorBody]> = [
      ['proxy', { code: 'proxy_disabled', params: {} }],
      ['proxy', { code: 'proxy_not_allowed', params: {} }],
      ['proxy', { code: 'bad_credentials', params: { errcode: 40125 } }],
      ['direct', { code: 'ip_not_allowed', params: { errcode: 40164 } }],
    ]
    for (const [source, lastError] of faults) {
      const status = makeStatus({ api: { state: 'down', source, lastError } })
      const fake = createFakeKioskApi()
      const base = await fake.api.getDiagnostics()
      fake.api.getDiagnostics.mockResolvedValue({ ...base, status })
      const page = mountWith(DiagnosticsPage, fake.api)
      await flushPromises()
      const shown = mountWith(StatusCorner, createFakeKioskApi().api, {
        props: { status, now: NOW, demo: false },
      })
      for (const locale of ['zh-CN', 'en'] as const) {
        page.i18n.global.locale.value = locale
        shown.i18n.global.locale.value = locale
        await flushPromises()
        const row = page.wrapper.get('[data-fact="api"]').text()
        expect(row, `${lastError.code} (${locale})`).toBe(
          shown.wrapper.get('[data-testid="status-api"]').text(),
        )
        expect(row).not.toMatch(/无法访问|unreachable/i)
      }
    }
  })
})

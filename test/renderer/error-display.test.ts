// @vitest-environment happy-dom
/**
 * Failed calls as a person sees them: in the UI's language, whatever English the thrown error
 * carries, and with a sentence of the UI's own for a code it does not know.
 */
import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import CampaignPage from '../../renderer/src/admin/pages/CampaignPage.vue'
import ExportPage from '../../renderer/src/admin/pages/ExportPage.vue'
import SettingsPage from '../../renderer/src/admin/pages/SettingsPage.vue'
import SetupPage from '../../renderer/src/admin/pages/SetupPage.vue'
import { KioskCallError } from '../../renderer/src/bridge/web-client'
import { useScreenStore } from '../../renderer/src/stores/screen'
import { createFakeKioskApi, makeCampaign } from './fake-kiosk-api'
import { mountWith } from './setup-app'

enableAutoUnmount(afterEach)

/** What the preload throws: a plain object; an older core may still send a message. */
const coded = (code: string, message: string, params: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { code, params })

describe('failed calls on the admin pages', () => {
  it('shows a known code in Chinese, then English, never the English sentence it came with', async () => {
    const fake = createFakeKioskApi()
    fake.api.listCampaigns.mockRejectedValue(
      coded('internal', 'Internal error; details are in the log.'),
    )
    const { wrapper, i18n } = mountWith(CampaignPage, fake.api)
    await flushPromises()
    const failure = () => wrapper.get('.error-text').text()
    expect(failure()).toBe('操作失败：内部错误，详情见日志')
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(failure()).toBe('Something went wrong: Internal error; details are in the log')
  })

  it('words a code this UI does not know with its own sentence and the code', async () => {
    const fake = createFakeKioskApi()
    fake.api.listCampaigns.mockRejectedValue(new KioskCallError('roster_encoding', { limit: 10 }))
    fake.api.activateCampaign.mockRejectedValue(
      coded('rate_limited', 'Too many requests; retry in 30 seconds.', { retryAfter: 30 }),
    )
    const { wrapper } = mountWith(CampaignPage, fake.api)
    await flushPromises()
    expect(wrapper.get('.error-text').text()).toBe(
      '操作失败：未知错误（错误代码：roster_encoding）',
    )
    expect(wrapper.text()).not.toMatch(/[A-Za-z]{4,} [a-z]+/)
  })

  it('a wrong current PIN reads in the UI language', async () => {
    const fake = createFakeKioskApi()
    fake.api.setPin.mockRejectedValue(coded('wrong_pin', 'currentPin: the current PIN is wrong'))
    const { wrapper } = mountWith(SettingsPage, fake.api)
    await flushPromises()
    await wrapper.get('#pin-current').setValue('1234')
    await wrapper.get('#pin-new').setValue('5678')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-error-for="pin-new"]').text()).toBe('操作失败：当前 PIN 码不正确')
  })

  it('a failed connection test names the relay’s HTTP status in the UI language', async () => {
    const fake = createFakeKioskApi()
    fake.api.testConnection.mockResolvedValue({
      relay: { ok: false, code: 'unhealthy', params: { status: 502 } },
      api: { ok: false, code: 'other', params: { errcode: 40001 } },
    })
    const { wrapper } = mountWith(SetupPage, fake.api)
    await flushPromises()
    await wrapper.get('[data-testid="test-connection"]').trigger('click')
    await flushPromises()
    const text = wrapper.get('[data-testid="connection-check"]').text()
    expect(text).toContain('中继：中继服务器运行异常（HTTP 502），请联系中继管理员')
    expect(text).toContain('微信接口：微信接口出错（错误码 40001），请查看诊断页')
  })

  it('a failed export says why in the UI language', async () => {
    const fake = createFakeKioskApi()
    const { wrapper } = mountWith(ExportPage, fake.api)
    useScreenStore().campaign = makeCampaign()
    await flushPromises()
    await wrapper.get('[data-testid="export-csv"]').trigger('click')
    await flushPromises()
    fake.emit('exportProgress', {
      exportId: 'x-1',
      fileName: 'spring.csv',
      savedPath: null,
      downloadUrl: null,
      state: 'failed',
      rowsDone: 3,
      rowsTotal: 10,
      error: { code: 'export_failed', params: {} },
    })
    await flushPromises()
    expect(wrapper.text()).toContain('导出失败：无法写入导出文件，详情见日志')
  })
})

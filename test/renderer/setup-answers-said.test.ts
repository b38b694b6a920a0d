// @vitest-environment happy-dom
/**
 * 首次设置 / Setup as a screen-reader user meets it: what 测试连接 / Test connection found (the
 * relay's line and WeChat's, passed or not) and a save that went through are said, from a
 * role=status there before the words go into it; a save or pairing the core refused is an alert.
 */
import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import SetupPage from '../../renderer/src/admin/pages/SetupPage.vue'
import { createFakeKioskApi } from './fake-kiosk-api'
import { mountWith } from './setup-app'

enableAutoUnmount(afterEach)

describe('setup page: its answers, heard', () => {
  it('says what 测试连接 found, passed or not, from a status that was already there', async () => {
    const fake = createFakeKioskApi()
    fake.api.testConnection.mockResolvedValue({
      relay: { ok: true, code: 'ok', params: {} },
      api: { ok: false, code: 'other', params: { errcode: 40001 } },
    })
    const { wrapper } = mountWith(SetupPage, fake.api)
    await flushPromises()
    const status = wrapper.get('[data-testid="connection-said"]')
    expect(status.attributes('role')).toBe('status')
    expect(status.text()).toBe('')
    await wrapper.get('[data-testid="test-connection"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="connection-said"]').element).toBe(status.element)
    expect(status.text()).toContain('中继：')
    expect(status.text()).toContain('微信接口：微信接口出错（错误码 40001），请查看诊断页')
  })

  it('says a save went through, and alerts a save the core refused', async () => {
    const fake = createFakeKioskApi()
    const { wrapper } = mountWith(SetupPage, fake.api)
    await flushPromises()
    await wrapper.get('input[name="mode"][value="token"]').setValue(true)
    await wrapper.get('#relayUrl').setValue('https://relay.example.org')
    await wrapper.get('#kioskId').setValue('booth-1')
    await wrapper.get('#relayToken').setValue('booth-1.a-token-from-kiosk-add-0123')
    const status = wrapper.get('[data-testid="setup-said"]')
    expect(status.attributes('role')).toBe('status')
    fake.api.saveSetup.mockRejectedValueOnce(
      Object.assign(new Error('boom'), { code: 'internal', params: {} }),
    )
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid="setup-failed"]').attributes('role')).toBe('alert')
    await wrapper.get('#relayToken').setValue('booth-1.a-token-from-kiosk-add-0123')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.api.saveSetup).toHaveBeenCalledTimes(2)
    expect(wrapper.find('[data-testid="setup-failed"]').exists()).toBe(false)
    expect(status.text()).toBe('已保存')
  })
})

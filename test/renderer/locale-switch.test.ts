// @vitest-environment happy-dom
import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import AdminView from '../../renderer/src/admin/AdminView.vue'
import { useLocaleStore } from '../../renderer/src/stores/locale'
import { createFakeKioskApi } from './fake-kiosk-api'
import { mountWith } from './setup-app'

enableAutoUnmount(afterEach)

describe('language switch', () => {
  it('switches the UI to English at once and tells the core', async () => {
    const fake = createFakeKioskApi()
    const { wrapper } = mountWith(AdminView, fake.api, { props: { page: null } })
    expect(wrapper.get('h1').text()).toBe('管理员登录')

    await wrapper.get('[data-locale="en"]').trigger('click')
    await flushPromises()
    expect(fake.api.setLocale).toHaveBeenCalledWith({ locale: 'en' })
    expect(wrapper.get('h1').text()).toBe('Admin sign-in')
    expect(wrapper.get('[data-locale="en"]').attributes('aria-pressed')).toBe('true')

    await wrapper.get('[data-locale="zh-CN"]').trigger('click')
    await flushPromises()
    expect(fake.api.setLocale).toHaveBeenLastCalledWith({ locale: 'zh-CN' })
    expect(wrapper.get('h1').text()).toBe('管理员登录')
  })

  it('goes back to the previous language when the core refuses the change', async () => {
    const fake = createFakeKioskApi()
    fake.api.setLocale.mockRejectedValue(new Error('unavailable'))
    const { wrapper } = mountWith(AdminView, fake.api, { props: { page: null } })
    await wrapper.get('[data-locale="en"]').trigger('click')
    await flushPromises()
    expect(useLocaleStore().current).toBe('zh-CN')
    expect(wrapper.get('h1').text()).toBe('管理员登录')
  })
})

// @vitest-environment happy-dom
/**
 * 修改管理 PIN 码 / Change admin PIN as a screen-reader user meets it: the button says what it
 * saves, and a changed PIN is said (a role=status there before the words go into it), in
 * Chinese and in English.
 */
import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import SettingsPage from '../../renderer/src/admin/pages/SettingsPage.vue'
import { createFakeKioskApi } from './fake-kiosk-api'
import { mountWith } from './setup-app'

enableAutoUnmount(afterEach)

describe('changing the admin PIN, heard', () => {
  for (const [locale, button, said] of [
    ['zh-CN', '保存新 PIN 码', '新 PIN 码已保存'],
    ['en', 'Save the new PIN', 'New PIN saved'],
  ] as const) {
    it(`names the button and says the PIN was changed (${locale})`, async () => {
      const fake = createFakeKioskApi()
      const { wrapper, i18n } = mountWith(SettingsPage, fake.api)
      i18n.global.locale.value = locale
      await flushPromises()
      const submit = wrapper.get('form.pin button[type="submit"]')
      expect(submit.text()).toBe(button)
      const status = wrapper.get('form.pin [role="status"]')
      expect(status.text()).toBe('')

      await wrapper.get('#pin-current').setValue('1234')
      await wrapper.get('#pin-new').setValue('5678')
      await wrapper.get('form').trigger('submit')
      await flushPromises()
      expect(fake.api.setPin).toHaveBeenCalledWith({ currentPin: '1234', newPin: '5678' })
      // The same element: a status put in with its words is missed by some screen readers.
      expect(wrapper.get('form.pin [role="status"]').element).toBe(status.element)
      expect(status.text()).toBe(said)
    })
  }
})

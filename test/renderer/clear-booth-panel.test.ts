// @vitest-environment happy-dom
/**
 * 清除本机数据 / Clear this booth on the admin area's settings page: the counts of what only this
 * booth holds are shown with the export offered, and nothing is cleared until a second, explicit
 * step, whose focus starts on 取消 / Cancel (Escape backs out).
 */
import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { reloadAt } from '../../renderer/src/composables/use-hash-route'
import type * as HashRoute from '../../renderer/src/composables/use-hash-route'
import SettingsPage from '../../renderer/src/admin/pages/SettingsPage.vue'
import { createFakeKioskApi } from './fake-kiosk-api'
import { mountWith } from './setup-app'

enableAutoUnmount(afterEach)
vi.mock('../../renderer/src/composables/use-hash-route', async (importOriginal) => ({
  ...(await importOriginal<typeof HashRoute>()),
  reloadAt: vi.fn(),
}))
afterEach(() => vi.mocked(reloadAt).mockClear())

function mountSettings() {
  const fake = createFakeKioskApi()
  fake.api.boothDataAtRisk.mockResolvedValue({ unsentBindings: 2, localOnlyCheckIns: 37 })
  const { wrapper, i18n } = mountWith(SettingsPage, fake.api, { attachTo: document.body })
  return { fake, wrapper, i18n }
}

/** The counts shown, 清除本机数据… then 确认清除 pressed, the answer in. */
async function confirmClear(wrapper: ReturnType<typeof mountSettings>['wrapper']): Promise<void> {
  await flushPromises()
  await wrapper.get('[data-testid="clear-booth-ask"]').trigger('click')
  await flushPromises()
  await wrapper.get('[data-testid="clear-booth-confirm"]').trigger('click')
  await flushPromises()
}

describe('clear this booth', () => {
  it('shows what would be lost and the export, and clears only after a second step', async () => {
    const { fake, wrapper } = mountSettings()
    await flushPromises()
    const panel = wrapper.get('[data-testid="clear-booth"]')
    expect(panel.text()).toContain('清除本机数据')
    expect(wrapper.get('[data-testid="clear-booth-bindings"]').text()).toContain('2')
    expect(wrapper.get('[data-testid="clear-booth-checkins"]').text()).toContain('37')
    expect(wrapper.get('[data-testid="clear-booth-export"]').attributes('href')).toBe(
      '#/admin/export',
    )

    await wrapper.get('[data-testid="clear-booth-ask"]').trigger('click')
    await flushPromises()
    expect(fake.api.clearBooth).not.toHaveBeenCalled()
    // The second step: focus on 取消, the choice that changes nothing; it says data will be lost.
    expect(document.activeElement).toBe(wrapper.get('[data-testid="clear-booth-cancel"]').element)
    expect(wrapper.get('[data-testid="clear-booth-warning"]').text()).toContain('永久丢失')

    await wrapper.get('[data-testid="clear-booth-cancel"]').trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-testid="clear-booth-confirm"]').exists()).toBe(false)
    expect(fake.api.clearBooth).not.toHaveBeenCalled()

    await wrapper.get('[data-testid="clear-booth-ask"]').trigger('click')
    await flushPromises()
    await wrapper.get('[data-testid="clear-booth"]').trigger('keydown', { key: 'Escape' })
    await flushPromises()
    expect(wrapper.find('[data-testid="clear-booth-confirm"]').exists()).toBe(false)
    expect(fake.api.clearBooth).not.toHaveBeenCalled()
  })

  it('confirmed, clears with the loss confirmed; a refusal shows the new counts', async () => {
    const { fake, wrapper, i18n } = mountSettings()
    i18n.global.locale.value = 'en'
    fake.api.clearBooth.mockResolvedValue({
      ok: false,
      atRisk: { unsentBindings: 3, localOnlyCheckIns: 37 },
    })
    await flushPromises()
    await wrapper.get('[data-testid="clear-booth-ask"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="clear-booth-warning"]').text()).toContain('lost for good')
    const confirm = wrapper.get('[data-testid="clear-booth-confirm"]')
    ;(confirm.element as HTMLButtonElement).focus()
    await confirm.trigger('click')
    await flushPromises()
    expect(fake.api.clearBooth).toHaveBeenCalledWith({ confirmLoss: true })
    expect(wrapper.get('[data-testid="clear-booth-bindings"]').text()).toBe(
      'Desk bindings not yet at the relay: 3',
    )
    expect(wrapper.find('[data-testid="clear-booth-confirm"]').exists()).toBe(false)
    // The refusal is said, and the focus, on 确认清除 as it went, is back on the button that asked.
    expect(wrapper.get('[data-testid="clear-booth-refused"]').attributes('role')).toBe('alert')
    expect(wrapper.get('[data-testid="clear-booth-refused"]').text()).toBe(
      'More data only this booth holds came in after the count: nothing was cleared. See the new counts above.',
    )
    expect(document.activeElement).toBe(wrapper.get('[data-testid="clear-booth-ask"]').element)
  })

  it('cleared, names the files it left in the folder before the page loads again', async () => {
    const { fake, wrapper, i18n } = mountSettings()
    i18n.global.locale.value = 'en'
    fake.api.clearBooth.mockResolvedValue({
      ok: true,
      removed: 9,
      folder: 'C:\\booth\\kiosk',
      left: ['backup/', 'day-1.xlsx', 'kiosk.db.bak'],
    })
    await confirmClear(wrapper)
    // Kept (the clear cannot know what they are) and said, until the staff have read it.
    const left = wrapper.get('[data-testid="clear-booth-left"]')
    expect(left.attributes('role')).toBe('alert')
    expect(left.text()).toContain(
      '3 files were left in C:\\booth\\kiosk: backup/, day-1.xlsx, kiosk.db.bak',
    )
    expect(reloadAt).not.toHaveBeenCalled()
    // The focus, on 确认清除 as it went, is on the button that loads the page again.
    expect(document.activeElement).toBe(
      wrapper.get('[data-testid="clear-booth-left-done"]').element,
    )
    expect(wrapper.find('[data-testid="clear-booth-ask"]').exists()).toBe(false)
    await wrapper.get('[data-testid="clear-booth-left-done"]').trigger('click')
    expect(reloadAt).toHaveBeenCalledWith('#/')
  })

  it('cleared with nothing left over, the page loads again at once', async () => {
    const { fake, wrapper } = mountSettings()
    fake.api.boothDataAtRisk.mockResolvedValue({ unsentBindings: 0, localOnlyCheckIns: 0 })
    await confirmClear(wrapper)
    expect(fake.api.clearBooth).toHaveBeenCalledWith({ confirmLoss: true })
    expect(reloadAt).toHaveBeenCalledWith('#/')
    expect(wrapper.find('[data-testid="clear-booth-left"]').exists()).toBe(false)
  })

  it('a clear that failed is said, and the next attempt takes the saying away', async () => {
    const { fake, wrapper } = mountSettings()
    // The second attempt is refused (a clear that went through would load the page again).
    fake.api.clearBooth.mockResolvedValue({
      ok: false,
      atRisk: { unsentBindings: 2, localOnlyCheckIns: 37 },
    })
    fake.api.clearBooth.mockRejectedValueOnce(
      Object.assign(new Error('busy'), { code: 'internal', params: {} }),
    )
    await confirmClear(wrapper)
    const failed = wrapper.get('[data-testid="clear-booth-error"]')
    expect(failed.attributes('role')).toBe('alert')
    expect(failed.text()).toMatch(/^操作失败：/)
    await wrapper.get('[data-testid="clear-booth-confirm"]').trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-testid="clear-booth-error"]').exists()).toBe(false)
  })
})

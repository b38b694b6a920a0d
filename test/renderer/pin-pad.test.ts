// @vitest-environment happy-dom
import { enableAutoUnmount, flushPromises, type VueWrapper } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import AdminView from '../../renderer/src/admin/AdminView.vue'
import { useAdminSessionStore } from '../../renderer/src/stores/admin-session'
import { createFakeKioskApi, type FakeKioskApi } from './fake-kiosk-api'
import { mountWith } from './setup-app'

enableAutoUnmount(afterEach)

const T0 = new Date('2025-05-01T09:00:00Z').getTime()

async function typePin(wrapper: VueWrapper, pin: string): Promise<void> {
  for (const digit of pin) await wrapper.get(`[data-key="${digit}"]`).trigger('click')
  await wrapper.get('[data-key="enter"]').trigger('click')
  await flushPromises()
}

describe('PIN pad', () => {
  let fake: FakeKioskApi

  beforeEach(() => {
    vi.useFakeTimers({ now: T0 })
    fake = createFakeKioskApi()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  function mountAdmin() {
    return mountWith(AdminView, fake.api, { props: { page: 'diagnostics' } }).wrapper
  }

  it('sends the typed PIN and opens the admin area when the core accepts it', async () => {
    const wrapper = mountAdmin()
    await typePin(wrapper, '2468')
    expect(fake.api.unlockAdmin).toHaveBeenCalledWith({ pin: '2468' })
    expect(wrapper.find('[data-testid="pin-pad"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="admin-page-diagnostics"]').exists()).toBe(true)
  })

  it('shows the attempts left after a wrong PIN and stays locked', async () => {
    fake.api.unlockAdmin.mockResolvedValue({ ok: false, attemptsLeft: 2, lockedUntil: null })
    const wrapper = mountAdmin()
    await typePin(wrapper, '1111')
    expect(wrapper.get('[data-testid="pin-wrong"]').text()).toBe('PIN 码错误，还可尝试 2 次')
    expect(wrapper.find('[data-testid="pin-pad"]').exists()).toBe(true)
    expect(fake.api.getDiagnostics).not.toHaveBeenCalled()
  })

  it('shows the lockout countdown, refuses input while locked, then allows it again', async () => {
    fake.api.unlockAdmin.mockResolvedValue({ ok: false, attemptsLeft: 0, lockedUntil: T0 + 90_000 })
    const wrapper = mountAdmin()
    await typePin(wrapper, '1111')
    expect(wrapper.get('[data-testid="pin-locked"]').text()).toContain('1:30')
    expect(wrapper.get('[data-key="5"]').attributes('disabled')).toBeDefined()

    vi.advanceTimersByTime(60_000)
    await flushPromises()
    expect(wrapper.get('[data-testid="pin-locked"]').text()).toContain('0:30')

    await typePin(wrapper, '2222')
    expect(fake.api.unlockAdmin).toHaveBeenCalledTimes(1)

    vi.advanceTimersByTime(31_000)
    await flushPromises()
    expect(wrapper.find('[data-testid="pin-locked"]').exists()).toBe(false)
    fake.api.unlockAdmin.mockResolvedValue({ ok: true })
    await typePin(wrapper, '2468')
    expect(fake.api.unlockAdmin).toHaveBeenLastCalledWith({ pin: '2468' })
    expect(wrapper.find('[data-testid="pin-pad"]').exists()).toBe(false)
  })

  it('takes a PIN again at once when the relay console clears the lockout', async () => {
    fake.api.unlockAdmin.mockResolvedValue({
      ok: false,
      attemptsLeft: 0,
      lockedUntil: T0 + 3_600_000,
    })
    const wrapper = mountAdmin()
    await typePin(wrapper, '1111')
    expect(wrapper.get('[data-testid="pin-locked"]').text()).toContain('60:00')
    expect(wrapper.get('[data-key="5"]').attributes('disabled')).toBeDefined()

    fake.emit('adminLockout', { lockedUntil: null })
    await flushPromises()
    expect(wrapper.find('[data-testid="pin-locked"]').exists()).toBe(false)
    fake.api.unlockAdmin.mockResolvedValue({ ok: true })
    await typePin(wrapper, '2468')
    expect(fake.api.unlockAdmin).toHaveBeenLastCalledWith({ pin: '2468' })
    expect(wrapper.find('[data-testid="pin-pad"]').exists()).toBe(false)
  })

  it('takes a finger on a key as that key pressed, once, and none on a locked pad', async () => {
    fake.api.unlockAdmin.mockResolvedValue({ ok: false, attemptsLeft: 0, lockedUntil: T0 + 60_000 })
    const wrapper = mountAdmin()
    for (const digit of '2468') await wrapper.get(`[data-key="${digit}"]`).trigger('touchstart')
    expect(wrapper.findAll('[data-testid="pin-dots"] .filled')).toHaveLength(4)
    expect(wrapper.get('[data-key="8"]').classes()).toContain('held')
    await wrapper.get('[data-key="enter"]').trigger('touchstart')
    await flushPromises()
    expect(fake.api.unlockAdmin).toHaveBeenCalledWith({ pin: '2468' })

    await wrapper.get('[data-key="5"]').trigger('touchstart')
    await wrapper.get('[data-key="enter"]').trigger('touchstart')
    await flushPromises()
    expect(wrapper.findAll('[data-testid="pin-dots"] .filled')).toHaveLength(0)
    expect(fake.api.unlockAdmin).toHaveBeenCalledTimes(1)
  })

  it('does not send a PIN shorter than four digits', async () => {
    const wrapper = mountAdmin()
    await typePin(wrapper, '12')
    expect(fake.api.unlockAdmin).not.toHaveBeenCalled()
    expect(wrapper.text()).toContain('PIN 码为 4–8 位数字')
  })

  it('says a PIN is too short after a wrong one, instead of repeating "wrong"', async () => {
    fake.api.unlockAdmin.mockResolvedValue({ ok: false, attemptsLeft: 4, lockedUntil: null })
    const wrapper = mountAdmin()
    await typePin(wrapper, '1111')
    expect(wrapper.get('[data-testid="pin-wrong"]').text()).toBe('PIN 码错误，还可尝试 4 次')
    await typePin(wrapper, '12')
    expect(fake.api.unlockAdmin).toHaveBeenCalledTimes(1)
    expect(wrapper.get('[role="alert"]').text()).toBe('PIN 码为 4–8 位数字')
    // Typing again takes the short-PIN message away; the attempts left still show.
    await wrapper.get('[data-key="3"]').trigger('click')
    expect(wrapper.get('[data-testid="pin-wrong"]').text()).toBe('PIN 码错误，还可尝试 4 次')
  })

  it('goes back to the PIN pad when the core says the admin session ended', async () => {
    const wrapper = mountAdmin()
    await typePin(wrapper, '2468')
    fake.api.getDiagnostics.mockRejectedValue(
      Object.assign(new Error('locked'), { code: 'admin_locked' }),
    )
    await wrapper.get('.head .btn').trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-testid="pin-pad"]').exists()).toBe(true)
    expect(wrapper.text()).toContain('管理会话已锁定')
  })

  it('locks the core session again when the admin area is left', async () => {
    const wrapper = mountAdmin()
    await typePin(wrapper, '2468')
    expect(useAdminSessionStore().unlocked).toBe(true)
    wrapper.unmount()
    await flushPromises()
    expect(fake.api.lockAdmin).toHaveBeenCalled()
  })
})

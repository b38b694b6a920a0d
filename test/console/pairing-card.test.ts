// @vitest-environment happy-dom
// The booths page's pairing card: a fresh 15-minute code counts down from 15:00, also when the
// card was already on the page (re-paired booth, another code): its clock is read afresh for
// the new code, not left up to a second behind (which showed 15:01).
import { enableAutoUnmount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import PairingCard from '../../console/src/components/PairingCard.vue'
import { createFakeConsoleApi } from './fake-console-api'
import { mountConsole } from './setup-console'

enableAutoUnmount(afterEach)
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval', 'setTimeout'] })
  vi.setSystemTime(Date.UTC(2026, 11, 5, 1, 0, 0))
})
afterEach(() => vi.useRealTimers())

const FIFTEEN_MINUTES = 15 * 60_000
const expiry = (w: { get: (s: string) => { text: () => string } }) =>
  w.get('[data-testid="pairing-expiry"]').text()

describe('the pairing card', () => {
  it('counts a new code down from 15:00, also on a card already shown', async () => {
    const pairing = (id: string) => ({
      id,
      pairingCode: 'ABCDEFGH',
      expiresAt: Date.now() + FIFTEEN_MINUTES,
    })
    const { wrapper } = mountConsole(PairingCard, createFakeConsoleApi().api, {
      props: { pairing: pairing('hall-a'), used: false, origin: 'https://relay.example' },
    })
    expect(expiry(wrapper)).toContain('15:00')
    vi.advanceTimersByTime(1000)
    await wrapper.vm.$nextTick()
    expect(expiry(wrapper)).toContain('14:59')
    // 900 ms into the next second (the card's clock has not ticked), a new code arrives.
    vi.advanceTimersByTime(900)
    await wrapper.setProps({ pairing: pairing('hall-b') })
    expect(expiry(wrapper)).toContain('15:00')
    vi.advanceTimersByTime(FIFTEEN_MINUTES + 1000)
    await wrapper.vm.$nextTick()
    expect(wrapper.get('[data-testid="pairing-expiry"]').classes()).toContain('error-text')
  })
})

describe('the pairing card heard by a screen reader', () => {
  const pairing = (id: string) => ({
    id,
    pairingCode: 'ACDE4679',
    expiresAt: Date.now() + FIFTEEN_MINUTES,
  })

  it.each(['zh-CN', 'en'] as const)(
    '%s: a new code takes the focus; its expiry and its use are said once, the countdown never',
    async (locale) => {
      const { wrapper, i18n } = mountConsole(PairingCard, createFakeConsoleApi().api, {
        props: { pairing: pairing('hall-a'), used: false, origin: 'https://relay.example' },
        attachTo: document.body,
      })
      i18n.global.locale.value = locale
      await wrapper.vm.$nextTick()
      // The form that asked for it is gone: the focus is on the card's heading, not lost.
      expect(document.activeElement?.textContent).toBe(
        i18n.global.t('pairing.title', { id: 'hall-a' }),
      )
      const live = () =>
        wrapper.findAll('[role="status"], [role="alert"], [aria-live]').map((e) => e.text())
      // The countdown is not in a live region: it would be read out every second.
      expect(live()).toEqual([''])
      vi.advanceTimersByTime(5000)
      await wrapper.vm.$nextTick()
      expect(live()).toEqual([''])
      vi.advanceTimersByTime(FIFTEEN_MINUTES)
      await wrapper.vm.$nextTick()
      expect(live()).toEqual([i18n.global.t('pairing.expired')])
      // Another code for the booth: the focus is on the card again, the region quiet.
      ;(document.activeElement as HTMLElement | null)?.blur()
      await wrapper.setProps({ pairing: pairing('hall-b') })
      await wrapper.vm.$nextTick()
      expect(document.activeElement?.textContent).toBe(
        i18n.global.t('pairing.title', { id: 'hall-b' }),
      )
      expect(live()).toEqual([''])
      await wrapper.setProps({ used: true })
      expect(live()).toEqual([i18n.global.t('pairing.used')])
    },
  )
})

// @vitest-environment happy-dom
// Addresses the console is opened at: one that names no page says so, with the way back, rather
// than quietly showing the booths; a deep link opened signed out is where signing in lands, and
// nothing in the address (a crafted "return to") takes the tab off the console.
import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import App from '../../console/src/App.vue'
import { isKnownPage } from '../../console/src/composables/use-route'
import { createFakeConsoleApi, makeCampaign } from './fake-console-api'
import { mountConsole } from './setup-console'

enableAutoUnmount(afterEach)
afterEach(() => {
  window.location.hash = ''
})

type Wrapper = ReturnType<typeof mountConsole>['wrapper']

async function signIn(wrapper: Wrapper): Promise<void> {
  await wrapper.get('#sign-in-name').setValue('alice')
  await wrapper.get('#sign-in-password').setValue('pw')
  await wrapper.get('form').trigger('submit')
  await flushPromises()
}

function signedOutApp() {
  const fake = createFakeConsoleApi()
  fake.api.session.mockResolvedValue(null)
  fake.api.campaigns.mockResolvedValue([makeCampaign({ id: 'c-autumn', name: '秋季展' })])
  return { fake, ...mountConsole(App, fake.api) }
}

describe('addresses the console is opened at', () => {
  it('knows its pages; anything else is not one', () => {
    for (const hash of ['', '#', '#/', '#/booths', '#/campaigns/c-1', '#/stats?campaign=x'])
      expect(isKnownPage(hash)).toBe(true)
    for (const hash of ['#/nonsense', '#//evil.example/', '#/https:', '#/booth'])
      expect(isKnownPage(hash)).toBe(false)
  })

  it('an address that names no page says so and offers the way back', async () => {
    window.location.hash = '#/atendance'
    const { wrapper } = signedOutApp()
    await flushPromises()
    await signIn(wrapper)
    const notFound = wrapper.get('[data-testid="page-not-found"]')
    expect(notFound.get('h1').text()).toBe('找不到这个页面')
    expect(document.title).toContain('找不到这个页面')
    expect(wrapper.find('[data-testid="page-booths"]').exists()).toBe(false)
    // No tab is marked as the page shown.
    expect(wrapper.find('[aria-current="page"]').exists()).toBe(false)
    const back = wrapper.get('[data-testid="page-not-found-back"]')
    expect(back.attributes('href')).toBe('#/booths')
    expect(back.text()).toBe('前往签到台')
    window.location.hash = '#/booths'
    window.dispatchEvent(new HashChangeEvent('hashchange'))
    await flushPromises()
    expect(wrapper.find('[data-testid="page-not-found"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="page-booths"]').exists()).toBe(true)
  })

  it('a deep link opened signed out is where signing in lands', async () => {
    window.location.hash = '#/attendance?campaign=c-autumn'
    const { wrapper, fake } = signedOutApp()
    await flushPromises()
    expect(wrapper.find('[data-testid="sign-in"]').exists()).toBe(true)
    await signIn(wrapper)
    expect(wrapper.find('[data-testid="page-attendance"]').exists()).toBe(true)
    expect(fake.api.attendance.mock.calls.map(([q]) => q.campaign)).toEqual(['c-autumn'])
    expect(window.location.hash).toBe('#/attendance?campaign=c-autumn')
  })

  it('a crafted "return to" in the address never leaves the console', async () => {
    const origin = window.location.origin
    const path = window.location.pathname
    window.location.hash = '#//evil.example/steal'
    const { wrapper } = signedOutApp()
    await flushPromises()
    await signIn(wrapper)
    expect(window.location.origin).toBe(origin)
    expect(window.location.pathname).toBe(path)
    expect(wrapper.find('[data-testid="page-not-found"]').exists()).toBe(true)
    expect(wrapper.get('[data-testid="page-not-found-back"]').attributes('href')).toBe('#/booths')
  })
})

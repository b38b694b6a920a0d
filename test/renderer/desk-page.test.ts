// @vitest-environment happy-dom
import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { defineComponent, h } from 'vue'
import type { RosterEntry } from '../../shared/domain'
import DeskPage from '../../renderer/src/admin/pages/DeskPage.vue'
import { useAdminSessionStore } from '../../renderer/src/stores/admin-session'
import { createFakeKioskApi, makeTicket } from './fake-kiosk-api'
import { mountWith } from './setup-app'

enableAutoUnmount(afterEach)

const entry = (id: string, company: string, code: string): RosterEntry => ({
  id,
  name: `Guest ${id}`,
  company,
  phone: '',
  code,
  openid: null,
  checkedInAt: null,
})

describe('desk page', () => {
  it('joins company and code with a dot only when both are there', async () => {
    const fake = createFakeKioskApi()
    fake.api.searchRoster.mockResolvedValue([
      entry('1', 'ACME', 'G1'),
      entry('2', '', 'C4'),
      entry('3', 'ACME', ''),
      entry('4', '', ''),
    ])
    const { wrapper } = mountWith(DeskPage, fake.api)
    await flushPromises()
    const rows = wrapper.findAll('[data-testid="desk-result"]')
    expect(rows).toHaveLength(4)
    // A guest without a company read "· C4": a stray dot where the company would be.
    expect(rows.map((r) => r.find('.sub').text().replace(/\s+/g, ' '))).toEqual([
      'ACME · G1',
      'C4',
      'ACME',
      '',
    ])
  })

  it('shows a check-in made while the admin area was locked once it is unlocked again', async () => {
    const fake = createFakeKioskApi()
    const guest = entry('1', 'ACME', 'G1')
    fake.api.searchRoster.mockResolvedValue([guest])
    fake.api.showDeskTicket.mockResolvedValue(
      makeTicket(Date.now(), { rosterEntry: { id: guest.id, name: guest.name } }),
    )
    // The page lives only while the admin area is unlocked, as in AdminView.
    const Host = defineComponent(() => {
      const session = useAdminSessionStore()
      return () => h('div', session.unlocked ? [h(DeskPage)] : [])
    })
    const { wrapper } = mountWith(Host, fake.api)
    const session = useAdminSessionStore()
    session.unlocked = true
    await flushPromises()
    await wrapper.find('[data-testid="desk-result"] button').trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-testid="desk-ticket"] .guest').classes()).not.toContain('done')

    // The admin area locks (idle); the guest scans meanwhile, and the attendance event is not
    // sent to a locked renderer. Staff unlock again.
    session.sessionEnded()
    await flushPromises()
    fake.api.searchRoster.mockResolvedValue([{ ...guest, checkedInAt: 1_700_000_000_000 }])
    session.unlocked = true
    await flushPromises()

    const row = wrapper.find('[data-testid="desk-result"]')
    expect(row.find('.badge').classes()).toContain('good')
    expect(wrapper.find('[data-testid="desk-ticket"] .guest').classes()).toContain('done')
    expect(wrapper.find('[data-testid="desk-ticket"] .check').exists()).toBe(true)
  })
})

// @vitest-environment happy-dom
import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import type { RosterEntry } from '../../shared/domain'
import DeskPage from '../../renderer/src/admin/pages/DeskPage.vue'
import { createFakeKioskApi } from './fake-kiosk-api'
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
})

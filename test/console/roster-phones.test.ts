// @vitest-environment happy-dom
// The console's roster on a laptop at the entrance or on a projector: guests' phone numbers are
// masked (138****8000) unless the organizer asks for them whole.
import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import RosterPanel from '../../console/src/components/RosterPanel.vue'
import { maskPhone } from '../../shared/ui/mask-phone'
import { createFakeConsoleApi } from './fake-console-api'
import { mountConsole } from './setup-console'

enableAutoUnmount(afterEach)

describe('maskPhone', () => {
  it('hides the four digits before the last four, keeping the separators', () => {
    expect(maskPhone('13800138000')).toBe('138****8000')
    expect(maskPhone('+86 138-0013-8000')).toBe('+86 138-****-8000')
    expect(maskPhone('021-6888 1234')).toBe('021-**** 1234')
    expect(maskPhone('12345678')).toBe('****5678')
  })
  it('keeps only the last half of a short number, and an empty phone empty', () => {
    expect(maskPhone('8021')).toBe('**21')
    expect(maskPhone('123')).toBe('**3')
    expect(maskPhone('')).toBe('')
  })
})

describe('the roster panel’s phones', () => {
  it('shows each phone masked, and whole only once asked', async () => {
    const fake = createFakeConsoleApi()
    const guests = [
      { id: 'r0', name: '张三', company: '甲公司', phone: '13800138000', code: 'A1', openid: null },
      {
        id: 'r1',
        name: '李四',
        company: '乙公司',
        phone: '+86 139-0013-9000',
        code: 'A2',
        openid: null,
      },
    ]
    fake.api.roster.mockResolvedValue({ version: 1, total: 2, offset: 0, entries: guests })
    const { wrapper } = mountConsole(RosterPanel, fake.api, { props: { campaignId: 'c1' } })
    await flushPromises()

    const phones = () => wrapper.findAll('[data-testid="roster-phone"]').map((c) => c.text())
    expect(phones()).toEqual(['138****8000', '+86 139-****-9000'])
    expect(wrapper.text()).not.toContain('13800138000')
    expect(wrapper.text()).not.toContain('0013')

    await wrapper.get('[data-testid="roster-show-phones"]').setValue(true)
    expect(phones()).toEqual(['13800138000', '+86 139-0013-9000'])
    expect(
      wrapper.get('[data-testid="roster-show-phones"]').element.parentElement?.textContent,
    ).toContain('显示完整电话')
  })
})

// @vitest-environment happy-dom
/**
 * Dates in the UI's language, not the browser's: the campaign and attendance date controls
 * (DateInput) and the formatted dates and numbers.
 */
import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import DateInput from '../../shared/ui/DateInput.vue'
import {
  cleanPart,
  dateLayout,
  INVALID_DATE,
  partsOf,
  stepPart,
  valueOf,
} from '../../shared/ui/date-parts'
import { formatDate, formatNumber, parseLocalDateTime } from '../../renderer/src/admin/format'
import CampaignPage from '../../renderer/src/admin/pages/CampaignPage.vue'
import { createFakeKioskApi, makeCampaign } from './fake-kiosk-api'
import { mountWith } from './setup-app'

enableAutoUnmount(afterEach)

describe('date parts', () => {
  it('puts year, month and day in the order and words of the locale', () => {
    expect(dateLayout('zh-CN')).toEqual([
      { part: 'year', after: '年' },
      { part: 'month', after: '' },
      { part: 'day', after: '日' },
    ])
    expect(dateLayout('en').map((p) => p.part)).toEqual(['month', 'day', 'year'])
  })

  it('makes a value only of a whole, real date', () => {
    const p = { year: '2026', month: '12', day: '1', hour: '', minute: '' }
    expect(valueOf(p, false)).toBe('2026-12-01')
    expect(valueOf({ ...p, hour: '9', minute: '5' }, true)).toBe('2026-12-01T09:05')
    expect(valueOf({ ...p, day: '' }, false)).toBe(INVALID_DATE)
    expect(valueOf({ ...p, month: '4', day: '31' }, false)).toBe(INVALID_DATE)
    expect(valueOf({ ...p, month: '2', day: '29', year: '2028' }, false)).toBe('2028-02-29')
    expect(valueOf({ ...p, month: '2', day: '29', year: '2027' }, false)).toBe(INVALID_DATE)
    expect(valueOf(p, true)).toBe(INVALID_DATE)
    expect(valueOf({ ...p, hour: '24', minute: '00' }, true)).toBe(INVALID_DATE)
    expect(valueOf({ year: '', month: '', day: '', hour: '', minute: '' }, true)).toBe('')
    expect(partsOf('2026-03-07T08:30')).toEqual({
      year: '2026',
      month: '3',
      day: '7',
      hour: '08',
      minute: '30',
    })
    expect(partsOf('03/07/2026').year).toBe('')
  })

  it('takes digits only, full-width ones too, and steps with the arrow keys', () => {
    expect(cleanPart('２０２６', 'year')).toBe('2026')
    expect(cleanPart('1a2b3', 'day')).toBe('12')
    const p = { year: '2026', month: '2', day: '28', hour: '23', minute: '00' }
    expect(stepPart(p, 'day', 1)).toBe('1')
    expect(stepPart(p, 'hour', 1)).toBe('00')
    expect(stepPart(p, 'minute', -1)).toBe('59')
    expect(stepPart({ ...p, minute: '' }, 'minute', 1)).toBe('00')
  })
})

describe('DateInput', () => {
  it('reads in Chinese, emits ISO dates, and marks a date that cannot be', async () => {
    const fake = createFakeKioskApi()
    const { wrapper, i18n } = mountWith(DateInput, fake.api, {
      props: { id: 'd', modelValue: null },
    })
    const ids = () => wrapper.findAll('input, select').map((e) => e.attributes('id'))
    expect(ids()).toEqual(['d', 'd-month', 'd-day'])
    expect(wrapper.text()).toContain('年')
    expect(wrapper.get('#d-month').text()).toContain('12月')
    await wrapper.get('#d').setValue('2026')
    await wrapper.get('#d-month').setValue('4')
    await wrapper.get('#d-day').setValue('31')
    expect(wrapper.emitted('update:modelValue')?.at(-1)).toEqual([INVALID_DATE])
    expect(wrapper.get('#d-day').attributes('aria-invalid')).toBe('true')
    await wrapper.get('#d-day').trigger('keydown', { key: 'ArrowDown' })
    expect(wrapper.emitted('update:modelValue')?.at(-1)).toEqual(['2026-04-30'])

    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(ids()).toEqual(['d', 'd-day', 'd-year'])
    expect(wrapper.get('#d').text()).toContain('December')
    expect((wrapper.get('#d').element as HTMLSelectElement).value).toBe('4')
  })

  it('with time, asks for hour and minute too', async () => {
    const fake = createFakeKioskApi()
    const { wrapper } = mountWith(DateInput, fake.api, {
      props: { id: 't', modelValue: '2026-12-01T09:30', time: true },
    })
    expect((wrapper.get('#t-hour').element as HTMLInputElement).value).toBe('09')
    await wrapper.get('#t-minute').setValue('45')
    expect(wrapper.emitted('update:modelValue')?.at(-1)).toEqual(['2026-12-01T09:45'])
  })
})

describe('dates and numbers in the UI language', () => {
  it('formats by the UI locale, whatever the browser’s', () => {
    expect(formatDate('2026-12-01', 'zh-CN')).toBe('2026年12月1日')
    expect(formatDate('2026-12-01', 'en')).toBe('December 1, 2026')
    expect(formatNumber(12345, 'zh-CN')).toBe('12,345')
  })

  it('the campaign page lists the dates in Chinese, then English', async () => {
    const fake = createFakeKioskApi()
    fake.api.listCampaigns.mockResolvedValue([
      makeCampaign({ startsOn: '2026-12-01', endsOn: '2026-12-03' }),
    ])
    const { wrapper, i18n } = mountWith(CampaignPage, fake.api)
    await flushPromises()
    const dates = () => wrapper.get('[data-testid="campaign-dates"]').text()
    expect(dates()).toBe('2026年12月1日 – 2026年12月3日')
    expect((wrapper.get('#c-start').element as HTMLInputElement).value).toBe('2026')
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(dates()).toBe('December 1, 2026 – December 3, 2026')
  })
})

describe('attendance filter times on the kiosk core’s clock', () => {
  it('reads a typed time in the core’s zone (kiosk web in a browser elsewhere)', () => {
    // The list shows scans on the core's clock: 09:00 typed means 09:00 there, whatever the page's zone.
    expect(parseLocalDateTime('2026-05-01T09:00', 'Asia/Shanghai')).toBe(Date.UTC(2026, 4, 1, 1, 0))
    expect(parseLocalDateTime('2026-05-01T09:00', 'Pacific/Honolulu')).toBe(
      Date.UTC(2026, 4, 1, 19, 0),
    )
    expect(parseLocalDateTime('2026-05-01T09:00', '+05:30')).toBe(Date.UTC(2026, 4, 1, 3, 30))
    // Either side of New York's change to summer time (8 March 2026, 02:00 → 03:00).
    expect(parseLocalDateTime('2026-03-08T01:30', 'America/New_York')).toBe(
      Date.UTC(2026, 2, 8, 6, 30),
    )
    expect(parseLocalDateTime('2026-03-08T03:30', 'America/New_York')).toBe(
      Date.UTC(2026, 2, 8, 7, 30),
    )
  })

  it('refuses what is no time, and keeps the page’s zone when the core never said', () => {
    expect(parseLocalDateTime('2026-02-31T09:00', 'Asia/Shanghai')).toBeNull()
    expect(parseLocalDateTime('2026-05-01', 'Asia/Shanghai')).toBeNull()
    expect(parseLocalDateTime('', 'Asia/Shanghai')).toBeNull()
    expect(parseLocalDateTime('2026-05-01T09:00', null)).toBe(new Date(2026, 4, 1, 9, 0).getTime())
  })
})

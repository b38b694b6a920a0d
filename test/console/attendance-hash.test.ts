// @vitest-environment happy-dom
// The attendance page's day and search, in its hash beside the campaign: a reload or a link a
// colleague pasted opens the same day's rows for the same search, the back and forward buttons
// follow them, and a made-up day or an over-long search in a link is never sent to the relay.
import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import AttendancePage from '../../console/src/pages/AttendancePage.vue'
import { linkedFilter, withFilter } from '../../console/src/campaigns/attendance-hash'
import { createFakeConsoleApi, makeCampaign } from './fake-console-api'
import { mountConsole } from './setup-console'

enableAutoUnmount(afterEach)
afterEach(() => {
  vi.useRealTimers()
  window.location.hash = ''
})

function fake() {
  const f = createFakeConsoleApi()
  f.api.campaigns.mockResolvedValue([makeCampaign({ id: 'c-spring', name: '春季展' })])
  return f
}

/** The day and search each attendance read asked for. */
function asked(f: ReturnType<typeof fake>): { day: string | undefined; q: string }[] {
  return f.api.attendance.mock.calls.map(([q]) => ({ day: q.day, q: q.q }))
}

async function go(hash: string): Promise<void> {
  window.location.hash = hash
  window.dispatchEvent(new HashChangeEvent('hashchange'))
  await flushPromises()
}

describe('the attendance day and search, in the hash', () => {
  it('reads and writes the day and search, other parameters kept', () => {
    expect(linkedFilter('#/attendance?campaign=c-1')).toBeNull()
    expect(linkedFilter('#/attendance?day=2026-05-01&q=%E7%8E%8B')).toEqual({
      day: '2026-05-01',
      q: '王',
    })
    expect(linkedFilter('#/attendance?day=2026-02-30')).toEqual({ day: null, q: '' })
    expect(linkedFilter('#/attendance?day=yesterday&q=a')).toEqual({ day: null, q: 'a' })
    expect(linkedFilter(`#/attendance?q=${'a'.repeat(65)}`)).toEqual({ day: null, q: '' })
    expect(withFilter('#/attendance?campaign=c-1', { day: '2026-05-01', q: ' 王 ' })).toBe(
      '#/attendance?campaign=c-1&day=2026-05-01&q=%E7%8E%8B',
    )
    expect(withFilter('#/attendance?campaign=c-1&day=2026-05-01&q=x', { day: null, q: '' })).toBe(
      '#/attendance?campaign=c-1',
    )
  })

  it('a reloaded page reads the day and search its address names, first time', async () => {
    window.location.hash = '#/attendance?campaign=c-spring&day=2026-05-01&q=%E7%8E%8B'
    const f = fake()
    const { wrapper } = mountConsole(AttendancePage, f.api)
    await flushPromises()
    expect(asked(f)).toEqual([{ day: '2026-05-01', q: '王' }])
    expect(f.api.attendance.mock.calls[0]?.[0].campaign).toBe('c-spring')
    const search = wrapper.get('[data-testid="attendance-search"]')
    expect((search.element as HTMLInputElement).value).toBe('王')
    expect((wrapper.get('[data-testid="attendance-day"]').element as HTMLSelectElement).value).toBe(
      '2026-05-01',
    )
    expect(window.location.hash).toBe('#/attendance?campaign=c-spring&day=2026-05-01&q=%E7%8E%8B')
  })

  it('a day chosen and a search typed go into the address, the campaign kept', async () => {
    window.location.hash = '#/attendance?campaign=c-spring'
    const f = fake()
    f.api.statsDays.mockResolvedValue({
      timeZone: 'Asia/Shanghai',
      stopsAfterEndsAt: false,
      days: [{ day: '2026-05-02', scans: 3, visitors: 2, newFollowers: 0 }],
    })
    const { wrapper } = mountConsole(AttendancePage, f.api)
    await flushPromises()
    await wrapper.get('[data-testid="attendance-day"]').setValue('2026-05-02')
    await flushPromises()
    expect(window.location.hash).toBe('#/attendance?campaign=c-spring&day=2026-05-02')
    vi.useFakeTimers()
    await wrapper.get('[data-testid="attendance-search"]').setValue('李')
    await vi.runAllTimersAsync()
    vi.useRealTimers()
    await flushPromises()
    expect(asked(f).at(-1)).toEqual({ day: '2026-05-02', q: '李' })
    expect(window.location.hash).toBe('#/attendance?campaign=c-spring&day=2026-05-02&q=%E6%9D%8E')
    await wrapper.get('[data-testid="attendance-day"]').setValue('')
    await flushPromises()
    expect(window.location.hash).toBe('#/attendance?campaign=c-spring&q=%E6%9D%8E')
  })

  it('back and forward show the day and search the address names', async () => {
    window.location.hash = '#/attendance?day=2026-05-01'
    const f = fake()
    const { wrapper } = mountConsole(AttendancePage, f.api)
    await flushPromises()
    await go('#/attendance?day=2026-05-03&q=abc')
    expect(asked(f).at(-1)).toEqual({ day: '2026-05-03', q: 'abc' })
    const search = wrapper.get('[data-testid="attendance-search"]')
    expect((search.element as HTMLInputElement).value).toBe('abc')
    await go('#/attendance')
    expect(asked(f).at(-1)).toEqual({ day: undefined, q: '' })
    expect((search.element as HTMLInputElement).value).toBe('')
  })

  it('a made-up day or an over-long search in a link is never sent, and leaves the address', async () => {
    window.location.hash = `#/attendance?day=2026-13-01&q=${'x'.repeat(80)}`
    const f = fake()
    mountConsole(AttendancePage, f.api)
    await flushPromises()
    expect(asked(f)).toEqual([{ day: undefined, q: '' }])
    expect(window.location.hash).toBe('#/attendance')
  })
})

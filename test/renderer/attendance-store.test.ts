// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { PAGE_SIZE, useAttendanceStore } from '../../renderer/src/stores/attendance'
import { useAdminSessionStore } from '../../renderer/src/stores/admin-session'
import type { AttendanceRow } from '../../shared/domain'
import type { KioskApi } from '../../shared/ipc'
import { createFakeKioskApi, webClientOver, type FakeKioskApi } from './fake-kiosk-api'
import { setupStores } from './setup-app'
import { UNDER_LOAD } from '../helpers/wait'

const TOTAL = 100_000

function row(index: number, campaignId = 'spring-expo'): AttendanceRow {
  return {
    id: index + 1,
    eventId: `e${index}`,
    campaignId,
    kioskId: 'booth-1',
    openid: `o${index}`,
    scene: 'booth-1:x',
    kind: 'scan',
    createTime: 1_700_000_000 + index,
    receivedAt: 1_700_000_000_000 + index,
    firstVisit: index % 2 === 0,
    checkInNumber: index + 1,
    rosterEntryId: null,
    rosterName: null,
    greetingShown: true,
    unknownTicket: false,
    fallback: false,
  }
}

/** A core holding TOTAL rows that answers any page of them. */
function serveRows(fake: FakeKioskApi): void {
  fake.api.listAttendance.mockImplementation((input: Parameters<KioskApi['listAttendance']>[0]) => {
    const offset = input.offset ?? 0
    const limit = input.limit ?? 100
    const count = Math.max(0, Math.min(limit, TOTAL - offset))
    return Promise.resolve({
      rows: Array.from({ length: count }, (_, i) => row(offset + i)),
      total: TOTAL,
    })
  })
}

describe('attendance store', () => {
  let fake: FakeKioskApi
  beforeEach(() => {
    fake = createFakeKioskApi()
    serveRows(fake)
    setupStores(fake.api)
  })
  afterEach(() => vi.useRealTimers())

  it('fetches only the pages the table scrolls to, even with 100,000 rows', async () => {
    const store = useAttendanceStore()
    await store.reset('spring-expo')
    expect(store.total).toBe(TOTAL)
    expect(fake.api.listAttendance).toHaveBeenCalledTimes(1)

    store.ensureRange(73_410, 73_440)
    await vi.waitFor(() => expect(store.rowAt(73_440)).toBeDefined(), UNDER_LOAD)
    expect(store.rowAt(73_410)?.checkInNumber).toBe(73_411)
    expect(store.rowAt(73_440)?.checkInNumber).toBe(73_441)
    const offsets = fake.api.listAttendance.mock.calls.map(([i]) => i.offset)
    expect(offsets).toEqual([0, Math.floor(73_410 / PAGE_SIZE) * PAGE_SIZE])
    expect(store.pages.size).toBe(2)
    expect(store.rowAt(50_000)).toBeUndefined()
  })

  it('a row range across a page boundary fetches both pages, once each', async () => {
    const store = useAttendanceStore()
    await store.reset('spring-expo')
    store.ensureRange(PAGE_SIZE - 5, PAGE_SIZE + 5)
    store.ensureRange(PAGE_SIZE - 5, PAGE_SIZE + 5)
    await vi.waitFor(() => expect(store.rowAt(PAGE_SIZE + 5)).toBeDefined(), UNDER_LOAD)
    expect(fake.api.listAttendance).toHaveBeenCalledTimes(2)
  })

  it('passes the search and time filter to the core', async () => {
    const store = useAttendanceStore()
    store.filter.query = '  王 '
    store.filter.from = 1_000
    store.filter.to = 2_000
    await store.reset('spring-expo')
    expect(fake.api.listAttendance).toHaveBeenLastCalledWith(
      expect.objectContaining({
        campaignId: 'spring-expo',
        query: '王',
        from: 1_000,
        to: 2_000,
        offset: 0,
      }),
    )
  })

  it('throws away an answer to an older search', async () => {
    const gate: { release?: () => void } = {}
    fake.api.listAttendance.mockImplementationOnce(
      () =>
        new Promise((resolve) => {
          gate.release = () => resolve({ rows: [row(0, 'old')], total: 1 })
        }),
    )
    const store = useAttendanceStore()
    const stale = store.reset('old-campaign')
    await store.reset('spring-expo')
    gate.release?.()
    await stale
    expect(store.total).toBe(TOTAL)
    expect(store.rowAt(0)?.campaignId).toBe('spring-expo')
  })

  it('re-reads the rows on screen after live check-ins, once per burst', async () => {
    vi.useFakeTimers()
    const store = useAttendanceStore()
    store.listen()
    await store.reset('spring-expo')
    fake.api.listAttendance.mockClear()
    for (let i = 0; i < 5; i++) fake.emit('attendance', row(i))
    fake.emit('attendance', row(9, 'other-campaign'))
    await vi.advanceTimersByTimeAsync(1_000)
    expect(fake.api.listAttendance).toHaveBeenCalledTimes(1)
  })

  it('web mode: re-reads the rows on screen when the event stream comes back after a drop', async () => {
    const web = webClientOver(fake)
    setupStores(web.api)
    const store = useAttendanceStore()
    const stop = store.listen()
    web.stream.open()
    await store.reset('spring-expo')
    store.ensureRange(73_410, 73_440)
    await vi.waitFor(() => expect(store.rowAt(73_440)).toBeDefined(), UNDER_LOAD)
    fake.api.listAttendance.mockClear()

    // Check-ins sent while the stream was down are gone: the reopening re-reads the rows in
    // view (not the top of the list), with no attendance event to prompt it.
    web.stream.open()
    await vi.waitFor(() => expect(store.rowAt(73_440)).toBeDefined(), UNDER_LOAD)
    const offsets = fake.api.listAttendance.mock.calls.map(([i]) => i.offset)
    expect(offsets).toEqual([Math.floor(73_410 / PAGE_SIZE) * PAGE_SIZE])

    // Off the page, a reopening reads nothing for it.
    stop()
    web.stream.open()
    expect(fake.api.listAttendance).toHaveBeenCalledTimes(1)
  })

  it('an ended admin session shows the PIN pad instead of an error', async () => {
    fake.api.listAttendance.mockRejectedValue(
      Object.assign(new Error('x'), { code: 'admin_locked' }),
    )
    const session = useAdminSessionStore()
    session.unlocked = true
    await useAttendanceStore().reset('spring-expo')
    expect(session.unlocked).toBe(false)
    expect(session.lockReason).toBe('session')
  })
})

// A kiosk whose clock is off from the relay's (a laptop hours ahead, or a day behind after its
// battery died): scans the relay kept while the link was down are greeted by their age on the
// relay's clock, the one that stamped them, not the kiosk's.
import { afterEach, describe, expect, it } from 'vitest'
import { startRelay } from '../../relay/server'
import { startSandbox } from '../../sandbox/server'
import type { Platform } from './helpers'
import { attendanceEventSchema, type AttendanceEvent } from '../../shared/ipc'
import type { ScreenTicket } from '../../shared/domain'
import {
  attendanceRows,
  cleanup,
  importCsvRoster,
  kioskOn,
  onCleanup,
  startCutProxy,
  TEST_PIN,
  testCampaign,
  waitFor,
} from './helpers'

afterEach(cleanup)

const HOUR = 3_600_000

/** A sandbox pushing to a relay whose clock runs `shift.ms` from the real one. */
async function platformWithRelayClock(shift: { ms: number }): Promise<Platform> {
  const sandbox = await startSandbox({ port: 0 })
  onCleanup(() => sandbox.close())
  const relay = await startRelay(
    { port: 0, data: ':memory:', wechat: sandbox.credentials() },
    { shutdownGraceMs: 500, now: () => Date.now() + shift.ms },
  )
  onCleanup(() => relay.close())
  sandbox.setPushUrl(`${relay.url}/wechat`)
  return { sandbox, relay }
}

/**
 * A kiosk linked to a relay on the real clock, its own clock `wall.ms` off and its monotonic
 * one `mono.ms` (both may move during the test); once the link is up.
 */
async function linkedKiosk(wall: { ms: number }, mono = { ms: 0 }, heartbeatMs?: number) {
  const p = await platformWithRelayClock({ ms: 0 })
  const { core } = await kioskOn(p, {
    core: {
      now: () => Date.now() + wall.ms,
      monotonic: () => performance.now() + mono.ms,
      ...(heartbeatMs !== undefined && { relayLink: { heartbeatMs } }),
    },
  })
  await waitFor(() => core.status().relay.state === 'connected', 'link')
  return { p, core }
}

/**
 * Cuts the kiosk's link, has `openid` scan while it is down, moves the relay's clock on by
 * `relayLaterMs`, restores the link, and says whether the replayed scan was greeted.
 */
async function greetedAfterOutage(kioskAheadMs: number, relayLaterMs: number): Promise<boolean> {
  const shift = { ms: 0 }
  const p = await platformWithRelayClock(shift)
  const proxy = await startCutProxy(p.relay.url)
  const { core } = await kioskOn(p, {
    relayUrl: proxy.url,
    core: { now: () => Date.now() + kioskAheadMs },
  })
  const greeted: string[] = []
  core.events.on('greeting', (g) => greeted.push(g.eventId))
  await waitFor(() => core.status().relay.state === 'connected', 'link')
  const code = await waitFor(() => core.pool.current() ?? undefined, 'code')

  proxy.cut()
  await waitFor(() => core.status().relay.state === 'reconnecting', 'link noticed the cut')
  await p.sandbox.scan(code.url, 'o_during')
  shift.ms = relayLaterMs
  proxy.restore()
  await waitFor(() => attendanceRows(core).length === 1, 'replayed scan')
  await core.whenIdle()
  const ids = attendanceRows(core).map((r) => r.event_id)
  expect(ids).toHaveLength(1)
  return ids.some((id) => greeted.includes(id))
}

describe('replayed scans and a kiosk clock off from the relay', () => {
  it('a kiosk 3 h ahead greets a scan made seconds ago while its link was down', async () => {
    expect(await greetedAfterOutage(3 * HOUR, 0)).toBe(true)
  })

  it('a kiosk 2 h behind greets it too', async () => {
    expect(await greetedAfterOutage(-2 * HOUR, 0)).toBe(true)
  })

  it('a kiosk a day behind does not greet a scan two minutes old by the relay', async () => {
    expect(await greetedAfterOutage(-24 * HOUR, 2 * 60_000)).toBe(false)
  })
})

describe('the link lag a kiosk with a clock off from the relay shows', () => {
  it('is the scan’s time in transit, not the hours between the two clocks', async () => {
    const p = await platformWithRelayClock({ ms: 0 })
    const { core } = await kioskOn(p, { core: { now: () => Date.now() + 3 * HOUR } })
    await waitFor(() => core.status().relay.state === 'connected', 'link')
    const code = await waitFor(() => core.pool.current() ?? undefined, 'code')
    await p.sandbox.scan(code.url, 'o_live')
    await waitFor(() => attendanceRows(core).length === 1, 'live scan')
    const lag = core.relayDiagnostics()?.lagMs ?? null
    expect(lag).not.toBeNull()
    // Within a few seconds (the relay's Date is whole seconds); before: three hours.
    expect(lag).toBeLessThan(5_000)
  })
})

describe('a kiosk clock set right while the link stays up', () => {
  it('reads the relay’s lead afresh: the lag is the scan’s transit, not the jump', async () => {
    // The laptop 3 h behind when the link opens; NTP then sets it right, the link staying up.
    const kiosk = { ms: -3 * HOUR }
    const { p, core } = await linkedKiosk(kiosk)
    const code = await waitFor(() => core.pool.current() ?? undefined, 'code')
    kiosk.ms = 0
    await p.sandbox.scan(code.url, 'o_after_ntp')
    await waitFor(() => attendanceRows(core).length === 1, 'live scan')
    expect(core.status().relay.state).toBe('connected')
    const lag = core.relayDiagnostics()?.lagMs ?? null
    expect(lag).not.toBeNull()
    // Before: three hours (the lead measured at the upgrade, kept after the clock moved).
    expect(lag).toBeLessThan(5_000)
  })

  it('is not moved by a sleep the link outlived: the monotonic clock stood still in it', async () => {
    const mono = { ms: 0 }
    const { p, core } = await linkedKiosk({ ms: -3 * HOUR }, mono)
    // Ten minutes asleep: the wall clocks ran on ten minutes more than the kiosk's monotonic one
    // (here it is set back instead, the relay's clock staying within WeChat's signature window).
    mono.ms -= 10 * 60_000
    core.wake()
    // The relay's lead is the one before the sleep, not ten minutes less. (The lag alone could
    // not tell: a lead too small dates scans after now, and the lag is never below 0.)
    expect(core.status().relay.relayAheadMinutes).toBe(180)
    // The link answered the wake's ping and stays up; a scan on it is read in step.
    const code = await waitFor(() => core.pool.current() ?? undefined, 'code')
    await p.sandbox.scan(code.url, 'o_after_sleep')
    await waitFor(() => attendanceRows(core).length === 1, 'live scan')
    expect(core.status().relay.state).toBe('connected')
    expect(core.status().relay.relayAheadMinutes).toBe(180)
    expect(core.relayDiagnostics()?.lagMs ?? null).toBeLessThan(5_000)
  })

  it('nor by a heartbeat that came round before the shell said it woke', async () => {
    const mono = { ms: 0 }
    const { core } = await linkedKiosk({ ms: -3 * HOUR }, mono, 250)
    // Asleep ten minutes. Timers stand still in a sleep too: the heartbeat due just after it
    // fires before the shell's 'resume' reaches the core (a D-Bus signal on Linux).
    mono.ms -= 10 * 60_000
    // The 250 ms interval fires before this 1 s timeout: beats have seen the sleep.
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    expect(core.status().relay.state).toBe('connected')
    core.wake()
    // Before: 170, the beat's reading across the sleep, which the wake then kept.
    expect(core.status().relay.relayAheadMinutes).toBe(180)
  })
})

describe('the status tells staff the booth’s clock is off', () => {
  it('in whole minutes while the link is up, from 5 min off; gone once NTP sets it right', async () => {
    const kiosk = { ms: -3 * HOUR }
    const { core } = await linkedKiosk(kiosk)
    // The relay's clock is 3 h ahead of this laptop's.
    expect(core.status().relay.relayAheadMinutes).toBe(180)
    kiosk.ms = 40 * 60_000
    expect(core.status().relay.relayAheadMinutes).toBe(-40)
    // Under five minutes is no warning: a few minutes change no day, no phase, no code.
    kiosk.ms = 4 * 60_000
    expect(core.status().relay).not.toHaveProperty('relayAheadMinutes')
    kiosk.ms = 0
    expect(core.status().relay).not.toHaveProperty('relayAheadMinutes')
  })

  it('says nothing while the relay’s time is not known (no link)', async () => {
    const p = await platformWithRelayClock({ ms: 0 })
    const proxy = await startCutProxy(p.relay.url)
    const { core } = await kioskOn(p, {
      relayUrl: proxy.url,
      core: { now: () => Date.now() - 3 * HOUR },
    })
    await waitFor(() => core.status().relay.state === 'connected', 'link')
    expect(core.status().relay.relayAheadMinutes).toBe(180)
    proxy.cut()
    await waitFor(() => core.status().relay.state === 'reconnecting', 'link noticed the cut')
    expect(core.status().relay).not.toHaveProperty('relayAheadMinutes')
  })
})

describe('a desk check-in on a booth clock 3 h fast', () => {
  it('reaches the desk page with the check-in time the kiosk stored, not WeChat’s', async () => {
    const p = await platformWithRelayClock({ ms: 0 })
    const { core } = await kioskOn(p, {
      campaign: testCampaign({ mode: 'desk' }),
      core: { now: () => Date.now() + 3 * HOUR },
    })
    const events: AttendanceEvent[] = []
    core.on('attendance', (row) => events.push(row))
    await waitFor(() => core.status().relay.state === 'connected', 'link')
    await waitFor(() => core.pool.status().available > 0, 'pool')
    await core.call('unlockAdmin', { pin: TEST_PIN })
    const csv = 'name,company,code\nAda Lovelace,Engines,A-2\n'
    await importCsvRoster(core, csv)
    const [entry] = (await core.call('searchRoster', { query: 'Ada' })) as Array<{ id: string }>
    const desk = (await core.call('showDeskTicket', { rosterEntryId: entry?.id })) as ScreenTicket
    await p.sandbox.scan(desk.url, 'o_ada')
    const event = await waitFor(() => events[0], 'attendance event')
    const [stored] = (await core.call('searchRoster', { query: 'Ada' })) as Array<{
      checkedInAt: number | null
    }>
    expect(stored?.checkedInAt).toEqual(expect.any(Number))
    expect(event.checkedInAt).toBe(stored?.checkedInAt)
    // On the kiosk's clock: hours after WeChat's time for the same scan.
    expect((event.checkedInAt ?? 0) - event.createTime * 1000).toBeGreaterThan(2 * HOUR)
  })

  it('is stored with the lead of a real monotonic clock (fractional milliseconds)', async () => {
    const relay = { ms: 0 }
    const p = await platformWithRelayClock(relay)
    const { core } = await kioskOn(p, {
      campaign: testCampaign({ mode: 'desk' }),
      core: { now: () => Date.now() + 3 * HOUR, monotonic: () => performance.now() },
    })
    const events: AttendanceEvent[] = []
    core.on('attendance', (row) => events.push(row))
    await waitFor(() => core.status().relay.state === 'connected', 'link')
    await waitFor(() => core.pool.status().available > 0, 'pool')
    await core.call('unlockAdmin', { pin: TEST_PIN })
    await importCsvRoster(core, 'name,company,code\nAda Lovelace,Engines,A-2\n')
    const [entry] = (await core.call('searchRoster', { query: 'Ada' })) as Array<{ id: string }>
    const desk = (await core.call('showDeskTicket', { rosterEntryId: entry?.id })) as ScreenTicket
    // The relay's clock stepped back 5 s since the upgrade: its receipt, less the lead, is before
    // the kiosk's now, so the check-in time is the one worked out from the lead.
    relay.ms = -5_000
    await p.sandbox.scan(desk.url, 'o_ada')
    // Before: the lead in fractional ms; the roster's STRICT INTEGER column refused the check-in,
    // the batch rolled back, and the relay sent it again and again.
    const event = await waitFor(() => events[0], 'attendance event')
    expect(attendanceEventSchema.safeParse(event).success).toBe(true)
    expect(Number.isInteger(event.checkedInAt)).toBe(true)
  })
})

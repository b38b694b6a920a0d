// The kiosk core end to end against a real sandbox and relay: tickets pooled, a phone scanning
// the code on screen ends as an attendance row and a greeting, and the screen moves on.
import { afterEach, describe, expect, it } from 'vitest'
import type { Greeting, ScreenTicket } from '../../shared/domain'
import { kioskEvents } from '../../shared/ipc'
import {
  cleanup,
  importCsvRoster,
  kioskOn,
  startPlatform,
  testCampaign,
  TEST_PIN,
  waitFor,
} from './helpers'

afterEach(cleanup)

describe('booth scan flow', () => {
  it('pools tickets, records a scan of the code on screen, greets and rotates', async () => {
    const p = await startPlatform()
    const { core } = await kioskOn(p)
    const greetings: Greeting[] = []
    const tickets: Array<ScreenTicket | null> = []
    core.on('greeting', (g) => greetings.push(g))
    core.on('ticket', (t) => tickets.push(t))

    const first = await waitFor(() => core.pool.current() ?? undefined, 'a code on screen')
    await waitFor(() => core.pool.status().available >= core.settings().pool.target, 'a full pool')
    expect(first.scene.startsWith('booth-1:')).toBe(true)
    expect(first.expiresAt - first.issuedAt).toBe(600_000)
    const stored = core.db.prepare('SELECT count(*) AS n FROM tickets').get() as { n: number }
    expect(stored.n).toBeGreaterThanOrEqual(core.settings().pool.target + 1)
    await waitFor(() => core.status().relay.state === 'connected', 'relay link')

    const scan = await p.sandbox.scan(first.url, 'o_visitor_a')
    expect(scan.event).toBe('subscribe')
    const greeting = await waitFor(() => greetings[0], 'greeting')
    expect(kioskEvents.greeting.safeParse(greeting).success).toBe(true)
    expect(greeting).toMatchObject({ kind: 'first-visit', checkInNumber: 1, name: null })
    expect(greeting.texts.en).toBe('Welcome no. 1')
    expect(greeting.texts['zh-CN']).toBe('欢迎 第1位')

    const rows = await core.call('listAttendance', { campaignId: 'expo' }).catch((e: Error) => e)
    expect(rows).toBeInstanceOf(Error) // admin methods need the PIN
    await core.call('unlockAdmin', { pin: TEST_PIN })
    const list = (await core.call('listAttendance', { campaignId: 'expo' })) as {
      rows: Array<Record<string, unknown>>
      total: number
    }
    expect(list.total).toBe(1)
    expect(list.rows[0]).toMatchObject({
      openid: 'o_visitor_a',
      scene: first.scene,
      kind: 'subscribe',
      firstVisit: true,
      checkInNumber: 1,
      unknownTicket: false,
      kioskId: 'booth-1',
      campaignId: 'expo',
      greetingShown: false,
    })
    await core.call('greetingShown', { eventId: greeting.eventId })
    expect(core.attendance.byEventId(greeting.eventId)?.greetingShown).toBe(true)

    const next = core.pool.current()
    expect(next).not.toBeNull()
    expect(next?.scene).not.toBe(first.scene)
    expect(tickets.at(-1)?.scene).toBe(next?.scene)
    // The scanned code is never put back on screen.
    const state = core.db.prepare('SELECT state FROM tickets WHERE scene = ?').get(first.scene) as {
      state: string
    }
    expect(state.state).toBe('scanned')
  })

  it('welcomes a returning visitor back with the same check-in number', async () => {
    const p = await startPlatform()
    const { core } = await kioskOn(p)
    const greetings: Greeting[] = []
    core.on('greeting', (g) => greetings.push(g))
    await waitFor(() => core.status().relay.state === 'connected', 'relay link')

    for (const openid of ['o_a', 'o_b', 'o_a']) {
      const shown = await waitFor(() => core.pool.current() ?? undefined, 'code')
      const before = greetings.length
      await p.sandbox.scan(shown.url, openid)
      await waitFor(() => greetings.length > before, 'greeting')
    }
    expect(greetings.map((g) => [g.kind, g.checkInNumber])).toEqual([
      ['first-visit', 1],
      ['first-visit', 2],
      ['welcome-back', 1],
    ])
    expect(greetings[2]?.texts.en).toBe('Welcome back no. 1')
    // Every template here says the number: the screen needs no number line.
    expect(greetings.map((g) => g.numberInText)).toEqual(Array(3).fill({ 'zh-CN': true, en: true }))
    await core.call('unlockAdmin', { pin: TEST_PIN })
    const stats = (await core.call('getStats', { campaignId: 'expo' })) as Record<string, unknown>
    expect(stats).toMatchObject({ total: 3, uniqueVisitors: 2, newFollowers: 2, returning: 1 })
  })

  it('desk mode: the personal code binds the scanning visitor to the registration', async () => {
    const p = await startPlatform()
    const { core } = await kioskOn(p, { campaign: testCampaign({ mode: 'desk' }) })
    const greetings: Greeting[] = []
    core.on('greeting', (g) => greetings.push(g))
    await waitFor(() => core.status().relay.state === 'connected', 'relay link')
    await waitFor(() => core.pool.status().available > 0, 'pool')
    expect(core.pool.current()).toBeNull() // desk mode waits for staff to pick someone

    await core.call('unlockAdmin', { pin: TEST_PIN })
    const csv = 'name,company,code\n王小明,Acme,A-1\nAda Lovelace,Engines,A-2\n'
    await importCsvRoster(core, csv)
    const [entry] = (await core.call('searchRoster', { query: '王' })) as Array<{
      id: string
      name: string
    }>
    expect(entry?.name).toBe('王小明')
    const desk = (await core.call('showDeskTicket', { rosterEntryId: entry?.id })) as ScreenTicket
    expect(desk.rosterEntry).toEqual({ id: entry?.id, name: '王小明' })
    expect(core.pool.current()?.scene).toBe(desk.scene)

    await p.sandbox.scan(desk.url, 'o_wang')
    const g = await waitFor(() => greetings[0], 'greeting')
    expect(g).toMatchObject({ kind: 'named', name: '王小明' })
    expect(g.texts['zh-CN']).toBe('王小明 您好')
    const [bound] = (await core.call('searchRoster', { query: 'A-1' })) as Array<
      Record<string, unknown>
    >
    expect(bound).toMatchObject({ openid: 'o_wang' })
    expect(bound?.checkedInAt).toEqual(expect.any(Number))
    expect(core.pool.current()).toBeNull()

    // Later the same visitor scans an anonymous code at the desk: still greeted by name.
    const [other] = (await core.call('searchRoster', { query: 'Ada' })) as Array<{ id: string }>
    const second = (await core.call('showDeskTicket', { rosterEntryId: other?.id })) as ScreenTicket
    await p.sandbox.scan(second.url, 'o_ada')
    await waitFor(() => greetings.length === 2, 'second greeting')
    expect(greetings[1]).toMatchObject({ kind: 'named', name: 'Ada Lovelace' })
  })

  it('counts a routed scan of a code the kiosk no longer knows, flagged', async () => {
    const p = await startPlatform()
    const { core, token } = await kioskOn(p)
    await waitFor(() => core.status().relay.state === 'connected', 'relay link')
    // A code of ours made elsewhere (e.g. before a reinstall): the kiosk has no record of it.
    const res = await fetch(`${p.relay.url}/api/tickets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ count: 1, expireSeconds: 600 }),
    })
    const { tickets } = (await res.json()) as { tickets: Array<{ url: string; scene: string }> }
    const foreign = tickets[0]
    if (!foreign) throw new Error('no ticket')
    await p.sandbox.scan(foreign.url, 'o_lost')
    const row = await waitFor(
      () =>
        core.db.prepare('SELECT unknown_ticket AS u, scene FROM attendance').get() as
          { u: number; scene: string } | undefined,
      'attendance row',
    )
    expect(row).toEqual({ u: 1, scene: foreign.scene })
  })
})

// Venue Wi-Fi: the kiosk loses the relay while visitors keep scanning; nothing may be lost or
// recorded twice, and a restart of the kiosk in the middle of the replay changes nothing.
import { cpSync, readdirSync, rmSync } from 'node:fs'
import { connect, createServer, type Socket } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { MetaTable } from '../../electron/core/db/meta-table'
import { kioskStatusSchema, type ScreenTicket } from '../../shared/domain'
import { closedPort } from '../helpers/closed-port'
import {
  attendanceRows,
  cleanup,
  fastLink,
  heartbeatLink,
  importCsvRoster,
  kioskOn,
  onCleanup,
  startCore,
  startCutProxy,
  startPlatform,
  testCampaign,
  tempDir,
  TEST_PIN,
  waitFor,
} from './helpers'

afterEach(cleanup)

function expectEachOnce(
  rows: Array<{ event_id: string; openid: string }>,
  openids: string[],
): void {
  expect(rows.map((r) => r.openid).sort()).toEqual([...openids].sort())
  expect(new Set(rows.map((r) => r.event_id)).size).toBe(rows.length)
}

describe('relay link through outages', () => {
  it('relay unreachable while scans happen, then back: every scan recorded once', async () => {
    const p = await startPlatform()
    const proxy = await startCutProxy(p.relay.url)
    const { core } = await kioskOn(p, { relayUrl: proxy.url })
    await waitFor(() => core.status().relay.state === 'connected', 'link')
    const shown = await waitFor(() => core.pool.current() ?? undefined, 'code')
    await p.sandbox.scan(shown.url, 'o_before')
    await waitFor(() => attendanceRows(core).length === 1, 'first scan')

    proxy.cut()
    await waitFor(() => core.status().relay.state === 'reconnecting', 'link noticed the cut')
    // The screen keeps a code up from the pool although the ticket proxy is unreachable.
    const offline = await waitFor(() => core.pool.current() ?? undefined, 'code while offline')
    const during = Array.from({ length: 12 }, (_, i) => `o_during_${i}`)
    for (const openid of during) await p.sandbox.scan(offline.url, openid)
    expect(attendanceRows(core)).toHaveLength(1)
    // Between attempts the status says when the next one is (null while one is under way).
    await waitFor(() => typeof core.status().relay.retryAt === 'number', 'a scheduled retry')

    proxy.restore()
    await waitFor(() => attendanceRows(core).length === 13, 'replayed scans')
    await waitFor(() => core.status().relay.state === 'connected', 'link back')
    await p.sandbox.scan((core.pool.current() ?? offline).url, 'o_after')
    await waitFor(() => attendanceRows(core).length === 14, 'live scan after')
    expectEachOnce(attendanceRows(core), ['o_before', ...during, 'o_after'])
    // The ack leaves once the row is committed, so the relay may see it a moment later.
    await waitFor(
      async () => (await p.relay.store.getKiosk('booth-1'))?.ackedSeq === 14,
      'every scan acknowledged',
    )
  })

  it('catching up after an outage: the status counts the stored scans left down to none', async () => {
    const p = await startPlatform()
    const proxy = await startCutProxy(p.relay.url)
    const { core } = await kioskOn(p, { relayUrl: proxy.url })
    await waitFor(() => core.status().relay.state === 'connected', 'link')
    const shown = await waitFor(() => core.pool.current() ?? undefined, 'code')
    proxy.cut()
    await waitFor(() => core.status().relay.state === 'reconnecting', 'link noticed the cut')
    const during = Array.from({ length: 8 }, (_, i) => `o_backlog_${i}`)
    for (const openid of during) await p.sandbox.scan(shown.url, openid)
    // What the screen is told (the status events), with the rows stored when each was sent.
    const seen: Array<{ backlog: number | undefined; rows: number }> = []
    core.on('status', (s) => {
      if (s.relay.state === 'connected') {
        seen.push({ backlog: s.relay.backlog, rows: attendanceRows(core).length })
      }
    })
    proxy.restore()
    await waitFor(() => attendanceRows(core).length === during.length, 'replayed scans')
    await waitFor(() => core.status().relay.backlog === undefined, 'caught up')
    // Welcomed with every scan still to come, then counting down, then plain connected.
    expect(seen[0]).toEqual({ backlog: during.length, rows: 0 })
    for (const s of seen) expect((s.backlog ?? 0) + s.rows).toBe(during.length)
    expect(seen.at(-1)?.backlog).toBeUndefined()
    expect(kioskStatusSchema.parse(core.status()).relay.backlog).toBeUndefined()
    // A live scan now is no backlog.
    const caughtUp = seen.length
    await p.sandbox.scan((core.pool.current() ?? shown).url, 'o_live')
    await waitFor(() => attendanceRows(core).length === during.length + 1, 'live scan')
    expect(seen.slice(caughtUp).filter((s) => s.backlog !== undefined)).toEqual([])
  })

  it('notices a dead connection by heartbeat and reconnects', async () => {
    const p = await startPlatform()
    const proxy = await startCutProxy(p.relay.url)
    const { core } = await kioskOn(p, { relayUrl: proxy.url, core: { relayLink: heartbeatLink } })
    await waitFor(() => core.status().relay.state === 'connected', 'link')
    await waitFor(() => core.pool.status().available === core.settings().pool.target, 'pool')
    await core.whenIdle()
    const since = core.status().relay.since
    proxy.blackhole(true) // TCP stays up, nothing gets through
    await waitFor(() => core.status().relay.state !== 'connected', 'dead link noticed')
    proxy.restore()
    await waitFor(
      () => core.status().relay.state === 'connected' && core.status().relay.since > since,
      'reconnected',
    )
    const shown = await waitFor(() => core.pool.current() ?? undefined, 'code')
    await p.sandbox.scan(shown.url, 'o_x')
    await waitFor(() => attendanceRows(core).length === 1, 'scan after reconnect')
  })

  it('after the computer wakes, a link that died silently in its sleep is dropped and the scans come', async () => {
    const p = await startPlatform()
    const proxy = await startCutProxy(p.relay.url)
    // A heartbeat too slow to notice anything within this test: only the wake may.
    const { core } = await kioskOn(p, {
      relayUrl: proxy.url,
      core: { relayLink: { ...fastLink, heartbeatMs: 600_000, wakeCheckMs: 300 } },
    })
    await waitFor(() => core.status().relay.state === 'connected', 'link')
    const shown = await waitFor(() => core.pool.current() ?? undefined, 'code')
    await core.whenIdle()

    // The lid closes; the relay's end of the link is gone, and no FIN ever reaches the kiosk.
    proxy.blackhole(true)
    const during = ['o_lunch_1', 'o_lunch_2']
    for (const openid of during) await p.sandbox.scan(shown.url, openid)
    // The lid opens (Electron's powerMonitor 'resume'): the link is checked at once, and
    // ended when nothing answers; the booth's Wi-Fi is back, the relay replays what it holds.
    core.wake()
    await waitFor(() => core.status().relay.state !== 'connected', 'dead link noticed')
    proxy.restore()
    await waitFor(() => attendanceRows(core).length === during.length, 'scans after waking')
    expectEachOnce(attendanceRows(core), during)
    expect(core.status().relay.state).toBe('connected')
  })

  it('after the computer wakes, a reconnect waiting out a long backoff tries at once', async () => {
    const p = await startPlatform()
    const proxy = await startCutProxy(p.relay.url)
    const { core } = await kioskOn(p, {
      relayUrl: proxy.url,
      core: { relayLink: { ...fastLink, backoffBaseMs: 600_000, backoffMaxMs: 600_000 } },
    })
    await waitFor(() => core.status().relay.state === 'connected', 'link')
    // The venue Wi-Fi was gone before the lid closed: the next try is minutes away.
    proxy.cut()
    await waitFor(() => typeof core.status().relay.retryAt === 'number', 'a scheduled retry')
    proxy.restore()
    core.wake()
    await waitFor(() => core.status().relay.state === 'connected', 'link after waking')
  })

  it('desk codes come again as soon as the relay link is back, not when the ticket backoff runs out', async () => {
    const p = await startPlatform()
    const proxy = await startCutProxy(p.relay.url)
    // The kiosk's clock stands still: a ticket backoff it sets never runs out by itself (after
    // an outage of a minute or more it is 30–60 s, the longest the pool waits).
    const clock = Date.now()
    const { core } = await kioskOn(p, {
      relayUrl: proxy.url,
      campaign: testCampaign({ mode: 'desk' }),
      core: { now: () => clock },
    })
    await waitFor(() => core.status().relay.state === 'connected', 'link')
    const target = core.settings().pool.target
    await waitFor(() => core.pool.status().available === target, 'pool')
    await core.whenIdle()

    proxy.cut()
    await waitFor(() => core.status().relay.state === 'reconnecting', 'link noticed the cut')
    // Staff hand out personal codes meanwhile; the pool runs dry, its refills fail and back off.
    for (let i = 0; i < target; i++) core.pool.showDesk({ id: `g${i}`, name: `Guest ${i}` })
    expect(() => core.pool.showDesk({ id: 'late', name: 'Late' })).toThrow(/no fresh code/)
    await waitFor(() => core.status().api.lastError?.code === 'unreachable', 'refill failed')
    await core.whenIdle()

    proxy.restore()
    await waitFor(() => core.status().relay.state === 'connected', 'link back')
    // The same relay answers the websocket again: its ticket proxy is asked at once, so the
    // status stops saying "unreachable" beside "connected" and the desk gets codes again.
    await waitFor(() => core.status().api.state === 'ok', 'tickets after the link came back')
    expect(core.status().api.lastError).toBeNull()
    await waitFor(() => core.pool.status().available === target, 'pool refilled')
    expect(core.pool.showDesk({ id: 'late', name: 'Late' }).rosterEntry?.id).toBe('late')
  })

  it('a guest who scans their desk code while the link is down is marked on the open desk once it is back', async () => {
    const p = await startPlatform()
    const proxy = await startCutProxy(p.relay.url)
    const { core } = await kioskOn(p, {
      relayUrl: proxy.url,
      campaign: testCampaign({ mode: 'desk' }),
    })
    await waitFor(() => core.status().relay.state === 'connected', 'link')
    await waitFor(() => core.pool.status().available > 0, 'pool')
    // What the desk page gets: the attendance events, which every bridge sends only while the
    // admin session is open (shared/ipc.ts adminEventNames).
    const marks: Array<string | null> = []
    core.on('attendance', (row) => {
      if (core.adminSessionOpen()) marks.push(row.rosterEntryId)
    })
    await core.call('unlockAdmin', { pin: TEST_PIN })
    await importCsvRoster(core, 'name,code\n王小明,A-1\n')
    const [entry] = (await core.call('searchRoster', { query: 'A-1' })) as Array<{ id: string }>
    const desk = (await core.call('showDeskTicket', { rosterEntryId: entry?.id })) as ScreenTicket

    proxy.cut()
    await waitFor(() => core.status().relay.state === 'reconnecting', 'link noticed the cut')
    await p.sandbox.scan(desk.url, 'o_wang')
    expect(marks).toEqual([])

    proxy.restore()
    await waitFor(() => marks.length === 1, 'the replayed scan marked on the desk')
    expect(marks).toEqual([entry?.id])
  })

  it('a kiosk started while the relay is unreachable gets its fallback code as soon as the link is up', async () => {
    const p = await startPlatform()
    // Nothing listens at the relay's address yet (refused at once, as a relay that is down).
    const port = await closedPort()
    // As above, the clock stands still: the fallback code's backoff never runs out by itself.
    const clock = Date.now()
    const { core } = await kioskOn(p, {
      relayUrl: `http://127.0.0.1:${port}`,
      core: { now: () => clock },
    })
    await waitFor(() => core.fallback.status().lastError?.code === 'unreachable', 'first try')
    await core.whenIdle()
    expect(core.fallback.status().state).toBe('pending')

    // The relay comes up at that address.
    const sockets = new Set<Socket>()
    const forward = createServer((c) => {
      const u = connect(p.relay.port, '127.0.0.1')
      for (const s of [c, u]) sockets.add(s.on('error', () => s.destroy()))
      c.pipe(u).pipe(c)
    })
    await new Promise<void>((r) => forward.listen(port, '127.0.0.1', r))
    onCleanup(async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((r) => forward.close(() => r()))
    })
    await waitFor(() => core.status().relay.state === 'connected', 'link')
    // The booth's permanent code, for when the pool runs dry, is fetched on the link's return.
    await waitFor(() => core.fallback.status().state === 'ready', 'fallback code')
    expect(core.fallback.status().lastError).toBeNull()
  })

  it('acknowledges only after the commit: a scan that could not be stored is replayed', async () => {
    const p = await startPlatform()
    const { core } = await kioskOn(p)
    await waitFor(() => core.status().relay.state === 'connected', 'link')
    const shown = await waitFor(() => core.pool.current() ?? undefined, 'code')
    await p.sandbox.scan(shown.url, 'o_ok')
    await waitFor(() => attendanceRows(core).length === 1, 'first row')
    // The disk "fails" for one visitor's row (a temp trigger lives on the core's connection);
    // the trigger counts its refusals in JS, which the abort cannot roll back.
    let refusals = 0
    core.db.function('count_refusal', () => ++refusals)
    core.db.exec(`CREATE TEMP TRIGGER fail_one BEFORE INSERT ON attendance
      WHEN NEW.openid = 'o_fail' AND count_refusal() > 0
      BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`)
    await p.sandbox.scan(shown.url, 'o_fail')
    const relayKiosk = () => p.relay.store.getKiosk('booth-1')
    await waitFor(async () => (await relayKiosk())?.headSeq === 2, 'relay stored the scan')
    // The kiosk received it and failed to store it, more than once.
    await waitFor(() => refusals >= 2, 'two refused inserts')
    expect((await relayKiosk())?.ackedSeq).toBe(1)
    expect(attendanceRows(core)).toHaveLength(1)

    core.db.exec('DROP TRIGGER fail_one')
    await waitFor(() => attendanceRows(core).length === 2, 'stored on replay')
    await waitFor(async () => (await relayKiosk())?.ackedSeq === 2, 'acked after commit')
    expectEachOnce(attendanceRows(core), ['o_ok', 'o_fail'])
  })

  it('kiosk restarted mid-replay: nothing lost or doubled', async () => {
    const p = await startPlatform()
    const first = await kioskOn(p)
    await waitFor(() => first.core.status().relay.state === 'connected', 'link')
    const shown = await waitFor(() => first.core.pool.current() ?? undefined, 'code')
    await first.core.stop()

    // More than the relay's in-flight window (100), so the replay cannot all be in one batch.
    const openids = Array.from({ length: 120 }, (_, i) => `o_q_${i}`)
    for (const openid of openids) await p.sandbox.scan(shown.url, openid)

    // Second run: stop as soon as part of the backlog is in, while the replay is under way.
    const second = startCore(first.dataDir, first.vault)
    let seen = 0
    const stopped = new Promise<void>((resolve) => {
      second.on('attendance', () => {
        if (++seen === 7) void second.stop().then(resolve)
      })
    })
    await stopped
    // A batch is acked as soon as it is committed, before its scans are announced; the relay
    // stores that ack a moment later.
    const partial = await waitFor(async () => {
      const acked = (await p.relay.store.getKiosk('booth-1'))?.ackedSeq ?? 0
      return acked > 0 ? acked : undefined
    }, 'part of the backlog acked')
    expect(partial).toBeLessThan(120)

    const third = startCore(first.dataDir, first.vault)
    await waitFor(() => attendanceRows(third).length === 120, 'the whole backlog')
    await waitFor(
      async () => (await p.relay.store.getKiosk('booth-1'))?.ackedSeq === 120,
      'all acked',
    )
    expectEachOnce(attendanceRows(third), openids)
  })

  it('a kiosk restored from its own older backup gives no check-in number twice', async () => {
    // The booth's PC is restored from last night's copy of its data folder: the scans since are
    // gone from it, and the numbers it gave them must not go to the next visitors.
    const p = await startPlatform()
    const { core, dataDir, vault } = await kioskOn(p)
    const scanAll = async (k: typeof core, openids: string[], total: number) => {
      const shown = await waitFor(() => k.pool.current() ?? undefined, 'code')
      for (const openid of openids) await p.sandbox.scan(shown.url, openid)
      await waitFor(() => attendanceRows(k).length === total, `${total} scans`)
    }
    await waitFor(() => core.status().relay.state === 'connected', 'link')
    await scanAll(core, ['o_1', 'o_2'], 2)
    await core.stop()
    const backup = tempDir()
    for (const f of readdirSync(dataDir))
      cpSync(join(dataDir, f), join(backup, f), { recursive: true })
    const later = startCore(dataDir, vault)
    await waitFor(() => later.status().relay.state === 'connected', 'link again')
    await scanAll(later, ['o_3', 'o_4'], 4)
    await later.stop()
    rmSync(dataDir, { recursive: true, force: true })
    cpSync(backup, dataDir, { recursive: true })
    const restored = startCore(dataDir, vault)
    await waitFor(() => restored.status().relay.state === 'connected', 'link after the restore')
    await scanAll(restored, ['o_5'], 5)
    const numbers = restored.db
      .prepare<[], { openid: string; n: number }>(
        'SELECT openid, check_in_number AS n FROM attendance ORDER BY openid',
      )
      .all()
    expect(numbers).toEqual([
      { openid: 'o_1', n: 1 },
      { openid: 'o_2', n: 2 },
      { openid: 'o_3', n: 3 },
      { openid: 'o_4', n: 4 },
      { openid: 'o_5', n: 5 },
    ])
  })

  it('a cursor restored from an old backup replays events already stored: inserted once', async () => {
    const p = await startPlatform()
    const { core, dataDir, vault } = await kioskOn(p)
    await waitFor(() => core.status().relay.state === 'connected', 'link')
    const shown = await waitFor(() => core.pool.current() ?? undefined, 'code')
    for (const openid of ['o_1', 'o_2', 'o_3']) await p.sandbox.scan(shown.url, openid)
    await waitFor(() => attendanceRows(core).length === 3, 'scans')
    const cid = core.settings().connectionId
    await core.stop()

    // Forget the cursor (but keep the rows): the relay replays everything it still has.
    const { openKioskDb } = await import('../../electron/core/db/db')
    const db = openKioskDb(`${dataDir}/kiosk.db`)
    new MetaTable(db).set(`relay.cursor:${cid}`, null)
    db.close()
    const again = startCore(dataDir, vault)
    await waitFor(() => again.status().relay.state === 'connected', 'link again')
    await p.sandbox.scan((again.pool.current() ?? shown).url, 'o_4')
    await waitFor(() => attendanceRows(again).length === 4, 'new scan')
    expectEachOnce(attendanceRows(again), ['o_1', 'o_2', 'o_3', 'o_4'])
  })
})

// End to end (sandbox → relay → kiosk): a visitor checks in at the desk of a booth whose link
// then fails before the relay heard the desk binding; the organizer erases the visitor in the
// console meanwhile. When the link is back the binding the kiosk still holds does not bind them
// at the relay again, and the kiosk's own copy (scans, number, roster binding, export) shows no
// trace of them; the booth's scans stay as they were, its visitors and returning ones agree
// with the relay's (also once the visitor comes back), and the other visitor is untouched.
import { PassThrough } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { MemoryVault } from '../../electron/core/config/vault'
import { parse } from 'csv-parse/sync'
import { exportAttendance } from '../../electron/core/export/export'
import { AttendanceQueries } from '../../electron/core/scans/attendance-queries'
import { silentLogger, type Logger } from '../../relay/log'
import { startRelay } from '../../relay/server'
import { startSandbox } from '../../sandbox/server'
import { consoleStatsSchema, erasureAnswerSchema } from '../../shared/console-api'
import {
  attendanceRows,
  cleanup,
  onCleanup,
  provisionDir,
  startCore,
  startCutProxy,
  tempDir,
  testCampaign,
  waitFor,
} from './helpers'
import { assign, createCampaign, guestRosterCsv, signIn } from '../relay/campaign-helpers'

afterEach(cleanup)

describe('an erasure reaches the kiosk', () => {
  it('the kiosk’s copy is gone, and its unsent desk binding binds nobody', async () => {
    const sandbox = await startSandbox({ port: 0 })
    onCleanup(() => sandbox.close())
    // What the relay made of the kiosk's binds: dropped (its log says so), or stored.
    const bindsDropped: string[] = []
    const log: Logger = {
      ...silentLogger,
      info: (msg) => {
        if (msg === 'bind of an erased visitor dropped') bindsDropped.push(msg)
      },
    }
    const relay = await startRelay(
      { port: 0, data: tempDir(), wechat: sandbox.credentials(), ticketRatePerMinute: 6000 },
      { shutdownGraceMs: 500, storePollMs: 50, log },
    )
    onCleanup(() => relay.close())
    sandbox.setPushUrl(`${relay.url}/wechat`)
    const proxy = await startCutProxy(relay.url)
    onCleanup(() => proxy.close())
    const c = await signIn(relay)
    const made = await createCampaign(c, { mode: 'desk' })
    const upload = await fetch(`${relay.url}/console/api/campaigns/${made.id}/roster`, {
      method: 'POST',
      headers: { origin: relay.url, cookie: c.cookie ?? '', 'content-type': 'text/csv' },
      body: guestRosterCsv(2),
    })
    expect(upload.status).toBe(200)
    const token = await relay.addKiosk('booth-1')
    await assign(c, 'booth-1', made.id)
    const vault = new MemoryVault()
    const dataDir = tempDir()
    provisionDir(dataDir, vault, {
      relayUrl: proxy.url,
      kioskId: 'booth-1',
      token,
      campaign: testCampaign(),
      settings: { pool: { target: 4, marginSeconds: 30, maxInFlight: 4 } },
    })
    const core = startCore(dataDir, vault)
    const held = (sql: string): number => (core.db.prepare(sql).get() as { n: number }).n
    /** Scans, visitors and returning ones of the campaign: the booth's and the relay's. */
    const figures = async () => {
      const k = new AttendanceQueries(core.db).stats(made.id)
      const answer = await c.call('GET', `/console/api/stats?campaign=${made.id}`)
      const r = consoleStatsSchema.parse(answer.json)
      return {
        kiosk: { scans: k.total, visitors: k.uniqueVisitors, returning: k.returning },
        relay: { scans: r.scans, visitors: r.visitors, returning: r.returning },
      }
    }
    /** `figures` once the relay has counted `scans` scans (its indexer may lag a push). */
    const settled = (scans: number) =>
      waitFor(async () => {
        const f = await figures()
        return f.relay.scans === scans && f
      }, `the relay counting ${scans} scans`)
    await waitFor(
      () => held(`SELECT count(*) AS n FROM roster_entries WHERE campaign_id = '${made.id}'`) === 2,
      'the roster',
      30_000,
    )
    const fallback = await waitFor(() => core.fallback.status().url ?? undefined, 'fallback code')
    const entry = core.db
      .prepare('SELECT id, name FROM roster_entries WHERE campaign_id = ? ORDER BY id LIMIT 1')
      .get(made.id) as { id: string; name: string }
    const deskCode = await waitFor(() => {
      try {
        return core.pool.showDesk(entry)
      } catch {
        return undefined
      }
    }, 'a desk code')

    // Bob walks up; Ann too, then checks in at the desk while the kiosk's words to the relay
    // (acks, the desk binding) are lost.
    for (const o of ['o_bob', 'o_ann', 'o_bob']) {
      expect((await sandbox.scan(fallback, o)).attempts.at(-1)?.status).toBe(200)
    }
    await waitFor(() => attendanceRows(core).length === 3, 'walk-ups')
    proxy.holdUp(true)
    expect((await sandbox.scan(deskCode.url, 'o_ann')).attempts.at(-1)?.status).toBe(200)
    await waitFor(() => attendanceRows(core).length === 4, 'the desk check-in')
    expect(held(`SELECT count(*) AS n FROM bind_outbox WHERE openid = 'o_ann'`)).toBe(1)
    proxy.cut()
    await waitFor(() => core.status().relay.state !== 'connected', 'link down')
    const stats = new AttendanceQueries(core.db).stats(made.id)

    const erased = await c.call('POST', `/console/api/campaigns/${made.id}/erasures`, {
      openid: 'o_ann',
    })
    expect(erased.status, erased.text).toBe(200)
    expect(erasureAnswerSchema.parse(erased.json).number).toBe(2)

    const store = relay.store.campaigns
    const putBinding = store.putBinding.bind(store)
    const bindsStored: string[] = []
    store.putBinding = async (id, b) => {
      const stored = await putBinding(id, b)
      bindsStored.push(b.openid)
      return stored
    }
    proxy.restore()
    await waitFor(() => core.status().relay.state === 'connected', 'link back', 20_000)
    const trace = () =>
      held(`SELECT count(*) AS n FROM attendance WHERE openid = 'o_ann'`) +
      held(`SELECT count(*) AS n FROM visitors WHERE openid = 'o_ann'`) +
      held(`SELECT count(*) AS n FROM roster_entries WHERE openid = 'o_ann'`) +
      held(`SELECT count(*) AS n FROM bind_outbox WHERE openid = 'o_ann'`)
    await waitFor(() => trace() === 0, 'the kiosk’s copy erased', 20_000)
    // The binding the kiosk sent at the welcome (before it read the erasure) was dropped.
    await waitFor(
      () => bindsDropped.length + bindsStored.length > 0,
      'the relay answered the binding',
      20_000,
    )
    expect(bindsStored).toEqual([])
    expect(held('SELECT count(*) AS n FROM bind_outbox')).toBe(0)
    expect((await relay.store.campaigns.bindings(made.id)).map((b) => b.openid)).toEqual([])

    // The booth's scans and timeline as they were; Ann no longer one of its visitors nor
    // returning, as at the relay; Bob untouched; the export names no Ann.
    expect(stats).toMatchObject({ total: 4, uniqueVisitors: 2, returning: 2 })
    expect(new AttendanceQueries(core.db).stats(made.id)).toEqual({
      ...stats,
      uniqueVisitors: 1,
      returning: 1,
    })
    const afterErasure = { scans: 4, visitors: 1, returning: 1 }
    expect(await settled(4)).toEqual({ kiosk: afterErasure, relay: afterErasure })
    expect(attendanceRows(core).filter((r) => r.openid === 'o_bob')).toHaveLength(2)
    /** The booth's CSV, and its rows marked 首次到访 是 (one per visitor, as the stats count). */
    const sheet = async (): Promise<{ csv: string; firsts: string[][] }> => {
      const chunks: Buffer[] = []
      const out = new PassThrough().on('data', (d: Buffer) => chunks.push(d))
      await exportAttendance({
        db: core.db,
        campaignId: made.id,
        format: 'csv',
        out,
        locale: 'zh-CN',
      })
      const csv = Buffer.concat(chunks).toString('utf8')
      const [head, ...rows]: string[][] = parse(csv.replace(/^\uFEFF/, ''))
      const first = head?.indexOf('首次到访') ?? -1
      return { csv, firsts: rows.filter((r) => r[first] === '是') }
    }
    const { csv, firsts } = await sheet()
    expect(csv).toContain('o_bob')
    expect(csv).not.toContain('o_ann')
    expect(csv).not.toContain(entry.name)
    // Ann's rows are scans of no one now: not a first visit, so the sheet's visitors are Bob.
    expect(firsts).toHaveLength(afterErasure.visitors)

    // Ann comes back: a new visitor, not returning (her erased scans count as scans only),
    // counted alike by the booth and the relay.
    expect((await sandbox.scan(fallback, 'o_ann')).attempts.at(-1)?.status).toBe(200)
    await waitFor(() => attendanceRows(core).length === 5, 'Ann back')
    const back = { scans: 5, visitors: 2, returning: 1 }
    expect(await settled(5)).toEqual({ kiosk: back, relay: back })
    // Her new first visit is the sheet's one row for her: two visitors, two first visits.
    expect((await sheet()).firsts).toHaveLength(back.visitors)
  }, 120_000)
})

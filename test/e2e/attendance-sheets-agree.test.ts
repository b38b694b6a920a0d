/**
 * The organizer's two attendance sheets of one event agree: two kiosk cores on one relay campaign
 * (desk mode, a roster of awkward names), scans pushed as WeChat signs them with CreateTimes
 * around midnight in Asia/Shanghai, repeats, a visitor at both booths, one who scanned before the
 * desk bound them, a booth offline while late scans arrive out of order, and the campaign renamed
 * mid-event. Each booth's `kiosk export` (the built CLI, CSV and XLSX) read back must hold exactly
 * that booth's rows of the relay's consolidated sheet, cell for cell but the booth column and
 * 未知二维码 (which only the kiosk knows: docs/DESIGN.md "Consolidated attendance"), on both stores.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { parse } from 'csv-parse/sync'
import { afterEach, describe, expect, it } from 'vitest'
import { MemoryVault } from '../../electron/core/config/vault'
import type { KioskCore } from '../../electron/core/kiosk-core'
import type { RelayHandle } from '../../relay/server'
import { startSandbox } from '../../sandbox/server'
import { cleanup, provisionDir, startCore, tempDir, waitFor } from '../kiosk/helpers'
import {
  assign,
  campaignBody,
  createCampaign,
  relayTestBed,
  signIn,
} from '../relay/campaign-helpers'
import type { ConsoleClient } from '../relay/console-helpers'
import { eventXml, postPush, signedQuery, type Backend } from '../relay/harness'
import { assertCliBuilt } from './kiosk-process'
import { xlsxRows } from '../helpers/xlsx-rows'
import { inTimeZone } from '../helpers/time-zone'

inTimeZone('Asia/Shanghai')
const { cleanups, placeFor, relayOn } = relayTestBed()
afterEach(cleanup)

/** 2026-05-02 00:00:00 in Shanghai (16:00 UTC the day before), in WeChat's seconds. */
const MIDNIGHT = Date.UTC(2026, 4, 1, 16) / 1000
const ROSTER = [
  '姓名,公司,手机,编号',
  '王小明,星辰科技,13800001111,R1',
  '"=HYPERLINK(""http://x"",""点我"")",@corp,+86 138-0000-2222,-R2',
  '"Smith, ""Bob"" Jr",ACME,13800003333,R3',
  `🎉李雷🎉,"公司,有逗号",13800004444,R4`,
  `${'长'.repeat(100)},X,13800005555,R5`,
  '晚到的人,Y,13800006666,R6',
  '没来的人,Z,13800007777,R7',
]

interface Booth {
  id: string
  core: KioskCore
  dataDir: string
  vault: MemoryVault
}

async function booth(relay: RelayHandle, id: string): Promise<Booth> {
  const token = await relay.addKiosk(id)
  const dataDir = tempDir()
  const vault = new MemoryVault()
  provisionDir(dataDir, vault, { relayUrl: relay.url, kioskId: id, token })
  return { id, core: startCore(dataDir, vault), dataDir, vault }
}

const rowsAt = (core: KioskCore): number =>
  core.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM attendance').get()?.n ?? 0

async function download(c: ConsoleClient, query: string): Promise<Buffer> {
  const res = await fetch(`${c.relayUrl}/console/api/attendance?${query}`, {
    headers: { cookie: c.cookie ?? '' },
  })
  expect(res.status).toBe(200)
  return Buffer.from(await res.arrayBuffer())
}

/** The sheet's rows as text: CSV cells as Excel shows them, XLSX dates as local ISO text. */
function csvRows(raw: Buffer): string[][] {
  expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
  return parse(raw.subarray(3).toString('utf8'))
}

describe.each<Backend>(['sqlite', 'redis'])('kiosk and relay attendance sheets (%s)', (backend) => {
  it('hold the same rows, cell for cell, around midnight and after a booth was offline', async () => {
    assertCliBuilt()
    const sandbox = await startSandbox({ port: 0, host: '127.0.0.1' })
    cleanups.push(() => sandbox.close())
    const relay = await relayOn(placeFor(backend), { wechat: sandbox.credentials() })
    sandbox.setPushUrl(`${relay.url}/wechat`)
    const a = await booth(relay, 'booth-a')
    const b = await booth(relay, 'booth-b')
    const c = await signIn(relay)
    const made = await createCampaign(c, { mode: 'desk', name: '春季展 Day1' })
    const up = await fetch(`${relay.url}/console/api/campaigns/${made.id}/roster`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', origin: relay.url, cookie: c.cookie ?? '' },
      body: ROSTER.join('\n'),
    })
    expect(up.status, await up.text()).toBe(200)
    await assign(c, a.id, made.id)
    await assign(c, b.id, made.id)
    for (const k of [a, b]) {
      await waitFor(() => k.core.activeCampaign()?.id === made.id, `${k.id} campaign`, 30_000)
      await waitFor(
        () => k.core.relayRoster.held(k.core.settings().connectionId)?.offset === 7,
        `${k.id} roster`,
        30_000,
      )
    }

    const token = sandbox.credentials().token
    let nonce = 0
    const pushed: { kiosk: string; createTime: number }[] = []
    const push = async (
      kiosk: string,
      openid: string,
      createTime: number,
      scene = `${kiosk}:n${++nonce}`,
      event: 'SCAN' | 'subscribe' = 'SCAN',
    ): Promise<void> => {
      const key = event === 'subscribe' ? `qrscene_${scene}` : scene
      const xml = eventXml({ openid, createTime, event, eventKey: key, ticket: `tk-${scene}` })
      const r = await postPush(relay.url, xml, signedQuery(token))
      expect(r.status, r.body).toBe(200)
      pushed.push({ kiosk, createTime })
    }
    /** Booth A's desk: staff pick the entry, the visitor scans the code shown for it. */
    const atDesk = async (search: string, openid: string, createTime: number): Promise<void> => {
      const [entry] = await Promise.resolve(
        a.core.handlers.searchRoster({ query: search, limit: 1 }),
      )
      if (!entry) throw new Error(`no roster entry for ${search}`)
      const desk = await waitFor(async () => {
        try {
          return await Promise.resolve(a.core.handlers.showDeskTicket({ rosterEntryId: entry.id }))
        } catch {
          return undefined
        }
      }, 'a desk code')
      const ticket = a.core.db
        .prepare<[string], { scene: string }>('SELECT scene FROM tickets WHERE url = ?')
        .get(desk.url)
      if (!ticket) throw new Error('the desk code has no ticket row')
      await push('booth-a', openid, createTime, ticket.scene)
    }

    await atDesk('王小明', 'oWang', MIDNIGHT - 1)
    await atDesk('HYPERLINK', 'oEvil', MIDNIGHT)
    await atDesk('Smith', 'oSmith', MIDNIGHT - 3600)
    await atDesk('李雷', 'oLi', MIDNIGHT + 5)
    await atDesk('长长', 'oLong', MIDNIGHT + 6)
    await push('booth-a', 'oWalkIn', MIDNIGHT + 10, undefined, 'subscribe')
    await push('booth-a', 'oWalkIn', MIDNIGHT + 20)
    await push('booth-b', 'oWang', MIDNIGHT + 30)
    await push('booth-b', '-oDash', MIDNIGHT + 31)
    await push('booth-b', 'oLate', MIDNIGHT + 32) // named once A's desk binds them, below
    await atDesk('晚到', 'oLate', MIDNIGHT + 33)
    await waitFor(() => rowsAt(b.core) === 3, 'booth B’s rows', 30_000)
    // Booth B drops off; its scans wait at the relay, created out of order.
    await b.core.stop()
    await push('booth-b', 'oNight1', MIDNIGHT + 300)
    await push('booth-b', 'oNight2', MIDNIGHT - 300)
    await push('booth-b', 'oWang', MIDNIGHT + 100)
    const renamed = '春季展 =Day2, "final"'
    const put = await c.call(
      'PUT',
      `/console/api/campaigns/${made.id}`,
      campaignBody({ mode: 'desk', name: renamed }),
    )
    expect(put.status, put.text).toBe(200)
    const b2 = startCore(b.dataDir, b.vault)
    await waitFor(() => rowsAt(b2) === 6, 'booth B’s late rows', 30_000)
    await waitFor(() => rowsAt(a.core) === 8, 'booth A’s rows', 30_000)
    await waitFor(() => b2.activeCampaign()?.name === renamed, 'the new name at B', 30_000)
    await waitFor(() => a.core.activeCampaign()?.name === renamed, 'the new name at A', 30_000)
    await a.core.stop()
    await b2.stop()

    const relayCsv = csvRows(await download(c, `campaign=${made.id}&format=csv`))
    const relayXlsx = await xlsxRows(await download(c, `campaign=${made.id}&format=xlsx`))
    const header = relayCsv[0] ?? []
    const unknownCol = header.indexOf('未知二维码')
    const eventCol = header.indexOf('事件ID')
    const scannedCol = header.indexOf('扫码时间')
    // Every accepted scan once, in booth then arrival order; times in the event's zone.
    expect(relayCsv).toHaveLength(pushed.length + 1)
    expect(new Set(relayCsv.slice(1).map((r) => r[eventCol])).size).toBe(pushed.length)
    const expectedBooths = [...pushed].sort((x, y) => x.kiosk.localeCompare(y.kiosk))
    expect(relayCsv.slice(1).map((r) => r[0])).toEqual(expectedBooths.map((p) => p.kiosk))
    expect(relayCsv.slice(1).map((r) => r[scannedCol])).toContain('2026-05-02 00:00:00')
    expect(relayCsv.slice(1).map((r) => r[scannedCol])).toContain('2026-05-01 23:59:59')
    const named = relayCsv.slice(1).filter((r) => r[header.indexOf('姓名')] !== '')
    expect(named.map((r) => r[header.indexOf('OpenID')])).toEqual([
      'oWang',
      'oEvil',
      'oSmith',
      'oLi',
      'oLong',
      'oLate',
      'oWang',
      'oLate',
      'oWang',
    ])
    expect(relayXlsx).toHaveLength(relayCsv.length)

    /** A sheet's rows without the booth and 未知二维码 columns (those only one side knows). */
    const shared = <T>(rows: T[][], booth: boolean): T[][] =>
      rows.map((r) =>
        r.filter((_, i) => (booth ? i !== 0 && i !== unknownCol : i !== unknownCol - 1)),
      )
    const cli = promisify(execFile)
    for (const k of [a, b]) {
      for (const format of ['csv', 'xlsx'] as const) {
        const out = join(k.dataDir, `sheet.${format}`)
        await cli(
          process.execPath,
          ['out/cli/cli.mjs', 'export', '--data', k.dataDir, '--format', format, '--out', out],
          {
            cwd: join(import.meta.dirname, '..', '..'),
            env: { ...process.env, TZ: 'Asia/Shanghai' },
          },
        )
        const mine =
          format === 'csv' ? csvRows(readFileSync(out)) : await xlsxRows(readFileSync(out))
        const relayRows = format === 'csv' ? relayCsv : relayXlsx
        const theirs = relayRows.filter((r, i) => i === 0 || r[0] === k.id)
        expect(shared(mine, false), `${k.id} ${format}`).toEqual(shared(theirs, true))
      }
    }
  }, 240_000)
})

// The organizer's attendance sheet at 21:00 after day 1 of a three-day expo (Asia/Shanghai), built
// for real on both stores: a relay on port 0, twelve booths on the kiosk link, a 5,000-guest roster,
// desk check-ins bound by the booths' `bind` frames (one booth offline for an hour, then catching
// up), walk-ins, a guest at two booths, a guest erased at their request, a booth moved to another
// campaign at noon, and a booth offline at 21:00 with check-ins it has not taken yet. The
// console's CSV and XLSX of the day, its stats, its days and the big screen's count, read at one
// moment, must tell one story.
import { parse } from 'csv-parse/sync'
import ExcelJS from 'exceljs'
import { describe, expect, it, vi } from 'vitest'
import {
  consoleKioskListSchema,
  consoleRosterPageSchema,
  consoleStatsDaysSchema,
  consoleStatsSchema,
  type ConsoleKiosk,
} from '../../shared/console-api'
import { wallSnapshotSchema } from '../../shared/screen-api'
import { assign, createCampaign, guestRosterCsv, relayTestBed, signIn } from './campaign-helpers'
import { Clock, type ConsoleClient } from './console-helpers'
import { eventXml, KioskClient, postPush, signedQuery, TOKEN, type Backend } from './harness'
import { screenPath } from './screen-helpers'
import { UNDER_LOAD } from '../helpers/wait'
import { xlsxRows } from '../helpers/xlsx-rows'
import { inTimeZone } from '../helpers/time-zone'

inTimeZone('Asia/Shanghai')
const { placeFor, relayOn, cleanups } = relayTestBed()

/** `hh:mm` in Shanghai on 1 December 2026 (day 1), as a UTC instant. */
const local = (hh: number, mm: number): number => Date.UTC(2026, 11, 1, hh - 8, mm)
const DAY = '2026-12-01'
const BOOTHS = Array.from({ length: 12 }, (_, i) => `b${String(i + 1).padStart(2, '0')}`)

async function get(c: ConsoleClient, path: string): Promise<Response> {
  return fetch(`${c.relayUrl}${path}`, { headers: { cookie: c.cookie ?? '' } })
}

async function kioskList(c: ConsoleClient): Promise<ConsoleKiosk[]> {
  return consoleKioskListSchema.parse(await (await get(c, '/console/api/kiosks')).json())
}

describe.each<Backend>(['sqlite', 'redis'])('the expo’s evening sheet (%s)', (backend) => {
  it('counts each guest once, names desk check-ins, keeps the erased guest out', async () => {
    const clock = new Clock(local(8, 0))
    const relay = await relayOn(placeFor(backend), {}, { now: clock.now })
    const tokens = new Map<string, string>()
    for (const b of BOOTHS) tokens.set(b, await relay.addKiosk(b))
    // An organizer signs in when they use the console (a session idles out over hours).
    let organizers = 0
    const organizer = (): Promise<ConsoleClient> => signIn(relay, `org${++organizers}`)
    const c = await organizer()
    const expo = await createCampaign(c, { name: '秋季展', mode: 'desk' })
    const forum = await createCampaign(c, { name: '论坛', mode: 'booth' })
    for (const b of BOOTHS) await assign(c, b, expo.id)
    const up = await fetch(`${relay.url}/console/api/campaigns/${expo.id}/roster`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', origin: relay.url, cookie: c.cookie ?? '' },
      body: guestRosterCsv(5000),
    })
    expect(up.status, await up.text()).toBe(200)
    /** Registration ids of guests 0–99 (来宾<i>), as the booths' roster frames give them. */
    const page = consoleRosterPageSchema.parse(
      await (await get(c, `/console/api/campaigns/${expo.id}/roster?offset=0&limit=100`)).json(),
    )
    const regOf = new Map(page.entries.map((e) => [e.name, e.id]))
    const reg = (i: number): string => regOf.get(`来宾${i}`) ?? ''

    // Every booth connected, taking its scans as they come.
    const links = new Map<string, KioskClient>()
    const connect = async (b: string): Promise<KioskClient> => {
      const k = await KioskClient.hello(relay.url, tokens.get(b) ?? '', { kioskId: b })
      links.set(b, k)
      cleanups.push(() => k.ws.terminate())
      return k
    }
    for (const b of BOOTHS) await connect(b)

    let nonce = 0
    const push = async (booth: string, openid: string, at: number, subscribe = false) => {
      clock.t = at
      const scene = `${booth}:n${++nonce}`
      const xml = eventXml({
        openid,
        createTime: Math.floor(at / 1000),
        event: subscribe ? 'subscribe' : 'SCAN',
        eventKey: subscribe ? `qrscene_${scene}` : scene,
        ticket: `tk-${scene}`,
      })
      const r = await postPush(relay.url, xml, signedQuery(TOKEN, at))
      expect(r.status, r.body).toBe(200)
    }
    /** Binds each booth sent on its current link, for `bound` to wait for their acks. */
    const sent = new Map<string, number>()
    const bind = (booth: string, guest: number, openid: string, at: number) => {
      links.get(booth)?.send({
        type: 'bind',
        campaignId: expo.id,
        registrationId: reg(guest),
        openid,
        at,
      })
      sent.set(booth, (sent.get(booth) ?? 0) + 1)
    }
    /** Every bind sent is stored (each booth's bind-acks are in). */
    const bound = async () => {
      for (const [booth, n] of sent)
        await links.get(booth)?.waitFor((f) => f.type === 'bind-ack', n, 20_000)
    }
    /** A desk check-in: the guest scans the code the desk shows for them, the booth binds. */
    const atDesk = async (booth: string, guest: number, at: number, online = true) => {
      await push(booth, `o${guest}`, at, guest % 3 === 0)
      if (online) bind(booth, guest, `o${guest}`, at + 1)
    }
    const acks = async (booth: string, n: number) => {
      const k = links.get(booth)
      if (k === undefined) throw new Error(`${booth} not linked`)
      await k.waitForScans(n, 20_000)
      for (const s of k.scans) k.ack(s.seq)
    }

    // Morning: guests 0–29 check in at desks across the booths; guest 0 at two booths.
    for (let g = 0; g < 30; g++) await atDesk(BOOTHS[g % 11] ?? 'b01', g, local(9, g))
    await atDesk('b02', 0, local(9, 40))
    // Walk-ins, on no roster.
    await push('b01', 'walkA', local(9, 45), true)
    await push('b03', 'walkB', local(9, 50))
    // b05 offline 10:00–11:00: its desk check-ins wait at the relay, bound when it is back.
    await bound()
    sent.clear()
    links.get('b05')?.ws.terminate()
    await links.get('b05')?.closed
    for (let g = 30; g < 35; g++) await atDesk('b05', g, local(10, g), false)
    clock.t = local(11, 0)
    await connect('b05')
    await acks('b05', 5)
    for (let g = 30; g < 35; g++) bind('b05', g, `o${g}`, local(10, g) + 1)
    // Noon: b12 moves to the forum; its afternoon scans count there.
    await push('b12', 'o40', local(11, 30))
    bind('b12', 40, 'o40', local(11, 30) + 1)
    clock.t = local(12, 0)
    await assign(await organizer(), 'b12', forum.id)
    await push('b12', 'forumA', local(13, 0))
    await push('b12', 'o41', local(13, 5))
    // Afternoon at the expo.
    for (let g = 41; g < 50; g++) await atDesk(BOOTHS[g % 11] ?? 'b01', g, local(14, g))
    // Guest 7 asks to be erased (their desk binding stored by then).
    await bound()
    clock.t = local(15, 0)
    const erased = await (
      await organizer()
    ).call('POST', `/console/api/campaigns/${expo.id}/erasures`, {
      openid: 'o7',
    })
    expect(erased.status, erased.text).toBe(200)
    // b07 drops off at 20:00, having taken its three scans; two desk check-ins wait for it.
    clock.t = local(20, 0)
    await acks('b07', 3)
    const evening = await organizer()
    await vi.waitFor(async () => {
      expect((await kioskList(evening)).find((k) => k.id === 'b07')?.queued).toBe(0)
    }, UNDER_LOAD)
    await bound()
    sent.clear()
    links.get('b07')?.ws.terminate()
    await links.get('b07')?.closed
    await atDesk('b07', 50, local(20, 10), false)
    await atDesk('b07', 51, local(20, 20), false)

    // 21:00: the organizer reads the day, once every bind sent is in.
    clock.t = local(21, 0)
    await bound()
    const c2 = await organizer()
    const q = `campaign=${expo.id}&day=${DAY}`
    const csvRes = await get(c2, `/console/api/attendance?${q}&format=csv&locale=zh-CN`)
    expect(csvRes.status).toBe(200)
    const csv: string[][] = parse((await csvRes.text()).replace(/^\uFEFF/, ''))
    const xlsxRes = await get(c2, `/console/api/attendance?${q}&format=xlsx&locale=en`)
    expect(xlsxRes.status).toBe(200)
    const xlsxBytes = Buffer.from(await xlsxRes.arrayBuffer())
    const xlsx = await xlsxRows(xlsxBytes)
    const stats = consoleStatsSchema.parse(
      await (await get(c2, `/console/api/stats?campaign=${expo.id}`)).json(),
    )
    const days = consoleStatsDaysSchema.parse(
      await (await get(c2, `/console/api/stats/days?campaign=${expo.id}`)).json(),
    )
    const wall = wallSnapshotSchema.parse(
      await (await fetch(`${relay.url}${screenPath('wall', expo.id, expo.screenKey)}`)).json(),
    )
    const kiosks = await kioskList(c2)

    const [head, ...rows] = csv
    const col = (label: string): number => head?.indexOf(label) ?? -1
    const cell = (r: string[], label: string): string => r[col(label)] ?? ''
    // Headings in the console's language, the file named after the campaign and the day.
    expect(head?.slice(0, 3)).toEqual(['签到台', '签到号', '姓名'])
    expect(xlsx[0]?.slice(0, 3)).toEqual(['Booth', 'Check-in no.', 'Name'])
    // Printed tonight: the campaign and day on every page, its columns on one page's width
    // (landscape: they are many), the heading row repeated, the pages numbered.
    const printed = new ExcelJS.Workbook()
    await printed.xlsx.load(new Uint8Array(xlsxBytes).buffer)
    const printedSheet = printed.worksheets[0]
    expect(printedSheet?.headerFooter).toEqual({
      oddHeader: `&C秋季展 · Attendance · ${DAY}`,
      oddFooter: '&CPage &P of &N',
    })
    expect(printedSheet?.pageSetup).toMatchObject({
      orientation: 'landscape',
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0,
      printTitlesRow: '1:1',
    })
    const disposition = decodeURIComponent(csvRes.headers.get('content-disposition') ?? '')
    expect(disposition).toContain(`秋季展-签到记录-${DAY}-`)
    // Every expo scan of the day once: 30 + 1 repeat + 2 walk-ins + 5 + b12's morning one + 9 + 2.
    expect(rows).toHaveLength(50)
    expect(xlsx).toHaveLength(51)
    // The erased guest's openid and name are nowhere.
    expect(csv.flat()).not.toContain('o7')
    expect(csv.flat()).not.toContain('来宾7')
    // Desk check-ins named, the late booth's too; walk-ins listed without a name.
    const byOpenid = (o: string) => rows.filter((r) => cell(r, 'OpenID') === o)
    expect(byOpenid('o31').map((r) => cell(r, '姓名'))).toEqual(['来宾31'])
    expect(byOpenid('walkB').map((r) => cell(r, '姓名'))).toEqual([''])
    expect(byOpenid('o40').map((r) => [cell(r, '签到台'), cell(r, '活动')])).toEqual([
      ['b12', '秋季展'],
    ])
    // Guest 0 twice, first at b01 at 09:00.
    expect(
      byOpenid('o0').map((r) => [cell(r, '签到台'), cell(r, '首次到访'), cell(r, '扫码时间')]),
    ).toEqual([
      ['b01', '是', '2026-12-01 09:00:00'],
      ['b02', '否', '2026-12-01 09:40:00'],
    ])
    // One row per guest with 首次到访 = 是, as many as the stats, the day and the big screen count.
    const firsts = rows.filter((r) => cell(r, '首次到访') === '是')
    // The wall counts the campaign's last number, the erased guest's included (docs/DESIGN.md
    // "Big screens": the count never goes back); the stats leave them out.
    expect(wall.count).toBe(stats.visitors + 1)
    expect(days.days).toEqual([
      expect.objectContaining({ day: DAY, scans: 50, visitors: stats.visitors }),
    ])
    expect(firsts).toHaveLength(stats.visitors)
    // b07 still holds two check-ins the relay could not name yet: the console can tell.
    expect(kiosks.find((k) => k.id === 'b07')).toMatchObject({ online: false, queued: 2 })
  }, 180_000)
})

// Lucky draws in the console API, on both stores: a draw is stored with what it takes to
// re-check it (and re-checks from the visitors' list; a tampered record does not); previous
// winners are excluded when asked, roster-only draws only bound visitors, too few eligible is a
// clear 409 that stores nothing; a redraw keeps the other winners; the winners export matches
// the record (BOM, formula escaping); concurrent draws never share a winner.
import ExcelJS from 'exceljs'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  drawAnswerOf,
  drawAnswerSchema,
  drawRecordOf,
  drawRecordSchema,
  type DrawAnswer,
  type DrawRecord,
} from '../../shared/screen-api'
import { canonicalOrder, eligibleHash, recheckDraw } from '../../relay/draws/fair-draw'
import type { RelayHandle } from '../../relay/server'
import { makeDraw, redraw } from '../../relay/draws/draw-service'
import type { DrawStore } from '../../relay/store/draw-types'
import { formatLocalTime } from '../../shared/export/cells'
import { errorCode, type ConsoleClient } from './console-helpers'
import { createCampaign, relayTestBed, signIn } from './campaign-helpers'
import { checkIn, rosterWith, visitors } from './draws-helpers'
import type { Backend } from './harness'

const bed = relayTestBed()

async function setUp(backend: Backend, n: number) {
  const relay = await bed.relayOn(bed.placeFor(backend))
  const c = await signIn(relay)
  const campaign = await createCampaign(c)
  const people = visitors(n)
  await checkIn(relay.store, campaign.id, people)
  return { relay, c, campaignId: campaign.id, people }
}

/** `organizer` alice acting at `now`. */
const by = (now: number) => ({ organizer: 'alice', clock: () => now })

/** Draws A and, `gap` ms later, B straight on the store: two winners each, winners excluded. */
async function twoDraws(relay: RelayHandle, campaignId: string, gap: number) {
  const t1 = Date.UTC(2026, 11, 5, 2, 0)
  const rule = { prize: '一等奖', count: 2, excludeWinners: true, rosterOnly: false }
  const a = await makeDraw(relay.store.draws, campaignId, rule, by(t1))
  const b = await makeDraw(relay.store.draws, campaignId, rule, by(t1 + gap))
  if (!a.ok || !b.ok) throw new Error('draws refused')
  return { t1, a, b }
}

async function draw(
  c: ConsoleClient,
  campaignId: string,
  body: Record<string, unknown>,
): Promise<DrawAnswer> {
  const a = await c.call('POST', `/console/api/campaigns/${campaignId}/draws`, {
    prize: '一等奖',
    ...body,
  })
  expect(a.status, a.text).toBe(201)
  return drawAnswerSchema.parse(a.json)
}

/** The 409's `eligible` (too few eligible visitors), or undefined when the body has none. */
function eligibleIn(a: { json: unknown }): number | undefined {
  const body = z
    .object({ error: z.object({ eligible: z.number().int().nonnegative().optional() }) })
    .parse(a.json)
  return body.error.eligible
}

const openids = (d: DrawRecord) => d.winners.map((w) => w.openid)

/** Runs node with `args` from the repository: its exit code and output. */
function runScript(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, (err, stdout) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout })
    })
  })
}

async function stored(relay: RelayHandle, campaignId: string): Promise<DrawRecord[]> {
  return relay.store.draws.list(campaignId)
}

describe.each<Backend>(['sqlite', 'redis'])('draws (%s)', (backend) => {
  it('draws, stores and lists a draw that re-checks from its eligible list', async () => {
    const { relay, c, campaignId, people } = await setUp(backend, 10)
    const d = await draw(c, campaignId, { count: 3, excludeWinners: false })
    expect(d).toMatchObject({ campaignId, prize: '一等奖', organizer: 'alice', eligibleCount: 10 })
    expect(new Set(openids(d)).size).toBe(3)
    for (const w of d.winners) {
      expect(people).toContain(w.openid)
      expect(w.number).toBe(people.indexOf(w.openid) + 1)
      expect(w.name).toBeNull()
    }
    expect(d.eligibleHash).toBe(eligibleHash(canonicalOrder(people)))
    expect(d.rng.length % 8).toBe(0)
    expect(d.rng.length).toBeGreaterThanOrEqual(24)
    expect(recheckDraw(d, people)).toEqual({ ok: true })

    const d2 = await draw(c, campaignId, { count: 1, excludeWinners: false })
    const list = await c.call('GET', `/console/api/campaigns/${campaignId}/draws`)
    expect(list.status).toBe(200)
    const listed = drawAnswerSchema.array().parse(list.json)
    expect(listed.map((x) => x.id).sort()).toEqual([d.id, d2.id].sort())
    expect(listed[0]?.at ?? 0).toBeGreaterThanOrEqual(listed[1]?.at ?? 0)
    expect(listed.find((x) => x.id === d.id)).toEqual(d)
    expect(await stored(relay, campaignId)).toHaveLength(2)
  })

  it('rejects a tampered record or a different eligible list on re-check', async () => {
    const { c, campaignId, people } = await setUp(backend, 12)
    const d = await draw(c, campaignId, { count: 4, excludeWinners: false })
    expect(recheckDraw(d, people).ok).toBe(true)
    const other = people.find((p) => !openids(d).includes(p)) ?? ''
    const swapped = {
      ...d,
      winners: d.winners.map((w, i) => (i === 0 ? { ...w, openid: other } : w)),
    }
    expect(recheckDraw(swapped, people).ok).toBe(false)
    // The last chunk's lowest bit flipped: the last pick moves by one place (a fixed digit
    // could move it by a multiple of the places left, landing on the same winner).
    const flipped = d.rng.slice(0, -1) + (parseInt(d.rng.slice(-1), 16) ^ 1).toString(16)
    expect(recheckDraw({ ...d, rng: flipped }, people).ok).toBe(false)
    expect(recheckDraw(d, people.slice(1)).ok).toBe(false)
    expect(recheckDraw(d, [...people.slice(1), 'intruder']).ok).toBe(false)
  })

  it('excludes previous winners when asked, and says so clearly when too few are left', async () => {
    const { relay, c, campaignId, people } = await setUp(backend, 10)
    const a = await draw(c, campaignId, { count: 6 })
    const b = await draw(c, campaignId, { count: 4 })
    expect(b.eligibleCount).toBe(4)
    expect([...openids(a), ...openids(b)].sort()).toEqual([...people].sort())
    const none = await c.call('POST', `/console/api/campaigns/${campaignId}/draws`, {
      prize: '三等奖',
      count: 1,
    })
    expect(none.status).toBe(409)
    expect(errorCode(none)).toBe('conflict')
    expect(none.text).toMatch(/only 0 eligible/)
    // The number, as a field the console can show (added after v2).
    expect(eligibleIn(none)).toBe(0)
    expect(await stored(relay, campaignId)).toHaveLength(2)
    // Without the exclusion everyone checked in may win again.
    const again = await draw(c, campaignId, { count: 10, excludeWinners: false })
    expect(again.eligibleCount).toBe(10)
  })

  it('roster-only draws only visitors bound to the roster, named', async () => {
    const { relay, c, campaignId, people } = await setUp(backend, 10)
    const bound = people.slice(2, 6)
    await rosterWith(relay.store, campaignId, bound)
    const d = await draw(c, campaignId, { count: 4, rosterOnly: true })
    expect(d.eligibleCount).toBe(4)
    expect([...openids(d)].sort()).toEqual(bound)
    for (const w of d.winners) expect(w.name).toBe(`姓名${bound.indexOf(w.openid)}`)
    expect(recheckDraw(d, bound).ok).toBe(true)
    const more = await c.call('POST', `/console/api/campaigns/${campaignId}/draws`, {
      prize: 'x',
      count: 1,
      rosterOnly: true,
    })
    expect(more.status).toBe(409)
    expect(errorCode(more)).toBe('conflict')
    expect(eligibleIn(more)).toBe(0)
    // Asking for more than there are: the answer says how many could have been drawn.
    const tooMany = await c.call('POST', `/console/api/campaigns/${campaignId}/draws`, {
      prize: 'y',
      count: 7,
    })
    expect(tooMany.status).toBe(409)
    expect(tooMany.text).toMatch(/only 6 eligible visitors; cannot draw 7/)
    expect(eligibleIn(tooMany)).toBe(6)
    // Everyone checked in: names where bound, null elsewhere.
    const all = await draw(c, campaignId, { count: 6 })
    expect(all.eligibleCount).toBe(6)
    for (const w of all.winners) expect(w.name).toBeNull()
  })

  it('redraws an absent winner: the others stay, the replaced one is marked', async () => {
    const { relay, c, campaignId, people } = await setUp(backend, 8)
    const earlier = await draw(c, campaignId, { count: 2 })
    const d = await draw(c, campaignId, { count: 3 })
    const [absent, ...kept] = openids(d)
    const path = `/console/api/campaigns/${campaignId}/draws/${d.id}/redraw`
    const a = await c.call('POST', path, { openid: absent })
    expect(a.status, a.text).toBe(200)
    const r = drawAnswerSchema.parse(a.json)
    // The answer: as many winners as drawn, the new one in the place of the absent one, who is
    // listed apart with when.
    expect(r.winners).toHaveLength(3)
    const fresh = r.winners[0]?.openid ?? ''
    expect(r.winners.slice(1).map((w) => w.openid)).toEqual(kept)
    expect(r.winners.every((w) => w.replacedAt === null)).toBe(true)
    expect(r.replaced).toEqual([expect.objectContaining({ openid: absent })])
    expect(r.replaced[0]?.replacedAt).toEqual(expect.any(Number))
    expect([...openids(d), ...openids(earlier)]).not.toContain(fresh)
    expect(r.redraws).toHaveLength(1)
    expect(r.redraws[0]).toMatchObject({ replaced: absent, openid: fresh, eligibleCount: 3 })
    // The record keeps every winner in the order drawn; the list answers the same view.
    const stored = await relay.store.draws.get(campaignId, d.id)
    if (stored === null) throw new Error('draw not stored')
    expect(stored.winners.map((w) => w.openid)).toEqual([...openids(d), fresh])
    expect(drawAnswerOf(stored)).toEqual(r)
    const listed = drawAnswerSchema
      .array()
      .parse((await c.call('GET', `/console/api/campaigns/${campaignId}/draws`)).json)
    expect(listed.find((x) => x.id === d.id)).toEqual(r)
    // Re-checkable: the redraw's eligible list is the draw's minus every winner so far.
    const drawEligible = people.filter((p) => !openids(earlier).includes(p))
    const redrawEligible = drawEligible.filter((p) => !openids(d).includes(p))
    expect(recheckDraw(stored, drawEligible, [redrawEligible])).toEqual({ ok: true })
    expect(recheckDraw(stored, drawEligible, [drawEligible]).ok).toBe(false)
    // The replaced winner cannot be replaced twice; a non-winner is not a winner (409: the
    // draw exists, the openid does not fit it).
    const twice = await c.call('POST', path, { openid: absent })
    expect(twice.status).toBe(409)
    expect(errorCode(twice)).toBe('conflict')
    expect(eligibleIn(twice)).toBeUndefined()
    expect((await c.call('POST', path, { openid: 'nobody' })).status).toBe(409)
    expect((await c.call('POST', path, { openid: '' })).status).toBe(400)
    expect((await c.call('POST', path, { openid: fresh, x: 1 })).status).toBe(400)
    // 3 left eligible after the first redraw: two more redraws take them, the next finds none.
    for (const o of kept) expect((await c.call('POST', path, { openid: o })).status).toBe(200)
    const last = await c.call('POST', path, { openid: fresh })
    expect(last.status).toBe(409)
    expect(eligibleIn(last)).toBe(0)
    const final = await relay.store.draws.get(campaignId, d.id)
    expect(final?.redraws).toHaveLength(3)
    // The listed view stands for the stored record, three redraws and all.
    if (final === null) throw new Error('draw not stored')
    expect(drawRecordOf(drawAnswerOf(final))).toEqual(final)
  })

  it('a redrawn draw, saved as the console lists it, re-checks with scripts/recheck-draw.ts', async () => {
    // docs/DESIGN.md "Draws": draw.json is one draw of `GET …/draws`, whose winners are the
    // current ones (a redraw's in the place of the one it replaced), not the stored order.
    const { c, campaignId, people } = await setUp(backend, 6)
    const d = await draw(c, campaignId, { count: 2 })
    const absent = d.winners[0]?.openid ?? ''
    const path = `/console/api/campaigns/${campaignId}/draws/${d.id}/redraw`
    expect((await c.call('POST', path, { openid: absent })).status).toBe(200)
    const listed = z
      .array(z.object({ id: z.string() }).passthrough())
      .parse((await c.call('GET', `/console/api/campaigns/${campaignId}/draws`)).json)
      .find((x) => x.id === d.id)
    const dir = mkdtempSync(join(tmpdir(), 'recheck-draw-'))
    try {
      writeFileSync(join(dir, 'draw.json'), JSON.stringify(listed))
      writeFileSync(join(dir, 'eligible.txt'), people.join('\n'))
      const redrawList = people.filter((p) => !openids(d).includes(p))
      writeFileSync(join(dir, 'redraw-1.txt'), redrawList.join('\r\n'))
      const script = ['--import', 'tsx', 'scripts/recheck-draw.ts', join(dir, 'draw.json')]
      const ok = await runScript([...script, join(dir, 'eligible.txt'), join(dir, 'redraw-1.txt')])
      expect(ok, ok.stdout).toMatchObject({
        code: 0,
        stdout: `OK: draw ${d.id} follows from the lists\n`,
      })
      // The redraw's list is not the draw's: the same file twice is refused.
      const wrong = await runScript([
        ...script,
        join(dir, 'eligible.txt'),
        join(dir, 'eligible.txt'),
      ])
      expect(wrong.code).toBe(1)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 30_000)

  it("a redraw's winner is on the sheet at the redraw's time: a later draw re-checks from the sheets", async () => {
    // docs/DESIGN.md "Draws": a later draw's eligible list is rebuilt from earlier draws' winners
    // sheets (the winners drawn before it and not replaced before it). A winner redrawn after
    // it was made was still eligible in it, so the sheet must not date them at their draw's time.
    const { relay, c, campaignId, people } = await setUp(backend, 8)
    const { t1, a, b } = await twoDraws(relay, campaignId, 3_600_000)
    const absent = a.record.winners[0]?.openid ?? ''
    const r = await redraw(relay.store.draws, campaignId, a.record.id, absent, by(t1 + 7_200_000))
    if (!r.ok) throw new Error('redraw refused')
    const sheet = await c.call(
      'GET',
      `/console/api/campaigns/${campaignId}/draws/${a.record.id}/winners`,
    )
    const rows = sheet.text
      .trim()
      .split('\r\n')
      .slice(1)
      .map((l) => l.split(','))
    expect(rows).toHaveLength(3)
    // The procedure, with A's sheet: A's winners drawn before B and not replaced before B.
    const bAt = formatLocalTime(b.record.at)
    const excluded = rows
      .filter((row) => (row[1] ?? '') < bAt && ((row[6] ?? '') === '' || (row[6] ?? '') >= bAt))
      .map((row) => row[5])
    const eligible = people.filter((p) => !excluded.includes(p))
    expect(recheckDraw(b.record, eligible)).toEqual({ ok: true })
    expect(rows[2]?.[1]).toBe(formatLocalTime(t1 + 7_200_000))
  })

  it('a draw that lost the race is dated at the snapshot it drew from: a visitor who came meanwhile re-checks', async () => {
    // docs/DESIGN.md "Draws": the eligible list is the visitors first received before the
    // draw's time. Another organizer's draw moves the fence; while it does, a visitor checks
    // in, and the draw is made again on a snapshot that has them.
    const { relay, campaignId, people } = await setUp(backend, 5)
    const t0 = Date.now() + 60_000
    let now = t0
    const real = relay.store.draws
    let lost = false
    const racing: DrawStore = {
      snapshot: (id) => real.snapshot(id),
      list: (id) => real.list(id),
      get: (id, drawId) => real.get(id, drawId),
      async commit(record, version) {
        if (lost) return real.commit(record, version)
        lost = true
        await checkIn(relay.store, campaignId, ['late'], 'k-draw', t0 + 5_000)
        now = t0 + 10_000
        return false
      },
    }
    const rule = { prize: '一等奖', count: 1, excludeWinners: true, rosterOnly: false }
    const d = await makeDraw(racing, campaignId, rule, { organizer: 'alice', clock: () => now })
    if (!d.ok) throw new Error('draw refused')
    expect(d.record.eligibleCount).toBe(6)
    expect(d.record.at).toBe(t0 + 10_000)
    const receivedBeforeDraw = t0 + 5_000 < d.record.at ? [...people, 'late'] : people
    expect(recheckDraw(d.record, receivedBeforeDraw)).toEqual({ ok: true })
  })

  it('a redraw after a later draw and a late check-in re-checks from the exports', async () => {
    // docs/DESIGN.md "Draws": a redraw's list is rebuilt as a draw's, at the redraw's time, minus
    // everyone who had won in its draw: a later draw's winners are out, a late arrival is in.
    const { relay, campaignId, people } = await setUp(backend, 8)
    const { t1, a, b } = await twoDraws(relay, campaignId, 60_000)
    const late = visitors(3, 'late')
    await checkIn(relay.store, campaignId, late)
    const absent = a.record.winners[0]?.openid ?? ''
    const r = await redraw(relay.store.draws, campaignId, a.record.id, absent, by(t1 + 120_000))
    if (!r.ok) throw new Error('redraw refused')
    const redrawList = [...people, ...late]
      .filter((p) => !openids(b.record).includes(p))
      .filter((p) => !openids(a.record).includes(p))
    expect(r.record.redraws[0]?.eligibleCount).toBe(redrawList.length)
    expect(recheckDraw(r.record, people, [redrawList])).toEqual({ ok: true })
  })

  it("the winners sheet gives a redraw's winner the place announced: the replaced one's", async () => {
    const { c, campaignId } = await setUp(backend, 8)
    const d = await draw(c, campaignId, { count: 3 })
    const path = `/console/api/campaigns/${campaignId}/draws/${d.id}/redraw`
    const once = drawAnswerSchema.parse(
      (await c.call('POST', path, { openid: d.winners[1]?.openid })).json,
    )
    // The redraw's winner is absent too: redrawn again, the third one stands in place 2.
    const twice = drawAnswerSchema.parse(
      (await c.call('POST', path, { openid: once.winners[1]?.openid })).json,
    )
    const sheet = await c.call('GET', `/console/api/campaigns/${campaignId}/draws/${d.id}/winners`)
    const rows = sheet.text
      .trim()
      .split('\r\n')
      .slice(1)
      .map((l) => l.split(','))
    expect(rows.map((row) => row[2])).toEqual(['1', '2', '3', '2', '2'])
    // The standing winners, by place, are those the console and the draw screen announced.
    const standing = rows.filter((row) => row[6] === '').sort((x, y) => Number(x[2]) - Number(y[2]))
    expect(standing.map((row) => row[5])).toEqual(twice.winners.map((w) => w.openid))
  })

  it("names the winners file after the campaign and the prize, in the sheet's language", async () => {
    const relay = await bed.relayOn(bed.placeFor(backend))
    const c = await signIn(relay)
    const campaign = await createCampaign(c, { name: '春季展会 2026' })
    await checkIn(relay.store, campaign.id, visitors(2))
    const d = await draw(c, campaign.id, { count: 1, prize: '一等奖/iPad' })
    const base = `/console/api/campaigns/${campaign.id}/draws/${d.id}/winners`
    for (const [method, format, locale, word] of [
      ['GET', 'csv', 'zh-CN', '中奖名单'],
      ['HEAD', 'xlsx', 'en', 'winners'],
    ] as const) {
      const a = await c.call(method, `${base}?format=${format}&locale=${locale}`)
      expect(a.status).toBe(200)
      const cd = a.headers.get('content-disposition') ?? ''
      const m = /^attachment; filename="([!-~]+)"; filename\*=UTF-8''([A-Za-z0-9%._~-]+)$/.exec(cd)
      expect(m, cd).not.toBeNull()
      // Browsers without filename*: ASCII only, as before.
      expect(m![1]).toBe(`scandesk-draw-${d.id}.${format}`)
      // The campaign's and the prize's names as organizers gave them, not the draw's id: the
      // winners of 一等奖 and 二等奖 are two files one tells apart in the download folder.
      expect(decodeURIComponent(m![2]!)).toMatch(
        new RegExp(`^春季展会 2026-${word}-一等奖_iPad-\\d{8}-\\d{4}\\.${format}$`),
      )
    }
  })

  it("downloads a draw's record, the draw.json a re-check takes, and nothing of an unknown draw", async () => {
    // The console's "Draw record (JSON)": the stored record, redraws and all, as a file.
    const { relay, c, campaignId, people } = await setUp(backend, 6)
    const d = await draw(c, campaignId, { count: 2 })
    const absent = d.winners[1]?.openid ?? ''
    const base = `/console/api/campaigns/${campaignId}/draws/${d.id}`
    expect((await c.call('POST', `${base}/redraw`, { openid: absent })).status).toBe(200)
    const a = await c.call('GET', `${base}/record`)
    expect(a.status, a.text).toBe(200)
    expect(a.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(a.headers.get('content-disposition')).toBe(
      `attachment; filename="scandesk-draw-${d.id}.json"`,
    )
    expect(a.headers.get('cache-control')).toBe('no-store')
    const record = drawRecordSchema.strict().parse(a.json)
    expect(record).toEqual(await relay.store.draws.get(campaignId, d.id))
    const redrawList = people.filter((p) => !openids(d).includes(p))
    expect(recheckDraw(record, people, [redrawList])).toEqual({ ok: true })
    const head = await c.call('HEAD', `${base}/record`)
    expect(head.status).toBe(200)
    expect(head.text).toBe('')
    const unknown = `/console/api/campaigns/${campaignId}/draws/d-nope/record`
    expect((await c.call('GET', unknown)).status).toBe(404)
    expect((await c.call('GET', `${base}/record?format=csv`)).status).toBe(400)
  })

  it('exports the winners as CSV and XLSX, matching the record, formula-escaped', async () => {
    const { relay, c, campaignId, people } = await setUp(backend, 3)
    await rosterWith(relay.store, campaignId, [])
    await relay.store.campaigns.replaceRoster(campaignId, [
      { id: 'r0', name: '=HYPERLINK("x")', company: '', phone: '', code: '' },
    ])
    await relay.store.campaigns.putBinding(campaignId, {
      registrationId: 'r0',
      openid: people[0] ?? '',
      at: 1,
    })
    const d = await draw(c, campaignId, { count: 3, prize: '+特等奖' })
    const base = `/console/api/campaigns/${campaignId}/draws/${d.id}/winners`
    const csv = await c.call('GET', `${base}?format=csv`)
    expect(csv.status).toBe(200)
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/)
    expect(csv.headers.get('content-disposition')).toContain(`scandesk-draw-${d.id}.csv`)
    // fetch's text() drops a BOM: look at the bytes.
    const raw = await fetch(`${relay.url}${base}`, { headers: { cookie: c.cookie ?? '' } })
    const bytes = Buffer.from(await raw.arrayBuffer())
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    expect(csv.text.startsWith('奖项,')).toBe(true)
    const lines = csv.text.trim().split('\r\n')
    expect(lines).toHaveLength(4)
    for (const [i, w] of d.winners.entries()) {
      const line = lines[i + 1] ?? ''
      expect(line).toContain(`'+特等奖`)
      expect(line).toContain(`,${i + 1},${w.number},`)
      expect(line).toContain(w.openid)
      if (w.openid === people[0]) expect(line).toContain(`"'=HYPERLINK(""x"")"`)
    }
    const en = await c.call('GET', `${base}?format=csv&locale=en`)
    expect(en.text.startsWith('Prize,Drawn at,Place,Check-in no.,Name,OpenID')).toBe(true)

    const res = await fetch(`${relay.url}${base}?format=xlsx`, {
      headers: { cookie: c.cookie ?? '' },
    })
    expect(res.status).toBe(200)
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(await res.arrayBuffer())
    const rows: unknown[][] = []
    wb.worksheets[0]?.eachRow((row) => rows.push((row.values as unknown[]).slice(1)))
    expect(rows).toHaveLength(4)
    // The tab is named in the sheet's language, like its headings (default zh-CN).
    expect(wb.worksheets[0]?.name).toBe('中奖名单')
    // Printed: the campaign, the prize and the sheet on top of every page, numbered in Chinese.
    expect(wb.worksheets[0]?.headerFooter).toEqual({
      oddHeader: '&C春季展 · +特等奖 · 中奖名单',
      oddFooter: '&C第 &P 页，共 &N 页',
    })
    expect(wb.worksheets[0]?.pageSetup.printTitlesRow).toBe('1:1')
    expect(rows.slice(1).map((r) => r[5])).toEqual(openids(d))
    expect(rows.slice(1).map((r) => r[3])).toEqual(d.winners.map((w) => w.number))
    // Drawn at: a date-time cell (sorts and filters as a time) showing the CSV's text.
    const drawnAt = wb.worksheets[0]!.getRow(2).getCell(2)
    expect(drawnAt.type).toBe(ExcelJS.ValueType.Date)
    expect(drawnAt.numFmt).toBe('yyyy-mm-dd hh:mm:ss')
    const wall = (drawnAt.value as Date).toISOString().slice(0, 19).replace('T', ' ')
    expect(wall).toBe(lines[1]?.split(',')[1])

    const enBook = new ExcelJS.Workbook()
    await enBook.xlsx.load(
      await (
        await fetch(`${relay.url}${base}?format=xlsx&locale=en`, {
          headers: { cookie: c.cookie ?? '' },
        })
      ).arrayBuffer(),
    )
    expect(enBook.worksheets[0]?.name).toBe('Winners')

    // HEAD: the same headers, no sheet; an unknown draw is still 404.
    const head = await c.call('HEAD', `${base}?format=xlsx`)
    expect(head.status).toBe(200)
    for (const h of ['content-type', 'content-disposition', 'cache-control']) {
      expect(head.headers.get(h), h).toBe(res.headers.get(h))
    }
    expect(head.text).toBe('')
    const noDraw = `/console/api/campaigns/${campaignId}/draws/d-nosuchdraw/winners`
    expect((await c.call('HEAD', noDraw)).status).toBe(404)

    // A repeated parameter is refused, as the attendance export refuses it: not its last value.
    for (const q of ['format=pdf', 'locale=fr', 'format=csv&x=1', 'format=csv&format=xlsx']) {
      expect((await c.call('GET', `${base}?${q}`)).status, q).toBe(400)
    }
  })

  it('never gives one winner to two concurrent draws excluding winners', async () => {
    const { c, campaignId, people } = await setUp(backend, 20)
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        c.call('POST', `/console/api/campaigns/${campaignId}/draws`, { prize: 'x', count: 2 }),
      ),
    )
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 201))
    const won = answers.flatMap((a) => openids(drawRecordSchema.parse(a.json)))
    expect(won.sort()).toEqual([...people].sort())
  })

  it('replaces an absent winner once, however many redraws of them arrive at once', async () => {
    // Two organizers (or a double click) both ask to replace the winner who did not come up:
    // one replacement is drawn, the others are refused (409): that openid is no longer a winner.
    const { relay, c, campaignId } = await setUp(backend, 10)
    const d = await draw(c, campaignId, { count: 2 })
    const [absent, stays] = openids(d)
    // Straight on the service, so that each one reads before any of them writes (HTTP requests
    // rarely interleave so): the ones that lose the write read again and find no such winner.
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        redraw(relay.store.draws, campaignId, d.id, absent ?? '', by(Date.now() + i)),
      ),
    )
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1)
    for (const o of outcomes.filter((x) => !x.ok)) expect(o).toMatchObject({ status: 409 })
    const path = `/console/api/campaigns/${campaignId}/draws/${d.id}/redraw`
    const again = await c.call('POST', path, { openid: absent })
    expect([again.status, errorCode(again)]).toEqual([409, 'conflict'])
    const listed = await c.call('GET', `/console/api/campaigns/${campaignId}/draws`)
    const stored = z.array(drawAnswerSchema).parse(listed.json)[0]
    expect(stored?.redraws.map((r) => r.replaced)).toEqual([absent])
    expect(stored?.replaced.map((w) => w.openid)).toEqual([absent])
    const current = stored?.winners.map((w) => w.openid)
    expect(current).toHaveLength(2)
    expect(current?.[1]).toBe(stays)
    expect(current).not.toContain(absent)
  })

  it('serialises draws interleaved inside one process (each between its read and write)', async () => {
    const { relay, campaignId, people } = await setUp(backend, 20)
    // HTTP requests rarely interleave between a draw's snapshot and its commit; these do.
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        makeDraw(
          relay.store.draws,
          campaignId,
          { prize: 'x', count: 2, excludeWinners: true, rosterOnly: false },
          { organizer: 'alice', clock: () => i },
        ),
      ),
    )
    const won = outcomes.flatMap((o) => (o.ok ? openids(o.record) : []))
    expect(won.sort()).toEqual([...people].sort())
  })

  it('needs a session (401) and the same origin (403)', async () => {
    const { relay, c, campaignId } = await setUp(backend, 3)
    const d = await draw(c, campaignId, { count: 1 })
    const base = `/console/api/campaigns/${campaignId}/draws`
    for (const [method, path, body] of [
      ['POST', base, { prize: 'x', count: 1 }],
      ['GET', base, undefined],
      ['POST', `${base}/${d.id}/redraw`, { openid: d.winners[0]?.openid }],
      ['GET', `${base}/${d.id}/winners?format=csv`, undefined],
    ] as const) {
      const anon = await fetch(`${relay.url}${path}`, {
        method,
        headers: { origin: relay.url, 'content-type': 'application/json' },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      })
      expect(anon.status, `${method} ${path}`).toBe(401)
      expect(await anon.text()).not.toContain(d.winners[0]?.openid ?? '-')
    }
    for (const origin of ['https://evil.example', 'null']) {
      const saved = c.origin
      c.origin = origin
      const a = await c.call('POST', base, { prize: 'x', count: 1 })
      const r = await c.call('POST', `${base}/${d.id}/redraw`, { openid: d.winners[0]?.openid })
      c.origin = saved
      expect([a.status, r.status]).toEqual([403, 403])
    }
    const after = await relay.store.draws.list(campaignId)
    expect(after.map(drawAnswerOf)).toEqual([d])
  })

  it('refuses a bad body, an unknown campaign or draw, and changes nothing', async () => {
    const { relay, c, campaignId } = await setUp(backend, 5)
    const path = `/console/api/campaigns/${campaignId}/draws`
    const bad: unknown[] = [
      { prize: 'x', count: 0 },
      { prize: 'x', count: 101 },
      { prize: 'x', count: 1.5 },
      { prize: '', count: 1 },
      { prize: ' ', count: 1 },
      { prize: 'x'.repeat(61), count: 1 },
      { prize: 'x', count: 1, excludeWinners: 'yes' },
      { prize: 'x', count: 1, extra: true },
      { count: 1 },
      [],
      // As JSON.parse reads them: own keys, unknown like any other.
      JSON.parse('{"prize":"x","count":1,"__proto__":{"rosterOnly":true}}'),
      JSON.parse('{"prize":"x","count":1,"constructor":1}'),
    ]
    for (const body of bad) {
      const a = await c.call('POST', path, body)
      expect(a.status, JSON.stringify(body)).toBe(400)
    }
    const unknown = await c.call('POST', '/console/api/campaigns/c-nosuchcampaign000/draws', {
      prize: 'x',
      count: 1,
    })
    expect(unknown.status).toBe(404)
    expect((await c.call('GET', '/console/api/campaigns/c-nosuchcampaign000/draws')).status).toBe(
      404,
    )
    const tooMany = await c.call('POST', path, { prize: 'x', count: 6 })
    expect(tooMany.status).toBe(409)
    for (const p of [`${path}/d-nosuchdraw/winners`, `${path}/..%2F..%2Fx/winners`]) {
      expect((await c.call('GET', p)).status).toBe(404)
    }
    expect((await c.call('POST', `${path}/d-nosuchdraw/redraw`, { openid: 'o0000' })).status).toBe(
      404,
    )
    expect(await stored(relay, campaignId)).toEqual([])
  })

  it("keeps each campaign's draws to itself: another campaign's path finds none", async () => {
    const { relay, c, campaignId } = await setUp(backend, 4)
    const d = await draw(c, campaignId, { count: 2 })
    const other = await createCampaign(c, { name: 'Other' })
    const base = `/console/api/campaigns/${other.id}/draws`
    expect((await c.call('GET', `${base}/${d.id}/winners`)).status).toBe(404)
    // The record (random bytes, every winner's openid) too: a draw id is no key to it.
    const record = await c.call('GET', `${base}/${d.id}/record`)
    expect(record.status).toBe(404)
    expect(record.text).not.toContain(d.winners[0]?.openid ?? 'no winner')
    const r = await c.call('POST', `${base}/${d.id}/redraw`, { openid: d.winners[0]?.openid })
    expect(r.status).toBe(404)
    expect(drawRecordSchema.array().parse((await c.call('GET', base)).json)).toEqual([])
    const kept = await relay.store.draws.get(campaignId, d.id)
    expect(kept === null ? null : drawAnswerOf(kept)).toEqual(d)
  })
})

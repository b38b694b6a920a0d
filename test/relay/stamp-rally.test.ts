// The stamp rally (集章), on both stores: a rally of three booths answers scans at A, B, C with
// "1/3", "2/3", then the completion reply; WeChat's retry of a push gets the same answer and
// stamps nothing twice; a booth of the campaign outside the rally does not stamp; completions
// are a figure in stats and a column of the export; two Redis instances stamping one visitor at
// once both count (on one Redis and on a Cluster), and exactly one of the visitor’s scans is told
// the rally is complete; what an organizer types cannot break the reply. Then the sandbox's
// phone view shows the three replies as the visitor reads them.
import { parse } from 'csv-parse/sync'
import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { consoleStatsSchema } from '../../shared/console-api'
import { ticketProxyResponseSchema } from '../../shared/relay-protocol'
import { parseTextReply } from '../../shared/wechat/reply'
import type { RelayHandle } from '../../relay/server'
import { startSandbox } from '../../sandbox/server'
import { assign, createCampaign, relayTestBed, signIn } from './campaign-helpers'
import { newPlace, type ConsoleClient, type Place } from './console-helpers'
import { startRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster'
import { postPush, scanXml, signedQuery, TOKEN, type Backend } from './harness'

const { cleanups, placeFor, relayOn } = relayTestBed()

const RALLY = ['ka', 'kb', 'kc']
const NAMES = { ka: 'A 区', kb: 'B 区', kc: 'C 区' }
const DONE = '集章完成！请到服务台领取礼品'

/** The text of a push's passive reply ('' for `success`). */
function replyText(a: { status: number; body: string }): string {
  expect(a.status, a.body).toBe(200)
  return a.body === 'success' ? '' : parseTextReply(a.body).content
}

/** Kiosks ka, kb, kc (the rally) and kx (same campaign, no stamp) on a rally campaign. */
async function rallyOn(relay: RelayHandle): Promise<{ c: ConsoleClient; campaignId: string }> {
  for (const id of [...RALLY, 'kx']) await relay.addKiosk(id)
  const c = await signIn(relay)
  const made = await createCampaign(c, { stamps: RALLY, stampNames: NAMES })
  for (const id of [...RALLY, 'kx']) await assign(c, id, made.id)
  return { c, campaignId: made.id }
}

async function stats(c: ConsoleClient, campaignId?: string) {
  const q = campaignId === undefined ? '' : `?campaign=${campaignId}`
  const a = await c.call('GET', `/console/api/stats${q}`)
  expect(a.status, a.text).toBe(200)
  return consoleStatsSchema.parse(a.json)
}

describe.each<Backend>(['sqlite', 'redis'])('stamp rally (%s)', (backend) => {
  it('A, B, C: 1/3, 2/3, then completion; retries say the same; kx stamps nothing', async () => {
    const relay = await relayOn(placeFor(backend))
    const { c, campaignId } = await rallyOn(relay)
    const scanA = scanXml('alice', 'ka:s1', 1_700_000_001)
    expect(replyText(await postPush(relay.url, scanA))).toBe(
      '欢迎光临\n已集 1/3 章，还差：B 区、C 区',
    )
    // WeChat's retry (same XML, a fresh signed query) and a replay of that very request:
    // the same answer, no second stamp.
    const retryQuery = signedQuery(TOKEN)
    for (let i = 0; i < 2; i++) {
      const again = await postPush(relay.url, scanA, retryQuery)
      expect(replyText(again)).toBe('欢迎光临\n已集 1/3 章，还差：B 区、C 区')
    }
    // That query again with another body (another visitor at another booth): refused, and
    // it stamps nothing (Redis's one-step path stamps only once its script passed the claim).
    const forged = await postPush(relay.url, scanXml('mallory', 'kb:s9', 1_700_000_009), retryQuery)
    expect(forged.status).toBe(401)
    expect(replyText(await postPush(relay.url, scanXml('mallory', 'kc:s10', 1_700_000_010)))).toBe(
      '欢迎光临\n已集 1/3 章，还差：A 区、B 区',
    )
    // A booth of the campaign outside the rally: the campaign's reply alone, no stamp.
    expect(replyText(await postPush(relay.url, scanXml('alice', 'kx:s2', 1_700_000_002)))).toBe(
      '欢迎光临',
    )
    const scanB = scanXml('alice', 'kb:s3', 1_700_000_003)
    expect(replyText(await postPush(relay.url, scanB))).toBe('欢迎光临\n已集 2/3 章，还差：C 区')
    const scanC = scanXml('alice', 'kc:s4', 1_700_000_004)
    expect(replyText(await postPush(relay.url, scanC))).toBe(`欢迎光临\n${DONE}`)
    expect(replyText(await postPush(relay.url, scanC))).toBe(`欢迎光临\n${DONE}`)
    // A second visit to a booth after completion: the completion again, counted once.
    expect(replyText(await postPush(relay.url, scanXml('alice', 'ka:s5', 1_700_000_005)))).toBe(
      `欢迎光临\n${DONE}`,
    )
    // Retrying B (late) adds nothing either: still three stamps, one completion.
    expect(replyText(await postPush(relay.url, scanB))).toBe(`欢迎光临\n${DONE}`)
    const stamped = await relay.store.stamps.stamp(campaignId, 'alice', 'ka', RALLY, Date.now())
    expect(stamped).toEqual({ stamped: RALLY, completed: true })
    expect(await relay.store.stamps.completedCount([campaignId])).toBe(1)

    // Bob stamps only A: not complete.
    expect(replyText(await postPush(relay.url, scanXml('bob', 'ka:s6', 1_700_000_006)))).toBe(
      '欢迎光临\n已集 1/3 章，还差：B 区、C 区',
    )
    expect((await stats(c, campaignId)).stampsCompleted).toBe(1)
    expect((await stats(c)).stampsCompleted).toBe(1)
    const other = await createCampaign(c, { name: 'No rally' })
    expect((await stats(c, other.id)).stampsCompleted).toBeUndefined()

    // The export: one column, yes for alice's rows, no for bob's.
    const csv = await c.call('GET', `/console/api/attendance?format=csv&campaign=${campaignId}`)
    expect(csv.status).toBe(200)
    const records: string[][] = parse(csv.text.replace(/^\uFEFF/, ''))
    const header = records[0] ?? []
    const col = header.indexOf('集章完成')
    expect(col).toBe(header.length - 1)
    const byVisitor = new Map<string, Set<string>>()
    for (const r of records.slice(1)) {
      const openid = r[header.indexOf('OpenID')] ?? ''
      byVisitor.set(openid, (byVisitor.get(openid) ?? new Set()).add(r[col] ?? ''))
    }
    expect(byVisitor).toEqual(
      new Map([
        ['alice', new Set(['是'])],
        ['bob', new Set(['否'])],
        ['mallory', new Set(['否'])],
      ]),
    )
    // XLSX, in English: the same column.
    const res = await fetch(
      `${relay.url}/console/api/attendance?format=xlsx&locale=en&campaign=${campaignId}`,
      { headers: { cookie: c.cookie ?? '' } },
    )
    expect(res.status).toBe(200)
    // Named after the campaign (the relay's own lookup), in the sheet's language.
    expect(res.headers.get('content-disposition')).toMatch(
      new RegExp(
        `; filename\\*=UTF-8''${encodeURIComponent('春季展-attendance-')}\\d{8}-\\d{4}\\.xlsx$`,
      ),
    )
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(await res.arrayBuffer())
    const sheet: string[][] = []
    wb.worksheets[0]?.eachRow((row) => {
      sheet.push((row.values as unknown[]).slice(1).map((v) => String(v)))
    })
    expect(sheet[0]?.at(-1)).toBe('Stamp rally completed')
    const openidAt = (sheet[0] ?? []).indexOf('OpenID')
    expect(new Set(sheet.slice(1).map((r) => `${r[openidAt]}=${r.at(-1)}`))).toEqual(
      new Set(['alice=yes', 'bob=no', 'mallory=no']),
    )

    // The booths move on to a campaign without a rally: the rows of the rally keep their answer
    // (each row's own campaign counts, not the booth's current one).
    for (const id of RALLY) await assign(c, id, other.id)
    const after = await c.call('GET', '/console/api/attendance?format=csv')
    const moved: string[][] = parse(after.text.replace(/^\uFEFF/, ''))
    const at = (name: string) => (moved[0] ?? []).indexOf(name)
    expect(at('集章完成')).toBe((moved[0] ?? []).length - 1)
    expect(new Set(moved.slice(1).map((r) => `${r[at('OpenID')]}=${r[at('集章完成')]}`))).toEqual(
      new Set(['alice=是', 'bob=否', 'mallory=否']),
    )
  })

  it('the rally edited mid-event: a completed visitor stays complete; a removed booth no longer counts', async () => {
    const relay = await relayOn(placeFor(backend))
    const { c, campaignId } = await rallyOn(relay)
    const scan = async (openid: string, scene: string) =>
      replyText(await postPush(relay.url, scanXml(openid, scene, 1_700_000_000)))
    await scan('alice', 'ka:s1')
    await scan('alice', 'kb:s2')
    expect(await scan('alice', 'kc:s3')).toBe(`欢迎光临\n${DONE}`)
    // Bob at A's fallback code (its pool ran dry): a stamp like any other code of A.
    expect(await scan('bob', 'ka:fallback')).toBe('欢迎光临\n已集 1/3 章，还差：B 区、C 区')
    const made = await c.call('GET', `/console/api/campaigns/${campaignId}`)
    const { id: _id, screenKey: _key, ...fields } = made.json as Record<string, unknown>
    const edit = async (stamps: string[]) => {
      const a = await c.call('PUT', `/console/api/campaigns/${campaignId}`, { ...fields, stamps })
      expect(a.status, a.text).toBe(200)
    }
    // kx joins the rally after alice completed it: she stays complete (stats, export) and her
    // next rally scan says so, as a retry of her completing scan does; bob now needs four.
    await edit([...RALLY, 'kx'])
    expect(await scan('alice', 'ka:s5')).toBe(`欢迎光临\n${DONE}`)
    expect(replyText(await postPush(relay.url, scanXml('alice', 'kc:s3', 1_700_000_000)))).toBe(
      `欢迎光临\n${DONE}`,
    )
    expect(await scan('bob', 'kb:s6')).toBe('欢迎光临\n已集 2/4 章，还差：C 区、kx')
    expect((await stats(c, campaignId)).stampsCompleted).toBe(1)
    // kc and kx leave the rally: bob's next rally scan completes it (counted once, then).
    await edit(['ka', 'kb'])
    expect(await scan('bob', 'kb:s7')).toBe(`欢迎光临\n${DONE}`)
    expect((await stats(c, campaignId)).stampsCompleted).toBe(2)
    const csv = await c.call('GET', `/console/api/attendance?format=csv&campaign=${campaignId}`)
    const records: string[][] = parse(csv.text.replace(/^\uFEFF/, ''))
    const header = records[0] ?? []
    const cells = records.slice(1).map((r) => `${r[header.indexOf('OpenID')]}=${r.at(-1)}`)
    expect(new Set(cells)).toEqual(new Set(['alice=是', 'bob=是']))
    // The rally switched off after the event: no more stamps or progress lines, but the two
    // completions visitors were told of stay in stats and in the export's column.
    await edit([])
    expect(await scan('carol', 'ka:s8')).toBe('欢迎光临')
    expect((await stats(c, campaignId)).stampsCompleted).toBe(2)
    expect((await stats(c)).stampsCompleted).toBe(2)
    for (const scope of [`&campaign=${campaignId}`, '']) {
      const after = await c.call('GET', `/console/api/attendance?format=csv${scope}`)
      const rows: string[][] = parse(after.text.replace(/^\uFEFF/, ''))
      const head = rows[0] ?? []
      expect(head.at(-1)).toBe('集章完成')
      const done = rows.slice(1).map((r) => `${r[head.indexOf('OpenID')]}=${r.at(-1)}`)
      expect(new Set(done)).toEqual(new Set(['alice=是', 'bob=是', 'carol=否']))
    }
  })

  it('custom texts and no booth names: kiosk ids listed, the campaign’s own completion', async () => {
    const relay = await relayOn(placeFor(backend))
    for (const id of RALLY) await relay.addKiosk(id)
    const c = await signIn(relay)
    const made = await createCampaign(c, {
      stamps: ['ka', 'kb'],
      stampProgress: 'Stamps {count} of {total}; still: {missing}',
      stampComplete: 'All stamps!',
    })
    for (const id of RALLY) await assign(c, id, made.id)
    expect(replyText(await postPush(relay.url, scanXml('carol', 'kb:s1', 1)))).toBe(
      '欢迎光临\nStamps 1 of 2; still: ka',
    )
    // kc is the campaign's but not in the rally.
    expect(replyText(await postPush(relay.url, scanXml('carol', 'kc:s2', 2)))).toBe('欢迎光临')
    expect(replyText(await postPush(relay.url, scanXml('carol', 'ka:s3', 3)))).toBe(
      '欢迎光临\nAll stamps!',
    )
    // No rally in scope of the export without the campaign's booths: no column.
    const plain = await createCampaign(c, { name: 'Plain' })
    await relay.addKiosk('kp')
    await assign(c, 'kp', plain.id)
    await postPush(relay.url, scanXml('carol', 'kp:s4', 4))
    const csv = await c.call('GET', `/console/api/attendance?format=csv&campaign=${plain.id}`)
    const records: string[][] = parse(csv.text.replace(/^\uFEFF/, ''))
    expect(records[0]).not.toContain('集章完成')
    expect(records).toHaveLength(2)
  })
})

describe('what an organizer types cannot break the reply or the store', () => {
  it('a booth name closing the CDATA is sent as text; bad booth keys and names are refused', async () => {
    const relay = await relayOn(placeFor('sqlite'))
    for (const id of ['ka', 'kb']) await relay.addKiosk(id)
    const c = await signIn(relay)
    const evil = ']]></Content><x>'
    const made = await createCampaign(c, { stamps: ['ka', 'kb'], stampNames: { kb: evil } })
    for (const id of ['ka', 'kb']) await assign(c, id, made.id)
    expect(replyText(await postPush(relay.url, scanXml('dave', 'ka:s1', 1)))).toBe(
      `欢迎光临\n已集 1/2 章，还差：${evil}`,
    )
    const { id: _id, screenKey: _key, ...fields } = made
    // A key that is no kiosk id, or a name over 20 characters: refused, nothing changed.
    for (const stampNames of [{ 'Not A Kiosk': 'x' }, { kb: 'x'.repeat(21) }]) {
      const a = await c.call('PUT', `/console/api/campaigns/${made.id}`, { ...fields, stampNames })
      expect(a.status, a.text).toBe(400)
    }
    // `__proto__` as a key: refused as no kiosk id, never set on any prototype.
    const proto = JSON.parse(
      JSON.stringify(fields).replace('"stampNames":{', '"stampNames":{"__proto__":"x",'),
    ) as unknown
    const a = await c.call('PUT', `/console/api/campaigns/${made.id}`, proto)
    expect(a.status, a.text).toBe(400)
    expect(a.text).toContain('stampNames.__proto__')
    const kept = await relay.store.campaigns.getCampaign(made.id)
    expect(kept?.campaign.stampNames).toEqual({ kb: evil })
    expect(Object.getPrototypeOf(kept?.campaign.stampNames)).toBe(Object.prototype)
  })
})

/** 20 visitors, each at the three rally booths at once, spread over two instances. */
async function concurrentRally(place: Place): Promise<void> {
  const relays = [await relayOn(place), await relayOn(place)]
  const [r1, r2] = relays as [RelayHandle, RelayHandle]
  const { c, campaignId } = await rallyOn(r1)
  const visitors = Array.from({ length: 20 }, (_, i) => `v${i}`)
  const answers = await Promise.all(
    visitors.flatMap((v, i) =>
      RALLY.map(async (k, j) => {
        const relay = (i + j) % 2 === 0 ? r1 : r2
        const a = await postPush(relay.url, scanXml(v, `${k}:${v}`, 1_700_000_000 + j))
        return { v, text: replyText(a) }
      }),
    ),
  )
  for (const v of visitors) {
    const texts = answers
      .filter((a) => a.v === v)
      .map((a) => a.text.split('\n')[1])
      .sort()
    // Whatever the order the stamps landed in: one 1/3, one 2/3, one completion.
    expect(texts.map((t) => (t === DONE ? 'done' : t?.slice(0, 8)))).toEqual([
      '已集 1/3 章',
      '已集 2/3 章',
      'done',
    ])
  }
  expect(await r2.store.stamps.completedCount([campaignId])).toBe(20)
  expect((await stats(c, campaignId)).stampsCompleted).toBe(20)
}

describe('two Redis instances', () => {
  it('one visitor at three booths at once on two instances: all three stamps, one completion', async () => {
    await concurrentRally(placeFor('redis'))
  }, 60_000)
})

describe('on a Redis Cluster', () => {
  let cluster: TestRedisCluster
  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3 })
  }, 60_000)
  afterAll(() => cluster?.stop())

  it('the same on two instances, the campaign’s and the kiosks’ slots apart', async () => {
    const place = newPlace('redis', cluster.url)
    cleanups.push(() => place.remove())
    await concurrentRally(place)
  }, 60_000)
})

describe('the sandbox’s phone view', () => {
  it('shows 1/3, 2/3, then the completion, as the visitor reads them', async () => {
    const sandbox = await startSandbox({ mode: 'safe' })
    cleanups.push(() => sandbox.close())
    const o = sandbox.options
    const relay = await relayOn(placeFor('sqlite'), {
      wechat: {
        mode: 'safe',
        token: o.token,
        appId: o.appId,
        appSecret: o.appSecret,
        encodingAESKey: o.encodingAESKey,
        apiBase: sandbox.url,
      },
    })
    sandbox.setPushUrl(`${relay.url}/wechat`)
    const tokens = new Map<string, string>()
    for (const id of RALLY) tokens.set(id, await relay.addKiosk(id))
    const c = await signIn(relay)
    const made = await createCampaign(c, { stamps: RALLY, stampNames: NAMES })
    for (const id of RALLY) await assign(c, id, made.id)
    const seen: unknown[] = []
    for (const [i, id] of RALLY.entries()) {
      const res = await fetch(`${relay.url}/api/tickets`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${tokens.get(id) ?? ''}`,
        },
        body: JSON.stringify({ count: 1, expireSeconds: 600 }),
      })
      const [t] = ticketProxyResponseSchema.parse(await res.json()).tickets
      if (t === undefined) throw new Error('no ticket')
      // The phone hands the QR code's url to WeChat; the first scan is a follow.
      const scan = await fetch(`${sandbox.url}/sandbox/scan`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ url: t.url, openid: 'phone-visitor' }),
      })
      const body = (await scan.json()) as { event: string; reply: unknown }
      expect(body.event).toBe(i === 0 ? 'subscribe' : 'SCAN')
      seen.push(body.reply)
    }
    expect(seen).toEqual([
      { kind: 'text', visitorSees: '感谢关注\n已集 1/3 章，还差：B 区、C 区' },
      { kind: 'text', visitorSees: '欢迎光临\n已集 2/3 章，还差：C 区' },
      { kind: 'text', visitorSees: `欢迎光临\n${DONE}` },
    ])
  }, 60_000)
})

/**
 * What the developer on call reads in the relay's log (its stdout, one JSON object a line) when
 * an incident is provoked: one line saying what happened, to which booth or campaign (by id,
 * never by a secret), with a stable `event` and what to do; repeated failures collapsed to a
 * line a minute however many requests repeat them.
 */
import { rmSync } from 'node:fs'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { jsonLogger } from '../../relay/log'
import { RelayMetrics } from '../../relay/metrics'
import { PAIR_BURST } from '../../relay/pairing'
import { loggedPath, type RelayHandle } from '../../relay/server'
import { StoreHealth } from '../../relay/store-health'
import { openSqliteStore } from '../../relay/store/sqlite/store'
import { eventOf, jsonLine } from '../../shared/server/log'
import { relaySample } from '../helpers/prometheus'
import { UNDER_LOAD } from '../helpers/wait'
import { FakeWechat } from '../wechat/fake-wechat'
import {
  KioskClient,
  TOKEN,
  postPush,
  scanXml,
  signedQuery,
  startTestRelay,
  tempDir,
} from './harness'
import { screenPath, screenSetup } from './screen-helpers'

const APP_ID = 'wx5823bf96d3bd56c7'
const APP_SECRET = 'secret-0123456789abcdef'
const ACCESS_TOKEN = 'ACCESS-TOKEN-0123456789-abcdefghij'

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  vi.restoreAllMocks()
  for (const c of cleanups.splice(0).reverse()) await c()
})

type Line = Record<string, unknown>

/** A clock the test moves: each LogLimiter's minute passes when the test says so. */
function testClock() {
  let offset = 0
  return {
    now: () => Date.now() + offset,
    advance: (ms: number) => {
      offset += ms
    },
  }
}

/** A relay whose WeChat is `fake`, with its log lines kept in `lines` (raw, as written). */
async function relayWith(
  fake: FakeWechat | null,
  lines: string[],
  now: () => number,
): Promise<RelayHandle> {
  const relay = await startTestRelay(
    'sqlite',
    null,
    fake === null ? {} : { wechat: { appId: APP_ID, appSecret: APP_SECRET, apiBase: fake.url } },
    { log: jsonLogger((l) => lines.push(l), 'info', now), now },
  )
  cleanups.push(() => relay.close())
  return relay
}

function parsed(lines: string[]): Line[] {
  return lines.map((l) => JSON.parse(l) as Line)
}

function withMsg(lines: string[], msg: string): Line[] {
  return parsed(lines).filter((l) => l.msg === msg)
}

async function askTickets(relay: RelayHandle, token: string): Promise<number> {
  const res = await fetch(`${relay.url}/api/tickets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ count: 1, expireSeconds: 600 }),
  })
  await res.arrayBuffer()
  return res.status
}

describe('WeChat refusing ticket creation', () => {
  it("the day's quota spent (45009): one line a minute, naming the booths, not one a request", async () => {
    const fake = await FakeWechat.start()
    cleanups.push(() => fake.close())
    fake.handler = (r) =>
      r.path === '/cgi-bin/stable_token'
        ? { body: { access_token: ACCESS_TOKEN, expires_in: 7200 } }
        : { body: { errcode: 45009, errmsg: 'reach max api daily quota limit' } }
    const clock = testClock()
    const lines: string[] = []
    const relay = await relayWith(fake, lines, clock.now)
    const tokens = await Promise.all(['k1', 'k2', 'k3'].map((id) => relay.addKiosk(id)))
    // Every booth asks twice: six refusals in the minute.
    for (const token of [...tokens, ...tokens]) expect(await askTickets(relay, token)).toBe(502)
    const first = withMsg(lines, 'ticket proxy: WeChat refused')
    expect(first).toHaveLength(1)
    expect(first[0]).toMatchObject({
      level: 'warn',
      event: 'wechat_refused',
      kioskId: 'k1',
      call: 'ticket proxy',
      errcode: 45009,
      kind: 'quota',
    })
    expect(String(first[0]?.fix)).toContain('fallback code')
    // A minute later the next line says how many went unlogged, and which other booths.
    clock.advance(61_000)
    expect(await askTickets(relay, tokens[0] ?? '')).toBe(502)
    const both = withMsg(lines, 'ticket proxy: WeChat refused')
    expect(both).toHaveLength(2)
    expect(both[1]).toMatchObject({ kioskId: 'k1', unlogged: 5 })
    expect(both[1]?.unloggedKioskIds).toEqual(['k2', 'k3'])
    const all = lines.join('')
    expect(all).not.toContain(ACCESS_TOKEN)
    expect(all).not.toContain(APP_SECRET)
    for (const token of tokens) expect(all).not.toContain(token)
  })
})

describe('every line', () => {
  it('has a time, a level and an event an alert rule can match, the one given or the words of its message', () => {
    const line = JSON.parse(
      jsonLine(0, 'warn', 'store health probe failed', { event: 'store_failed', error: 'x' }),
    ) as Line
    expect(line).toEqual({
      time: '1970-01-01T00:00:00.000Z',
      level: 'warn',
      event: 'store_failed',
      msg: 'store health probe failed',
      error: 'x',
    })
    // Without one: the message's words, its numbers left out, so a count never changes it.
    expect(eventOf('store accepting pushes again after 3 refused')).toBe(
      eventOf('store accepting pushes again after 41 refused'),
    )
    expect(eventOf('kiosk socket refused: bad token')).toBe('kiosk_socket_refused_bad_token')
    expect(eventOf('123')).toBe('log')
  })
})

describe('a booth reconnecting without end', () => {
  it('writes a connected and a disconnected line a minute, with how many went unlogged', async () => {
    const clock = testClock()
    const lines: string[] = []
    const relay = await relayWith(null, lines, clock.now)
    const token = await relay.addKiosk('k1')
    const linkOnce = async (n: number) => {
      const k = await KioskClient.hello(relay.url, token, { kioskId: 'k1', lastSeq: 0 })
      k.ws.on('error', () => {})
      await k.close()
      // This link's end heard by the relay, not an earlier one's.
      await vi.waitFor(async () => {
        expect(await relaySample(relay.url, 'kiosk_disconnects_total')).toBe(n)
      }, UNDER_LOAD)
    }
    for (let n = 1; n <= 4; n++) await linkOnce(n)
    expect(withMsg(lines, 'kiosk connected')).toEqual([
      expect.objectContaining({ level: 'info', event: 'kiosk_connected', kioskId: 'k1' }),
    ])
    expect(withMsg(lines, 'kiosk disconnected')).toEqual([
      expect.objectContaining({ level: 'info', event: 'kiosk_disconnected', kioskId: 'k1' }),
    ])
    clock.advance(61_000)
    await linkOnce(5)
    expect(withMsg(lines, 'kiosk connected')[1]).toMatchObject({ kioskId: 'k1', unlogged: 3 })
    expect(withMsg(lines, 'kiosk disconnected')[1]).toMatchObject({ kioskId: 'k1', unlogged: 3 })
    expect(lines.join('')).not.toContain(token.split('.').slice(1).join('.'))
  })
})

describe('a big screen refused', () => {
  it('is one line a minute naming the campaign, never the key tried', async () => {
    const clock = testClock()
    const lines: string[] = []
    const relay = await relayWith(null, lines, clock.now)
    const { campaign } = await screenSetup(relay)
    const wrongKey = 'not-the-key-0123456789abcdef'
    for (let i = 0; i < 5; i++) {
      const res = await fetch(relay.url + screenPath('wall', campaign.id, wrongKey))
      await res.arrayBuffer()
      expect(res.status).toBe(403)
    }
    const refused = withMsg(lines, 'big screen refused: wrong or missing key')
    expect(refused).toEqual([
      expect.objectContaining({
        level: 'info',
        event: 'screen_key_refused',
        claimedCampaignId: campaign.id,
      }),
    ])
    expect(String(refused[0]?.action)).toContain('screen link')
    clock.advance(61_000)
    const res = await fetch(relay.url + screenPath('events', campaign.id, null))
    await res.arrayBuffer()
    expect(res.status).toBe(403)
    expect(withMsg(lines, 'big screen refused: wrong or missing key')[1]).toMatchObject({
      claimedCampaignId: campaign.id,
      unlogged: 4,
    })
    expect(lines.join('')).not.toContain(wrongKey)
    expect(lines.join('')).not.toContain(campaign.screenKey)
  })
})

describe('a flood of refused requests', () => {
  it('pairing codes tried past the limit: one line a minute for the limit, not one a request', async () => {
    const clock = testClock()
    const lines: string[] = []
    const relay = await relayWith(null, lines, clock.now)
    const pair = async () => {
      const res = await fetch(`${relay.url}/api/pair`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: 'ABCD-EFGH' }),
      })
      await res.arrayBuffer()
      return res.status
    }
    for (let i = 0; i < PAIR_BURST; i++) await pair()
    for (let i = 0; i < 5; i++) expect(await pair()).toBe(429)
    const hits = () => withMsg(lines, 'requests refused by a limit')
    expect(hits()).toEqual([
      expect.objectContaining({ level: 'warn', event: 'limit_hit', limit: 'pair_address' }),
    ])
    expect(String(hits()[0]?.action)).toContain('guessed')
    clock.advance(61_000)
    // The bucket refilled with the minute: spend it again, then one more refusal.
    let status = 0
    for (let i = 0; i <= PAIR_BURST && status !== 429; i++) status = await pair()
    expect(status).toBe(429)
    expect(hits()[1]).toMatchObject({ limit: 'pair_address', unlogged: 4 })
    expect(lines.join('')).not.toContain('ABCD-EFGH')
  })

  it('pushes with a bad signature: a line a minute saying what to check, never the signature', async () => {
    const clock = testClock()
    const lines: string[] = []
    const relay = await relayWith(null, lines, clock.now)
    const forged = signedQuery('not-our-token', clock.now())
    for (let i = 0; i < 5; i++) {
      expect(
        (await postPush(relay.url, scanXml('oAbCdEfGhIjKlMnOpQrStUvWxYz1', 'k1:s1'), forged))
          .status,
      ).toBe(401)
    }
    const refused = withMsg(lines, 'push refused')
    expect(refused).toEqual([
      expect.objectContaining({ event: 'push_refused', outcome: 'bad_signature', level: 'info' }),
    ])
    expect(String(refused[0]?.action)).toContain('SCANDESK_RELAY_WECHAT_TOKEN')
    const all = lines.join('')
    expect(all).not.toContain(forged.get('signature') ?? '-')
    expect(all).not.toContain(TOKEN)
    expect(all).not.toContain('oAbCdEfGhIjKlMnOpQrStUvWxYz1')
  })
})

describe('the store going away', () => {
  it('a failing health probe is a line a minute, and one more when the store answers again', async () => {
    const dir = tempDir()
    const store = openSqliteStore({ data: dir })
    cleanups.push(async () => {
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    })
    const clock = testClock()
    const lines: string[] = []
    const health = new StoreHealth(store, new RelayMetrics(), clock.now, {
      log: jsonLogger((l) => lines.push(l), 'info', clock.now),
      probeEveryMs: 0,
      failedProbeEveryMs: 0,
    })
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:6379'), {
      code: 'ECONNREFUSED',
    })
    const probe = vi.spyOn(store, 'probeWrite').mockRejectedValue(refused)
    for (let i = 0; i < 5; i++) expect((await health.check()).ok).toBe(false)
    const failed = () => withMsg(lines, 'store health probe failed')
    expect(failed()).toEqual([
      expect.objectContaining({ level: 'warn', event: 'store_failed', error: refused.message }),
    ])
    clock.advance(61_000)
    expect((await health.check()).ok).toBe(false)
    expect(failed()[1]).toMatchObject({ unlogged: 4 })
    probe.mockRestore()
    expect((await health.check()).ok).toBe(true)
    expect(withMsg(lines, 'store health probe passes again')).toEqual([
      expect.objectContaining({ level: 'info', event: 'store_recovered', failedProbes: 6 }),
    ])
    await health.stop()
  })

  it("requests failing on it: a line a minute, and a pairing link's code never in the path", async () => {
    expect(loggedPath('/pair/3WFQWRU7?x=1')).toBe('/pair/-')
    expect(loggedPath('/screen/api/c1/wall?key=secret')).toBe('/screen/api/c1/wall')
    const clock = testClock()
    const lines: string[] = []
    const relay = await relayWith(null, lines, clock.now)
    const { campaign } = await screenSetup(relay)
    const down = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:6379'), {
      code: 'ECONNREFUSED',
    })
    // Past the screens' short cache of the campaign: the next check reads the store.
    clock.advance(61_000)
    vi.spyOn(relay.store.campaigns, 'getCampaign').mockRejectedValue(down)
    for (let i = 0; i < 5; i++) {
      const res = await fetch(relay.url + screenPath('wall', campaign.id, campaign.screenKey))
      await res.arrayBuffer()
      expect(res.status).toBe(500)
    }
    expect(withMsg(lines, 'request failed')).toEqual([
      expect.objectContaining({ level: 'error', event: 'request_failed' }),
    ])
    expect(lines.join('')).not.toContain(campaign.screenKey)
  })
})

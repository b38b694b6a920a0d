/**
 * What the developer on call reads in the relay's log (its stdout, one JSON object a line) when
 * an incident is provoked: one line saying what happened, to which booth or campaign (by id,
 * never by a secret), with a stable `event` and what to do; repeated failures collapsed to a
 * line a minute however many requests repeat them.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { jsonLogger } from '../../relay/log'
import type { RelayHandle } from '../../relay/server'
import { FakeWechat } from '../wechat/fake-wechat'
import { startTestRelay } from './harness'

const APP_ID = 'wx5823bf96d3bd56c7'
const APP_SECRET = 'secret-0123456789abcdef'
const ACCESS_TOKEN = 'ACCESS-TOKEN-0123456789-abcdefghij'

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
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

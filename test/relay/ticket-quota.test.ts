/**
 * Attack: the account's daily qrcode/create quota is spent (by a busy day, or by a paired or
 * stolen kiosk token asking at its full rate). WeChat's rule is to stop calling on 45009
 * (docs/WECHAT.md "Access token"); each kiosk stops once it hears it, but the relay kept asking
 * WeChat for every request of every booth, and a kiosk token that ignores 45009 kept the relay
 * calling all day. The relay now remembers the quota day 45009 came on: until midnight Beijing
 * time every booth's request gets the same 45009 answer at once, without a WeChat call.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createProxyTicketSource } from '../../electron/core/tickets/ticket-source-proxy'
import type { RelayHandle } from '../../relay/server'
import { FakeWechat } from '../wechat/fake-wechat'
import { startTestRelay } from './harness'

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const QR_CREATE = '/cgi-bin/qrcode/create'

async function quotaSpentWechat() {
  const fake = await FakeWechat.start()
  cleanups.push(() => fake.close())
  const state = { spent: true, n: 0 }
  fake.handler = (r) => {
    if (r.path === '/cgi-bin/stable_token') {
      return { body: { access_token: 'tok', expires_in: 7200 } }
    }
    if (state.spent) return { body: { errcode: 45009, errmsg: 'reach max api daily quota limit' } }
    const n = ++state.n
    return { body: { ticket: `t${n}`, expire_seconds: 600, url: `http://weixin.qq.com/q/${n}` } }
  }
  return { fake, state }
}

async function relayAt(fake: FakeWechat, clock: { t: number }): Promise<RelayHandle> {
  const relay = await startTestRelay(
    'sqlite',
    null,
    { wechat: { appId: 'wx5823bf96d3bd56c7', appSecret: 'secret-0123456789', apiBase: fake.url } },
    { now: () => clock.t },
  )
  cleanups.push(() => relay.close())
  return relay
}

async function tickets(relay: RelayHandle, token: string) {
  const res = await fetch(`${relay.url}/api/tickets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ count: 1, expireSeconds: 600 }),
  })
  return { status: res.status, json: await res.json() }
}

describe("the ticket proxy after WeChat's 45009 on qrcode/create", () => {
  it('answers every booth with the quota at once, without calling WeChat again that day', async () => {
    const { fake, state } = await quotaSpentWechat()
    // 10:00 Beijing time (02:00 UTC).
    const clock = { t: Date.UTC(2026, 4, 20, 2, 0, 0) }
    const relay = await relayAt(fake, clock)
    const [a, b] = [await relay.addKiosk('booth-a'), await relay.addKiosk('booth-b')]
    const quota = { error: { code: 'wechat_quota', errcode: 45009 } }

    expect(await tickets(relay, a)).toMatchObject({ status: 502, json: quota })
    expect(fake.count(QR_CREATE)).toBe(1)
    // Another booth, and the first again: the same answer, and WeChat is not asked.
    expect(await tickets(relay, b)).toMatchObject({ status: 502, json: quota })
    for (let i = 0; i < 5; i++) {
      expect(await tickets(relay, a)).toMatchObject({ status: 502, json: quota })
    }
    expect(fake.count(QR_CREATE)).toBe(1)
    // The kiosk reads it as the quota (it stops for the day), as it read WeChat's own.
    const source = createProxyTicketSource({ relayUrl: relay.url, kioskId: 'booth-b', token: b })
    expect(await source.create(1, 600).catch((e: unknown) => e)).toMatchObject({ code: 'quota' })
    expect(fake.count(QR_CREATE)).toBe(1)

    // 23:59 Beijing: still the same quota day.
    clock.t = Date.UTC(2026, 4, 20, 15, 59, 0)
    expect(await tickets(relay, b)).toMatchObject({ status: 502, json: quota })
    expect(fake.count(QR_CREATE)).toBe(1)
    // Midnight Beijing: a new quota; WeChat is asked again and its tickets handed over.
    state.spent = false
    clock.t = Date.UTC(2026, 4, 20, 16, 0, 1)
    const next = await tickets(relay, b)
    expect(next.status).toBe(200)
    expect(fake.count(QR_CREATE)).toBe(2)
  })
})

import { afterEach, describe, expect, it } from 'vitest'
import { ticketProxyResponseSchema, type ProxiedTicket } from '../../shared/relay-protocol'
import type { RelayHandle } from '../../relay/server'
import { startSandbox, type Sandbox } from '../../sandbox/server'
import { KioskClient, startTestRelay } from './harness'
import { silentLogger, type LogFields, type Logger } from '../../shared/server/log'
import { createProxyTicketSource } from '../../electron/core/tickets/ticket-source-proxy'
import { TicketSourceError } from '../../electron/core/tickets/ticket-source'

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function setup(
  mode: 'plain' | 'compat' | 'safe',
  reply = {},
  sandboxOpts: Parameters<typeof startSandbox>[0] = {},
) {
  const sandbox: Sandbox = await startSandbox({ mode, ...sandboxOpts })
  cleanups.push(() => sandbox.close())
  const o = sandbox.options
  const relay: RelayHandle = await startTestRelay('sqlite', null, {
    wechat: {
      mode,
      token: o.token,
      appId: o.appId,
      appSecret: o.appSecret,
      encodingAESKey: o.encodingAESKey,
      apiBase: sandbox.url,
    },
    reply,
  })
  cleanups.push(() => relay.close())
  sandbox.setPushUrl(`${relay.url}/wechat`)
  return { sandbox, relay }
}

async function tickets(relay: RelayHandle, token: string | null, body: unknown) {
  const res = await fetch(`${relay.url}/api/tickets`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  })
  return { status: res.status, json: await res.json() }
}

async function issue(relay: RelayHandle, token: string, count = 1): Promise<ProxiedTicket[]> {
  const res = await tickets(relay, token, { count, expireSeconds: 600 })
  expect(res.status).toBe(200)
  return ticketProxyResponseSchema.parse(res.json).tickets
}

describe.each(['plain', 'compat', 'safe'] as const)(
  'sandbox → relay → kiosk in %s mode',
  (mode) => {
    it('delivers the subscribe, then the SCAN, with the passive reply shown to the visitor', async () => {
      // What an organizer may write: CDATA's end, markup characters, an emoji of several code
      // points, line breaks. The visitor sees it as written, in every mode.
      const text = '欢迎！]]> <a href="https://example.cn/?a=1&b=2">报名</a> 1<2 👨‍👩‍👧\n第二行'
      const { sandbox, relay } = await setup(mode, { subscribe: text, scan: '' })
      const token = await relay.addKiosk('booth-1')
      const kiosk = await KioskClient.hello(relay.url, token, { kioskId: 'booth-1' })
      cleanups.push(() => kiosk.close())
      const [t1, t2] = await issue(relay, token, 2)
      if (!t1 || !t2) throw new Error('expected two tickets')

      const first = await sandbox.scan(t1.url, 'openid-visitor-1')
      expect(first.event).toBe('subscribe')
      expect(first.attempts.map((a) => a.status)).toEqual([200])
      expect(first.reply).toEqual({ kind: 'text', visitorSees: text })
      const again = await sandbox.scan(t2.url, 'openid-visitor-1')
      expect(again.event).toBe('SCAN')
      expect(again.reply).toMatchObject({ kind: 'none' })

      await kiosk.waitForScans(2)
      expect(kiosk.scans).toMatchObject([
        {
          seq: 1,
          event: 'subscribe',
          scene: t1.scene,
          ticket: t1.ticket,
          openid: 'openid-visitor-1',
        },
        { seq: 2, event: 'scan', scene: t2.scene, ticket: t2.ticket, openid: 'openid-visitor-1' },
      ])
      expect(kiosk.scans[0]?.createTime).toBe(first.createTime)
    })
  },
)

describe('ticket proxy', () => {
  it('only ever issues scenes of the calling kiosk, and their scans reach only that kiosk', async () => {
    const { sandbox, relay } = await setup('plain')
    const ta = await relay.addKiosk('kiosk-a')
    const tb = await relay.addKiosk('kiosk-b')
    const a = await KioskClient.hello(relay.url, ta, { kioskId: 'kiosk-a' })
    const b = await KioskClient.hello(relay.url, tb, { kioskId: 'kiosk-b' })
    cleanups.push(
      () => a.close(),
      () => b.close(),
    )

    const forA = await issue(relay, ta, 3)
    const forB = await issue(relay, tb, 2)
    expect(forA).toHaveLength(3)
    for (const t of forA) expect(t.scene).toMatch(/^kiosk-a:[A-Za-z0-9_-]+$/)
    for (const t of forB) expect(t.scene).toMatch(/^kiosk-b:/)
    expect(new Set([...forA, ...forB].map((t) => t.scene)).size).toBe(5)

    // A kiosk cannot name a scene (or anything else) in its request.
    const sneaky = await tickets(relay, ta, { count: 1, expireSeconds: 600, scene: 'kiosk-b:x' })
    expect(sneaky.status).toBe(400)

    await sandbox.scan(forA[0]?.url ?? '', 'visitor-x')
    await sandbox.scan(forB[0]?.url ?? '', 'visitor-y')
    await a.waitForScans(1)
    await b.waitForScans(1)
    expect(a.scans.map((s) => s.openid)).toEqual(['visitor-x'])
    expect(b.scans.map((s) => s.openid)).toEqual(['visitor-y'])
  })

  it('refuses callers without a token, kiosks not allowed to proxy, and bad requests', async () => {
    const { relay } = await setup('plain')
    const allowed = await relay.addKiosk('k1')
    const denied = await relay.addKiosk('k2', { ticketProxy: false })
    expect((await tickets(relay, null, { count: 1, expireSeconds: 600 })).status).toBe(401)
    expect((await tickets(relay, 'k1.wrong', { count: 1, expireSeconds: 600 })).status).toBe(401)
    expect((await tickets(relay, denied, { count: 1, expireSeconds: 600 })).status).toBe(403)
    expect((await tickets(relay, allowed, { count: 21, expireSeconds: 600 })).status).toBe(400)
    expect((await tickets(relay, allowed, { count: 1, expireSeconds: 2_592_001 })).status).toBe(400)
    await relay.revokeKiosk('k1')
    expect((await tickets(relay, allowed, { count: 1, expireSeconds: 600 })).status).toBe(401)
  })

  it('passes WeChat errors on with their errcode, and keeps tickets already created', async () => {
    const { relay } = await setup('plain', {}, { dailyQrQuota: 2 })
    const token = await relay.addKiosk('k1')
    const partial = await tickets(relay, token, { count: 3, expireSeconds: 600 })
    expect(partial.status).toBe(200)
    expect(ticketProxyResponseSchema.parse(partial.json).tickets).toHaveLength(2)
    const res = await tickets(relay, token, { count: 1, expireSeconds: 600 })
    expect(res.status).toBe(502)
    expect(res.json).toMatchObject({ error: { errcode: 45009 } })
  })

  it('answers 503 when the relay has no WeChat credentials, says so at start, and the kiosk reads it as such', async () => {
    const warned: Array<{ msg: string; fields?: LogFields }> = []
    const log: Logger = { ...silentLogger, warn: (msg, fields) => warned.push({ msg, fields }) }
    const relay = await startTestRelay('sqlite', null, {}, { log })
    cleanups.push(() => relay.close())
    expect(warned).toEqual([
      {
        msg: 'no WeChat AppID/AppSecret: the ticket proxy and fallback codes are off',
        fields: { hint: 'set SCANDESK_RELAY_WECHAT_APP_ID and SCANDESK_RELAY_WECHAT_APP_SECRET' },
      },
    ])
    const token = await relay.addKiosk('k1')
    const res = await tickets(relay, token, { count: 1, expireSeconds: 600 })
    expect(res.status).toBe(503)
    expect(res.json).toMatchObject({ error: { code: 'ticket_proxy_disabled' } })
    // The kiosk's proxy source: switched off, not unreachable (its status corner says which).
    const proxy = createProxyTicketSource({ relayUrl: relay.url, kioskId: 'k1', token })
    const err = await proxy.create(1, 600).then(
      () => null,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(TicketSourceError)
    expect((err as TicketSourceError).code).toBe('proxy_disabled')
  })

  it('does not warn about WeChat credentials when it has them', async () => {
    const warned: string[] = []
    const log: Logger = { ...silentLogger, warn: (msg) => warned.push(msg) }
    const relay = await startTestRelay(
      'sqlite',
      null,
      { wechat: { appId: 'wx0123456789abcdef', appSecret: 'a'.repeat(32) } },
      { log },
    )
    cleanups.push(() => relay.close())
    expect(warned).toEqual([])
  })
})

// A relay refusal that is not WeChat's, as staff read it on the Diagnostics page: the relay
// restarting, failing or behind a reverse proxy that cannot reach it is the relay's trouble (not
// "WeChat API error"), and a booth the relay does not let use its ticket proxy is told who can
// allow it (not that its token is wrong: it is fine, and a new pairing keeps the refusal).
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { defaultSettings } from '../../electron/core/config/settings'
import { MemoryVault } from '../../electron/core/config/vault'
import { makeFallbackSource } from '../../electron/core/tickets/fallback-source'
import { TicketSourceError, sourceErrorBody } from '../../electron/core/tickets/ticket-source'
import { createProxyTicketSource } from '../../electron/core/tickets/ticket-source-proxy'
import { sourceErrorText } from '../../renderer/src/i18n/error-text'
import { createKioskI18n } from '../../renderer/src/i18n/index'
import { sendApiError } from '../../shared/server/respond'
import { FakeWechat } from '../wechat/fake-wechat'
import { startTestRelay } from '../relay/harness'

const i18n = createKioskI18n('zh-CN').global
const translator = { t: i18n.t, te: (key: string) => i18n.te(key) }

/** What staff read for `err` on the Diagnostics page, in zh-CN then in English. */
function read(err: TicketSourceError): [string, string] {
  i18n.locale.value = 'zh-CN'
  const zh = sourceErrorText(translator, sourceErrorBody(err), 'proxy')
  i18n.locale.value = 'en'
  const en = sourceErrorText(translator, sourceErrorBody(err), 'proxy')
  i18n.locale.value = 'zh-CN'
  return [zh, en]
}

async function failureOf(p: Promise<unknown>): Promise<TicketSourceError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  if (!(err instanceof TicketSourceError))
    throw new Error(`expected a TicketSourceError: ${String(err)}`)
  return err
}

/** The ticket proxy's and the fallback code's failure for this relay and token. */
async function bothFailures(relayUrl: string, kioskId: string, token: string) {
  const proxy = createProxyTicketSource({ relayUrl, kioskId, token })
  const vault = new MemoryVault()
  vault.set('relayToken', token)
  const settings = { ...defaultSettings(), kioskId, ticketSource: 'proxy' as const, relayUrl }
  const fallback = makeFallbackSource(settings, vault)
  if (fallback === null) throw new Error('no fallback source')
  return [await failureOf(proxy.create(1, 600)), await failureOf(fallback.create())]
}

describe('a relay that is not failing because of WeChat', () => {
  /** A relay stand-in answering every request with `answer`. */
  let answer: (res: ServerResponse) => void = () => undefined
  let server: Server
  let relayUrl = ''
  beforeAll(async () => {
    server = createServer((_req, res) => answer(res))
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    relayUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
  })

  const cases: [string, number, (res: ServerResponse) => void][] = [
    [
      'the relay shutting down (a restart)',
      503,
      (res) => sendApiError(res, 503, 'shutting_down', 'relay shutting down'),
    ],
    [
      'the relay failing (its store)',
      500,
      (res) => sendApiError(res, 500, 'internal', 'ticket creation failed'),
    ],
    [
      "a reverse proxy's page: the relay behind it is down",
      502,
      (res) => {
        res.writeHead(502, { 'content-type': 'text/html' })
        res.end('<html><body><h1>502 Bad Gateway</h1>nginx</body></html>')
      },
    ],
    [
      'a code a newer relay sends',
      503,
      (res) => sendApiError(res, 503, 'store_migrating', 'store migrating'),
    ],
  ]

  it.each(cases)('%s: the relay, with its HTTP status, never WeChat', async (_, status, a) => {
    answer = a
    for (const err of await bothFailures(relayUrl, 'k1', 'k1.tok')) {
      expect(sourceErrorBody(err)).toEqual({ code: 'unhealthy', params: { status } })
      const [zh, en] = read(err)
      expect(zh).toContain(`HTTP ${status}`)
      expect(zh).toContain('中继')
      expect(zh).not.toMatch(/微信|WeChat|—）|undefined|\{/)
      expect(en).toContain(`HTTP ${status}`)
      expect(en).not.toMatch(/WeChat|errcode|undefined|\{/)
    }
  })
})

describe('a booth the relay does not let use its ticket proxy', () => {
  const cleanups: Array<() => Promise<unknown>> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })

  it('is told the relay admin allows it, not to pair again', async () => {
    const fake = await FakeWechat.start()
    cleanups.push(() => fake.close())
    fake.handler = () => Promise.resolve({ body: { access_token: 'tok', expires_in: 7200 } })
    const relay = await startTestRelay('sqlite', null, {
      wechat: { appId: 'wx5823bf96d3bd56c7', appSecret: 'secret-0123456789', apiBase: fake.url },
    })
    cleanups.push(() => relay.close())
    const token = await relay.addKiosk('k2', { ticketProxy: false })

    for (const err of await bothFailures(relay.url, 'k2', token)) {
      expect(sourceErrorBody(err)).toEqual({ code: 'proxy_not_allowed', params: {} })
      const [zh, en] = read(err)
      expect(zh).toContain('--ticket-proxy')
      expect(zh).not.toMatch(/不认|撤销|不正确/)
      expect(en).toContain('--ticket-proxy')
      expect(en).not.toMatch(/refused this booth's token|revoked|not correct/i)
    }
    // A wrong token is still a wrong token: pairing again is what fixes that.
    const [wrong] = await bothFailures(relay.url, 'k2', 'k2.wrong')
    expect(wrong?.code).toBe('unauthorized')
  })
})

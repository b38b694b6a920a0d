// One classification of a failed WeChat call (shared/wechat/failure.ts) on all three paths: the
// kiosk calling WeChat itself, and the relay calling it for the kiosk (ticket proxy, fallback
// code) then the kiosk reading the relay's answer. Each failure must mean the same to the kiosk
// whichever path it came by.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LogLimiter, silentLogger } from '../../relay/log'
import { sendWechatFailure } from '../../relay/wechat-failure'
import { WechatApiError, WechatHttpError } from '../../shared/wechat'
import { defaultSettings } from '../../electron/core/config/settings'
import { MemoryVault } from '../../electron/core/config/vault'
import { makeFallbackSource } from '../../electron/core/tickets/fallback-source'
import { toSourceError } from '../../electron/core/tickets/ticket-source-direct'
import { createProxyTicketSource } from '../../electron/core/tickets/ticket-source-proxy'
import { TicketSourceError } from '../../electron/core/tickets/ticket-source'

const FAILURES: [string, Error][] = [
  ['40001 token', new WechatApiError(40001, 'invalid credential', 'cgi-bin/qrcode/create')],
  ['40125 config', new WechatApiError(40125, 'invalid appsecret', 'cgi-bin/stable_token')],
  ['40164 ip', new WechatApiError(40164, 'invalid ip 1.2.3.4', 'cgi-bin/stable_token')],
  ['45009 quota', new WechatApiError(45009, 'reach max', 'cgi-bin/qrcode/create')],
  ['45009 token limit', new WechatApiError(45009, 'freq limit', 'cgi-bin/stable_token')],
  ['-1 busy', new WechatApiError(-1, 'system error', 'cgi-bin/qrcode/create')],
  ['47003 other', new WechatApiError(47003, 'argument invalid', 'cgi-bin/qrcode/create')],
  ['timeout', new WechatHttpError('timeout', 'cgi-bin/qrcode/create timed out')],
  ['network', new WechatHttpError('network', 'cgi-bin/qrcode/create failed: ECONNRESET')],
  ['http', new WechatHttpError('http', 'cgi-bin/qrcode/create answered HTTP 502')],
  ['bad response', new WechatHttpError('bad_response', 'answered with invalid JSON')],
]

/** A relay stand-in whose ticket and fallback endpoints fail as the relay does for `current`. */
let current: Error = new Error('unset')
let server: Server
let relayUrl = ''
beforeAll(async () => {
  server = createServer((_req, res) => {
    sendWechatFailure(
      res,
      current,
      { log: silentLogger, lines: new LogLimiter(Date.now, 60_000), kioskId: 'k1' },
      { name: 'test', internalMessage: 'failed' },
    )
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  relayUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
})

async function failureOf(p: Promise<unknown>): Promise<{ code: string; errcode?: number }> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  if (!(err instanceof TicketSourceError))
    throw new Error(`expected a TicketSourceError: ${String(err)}`)
  return { code: err.code, errcode: err.errcode }
}

describe('a WeChat failure means the same on every path', () => {
  it.each(FAILURES)('%s', async (_name, err) => {
    current = err
    const direct = toSourceError(err)
    const expected = { code: direct.code, errcode: direct.errcode }

    const proxy = createProxyTicketSource({ relayUrl, kioskId: 'k1', token: 'tok' })
    expect(await failureOf(proxy.create(1, 600))).toEqual(expected)

    const vault = new MemoryVault()
    vault.set('relayToken', 'tok')
    const settings = {
      ...defaultSettings(),
      kioskId: 'k1',
      ticketSource: 'proxy' as const,
      relayUrl,
    }
    const fallback = makeFallbackSource(settings, vault)
    if (fallback === null) throw new Error('no fallback source')
    expect(await failureOf(fallback.create())).toEqual(expected)
  })

  it('only the daily quota of qrcode/create reads as the quota', () => {
    const codes = FAILURES.map(([name, err]) => [name, toSourceError(err).code])
    expect(codes.filter(([, c]) => c === 'quota')).toEqual([['45009 quota', 'quota']])
  })
})

// WeChat's delivery rules (timeout, three tries spaced one wait apart, same CreateTime) and what
// the visitor sees.
import http from 'node:http'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { WechatCipher } from '../../shared/wechat/crypto'
import { parsePushXml } from '../../shared/wechat/push'
import { buildEncryptedReply, buildTextReply } from '../../shared/wechat/reply'
import { SERVICE_UNAVAILABLE, type Sandbox } from '../../sandbox/server'
import { performance } from 'node:perf_hooks'
import { resolveOptions, WECHAT_PUSH_TIMEOUT_MS, type PushMode } from '../../sandbox/options'
import { closeAll, getJson, receiver, sandbox, tempCode, type ReceiverAnswer } from './helpers'

afterEach(async () => {
  vi.restoreAllMocks()
  await closeAll()
})

/** Short so tests don't wait WeChat's real 5 s. */
const TIMEOUT_MS = 400

async function setup(answer: (i: number) => ReceiverAnswer, mode: PushMode = 'plain') {
  const r = await receiver((_p, i) => answer(i))
  const sb = await sandbox({ pushUrl: r.url, pushTimeoutMs: TIMEOUT_MS, mode })
  const code = await tempCode(sb, 'desk:1')
  return { r, sb, code }
}

function textReply(sb: Sandbox, content: string, openid = 'oV', from = sb.options.originalId) {
  return buildTextReply({ toUser: openid, fromUser: from, content, createTime: 1_700_000_000 })
}

describe('delivery', () => {
  it('tries three times in all when nobody answers in time, with the same CreateTime', async () => {
    const { r, sb, code } = await setup(() => ({ delayMs: TIMEOUT_MS * 10 }))
    const result = await sb.scan(code.url, 'oV')
    expect(result.attempts).toHaveLength(3)
    for (const a of result.attempts) {
      expect(a.status).toBeNull()
      expect(a.error).toMatch(/no answer/)
    }
    expect(r.received).toHaveLength(3)
    const times = new Set(r.received.map((p) => parsePushXml(p.body).createTime))
    expect([...times]).toEqual([result.createTime])
    expect(new Set(r.received.map((p) => p.body)).size).toBe(1)
    expect(result.reply).toMatchObject({ kind: 'error', visitorSees: SERVICE_UNAVAILABLE })
  })

  it("counts a try's answer time from its sending: a stall as it connects does not lose it", async () => {
    // The process busy for longer than the answer time just after a try opened its connection
    // (a loaded relay host): the connection is made meanwhile, and the push must still go out
    // and its prompt answer count, as WeChat's 5 s runs from the push being sent.
    const r = await receiver(() => ({}))
    const request = http.request.bind(http)
    vi.spyOn(http, 'request').mockImplementation((...args: Parameters<typeof http.request>) => {
      const req = request(...args)
      const [target] = args
      if (target instanceof URL && target.port === new URL(r.url).port) {
        process.nextTick(() => {
          const until = performance.now() + TIMEOUT_MS * 1.25
          while (performance.now() < until);
        })
      }
      return req
    })
    const sb = await sandbox({ pushUrl: r.url, pushTimeoutMs: TIMEOUT_MS })
    const code = await tempCode(sb, 'k:stalled')
    const result = await sb.scan(code.url, 'oV')
    expect(result.attempts.map((a) => a.status)).toEqual([200])
    expect(r.received).toHaveLength(1)
  })

  it('stops at the first answer after a timeout', async () => {
    const { r, sb, code } = await setup((i) => (i === 0 ? { delayMs: TIMEOUT_MS * 10 } : {}))
    const result = await sb.scan(code.url, 'oV')
    expect(result.attempts.map((a) => a.status)).toEqual([null, 200])
    expect(r.received).toHaveLength(2)
    expect(result.reply).toEqual({ kind: 'none', visitorSees: null })
  })

  it('retries error statuses, and gives up after three', async () => {
    const { r, sb, code } = await setup(() => ({ status: 503, body: 'down' }))
    const result = await sb.scan(code.url, 'oV')
    expect(result.attempts.map((a) => a.status)).toEqual([503, 503, 503])
    expect(r.received).toHaveLength(3)
    expect(result.reply.kind).toBe('error')
  })

  it('gives up when the server cannot be reached', async () => {
    // Down for good (its port kept: a closed one could be taken by a test running beside this).
    const r = await receiver(() => ({}))
    r.setDown(true)
    const sb = await sandbox({ pushUrl: r.url, pushTimeoutMs: TIMEOUT_MS })
    const code = await tempCode(sb, 'k:dead')
    const result = await sb.scan(code.url, 'oV')
    expect(result.attempts).toHaveLength(3)
    expect(result.attempts.every((a) => a.status === null && a.error !== undefined)).toBe(true)
    expect(r.received).toHaveLength(0)
    expect(result.reply.kind).toBe('error')
  })

  it('records every try in GET /sandbox/pushes', async () => {
    const { sb, code } = await setup((i) => (i === 0 ? { status: 500 } : {}))
    await sb.scan(code.url, 'oV')
    await sb.scan(code.url, 'oV')
    const { json } = await getJson(`${sb.url}/sandbox/pushes`)
    const pushes = json.pushes as Array<{ event: string; openid: string; attempts: unknown[] }>
    expect(pushes.map((p) => [p.event, p.openid, p.attempts.length])).toEqual([
      ['subscribe', 'oV', 2],
      ['SCAN', 'oV', 1],
    ])
  })
})

describe('retry timing', () => {
  it('spaces its tries as WeChat does: each begins one interval after the one before began', async () => {
    const r = await receiver(() => ({ status: 503 }))
    const sb = await sandbox({
      pushUrl: r.url,
      pushTimeoutMs: TIMEOUT_MS,
      pushRetryIntervalMs: 250,
    })
    const code = await tempCode(sb, 'k:spaced')
    const result = await sb.scan(code.url, 'oV')
    expect(result.attempts.map((a) => a.status)).toEqual([503, 503, 503])
    const gaps = r.received.slice(1).map((p, i) => p.at - (r.received[i]?.at ?? 0))
    gaps.forEach((gap, i) => {
      // Seen at the receiver: a try begins 250 ms after the one before began, which arrived
      // up to its answer time (`ms`) plus the time its push took to sign and seal after it
      // began (not in `ms`; milliseconds, more on a loaded machine), so the arrivals may be
      // closer than 250 ms by that much. Tries not spaced at all arrive within a few ms of
      // each other; at least half the interval tells the two apart without timing the machine.
      const before = result.attempts[i]?.ms ?? 0
      expect(gap).toBeGreaterThanOrEqual(250 / 2 - before)
      expect(gap).toBeLessThan(250 + 750)
    })
  })

  it("defaults to WeChat's: a try begins when the one before is given up, 5 s after it began", () => {
    expect(resolveOptions().pushRetryIntervalMs).toBe(WECHAT_PUSH_TIMEOUT_MS)
    expect(WECHAT_PUSH_TIMEOUT_MS).toBe(5000)
    // A shorter wait (tests) shortens the spacing with it, unless the spacing is given.
    expect(resolveOptions({ pushTimeoutMs: 300 }).pushRetryIntervalMs).toBe(300)
    expect(resolveOptions({ pushTimeoutMs: 300, pushRetryIntervalMs: 0 }).pushRetryIntervalMs).toBe(
      0,
    )
    for (const bad of [-1, 1.5, 120_001]) {
      expect(() => resolveOptions({ pushRetryIntervalMs: bad })).toThrow(/pushRetryIntervalMs/)
    }
  })

  it('a server down for a moment gets the push from a later try, once', async () => {
    // Down: its port kept, every connection reset (closing it and listening again on the port
    // could find the port taken by a test running beside this one).
    const r = await receiver(() => ({}))
    r.setDown(true)
    const sb = await sandbox({ pushUrl: r.url, pushTimeoutMs: TIMEOUT_MS })
    const code = await tempCode(sb, 'k:restart')
    const scanned = sb.scan(code.url, 'oV')
    // Back up once the first try has failed (as a relay restarting in 2 s is within WeChat's 5).
    while (r.resets() === 0) await new Promise((resolve) => setTimeout(resolve, 10))
    r.setDown(false)
    const result = await scanned
    expect(result.attempts.map((a) => a.status)).toEqual([null, 200])
    expect(result.attempts[0]?.error).toMatch(/ECONNRESET|EPIPE/)
    expect(r.received).toHaveLength(1)
    expect(parsePushXml(r.received[0]?.body ?? '').createTime).toBe(result.createTime)
    expect(result.reply).toEqual({ kind: 'none', visitorSees: null })
  })

  it('closing the sandbox ends a delivery waiting for its next try', async () => {
    const r = await receiver(() => ({ status: 503 }))
    const sb = await sandbox({
      pushUrl: r.url,
      pushTimeoutMs: TIMEOUT_MS,
      pushRetryIntervalMs: 60_000,
    })
    const code = await tempCode(sb, 'k:close')
    const scanned = sb.scan(code.url, 'oV')
    while (r.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 10))
    const closing = performance.now()
    await sb.close()
    const result = await scanned
    expect(performance.now() - closing).toBeLessThan(2000)
    // One try and no other: its 503 is recorded, or, when the sandbox closed while the answer
    // was still on its way (the receiver counts a push before it answers), the try is 'aborted'.
    expect(result.attempts).toHaveLength(1)
    const [first] = result.attempts
    if (first?.status !== 503) expect(first).toMatchObject({ status: null, error: 'aborted' })
    expect(r.received).toHaveLength(1)
  })
})

describe('what the visitor sees', () => {
  it('nothing for success or an empty body', async () => {
    for (const body of ['success', '', '  success\n']) {
      const { sb, code } = await setup(() => ({ body }))
      expect((await sb.scan(code.url, 'oV')).reply).toEqual({ kind: 'none', visitorSees: null })
    }
  })

  it('the text of a valid passive reply', async () => {
    const { sb, code } = await setup(() => ({ body: textReply(sb, '欢迎光临 #12') }))
    const result = await sb.scan(code.url, 'oV')
    expect(result.attempts).toHaveLength(1)
    expect(result.reply).toEqual({ kind: 'text', visitorSees: '欢迎光临 #12' })
  })

  it('"cannot provide service" for garbage, without retrying', async () => {
    const { r, sb, code } = await setup(() => ({ body: 'OK thanks' }))
    const result = await sb.scan(code.url, 'oV')
    expect(r.received).toHaveLength(1)
    expect(result.attempts[0]?.body).toBe('OK thanks')
    expect(result.reply).toMatchObject({ kind: 'error', visitorSees: SERVICE_UNAVAILABLE })
  })

  it('"cannot provide service" for a reply addressed to someone else', async () => {
    const { sb, code } = await setup(() => ({ body: textReply(sb, 'hi', 'oSomeoneElse') }))
    expect((await sb.scan(code.url, 'oV')).reply.kind).toBe('error')
  })

  it('safe mode: a signed, encrypted reply shows its text; plaintext or a bad signature does not', async () => {
    let variant: 'good' | 'bad-signature' | 'plaintext' | 'other-appid' = 'good'
    const { code, sb } = await setup(() => {
      const cipher = new WechatCipher({
        encodingAESKey: sb.options.encodingAESKey,
        appId: variant === 'other-appid' ? 'wxsomeoneelse' : sb.options.appId,
      })
      const inner = textReply(sb, '你好')
      if (variant === 'plaintext') return { body: inner }
      const token = variant === 'bad-signature' ? 'WrongToken' : sb.options.token
      return {
        body: buildEncryptedReply({ cipher, token, replyXml: inner, timestamp: 1, nonce: '7' }),
      }
    }, 'safe')
    expect((await sb.scan(code.url, 'oV')).reply).toEqual({ kind: 'text', visitorSees: '你好' })
    for (const v of ['bad-signature', 'plaintext', 'other-appid'] as const) {
      variant = v
      const result = await sb.scan(code.url, 'oV')
      expect(result.reply, v).toMatchObject({ kind: 'error', visitorSees: SERVICE_UNAVAILABLE })
    }
  })

  it('compat mode takes a plaintext reply', async () => {
    const { sb, code } = await setup(() => ({ body: textReply(sb, 'plain is fine') }), 'compat')
    expect((await sb.scan(code.url, 'oV')).reply).toEqual({
      kind: 'text',
      visitorSees: 'plain is fine',
    })
  })
})

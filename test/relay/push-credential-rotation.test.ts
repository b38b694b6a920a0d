/**
 * Changing the WeChat Token or EncodingAESKey mid-event (docs/DEPLOY.md step 5): with the old
 * value set as wechat.previousToken / previousEncodingAESKey, a push under either is taken, so
 * none is lost between the relay's restart and the submit in WeChat's admin (or after a submit
 * that failed). Anything else is refused as before, a previous Token does not stand in for a
 * previous key (or the reverse), a push sent under both counts once, and with no previous value
 * nothing differs from a relay that never heard of them: answers, log lines, /metrics.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { jsonLogger } from '../../relay/log'
import { wechatPreviousWarnings } from '../../relay/config'
import type { RelayHandle } from '../../relay/server'
import { WechatCipher, openEncryptedReply, parseTextReply } from '../../shared/wechat'
import {
  ACCOUNT,
  TOKEN,
  postPush,
  scanXml,
  sha1Sorted,
  signedQuery,
  startTestRelay,
} from './harness'
import { vectors } from '../wechat/vectors'
import { startRedis, type TestRedis } from '../helpers/redis'

const OLD_TOKEN = 'oldRelayToken99'
const OTHER_TOKEN = 'notEitherToken7'
const AES_KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C'
const OLD_AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG'
const APP_ID = 'wx5823bf96d3bd56c7'
const cipher = new WechatCipher({ encodingAESKey: AES_KEY, appId: APP_ID })
const oldCipher = new WechatCipher({ encodingAESKey: OLD_AES_KEY, appId: APP_ID })

let relay: RelayHandle | null = null
let clock = Date.now()

afterEach(async () => {
  await relay?.close()
  relay = null
})

type LogLine = Record<string, unknown>

async function start(
  config: Parameters<typeof startTestRelay>[2] = {},
  redisUrl: string | null = null,
): Promise<{ r: RelayHandle; logged: () => LogLine[] }> {
  clock = Date.now()
  const lines: string[] = []
  relay = await startTestRelay(redisUrl === null ? 'sqlite' : 'redis', redisUrl, config, {
    now: () => clock,
    log: jsonLogger((l) => lines.push(l)),
  })
  return { r: relay, logged: () => lines.map((l) => JSON.parse(l) as LogLine) }
}

const safe = (wechat: Record<string, string> = {}) => ({
  wechat: { mode: 'safe' as const, encodingAESKey: AES_KEY, appId: APP_ID, ...wechat },
})

/** An encrypted push's query: `signature` and `msg_signature` under `token` (or two tokens). */
function safeQuery(encrypt: string, token: string, msgToken = token): URLSearchParams {
  const q = signedQuery(token, clock)
  q.set('encrypt_type', 'aes')
  q.set(
    'msg_signature',
    sha1Sorted([msgToken, q.get('timestamp') ?? '', q.get('nonce') ?? '', encrypt]),
  )
  return q
}

const envelope = (encrypt: string): string =>
  `<xml><ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`

const openids = async (r: RelayHandle, kioskId: string): Promise<string[]> =>
  (await r.store.readEvents(kioskId, 0, 1000)).map((e) => e.openid)

async function metricsText(r: RelayHandle): Promise<string> {
  return (await fetch(`${r.url}/metrics`)).text()
}

const refusedLines = (logged: () => LogLine[]) =>
  logged()
    .filter((l) => l.msg === 'push refused')
    .map((l) => [l.status, l.outcome])

const switchLines = (logged: () => LogLine[]) =>
  logged().filter((l) => String(l.msg).startsWith('WeChat has switched'))

describe('a relay with no previous Token or EncodingAESKey', () => {
  it('refuses a push under another Token as always, and counts or says nothing of credentials', async () => {
    const { r, logged } = await start()
    await r.addKiosk('k1')
    const res = await postPush(r.url, scanXml('o1', 'k1:n1'), signedQuery(OLD_TOKEN, clock))
    expect(res).toEqual({ status: 401, body: 'bad signature' })
    expect(refusedLines(logged)).toEqual([[401, 'bad_signature']])
    expect((await postPush(r.url, scanXml('o2', 'k1:n2'), signedQuery(TOKEN, clock))).status).toBe(
      200,
    )
    expect(await openids(r, 'k1')).toEqual(['o2'])
    // The family is described, but holds no series.
    expect(await metricsText(r)).not.toMatch(/scandesk_relay_push_credentials_total\{/)
    expect(switchLines(logged)).toEqual([])
  })
})

describe('a previous Token', () => {
  it('takes pushes signed with either Token, refuses any other as before, and says once that WeChat switched', async () => {
    const { r, logged } = await start({ wechat: { previousToken: OLD_TOKEN } })
    await r.addKiosk('k1')
    // Before the submit WeChat still signs with the old Token: taken, not lost.
    for (const i of [1, 2]) {
      const q = signedQuery(OLD_TOKEN, clock)
      expect(await postPush(r.url, scanXml(`old${i}`, `k1:o${i}`), q)).toEqual({
        status: 200,
        body: 'success',
      })
    }
    expect(switchLines(logged)).toEqual([])
    // After it, the new one.
    for (const i of [1, 2]) {
      const q = signedQuery(TOKEN, clock)
      expect((await postPush(r.url, scanXml(`new${i}`, `k1:n${i}`), q)).status).toBe(200)
    }
    expect(await openids(r, 'k1')).toEqual(['old1', 'old2', 'new1', 'new2'])
    // Said once, naming what to remove; never a Token.
    const said = switchLines(logged)
    expect(said.map((l) => [l.level, l.credential])).toEqual([['warn', 'token']])
    expect(String(said[0]?.msg)).toContain('remove SCANDESK_RELAY_WECHAT_PREVIOUS_TOKEN')
    expect(JSON.stringify(logged())).not.toContain(OLD_TOKEN)
    expect(r.metrics.credentialUseCount('token', 'previous')).toBe(2)
    expect(r.metrics.credentialUseCount('token', 'current')).toBe(2)
    const text = await metricsText(r)
    expect(text).toContain(
      'scandesk_relay_push_credentials_total{credential="token",used="previous"} 2',
    )
    expect(text).toContain(
      'scandesk_relay_push_credentials_total{credential="token",used="current"} 2',
    )
    // Plain mode: no key, so no key series.
    expect(text).not.toContain('credential="encoding_aes_key"')

    // Anything else is refused exactly as with one Token: status, body and log outcome.
    const forged = await postPush(r.url, scanXml('x', 'k1:x'), signedQuery(OTHER_TOKEN, clock))
    expect(forged).toEqual({ status: 401, body: 'bad signature' })
    const stale = await postPush(
      r.url,
      scanXml('x', 'k1:y'),
      signedQuery(OLD_TOKEN, clock - 3_600_000),
    )
    expect(stale).toEqual({ status: 401, body: 'stale timestamp' })
    expect(refusedLines(logged)).toEqual([
      [401, 'bad_signature'],
      [401, 'stale'],
    ])
    expect(await openids(r, 'k1')).toHaveLength(4)
    expect(r.metrics.credentialUseCount('token', 'previous')).toBe(2)
  })

  it('stores a push once when WeChat sends it under the old Token and again under the new', async () => {
    const { r } = await start({ wechat: { previousToken: OLD_TOKEN } })
    await r.addKiosk('k1')
    const xml = scanXml('o1', 'k1:s1')
    const first = signedQuery(OLD_TOKEN, clock)
    expect((await postPush(r.url, xml, first)).status).toBe(200)
    // Its retry, signed anew once WeChat has switched: the same push.
    expect((await postPush(r.url, xml, signedQuery(TOKEN, clock))).status).toBe(200)
    expect(await openids(r, 'k1')).toEqual(['o1'])
    expect([r.metrics.pushCount('stored'), r.metrics.pushCount('duplicate')]).toEqual([1, 1])
    // The replay guard holds for either Token: a signed query seen once carries no other body.
    expect((await postPush(r.url, scanXml('o2', 'k1:s2'), first)).status).toBe(401)
    expect(await openids(r, 'k1')).toEqual(['o1'])
  })

  it('does not count a replayed query under the old Token, so used="previous" can stop rising', async () => {
    const { r } = await start({ wechat: { previousToken: OLD_TOKEN } })
    await r.addKiosk('k1')
    const seen = signedQuery(OLD_TOKEN, clock)
    expect((await postPush(r.url, scanXml('o1', 'k1:s1'), seen)).status).toBe(200)
    // WeChat's retry of that try (same query, same body) is WeChat still using the old Token.
    expect((await postPush(r.url, scanXml('o1', 'k1:s1'), seen)).status).toBe(200)
    expect(r.metrics.credentialUseCount('token', 'previous')).toBe(2)
    // Someone replaying the seen query with other bodies: refused, and never counted.
    for (const i of [2, 3, 4]) {
      const res = await postPush(r.url, scanXml(`x${i}`, `k1:s${i}`), seen)
      expect(res).toEqual({ status: 401, body: 'replayed' })
    }
    expect(r.metrics.credentialUseCount('token', 'previous')).toBe(2)
    expect(await metricsText(r)).toContain(
      'scandesk_relay_push_credentials_total{credential="token",used="previous"} 2',
    )
    expect(await openids(r, 'k1')).toEqual(['o1'])
  })

  it('answers the URL check signed with either Token, and no other', async () => {
    const { r } = await start({ wechat: { previousToken: OLD_TOKEN } })
    for (const [token, status] of [
      [TOKEN, 200],
      [OLD_TOKEN, 200],
      [OTHER_TOKEN, 401],
    ] as const) {
      const q = signedQuery(token, clock)
      q.set('echostr', 'e123')
      const res = await fetch(`${r.url}/wechat?${q.toString()}`)
      expect(res.status, token).toBe(status)
      expect(await res.text()).toBe(status === 200 ? 'e123' : 'bad signature')
    }
  })

  it("answers the official vector's URL check whether its Token is the current or the previous one", async () => {
    const v = vectors.plain_signature.find((x) => x.echostr !== undefined)
    if (v?.echostr === undefined) throw new Error('the fixture lost its URL-check vector')
    const q = new URLSearchParams({
      signature: v.signature,
      timestamp: v.timestamp,
      nonce: v.nonce,
      echostr: v.echostr,
    })
    for (const wechat of [
      { token: v.token, previousToken: OTHER_TOKEN },
      { token: OTHER_TOKEN, previousToken: v.token },
    ]) {
      const { r } = await start({ wechat })
      const res = await fetch(`${r.url}/wechat?${q.toString()}`)
      expect(res.status).toBe(200)
      expect(await res.text()).toBe(v.echostr)
      await r.close()
      relay = null
    }
  })
})

describe('a previous Token and EncodingAESKey in safe mode', () => {
  it('decrypts with either key and seals the reply with the Token and key the push came with', async () => {
    const { r, logged } = await start({
      ...safe({ previousToken: OLD_TOKEN, previousEncodingAESKey: OLD_AES_KEY }),
      reply: { scan: '欢迎 again' },
    })
    await r.addKiosk('k1')
    const cases = [
      { openid: 'old', c: oldCipher, token: OLD_TOKEN },
      { openid: 'new', c: cipher, token: TOKEN },
    ]
    for (const { openid, c, token } of cases) {
      const encrypt = c.encrypt(scanXml(openid, `k1:${openid}`))
      const res = await postPush(r.url, envelope(encrypt), safeQuery(encrypt, token))
      expect(res.status, openid).toBe(200)
      // WeChat opens the reply with what it signed and encrypted the push with.
      const inner = openEncryptedReply(res.body, { cipher: c, token })
      expect(parseTextReply(inner)).toMatchObject({ toUser: openid, content: '欢迎 again' })
      const other = c === cipher ? oldCipher : cipher
      expect(() => openEncryptedReply(res.body, { cipher: other, token })).toThrow()
    }
    expect(await openids(r, 'k1')).toEqual(['old', 'new'])
    expect(switchLines(logged).map((l) => l.credential)).toEqual(['token', 'encoding_aes_key'])
    expect(String(switchLines(logged)[1]?.msg)).toContain(
      'SCANDESK_RELAY_WECHAT_PREVIOUS_ENCODING_AES_KEY',
    )
    expect(r.metrics.credentialUseCount('encoding_aes_key', 'previous')).toBe(1)
    expect(r.metrics.credentialUseCount('encoding_aes_key', 'current')).toBe(1)
    const text = JSON.stringify(logged())
    for (const secret of [OLD_TOKEN, OLD_AES_KEY, AES_KEY]) expect(text).not.toContain(secret)
  })

  it('refuses msg_signature under the other Token than signature, and a key that is neither', async () => {
    const { r, logged } = await start(
      safe({ previousToken: OLD_TOKEN, previousEncodingAESKey: OLD_AES_KEY }),
    )
    await r.addKiosk('k1')
    const encrypt = cipher.encrypt(scanXml('o', 'k1:m1'))
    const mixed = await postPush(r.url, envelope(encrypt), safeQuery(encrypt, OLD_TOKEN, TOKEN))
    expect(mixed).toEqual({ status: 401, body: 'bad signature' })
    const third = new WechatCipher({ encodingAESKey: 'A'.repeat(42) + 'E', appId: APP_ID })
    const foreign = third.encrypt(scanXml('o', 'k1:m2'))
    const res = await postPush(r.url, envelope(foreign), safeQuery(foreign, TOKEN))
    expect(res.status).toBe(400)
    expect(refusedLines(logged)).toEqual([
      [401, 'bad_signature'],
      [400, 'malformed'],
    ])
    expect(logged().filter((l) => String(l.msg).includes('does not decrypt'))).toHaveLength(1)
    expect(await openids(r, 'k1')).toEqual([])
  })

  it('answers the encrypted URL check under either Token and key', async () => {
    const { r } = await start(
      safe({ previousToken: OLD_TOKEN, previousEncodingAESKey: OLD_AES_KEY }),
    )
    for (const [c, token] of [
      [oldCipher, OLD_TOKEN],
      [cipher, TOKEN],
    ] as const) {
      const echostr = c.encrypt('5927264910389310245')
      const q = safeQuery(echostr, token)
      q.delete('encrypt_type')
      q.set('echostr', echostr)
      const res = await fetch(`${r.url}/wechat?${q.toString()}`)
      expect(await res.text()).toBe('5927264910389310245')
    }
  })
})

describe('a previous Token and EncodingAESKey on a Redis store', () => {
  // A kiosk whose campaign the relay has cached takes the one-step way (claim and append in
  // one script): the reply is sealed there too, and the retry under the new values is the same push.
  let redis: TestRedis
  beforeAll(async () => {
    redis = await startRedis()
  }, 60_000)
  afterAll(async () => {
    await redis?.stop()
  })

  it('stores a push once under old and new values, and seals each reply as its push came', async () => {
    const { r } = await start(
      {
        ...safe({ previousToken: OLD_TOKEN, previousEncodingAESKey: OLD_AES_KEY }),
        reply: { scan: 'hi' },
      },
      redis.url,
    )
    await r.addKiosk('k1')
    const send = (c: WechatCipher, token: string, xml: string) => {
      const encrypt = c.encrypt(xml)
      const query = safeQuery(encrypt, token)
      return { res: postPush(r.url, envelope(encrypt), query), query, encrypt }
    }
    // The first push of a kiosk learns its campaign; the next ones take the one step.
    expect((await send(cipher, TOKEN, scanXml('warm', 'k1:warm')).res).status).toBe(200)
    const xml = scanXml('o1', 'k1:s1')
    const first = send(oldCipher, OLD_TOKEN, xml)
    const old = await first.res
    expect(old.status).toBe(200)
    const opened = openEncryptedReply(old.body, { cipher: oldCipher, token: OLD_TOKEN })
    expect(parseTextReply(opened)).toMatchObject({ toUser: 'o1', content: 'hi' })
    const retry = await send(cipher, TOKEN, xml).res
    expect(retry.status).toBe(200)
    expect(parseTextReply(openEncryptedReply(retry.body, { cipher, token: TOKEN }))).toMatchObject({
      toUser: 'o1',
    })
    expect(await openids(r, 'k1')).toEqual(['warm', 'o1'])
    expect([r.metrics.pushCount('stored'), r.metrics.pushCount('duplicate')]).toEqual([2, 1])
    // The old signed query with another body (its unsigned ToUserName edited): the claim
    // refuses it, as with one Token.
    const edited = envelope(first.encrypt).replace(ACCOUNT, 'gh_other')
    expect(await postPush(r.url, edited, first.query)).toEqual({ status: 401, body: 'replayed' })
    expect(await openids(r, 'k1')).toEqual(['warm', 'o1'])
    // ...and does not count as WeChat still using the old values.
    expect(r.metrics.credentialUseCount('token', 'previous')).toBe(1)
    expect(r.metrics.credentialUseCount('encoding_aes_key', 'previous')).toBe(1)
  })
})

describe('a previous value of one credential', () => {
  it('does not make the previous value of the other acceptable', async () => {
    // Only the Token was changed: a push encrypted with an old key is refused as today.
    const tokenOnly = await start(safe({ previousToken: OLD_TOKEN }))
    await tokenOnly.r.addKiosk('k1')
    const oldKeyed = oldCipher.encrypt(scanXml('o', 'k1:t1'))
    const underOldKey = await postPush(
      tokenOnly.r.url,
      envelope(oldKeyed),
      safeQuery(oldKeyed, OLD_TOKEN),
    )
    expect(underOldKey.status).toBe(400)
    const newKeyed = cipher.encrypt(scanXml('o', 'k1:t2'))
    expect(
      (await postPush(tokenOnly.r.url, envelope(newKeyed), safeQuery(newKeyed, OLD_TOKEN))).status,
    ).toBe(200)
    expect(await openids(tokenOnly.r, 'k1')).toEqual(['o'])
    // The key is not rotating: not counted.
    const text = await metricsText(tokenOnly.r)
    expect(text).not.toContain('credential="encoding_aes_key"')
    await tokenOnly.r.close()
    relay = null

    // Only the key was changed: the old Token is refused as today.
    const keyOnly = await start(safe({ previousEncodingAESKey: OLD_AES_KEY }))
    await keyOnly.r.addKiosk('k1')
    const underOldToken = await postPush(
      keyOnly.r.url,
      envelope(oldKeyed),
      safeQuery(oldKeyed, OLD_TOKEN),
    )
    expect(underOldToken).toEqual({ status: 401, body: 'bad signature' })
    expect(
      (await postPush(keyOnly.r.url, envelope(oldKeyed), safeQuery(oldKeyed, TOKEN))).status,
    ).toBe(200)
    expect(await openids(keyOnly.r, 'k1')).toEqual(['o'])
    expect(keyOnly.r.metrics.credentialUseCount('encoding_aes_key', 'previous')).toBe(1)
    expect(await metricsText(keyOnly.r)).not.toContain('credential="token"')
  })
})

describe('wechatPreviousWarnings', () => {
  it('is empty with no previous value, as the start is then unchanged', () => {
    expect(
      wechatPreviousWarnings({ mode: 'safe', previousToken: '', previousEncodingAESKey: '' }),
    ).toEqual([])
  })

  it('says each previous value is still accepted, naming its variable, never the value', () => {
    const said = wechatPreviousWarnings({
      mode: 'safe',
      previousToken: OLD_TOKEN,
      previousEncodingAESKey: OLD_AES_KEY,
    })
    expect(said).toHaveLength(2)
    expect(said[0]).toMatch(
      /previous Token are still accepted.*SCANDESK_RELAY_WECHAT_PREVIOUS_TOKEN/,
    )
    expect(said[1]).toMatch(
      /previous EncodingAESKey are still accepted.*SCANDESK_RELAY_WECHAT_PREVIOUS_ENCODING_AES_KEY/,
    )
    for (const line of said) {
      expect(line).not.toContain(OLD_TOKEN)
      expect(line).not.toContain(OLD_AES_KEY)
    }
    // A Token WeChat would not take, as for the current one; a key plain mode does not use.
    const plain = wechatPreviousWarnings({
      mode: 'plain',
      previousToken: 'my-old-token',
      previousEncodingAESKey: 'short',
    })
    expect(plain[1]).toMatch(/wechat\.previousToken is not 3–32 letters or digits/)
    expect(plain[2]).toMatch(/unused in plain mode/)
  })
})

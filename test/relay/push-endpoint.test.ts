import { rmSync } from 'node:fs'
import { request, type ClientRequest } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { openSqliteStore } from '../../relay/store/sqlite/store'
import { parseRelayConfig } from '../../relay/config'
import { createPushPipeline, type Via } from '../../relay/push-endpoint'
import { jsonLogger } from '../../relay/log'
import { WechatCipher, parseTextReply, openEncryptedReply } from '../../shared/wechat'
import type { RelayHandle } from '../../relay/server'
import {
  ACCOUNT,
  TOKEN,
  eventXml,
  postPush,
  scanXml,
  sha1Sorted,
  signedQuery,
  startTestRelay,
  tempDir,
} from './harness'
import { vectors } from '../wechat/vectors'
import { until } from './campaign-helpers'

const AES_KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C'
const APP_ID = 'wx5823bf96d3bd56c7'
let relay: RelayHandle | null = null
let clock = Date.now()

afterEach(async () => {
  await relay?.close()
  relay = null
})

/** A relay on the test's `clock`; its log lines (JSON) go to `lines` when given. */
async function start(
  config: Parameters<typeof startTestRelay>[2] = {},
  lines?: string[],
): Promise<RelayHandle> {
  clock = Date.now()
  relay = await startTestRelay('sqlite', null, config, {
    now: () => clock,
    ...(lines && { log: jsonLogger((l) => lines.push(l)) }),
  })
  return relay
}

/**
 * A push whose head the relay has taken and whose body its route has begun to read: it sends
 * `100 Continue` only then (shared/server/body.ts). A fixed wait for that lost the race on a
 * loaded machine: the test process starved before its socket connected sent nothing, and the
 * relay saw a connection with no request (no push cut off; closed as idle by a shutdown).
 */
async function pushBeingRead(target: URL, length: number): Promise<ClientRequest> {
  const req = request(target, {
    method: 'POST',
    headers: { 'content-length': length, expect: '100-continue' },
  })
  const reading = new Promise<void>((resolve, reject) => {
    req.once('continue', () => resolve())
    req.once('error', reject)
  })
  req.flushHeaders()
  await reading
  return req
}

/** Resolves once `chunk` is handed to the socket (in the relay's reach). */
function written(req: ClientRequest, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) =>
    req.write(chunk, (err) => (err ? reject(err) : resolve())),
  )
}

async function queue(r: RelayHandle, kioskId: string) {
  return r.store.readEvents(kioskId, 0, 1000)
}

describe('GET /wechat URL check', () => {
  it('echoes echostr for a valid signature and refuses anything else with 401', async () => {
    const r = await start()
    const q = signedQuery(TOKEN, clock)
    q.set('echostr', '4375120948345356249')
    const ok = await fetch(`${r.url}/wechat?${q.toString()}`)
    expect(ok.status).toBe(200)
    expect(await ok.text()).toBe('4375120948345356249')

    // Echoed as text the browser must not sniff: an echostr of markup stays text.
    expect(ok.headers.get('content-type')).toBe('text/plain; charset=utf-8')
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff')
    const markup = signedQuery(TOKEN, clock)
    markup.set('echostr', '<html><script>alert(1)</script>')
    const echoed = await fetch(`${r.url}/wechat?${markup.toString()}`)
    expect(await echoed.text()).toBe('<html><script>alert(1)</script>')
    expect(echoed.headers.get('x-content-type-options')).toBe('nosniff')

    q.set('signature', sha1Sorted(['wrong-token', q.get('timestamp') ?? '', q.get('nonce') ?? '']))
    const bad = await fetch(`${r.url}/wechat?${q.toString()}`)
    expect(bad.status).toBe(401)
    expect(await bad.text()).not.toContain('4375120948345356249')
  })
  it("answers the official vector's check (signed years ago) with its echostr", async () => {
    const v = vectors.plain_signature.find((x) => x.echostr !== undefined)
    if (v?.echostr === undefined) throw new Error('the fixture lost its URL-check vector')
    const r = await start({ wechat: { token: v.token } })
    const q = new URLSearchParams({
      signature: v.signature,
      timestamp: v.timestamp,
      nonce: v.nonce,
      echostr: v.echostr,
    })
    const ok = await fetch(`${r.url}/wechat?${q.toString()}`)
    expect(ok.status).toBe(200)
    expect(await ok.text()).toBe(v.echostr)
    // The same check under another token is not valid.
    q.set('signature', sha1Sorted(['BBBBB', v.timestamp, v.nonce]))
    expect((await fetch(`${r.url}/wechat?${q.toString()}`)).status).toBe(401)
  })
  it('answers 401 to any unsigned or badly signed check, with or without a usable echostr', async () => {
    const r = await start()
    const noParams = await fetch(`${r.url}/wechat`)
    expect(noParams.status).toBe(401)
    const bad = signedQuery('not-the-token', clock)
    expect((await fetch(`${r.url}/wechat?${bad.toString()}`)).status).toBe(401)
    bad.set('echostr', 'x'.repeat(2000))
    expect((await fetch(`${r.url}/wechat?${bad.toString()}`)).status).toBe(401)
    // Signed, but nothing to echo: malformed.
    expect((await fetch(`${r.url}/wechat?${signedQuery(TOKEN, clock).toString()}`)).status).toBe(
      400,
    )
  })
})

describe('a relay whose clock is off', () => {
  it('answers the URL check but says its timestamp is stale, refuses pushes so, and logs by how much', async () => {
    const lines: string[] = []
    relay = await start({}, lines)
    // WeChat signs with its own clock: here 10 minutes ahead of this server's.
    const q = signedQuery(TOKEN, clock + 600_000)
    q.set('echostr', '4375120948345356249')
    const check = await fetch(`${relay.url}/wechat?${q.toString()}`)
    // Contract v1: the check is answered whenever its signature is valid; the log warns.
    expect(check.status).toBe(200)
    expect(await check.text()).toBe('4375120948345356249')
    const push = await postPush(
      relay.url,
      scanXml('o1', 'k1:n1'),
      signedQuery(TOKEN, clock - 600_000),
    )
    expect(push).toEqual({ status: 401, body: 'stale timestamp' })
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>)
    const warned = logged.filter((l) => String(l.msg).startsWith('URL check answered;'))
    expect(warned.map((l) => [l.level, l.clockSkewSeconds])).toEqual([['warn', 600]])
    const refused = logged.filter((l) => l.msg === 'push refused')
    expect(refused.map((l) => [l.outcome, l.clockSkewSeconds])).toEqual([['stale', -600]])
    // A fresh check is answered without a warning.
    const fresh = signedQuery(TOKEN, clock)
    fresh.set('echostr', 'e2')
    expect(await (await fetch(`${relay.url}/wechat?${fresh.toString()}`)).text()).toBe('e2')
    expect(lines.filter((l) => l.includes('URL check answered;'))).toHaveLength(1)
    // A signature that is wrong stays a bad signature, whatever the timestamp.
    const forged = signedQuery('not-the-token', clock + 600_000)
    forged.set('echostr', 'x')
    expect(await (await fetch(`${relay.url}/wechat?${forged.toString()}`)).text()).toBe(
      'bad signature',
    )
  })
  it('warns of a stale URL check at most once a minute, however often one signed check is replayed', async () => {
    const lines: string[] = []
    relay = await start({}, lines)
    // One signed check an attacker saw (an access log, plain http), replayed again and again.
    const q = signedQuery(TOKEN, clock - 3_600_000)
    q.set('echostr', 'e1')
    const replay = async (): Promise<void> => {
      const res = await fetch(`${relay?.url ?? ''}/wechat?${q.toString()}`)
      expect(await res.text()).toBe('e1')
    }
    for (let i = 0; i < 30; i++) await replay()
    const warned = (): Record<string, unknown>[] =>
      lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => String(l.msg).startsWith('URL check answered;'))
    expect(warned()).toHaveLength(1)
    expect(warned()[0]?.clockSkewSeconds).toBe(-3600)
    clock += 59_000
    await replay()
    expect(warned()).toHaveLength(1)
    // A minute after the last line: one more, saying how many went unlogged in between.
    clock += 1_000
    await replay()
    expect(warned().map((l) => [l.level, l.unlogged])).toEqual([
      ['warn', undefined],
      ['warn', 30],
    ])
  })

  it('a relay clock off from WeChat’s by 30 s or more, within the window, warns once a minute', async () => {
    // The booths judge a late push by CreateTime against the relay's receipt: a relay two
    // minutes ahead of WeChat would have them take every scan as two minutes old, and stay
    // silent about it, as its pushes are all still fresh.
    const lines: string[] = []
    relay = await start({}, lines)
    const skewed = (): Record<string, unknown>[] =>
      lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => String(l.msg).startsWith('push signed'))
    // 29 s off: NTP-grade clocks and a slow link, nothing to say.
    const near = await postPush(
      relay.url,
      scanXml('o0', 'k1:n0'),
      signedQuery(TOKEN, clock - 29_000),
    )
    expect(near.status).toBe(200)
    expect(skewed()).toEqual([])
    for (let i = 1; i <= 5; i++) {
      const push = await postPush(
        relay.url,
        scanXml(`o${i}`, `k1:n${i}`),
        signedQuery(TOKEN, clock - 120_000),
      )
      // Accepted all the same (kept as unrouted: no kiosk k1): only the warning is new.
      expect(push.status).toBe(200)
    }
    expect(skewed().map((l) => [l.level, l.clockSkewSeconds])).toEqual([['warn', -120]])
    clock += 60_000
    await postPush(relay.url, scanXml('o9', 'k1:n9'), signedQuery(TOKEN, clock + 45_000))
    expect(skewed().map((l) => [l.clockSkewSeconds, l.unlogged])).toEqual([
      [-120, undefined],
      [45, 4],
    ])
  })
})

describe('POST /wechat', () => {
  it('refuses a bad signature and a missing one with 401 and stores nothing', async () => {
    const r = await start()
    await r.addKiosk('k1')
    const q = signedQuery('not-the-token', clock)
    expect((await postPush(r.url, scanXml('o1', 'k1:n1'), q)).status).toBe(401)
    expect((await postPush(r.url, scanXml('o1', 'k1:n1'), new URLSearchParams())).status).toBe(401)
    expect(await queue(r, 'k1')).toEqual([])
  })

  it('refuses a correctly signed push whose timestamp is outside the window', async () => {
    const r = await start({ timestampWindowSeconds: 300 })
    await r.addKiosk('k1')
    const stale = signedQuery(TOKEN, clock - 301_000)
    expect((await postPush(r.url, scanXml('o1', 'k1:n1'), stale)).status).toBe(401)
    const future = signedQuery(TOKEN, clock + 301_000)
    expect((await postPush(r.url, scanXml('o1', 'k1:n1'), future)).status).toBe(401)
    const edge = signedQuery(TOKEN, clock - 299_000)
    expect((await postPush(r.url, scanXml('o1', 'k1:n1'), edge)).status).toBe(200)
    expect(await queue(r, 'k1')).toHaveLength(1)
  })

  it('refuses a DTD / external entity with 400 without resolving it', async () => {
    const r = await start()
    await r.addKiosk('k1')
    const xxe =
      '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>' +
      '<xml><ToUserName>a</ToUserName><FromUserName>&x;</FromUserName><CreateTime>1</CreateTime>' +
      '<MsgType>event</MsgType><Event>SCAN</Event><EventKey>k1:n</EventKey><Ticket>t</Ticket></xml>'
    const res = await postPush(r.url, xxe, signedQuery(TOKEN, clock))
    expect(res.status).toBe(400)
    expect(res.body).not.toContain('root:')
    expect(await queue(r, 'k1')).toEqual([])
  })

  it('refuses garbage with 400 and a body over 64 KiB with 413', async () => {
    const r = await start()
    expect((await postPush(r.url, 'not xml at all <', signedQuery(TOKEN, clock))).status).toBe(400)
    const big = scanXml('o1', 'k1:n1').replace('</xml>', `<Pad>${'a'.repeat(70_000)}</Pad></xml>`)
    expect((await postPush(r.url, big, signedQuery(TOKEN, clock))).status).toBe(413)
    expect(r.metrics.pushCount('too_large')).toBe(1)
    expect(r.metrics.pushCount('malformed')).toBe(1)
  })

  it('stores a push of exactly 64 KiB and refuses one byte more with 413, storing nothing', async () => {
    // Contract v1: 413 for a body *over* 64 KiB. A push padded to the limit itself is WeChat's
    // and must be stored; the byte past it is refused, also when sent without a length.
    const r = await start()
    await r.addKiosk('k1')
    const padded = (openid: string, bytes: number): Buffer => {
      const xml = scanXml(openid, `k1:${openid}`)
      const bare = Buffer.byteLength(xml.replace('</xml>', '<Pad></Pad></xml>'))
      return Buffer.from(xml.replace('</xml>', `<Pad>${'a'.repeat(bytes - bare)}</Pad></xml>`))
    }
    const atLimit = padded('o-limit', 64 * 1024)
    expect(atLimit.length).toBe(65_536)
    expect((await postPush(r.url, atLimit, signedQuery(TOKEN, clock))).status).toBe(200)
    const over = padded('o-over', 64 * 1024 + 1)
    expect((await postPush(r.url, over, signedQuery(TOKEN, clock))).status).toBe(413)
    // The same byte too many, streamed in chunks with no Content-Length to refuse up front.
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = request(`${r.url}/wechat?${signedQuery(TOKEN, clock).toString()}`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml', 'transfer-encoding': 'chunked' },
      })
      req.on('response', (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      // The relay may close the connection once it has answered, before every chunk is sent.
      req.on('error', (err) => (req.writableEnded ? undefined : reject(err)))
      for (let i = 0; i < over.length; i += 8192) req.write(over.subarray(i, i + 8192))
      req.end()
    })
    expect(chunked).toBe(413)
    expect((await queue(r, 'k1')).map((e) => e.openid)).toEqual(['o-limit'])
  })

  it('takes a push cut off mid-body (the link to WeChat dropped) as no push: not malformed, no error', async () => {
    const lines: string[] = []
    const r = await start({}, lines)
    await r.addKiosk('k1')
    const body = Buffer.from(scanXml('o1', 'k1:n1'))
    const target = new URL(`${r.url}/wechat?${signedQuery(TOKEN, clock).toString()}`)
    const req = await pushBeingRead(target, body.length)
    req.on('error', () => {})
    await written(req, body.subarray(0, 20)) // the relay now holds a half-received push
    req.destroy()
    // Whatever the relay made of it, once it has: a line about it.
    await until(() => lines.some((l) => /aborted|cut off/.test(l)), 'the cut-off push handled')
    expect(r.metrics.pushCount('malformed')).toBe(0)
    const levels = lines.map((l) => (JSON.parse(l) as { level: string }).level)
    expect(levels).not.toContain('error')
    expect(lines.filter((l) => /cut off/.test(l))).toHaveLength(1)
    // The retry WeChat sends is taken as usual.
    expect((await postPush(r.url, scanXml('o1', 'k1:n1'), signedQuery(TOKEN, clock))).status).toBe(
      200,
    )
    expect(await queue(r, 'k1')).toHaveLength(1)
  })

  it('does not let a signed query be reused with another body', async () => {
    const r = await start()
    await r.addKiosk('k1')
    const q = signedQuery(TOKEN, clock)
    expect((await postPush(r.url, scanXml('o1', 'k1:a'), q)).status).toBe(200)
    // The very same try again (a retry) is fine; a forged body under the same query is not.
    expect((await postPush(r.url, scanXml('o1', 'k1:a'), q)).status).toBe(200)
    expect((await postPush(r.url, scanXml('evil', 'k1:b'), q)).status).toBe(401)
    expect((await queue(r, 'k1')).map((e) => e.openid)).toEqual(['o1'])
  })

  it('does not take the same signature in other letter cases for a new signed query', async () => {
    const r = await start()
    await r.addKiosk('k1')
    const q = signedQuery(TOKEN, clock)
    expect((await postPush(r.url, scanXml('o1', 'k1:a'), q)).status).toBe(200)
    const signature = q.get('signature') ?? ''
    // The check accepts the hex in either case; each case must still be the one claim.
    const upper = new URLSearchParams(q)
    upper.set('signature', signature.toUpperCase())
    const oneLetter = new URLSearchParams(q)
    const i = signature.search(/[a-f]/)
    oneLetter.set(
      'signature',
      signature.slice(0, i) + signature[i]?.toUpperCase() + signature.slice(i + 1),
    )
    expect(upper.get('signature')).not.toBe(signature)
    expect((await postPush(r.url, scanXml('evil', 'k1:b'), upper)).status).toBe(401)
    expect((await postPush(r.url, scanXml('evil2', 'k1:c'), oneLetter)).status).toBe(401)
    // The genuine retry, in whatever case, is still the same try.
    expect((await postPush(r.url, scanXml('o1', 'k1:a'), upper)).status).toBe(200)
    expect((await queue(r, 'k1')).map((e) => e.openid)).toEqual(['o1'])
  })

  it('does not take a signed query with its timestamp and nonce swapped for a new one', async () => {
    const r = await start()
    await r.addKiosk('k1')
    // The signature is over the sorted values, so swapping two of them keeps it valid; a nonce
    // that is itself a fresh timestamp keeps the swapped query fresh.
    const timestamp = String(Math.floor(clock / 1000))
    const nonce = String(Math.floor(clock / 1000) + 1)
    const signature = sha1Sorted([TOKEN, timestamp, nonce])
    const q = new URLSearchParams({ signature, timestamp, nonce })
    expect((await postPush(r.url, scanXml('o1', 'k1:a'), q)).status).toBe(200)
    const swapped = new URLSearchParams({ signature, timestamp: nonce, nonce: timestamp })
    expect((await postPush(r.url, scanXml('evil', 'k1:b'), swapped)).status).toBe(401)
    // The genuine try, resent with its values swapped, is still that try.
    expect((await postPush(r.url, scanXml('o1', 'k1:a'), swapped)).status).toBe(200)
    expect((await queue(r, 'k1')).map((e) => e.openid)).toEqual(['o1'])
  })

  it('keeps a claim for as long as its query stays fresh, to the last millisecond', async () => {
    const r = await start()
    await r.addKiosk('k1')
    const windowMs = 300_000
    clock = Math.floor(clock / 1000) * 1000
    // Signed a whole window ahead (WeChat's clock fast): fresh from now until two windows on.
    const q = signedQuery(TOKEN, clock + windowMs)
    expect((await postPush(r.url, scanXml('o1', 'k1:a'), q)).status).toBe(200)
    clock += 2 * windowMs
    expect((await postPush(r.url, scanXml('evil', 'k1:b'), q)).status).toBe(401)
    clock += 1
    expect(await postPush(r.url, scanXml('evil', 'k1:b'), q)).toEqual({
      status: 401,
      body: 'stale timestamp',
    })
    expect((await queue(r, 'k1')).map((e) => e.openid)).toEqual(['o1'])
  })

  it('refuses another body under a seen signed query after a restart too', async () => {
    const data = tempDir()
    const first = await start({ data })
    await first.addKiosk('k1')
    const q = signedQuery(TOKEN, clock)
    expect((await postPush(first.url, scanXml('o1', 'k1:a'), q)).status).toBe(200)
    await first.close()
    const again = await start({ data })
    expect((await postPush(again.url, scanXml('evil', 'k1:b'), q)).status).toBe(401)
    expect((await postPush(again.url, scanXml('o1', 'k1:a'), q)).status).toBe(200)
    expect((await queue(again, 'k1')).map((e) => e.openid)).toEqual(['o1'])
    await again.close()
    relay = null
    rmSync(data, { recursive: true, force: true })
  })

  it('stores a retried push once, including retries that race, and answers each 200', async () => {
    const r = await start()
    await r.addKiosk('k1')
    const xml = scanXml('visitor', 'k1:n1', 1_700_000_123)
    const first = await postPush(r.url, xml, signedQuery(TOKEN, clock))
    expect(first).toEqual({ status: 200, body: 'success' })
    const racing = await Promise.all(
      Array.from({ length: 6 }, () => postPush(r.url, xml, signedQuery(TOKEN, clock))),
    )
    expect(racing.map((x) => x.status)).toEqual([200, 200, 200, 200, 200, 200])
    // A second visitor in the same second is a different event.
    await postPush(r.url, scanXml('visitor-2', 'k1:n1', 1_700_000_123), signedQuery(TOKEN, clock))
    const events = await queue(r, 'k1')
    expect(events.map((e) => [e.seq, e.openid])).toEqual([
      [1, 'visitor'],
      [2, 'visitor-2'],
    ])
    expect(r.metrics.pushCount('stored')).toBe(2)
    expect(r.metrics.pushCount('duplicate')).toBe(6)
  })

  it('routes subscribe scenes without the qrscene_ prefix and keeps unknown kiosks unrouted', async () => {
    const r = await start()
    await r.addKiosk('k1')
    const sub = eventXml({
      openid: 'new',
      createTime: 10,
      event: 'subscribe',
      eventKey: 'qrscene_k1:abc',
      ticket: 'T1',
    })
    expect((await postPush(r.url, sub, signedQuery(TOKEN, clock))).status).toBe(200)
    expect(await queue(r, 'k1')).toMatchObject([
      { seq: 1, event: 'subscribe', openid: 'new', scene: 'k1:abc', ticket: 'T1', createTime: 10 },
    ])
    expect((await queue(r, 'k1'))[0]?.receivedAt).toBe(clock)

    const unknown = await postPush(r.url, scanXml('o', 'ghost:n'), signedQuery(TOKEN, clock))
    expect(unknown).toEqual({ status: 200, body: 'success' })
    const foreign = await postPush(r.url, scanXml('o', 'campaign42'), signedQuery(TOKEN, clock))
    expect(foreign.status).toBe(200)
    expect(await r.store.countUnrouted()).toBe(2)
    expect(r.metrics.pushCount('unrouted')).toBe(2)
  })

  it('routes integer scenes by registered ranges', async () => {
    const r = await start()
    await r.addKiosk('k1', { sceneRanges: [{ lo: 500, hi: 599 }] })
    await postPush(r.url, scanXml('o', '512'), signedQuery(TOKEN, clock))
    await postPush(r.url, scanXml('o', '600'), signedQuery(TOKEN, clock))
    expect((await queue(r, 'k1')).map((e) => e.scene)).toEqual(['512'])
    expect(await r.store.countUnrouted()).toBe(1)
  })

  it('routes every integer scene of a kiosk whose own ranges overlap or repeat', async () => {
    const r = await start()
    // As `kiosk add k1 --scenes 1-100,50-60,7` gives them: 70 and 7 are k1's all the same.
    await r.addKiosk('k1', {
      sceneRanges: [
        { lo: 1, hi: 100 },
        { lo: 50, hi: 60 },
        { lo: 7, hi: 7 },
        { lo: 7, hi: 7 },
      ],
    })
    for (const scene of ['70', '7', '55', '100']) {
      expect((await postPush(r.url, scanXml('o', scene), signedQuery(TOKEN, clock))).status).toBe(
        200,
      )
    }
    expect((await queue(r, 'k1')).map((e) => e.scene)).toEqual(['70', '7', '55', '100'])
    expect(await r.store.countUnrouted()).toBe(0)
  })

  it('answers plain follows and unfollows with success and forwards nothing', async () => {
    const r = await start({ reply: { subscribe: 'hello' } })
    await r.addKiosk('k1')
    const follow = eventXml({ openid: 'o', createTime: 1, event: 'subscribe' })
    expect(await postPush(r.url, follow, signedQuery(TOKEN, clock))).toEqual({
      status: 200,
      body: 'success',
    })
    const unfollow = eventXml({ openid: 'o', createTime: 2, event: 'unsubscribe' })
    expect((await postPush(r.url, unfollow, signedQuery(TOKEN, clock))).body).toBe('success')
    expect(await queue(r, 'k1')).toEqual([])
    expect(await r.store.countUnrouted()).toBe(0)
    expect(r.metrics.pushCount('ignored')).toBe(2)
  })

  it('sends the configured passive reply per event kind', async () => {
    const r = await start({ reply: { subscribe: '欢迎关注', scan: 'welcome back' } })
    await r.addKiosk('k1')
    const sub = eventXml({
      openid: 'v1',
      createTime: 5,
      event: 'subscribe',
      eventKey: 'qrscene_k1:x',
      ticket: 'T',
    })
    const res = await postPush(r.url, sub, signedQuery(TOKEN, clock))
    expect(res.status).toBe(200)
    expect(parseTextReply(res.body)).toEqual({
      toUser: 'v1',
      fromUser: ACCOUNT,
      content: '欢迎关注',
      createTime: Math.floor(clock / 1000),
    })
    const scan = await postPush(r.url, scanXml('v1', 'k1:y'), signedQuery(TOKEN, clock))
    expect(parseTextReply(scan.body).content).toBe('welcome back')
  })

  it('answers an authentic push it cannot route with success and keeps it as unrouted', async () => {
    const lines: string[] = []
    const r = await start({}, lines)
    await r.addKiosk('k1')
    const noTicket = eventXml({
      openid: 'o-secret',
      createTime: 7,
      event: 'SCAN',
      eventKey: 'k1:a',
    })
    const bareScene = eventXml({
      openid: 'o2',
      createTime: 8,
      event: 'subscribe',
      eventKey: 'qrscene_',
      ticket: 'T',
    })
    const badTime = scanXml('o3', 'k1:b').replace('<CreateTime>1700000000', '<CreateTime>soon')
    for (const xml of [noTicket, bareScene, badTime, noTicket]) {
      expect(await postPush(r.url, xml, signedQuery(TOKEN, clock))).toEqual({
        status: 200,
        body: 'success',
      })
    }
    expect(await queue(r, 'k1')).toEqual([])
    // WeChat's retry of the first one is not kept twice.
    expect(await r.store.countUnrouted()).toBe(3)
    const metrics = await (await fetch(`${r.url}/metrics`)).text()
    expect(metrics).toContain('scandesk_relay_unrouted_total{reason="missing-field"} 1')
    expect(metrics).toContain('scandesk_relay_unrouted_total{reason="bad-field"} 2')
    const kept = lines.filter((l) => l.includes('push kept as unrouted'))
    // One line for each field at fault; the retry of the first, within the minute, has none.
    expect(kept).toHaveLength(3)
    expect(kept[0]).toContain('Ticket')
    expect(lines.join('')).not.toContain('o-secret')

    // Unauthenticated or not a push at all: still refused.
    expect((await postPush(r.url, noTicket, signedQuery('not-the-token', clock))).status).toBe(401)
    expect((await postPush(r.url, 'no xml here', signedQuery(TOKEN, clock))).status).toBe(400)
    expect(await r.store.countUnrouted()).toBe(3)
  })

  it('answers 503, never 200, when the store fails', async () => {
    const r = await start()
    await r.addKiosk('k1')
    await r.store.close()
    const res = await postPush(r.url, scanXml('o', 'k1:n'), signedQuery(TOKEN, clock))
    expect(res.status).toBe(503)
    expect(r.metrics.pushCount('store_error')).toBe(1)
  })
})

describe('the passive reply', () => {
  const pipeline = createPushPipeline({
    config: parseRelayConfig({ port: 0, data: '.', wechat: { token: TOKEN } }),
    now: Date.now,
  })
  const scan = {
    kind: 'scan',
    toUser: ACCOUNT,
    openid: 'o_visitor1',
    createTime: 1,
    scene: 'k1:s1',
    ticket: 't',
  } as const
  const q = Object.fromEntries(signedQuery(TOKEN, Date.now()))
  const via: Via = { token: 'current', key: null }

  it('is the campaign text, in XML', () => {
    const a = pipeline.replyFor(scan, q, 'scan', { subscribe: '', scan: '签到成功]]>！' }, via)
    expect(a.status).toBe(200)
    expect(parseTextReply(a.body)).toMatchObject({ content: '签到成功]]>！', toUser: 'o_visitor1' })
  })

  it('is left out, not refused, when XML cannot carry it: the push is already stored', () => {
    for (const [reply, openid] of [
      [{ subscribe: '', scan: '签到\u000b成功' }, 'o_visitor1'],
      [{ subscribe: '', scan: 'ok \ud83d' }, 'o_visitor1'],
      [{ subscribe: '', scan: '欢迎' }, 'o\u0001forged'],
    ] as const) {
      const a = pipeline.replyFor({ ...scan, openid }, q, 'scan', reply, via)
      expect(a).toEqual({ status: 200, body: 'success' })
    }
  })

  it('must be told the Token and key the push came with: left out, it does not compile', () => {
    // Defaulting to the current ones sealed an old-key push's reply so WeChat could not open it.
    // @ts-expect-error `via` is required
    const a = pipeline.replyFor(scan, q, 'scan', undefined)
    expect(a).toEqual(pipeline.replyFor(scan, q, 'scan', undefined, via))
  })
})

describe('graceful shutdown', () => {
  it('answers (and stores) a push already in flight, then accepts nothing new', async () => {
    const data = tempDir()
    const r = await start({ data })
    await r.addKiosk('k1')
    const body = Buffer.from(scanXml('late-visitor', 'k1:z'))
    const target = new URL(`${r.url}/wechat?${signedQuery(TOKEN, clock).toString()}`)
    const req = await pushBeingRead(target, body.length)
    const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let text = ''
        res.on('data', (d: Buffer) => (text += d.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
      })
      req.on('error', reject)
    })
    await written(req, body.subarray(0, 20)) // the relay now holds a half-received push
    const closing = r.close()
    req.end(body.subarray(20))
    expect(await answered).toEqual({ status: 200, body: 'success' })
    await closing
    await expect(fetch(`${r.url}/healthz`)).rejects.toThrow()
    const store = openSqliteStore({ data })
    expect((await store.readEvents('k1', 0, 10)).map((e) => e.openid)).toEqual(['late-visitor'])
    await store.close()
    rmSync(data, { recursive: true, force: true })
  })
})

describe('GET /wechat URL check in safe mode', () => {
  const s = vectors.safe_mode
  const cipher = new WechatCipher({ encodingAESKey: s.encodingAESKey, appId: s.appid })
  const safe = {
    wechat: {
      mode: 'safe' as const,
      token: s.token,
      encodingAESKey: s.encodingAESKey,
      appId: s.appid,
    },
  }

  function signedFor(encrypt: string, nowMs: number): URLSearchParams {
    const q = signedQuery(s.token, nowMs)
    q.set('encrypt_type', 'aes')
    q.set(
      'msg_signature',
      sha1Sorted([s.token, q.get('timestamp') ?? '', q.get('nonce') ?? '', encrypt]),
    )
    return q
  }

  it('answers the official encrypted check with its decryption, at its time and years later', async () => {
    const r = await start(safe)
    const u = s.url_check
    for (const at of [Number(u.timestamp) * 1000, Date.now()]) {
      clock = at
      const q = new URLSearchParams({
        msg_signature: u.msg_signature,
        timestamp: u.timestamp,
        nonce: u.nonce,
        echostr: u.echostr_encrypted,
      })
      const res = await fetch(`${r.url}/wechat?${q.toString()}`)
      expect(res.status).toBe(200)
      expect(await res.text()).toBe(u.echostr_plaintext)
    }
  })

  it('decrypts no captured push or reply: a signed push query with its Encrypt as echostr is refused', async () => {
    const r = await start({ ...safe, reply: { scan: '欢迎 王小明' } })
    await r.addKiosk('k1')
    // What anyone on the path (WeChat may push over plain http) sees of one push: its query and
    // its <Encrypt>. Fed back as a URL check, the relay must not answer the plaintext.
    const encrypt = cipher.encrypt(scanXml('secret-visitor', 'k1:s1'))
    const pushQuery = signedFor(encrypt, clock)
    const envelope = `<xml><ToUserName><![CDATA[${s.appid}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`
    const pushed = await postPush(r.url, envelope, pushQuery)
    expect(pushed.status).toBe(200)
    const asCheck = new URLSearchParams(pushQuery)
    asCheck.set('echostr', encrypt)
    const check = await fetch(`${r.url}/wechat?${asCheck.toString()}`)
    const checkBody = await check.text()
    expect(checkBody).not.toContain('secret-visitor')
    expect(check.status).toBe(400)
    // …nor the relay's encrypted passive reply to it (its own timestamp, nonce and signature).
    const field = (name: string) =>
      new RegExp(`<${name}>(?:<!\\[CDATA\\[)?([^<\\]]*)`).exec(pushed.body)?.[1] ?? ''
    expect(
      parseTextReply(openEncryptedReply(pushed.body, { cipher, token: s.token })),
    ).toMatchObject({
      content: '欢迎 王小明',
    })
    const replyCheck = new URLSearchParams({
      msg_signature: field('MsgSignature'),
      timestamp: field('TimeStamp'),
      nonce: field('Nonce'),
      echostr: field('Encrypt'),
    })
    const reply = await fetch(`${r.url}/wechat?${replyCheck.toString()}`)
    const replyBody = await reply.text()
    expect(replyBody).not.toContain('王小明')
    expect(replyBody).not.toContain('secret-visitor')
    expect(reply.status).toBe(400)
    // A genuine check signed the same way still answers.
    const echo = cipher.encrypt('5927264910389310245')
    const genuine = signedFor(echo, clock)
    genuine.set('echostr', echo)
    const ok = await fetch(`${r.url}/wechat?${genuine.toString()}`)
    expect(ok.status).toBe(200)
    expect(await ok.text()).toBe('5927264910389310245')
  })
})

describe('POST /wechat in safe mode', () => {
  const cipher = new WechatCipher({ encodingAESKey: AES_KEY, appId: APP_ID })

  function safeQuery(encrypt: string, nowMs: number): URLSearchParams {
    const q = signedQuery(TOKEN, nowMs)
    const ts = q.get('timestamp') ?? ''
    const nonce = q.get('nonce') ?? ''
    q.set('encrypt_type', 'aes')
    q.set('msg_signature', sha1Sorted([TOKEN, ts, nonce, encrypt]))
    return q
  }
  const envelope = (encrypt: string) =>
    `<xml><ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`

  it('decrypts, stores and answers an encrypted, signed reply', async () => {
    const r = await start({
      wechat: { mode: 'safe', encodingAESKey: AES_KEY, appId: APP_ID },
      reply: { scan: 'hi again' },
    })
    await r.addKiosk('k1')
    const encrypt = cipher.encrypt(scanXml('secret-visitor', 'k1:s1'))
    const res = await postPush(r.url, envelope(encrypt), safeQuery(encrypt, clock))
    expect(res.status).toBe(200)
    const inner = openEncryptedReply(res.body, { cipher, token: TOKEN })
    expect(parseTextReply(inner)).toMatchObject({ toUser: 'secret-visitor', content: 'hi again' })
    expect((await queue(r, 'k1')).map((e) => e.openid)).toEqual(['secret-visitor'])
  })

  it('refuses a bad msg_signature, a plaintext push and a foreign appid', async () => {
    const r = await start({ wechat: { mode: 'safe', encodingAESKey: AES_KEY, appId: APP_ID } })
    await r.addKiosk('k1')
    const encrypt = cipher.encrypt(scanXml('o', 'k1:s1'))
    const q = safeQuery(encrypt, clock)
    q.set('msg_signature', sha1Sorted([TOKEN, 'x', 'y', encrypt]))
    expect((await postPush(r.url, envelope(encrypt), q)).status).toBe(401)
    // Plain-signed plaintext is not enough in safe mode.
    expect((await postPush(r.url, scanXml('o', 'k1:s2'), signedQuery(TOKEN, clock))).status).toBe(
      401,
    )
    const other = new WechatCipher({ encodingAESKey: AES_KEY, appId: 'wxotherapp' })
    const foreign = other.encrypt(scanXml('o', 'k1:s3'))
    expect((await postPush(r.url, envelope(foreign), safeQuery(foreign, clock))).status).toBe(400)
    expect(await queue(r, 'k1')).toEqual([])
  })

  it('does not let an encrypted push’s signed query carry another body', async () => {
    const r = await start({ wechat: { mode: 'safe', encodingAESKey: AES_KEY, appId: APP_ID } })
    await r.addKiosk('k1')
    const encrypt = cipher.encrypt(scanXml('o', 'k1:s1'))
    const q = safeQuery(encrypt, clock)
    expect((await postPush(r.url, envelope(encrypt), q)).status).toBe(200)
    expect((await postPush(r.url, envelope(encrypt), q)).status).toBe(200)
    const other = envelope(encrypt).replace(ACCOUNT, 'gh_other')
    expect((await postPush(r.url, other, q)).status).toBe(401)
    const upper = new URLSearchParams(q)
    upper.set('msg_signature', (q.get('msg_signature') ?? '').toUpperCase())
    expect((await postPush(r.url, other, upper)).status).toBe(401)
  })

  it('refuses a push without a valid signature before reading its XML', async () => {
    const r = await start({ wechat: { mode: 'safe', encodingAESKey: AES_KEY, appId: APP_ID } })
    await r.addKiosk('k1')
    // WeChat adds encrypt_type and msg_signature beside `signature`: without it, or stale, the
    // body is nobody's, and parsing 64 KiB of crafted XML costs the relay milliseconds a try.
    const crafted = '<xml>' + '<?pi?>'.repeat(10_000) + '<Encrypt>x</Encrypt>'
    const unsigned = new URLSearchParams({ timestamp: '1', nonce: '2', encrypt_type: 'aes' })
    unsigned.set('msg_signature', sha1Sorted([TOKEN, '1', '2', 'x']))
    expect(await postPush(r.url, crafted, unsigned)).toEqual({
      status: 401,
      body: 'signature required',
    })
    const stale = safeQuery('x', clock - 3_600_000)
    expect(await postPush(r.url, crafted, stale)).toEqual({ status: 401, body: 'stale timestamp' })
    const wrong = safeQuery('x', clock)
    wrong.set('signature', sha1Sorted(['not-the-token', wrong.get('timestamp') ?? '', '1']))
    expect((await postPush(r.url, '<xml><Encrypt>', wrong)).status).toBe(401)
    // The same push WeChat sends, `signature` and all, is taken.
    const encrypt = cipher.encrypt(scanXml('o', 'k1:s9'))
    expect((await postPush(r.url, envelope(encrypt), safeQuery(encrypt, clock))).status).toBe(200)
    const noPlain = safeQuery(encrypt, clock)
    noPlain.delete('signature')
    expect((await postPush(r.url, envelope(encrypt), noPlain)).status).toBe(401)
    expect(r.metrics.pushCount('malformed')).toBe(0)
  })

  it('in compat mode refuses a plaintext push, as WeChat always encrypts there', async () => {
    const r = await start({ wechat: { mode: 'compat', encodingAESKey: AES_KEY, appId: APP_ID } })
    await r.addKiosk('k1')
    const res = await postPush(r.url, scanXml('o', 'k1:p1'), signedQuery(TOKEN, clock))
    expect(res.status).toBe(401)
    expect(await queue(r, 'k1')).toEqual([])
  })

  it('keeps an incomplete encrypted push, and refuses one that does not decrypt', async () => {
    const r = await start({ wechat: { mode: 'safe', encodingAESKey: AES_KEY, appId: APP_ID } })
    await r.addKiosk('k1')
    const encrypt = cipher.encrypt(eventXml({ openid: 'o', createTime: 3, event: 'SCAN' }))
    const res = await postPush(r.url, envelope(encrypt), safeQuery(encrypt, clock))
    expect(res).toEqual({ status: 200, body: 'success' })
    expect(await r.store.countUnrouted()).toBe(1)
    const garbled = encrypt.slice(0, -8) + 'AAAAAAA='
    expect((await postPush(r.url, envelope(garbled), safeQuery(garbled, clock))).status).toBe(400)
    expect(await r.store.countUnrouted()).toBe(1)
  })

  it('says a signed push that does not decrypt is an EncodingAESKey (or AppID) mismatch, as a warning', async () => {
    // The organizer generated a new EncodingAESKey in the WeChat admin mid-event: WeChat signs
    // with the same Token, so each push passes the signature and then fails to decrypt. Logged
    // as a "malformed" push at info level, nothing told the on-call developer what to change.
    const lines: string[] = []
    const r = await start(
      { wechat: { mode: 'safe', encodingAESKey: AES_KEY, appId: APP_ID } },
      lines,
    )
    await r.addKiosk('k1')
    const renewed = new WechatCipher({ encodingAESKey: 'A'.repeat(42) + 'E', appId: APP_ID })
    const warned = () =>
      lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.level === 'warn' && String(l.msg).includes('EncodingAESKey'))
    for (let i = 0; i < 3; i++) {
      const encrypt = renewed.encrypt(scanXml(`o${i}`, `k1:r${i}`))
      const res = await postPush(r.url, envelope(encrypt), safeQuery(encrypt, clock))
      expect(res.status).toBe(400)
    }
    // Once a minute, naming the setting to change; never the key.
    expect(warned()).toHaveLength(1)
    expect(String(warned()[0]?.msg)).toContain('SCANDESK_RELAY_WECHAT_ENCODING_AES_KEY')
    expect(lines.join('\n')).not.toContain(AES_KEY)
    // Encrypted for another account: the AppID is named instead.
    const other = new WechatCipher({ encodingAESKey: AES_KEY, appId: 'wxotherapp' })
    const foreign = other.encrypt(scanXml('o', 'k1:s3'))
    expect((await postPush(r.url, envelope(foreign), safeQuery(foreign, clock))).status).toBe(400)
    const appIdLine = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.level === 'warn' && String(l.msg).includes('SCANDESK_RELAY_WECHAT_APP_ID'))
    expect(appIdLine).toHaveLength(1)
    expect(await queue(r, 'k1')).toEqual([])
  })

  it('in compat mode trusts the encrypted copy, not the plaintext fields beside it', async () => {
    const r = await start({ wechat: { mode: 'compat', encodingAESKey: AES_KEY, appId: APP_ID } })
    await r.addKiosk('k1')
    await r.addKiosk('k2')
    const encrypt = cipher.encrypt(scanXml('real', 'k1:c1'))
    // An attacker edits the unauthenticated plaintext to steer the event to k2.
    const body = scanXml('forged', 'k2:c1').replace(
      '</xml>',
      `<Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`,
    )
    expect((await postPush(r.url, body, safeQuery(encrypt, clock))).status).toBe(200)
    expect((await queue(r, 'k1')).map((e) => e.openid)).toEqual(['real'])
    expect(await queue(r, 'k2')).toEqual([])
  })
})

describe('the log of a busy or attacked /wechat', () => {
  it('writes a line per kind of push at most once a minute, saying how many went unlogged', async () => {
    // 5,000 pushes a second at a line each is ~60 GB of log a day (and journald drops lines
    // past 10,000 in 30 s, the warnings among them); anyone can post a forged push.
    const lines: string[] = []
    const r = await start({}, lines)
    await r.addKiosk('k1')
    await r.addKiosk('k2')
    const logged = (msg: string): Record<string, unknown>[] =>
      lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === msg)
    const forged = async (): Promise<void> => {
      const q = signedQuery('not-the-token', clock)
      expect((await postPush(r.url, scanXml('o1', 'k1:f'), q)).status).toBe(401)
    }
    const scan = async (openid: string, scene: string): Promise<void> => {
      const ok = await postPush(r.url, scanXml(openid, scene), signedQuery(TOKEN, clock))
      expect(ok.status).toBe(200)
    }
    for (let i = 0; i < 20; i++) {
      await forged()
      await scan(`o${i}`, `k1:n${i}`)
      await scan(`u${i}`, `gone:n${i}`)
    }
    // Each booth's first push is logged at once (docs/DEPLOY.md has a test scan grep for it).
    await scan('o-k2', 'k2:n')
    expect(logged('push refused').map((l) => [l.outcome, l.unlogged])).toEqual([
      ['bad_signature', undefined],
    ])
    expect(logged('push stored').map((l) => [l.kioskId, l.unlogged])).toEqual([
      ['k1', undefined],
      ['k2', undefined],
    ])
    expect(logged('push kept as unrouted').map((l) => [l.reason, l.unlogged])).toEqual([
      ['unknown-kiosk', undefined],
    ])
    // A minute on, the next of each kind is logged with the count in between.
    clock += 60_000
    await forged()
    await scan('o-late', 'k1:late')
    await scan('u-late', 'gone:late')
    expect(logged('push refused').map((l) => l.unlogged)).toEqual([undefined, 19])
    expect(logged('push stored').map((l) => l.unlogged)).toEqual([undefined, undefined, 19])
    expect(logged('push kept as unrouted').map((l) => l.unlogged)).toEqual([undefined, 19])
    // Nothing is lost for it: every push is stored and counted.
    expect(await queue(r, 'k1')).toHaveLength(21)
    expect(await r.store.countUnrouted()).toBe(21)
    expect([r.metrics.pushCount('bad_signature'), r.metrics.pushCount('stored')]).toEqual([21, 22])
  })
})

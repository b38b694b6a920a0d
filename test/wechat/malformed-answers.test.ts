// What the kiosk's main process reads from WeChat (cgi-bin/stable_token, cgi-bin/token,
// cgi-bin/qrcode/create) when the answer is malformed (property test, fixed seed): the client
// either returns a code it can show (a non-empty ticket, a WeChat QR url, a lifetime within the
// one asked for) or fails with its own typed error that names neither the AppSecret nor the token;
// a bad token answer is never cached; and a good answer after any bad one works.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { WechatClient } from '../../shared/wechat/client'
import { WechatApiError, WechatHttpError } from '../../shared/wechat/errors'
import { buildQrCreateBody } from '../../shared/wechat/qrcode'
import { MemoryTokenStore } from '../../shared/wechat/token-store'
import { qrUrlSchema } from '../../shared/qr-ticket'

const APP_ID = 'wx5823bf96d3bd56c7'
const APP_SECRET = 'SECRETsecret0123456789abcdefABCD'
const TOKEN = 'TOKENtoken-0123456789'
const REQUESTED = 300
const body = buildQrCreateBody({ action: 'QR_STR_SCENE', sceneStr: 'k1:abc', expireSeconds: 300 })

const goodToken = { access_token: TOKEN, expires_in: 7200 }
const goodQr = {
  ticket:
    'gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2taZ2Z3TVRtNzJXV1Brb3ZhYmJJAAIEZ23sUwMEmm3sUw==',
  expire_seconds: 300,
  url: 'http://weixin.qq.com/q/kZgfwMTm72WWPkovabbI',
}

type Answer = { status: number; text: string }

const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(
    '',
    0,
    -1,
    1.5,
    2 ** 53,
    1e308,
    null,
    [],
    {},
    'x'.repeat(5000),
    APP_SECRET,
    `invalid credential, access_token is ${TOKEN}`,
    'javascript:alert(1)',
    'http://evil.example/q/x',
  ),
)

/** A malformed (or, now and then, good) answer built from a good one. */
function answer(good: Record<string, unknown>): fc.Arbitrary<Answer> {
  const fields = Object.keys(good)
  return fc.oneof(
    fc.constant({ status: 200, text: JSON.stringify(good) }),
    fc
      .record({ field: fc.constantFrom(...fields, 'errcode', 'errmsg'), value: oddValue })
      .map(({ field, value }) => ({
        status: 200,
        text: JSON.stringify({ ...good, [field]: value }),
      })),
    fc.constantFrom(...fields).map((field) => ({
      status: 200,
      text: JSON.stringify(Object.fromEntries(Object.entries(good).filter(([k]) => k !== field))),
    })),
    fc.record({
      status: fc.constantFrom(200, 204, 301, 400, 404, 500, 502),
      text: fc.oneof(
        fc.string({ maxLength: 80 }),
        oddValue.map((v) => JSON.stringify(v) ?? ''),
        fc.constant('<html>portal login</html>'),
      ),
    }),
    fc
      .record({
        errcode: fc.oneof(
          fc.integer({ min: -1, max: 99999 }),
          fc.constantFrom(40001, 42001, 45009),
        ),
        errmsg: fc.oneof(fc.string({ maxLength: 30 }), fc.constant(`bad ${APP_SECRET} ${TOKEN}`)),
      })
      .map((e) => ({ status: 200, text: JSON.stringify(e) })),
  )
}

function client(token: Answer, qr: Answer, store: MemoryTokenStore) {
  const fetchFn: typeof fetch = (input) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    const a = url.includes('/qrcode/create') ? qr : token
    const status = a.status
    const text = status === 204 ? null : a.text
    return Promise.resolve(new Response(text, { status }))
  }
  return new WechatClient({
    appId: APP_ID,
    appSecret: APP_SECRET,
    apiBase: 'https://api.example',
    tokenStore: store,
    busyRetries: 1,
    fetch: fetchFn,
    sleep: () => Promise.resolve(),
  })
}

describe('malformed WeChat answers', () => {
  it('give a usable code or a typed error without secrets, never a cached bad token', async () => {
    let codes = 0
    let failures = 0
    await fc.assert(
      fc.asyncProperty(answer(goodToken), answer(goodQr), async (token, qr) => {
        const store = new MemoryTokenStore()
        try {
          const code = await client(token, qr, store).createQrCode(body)
          codes++
          expect(code.ticket.length).toBeGreaterThan(0)
          expect(qrUrlSchema.safeParse(code.url).success).toBe(true)
          expect(Number.isInteger(code.expireSeconds)).toBe(true)
          expect(code.expireSeconds).toBeGreaterThan(0)
          expect(code.expireSeconds).toBeLessThanOrEqual(REQUESTED)
        } catch (err) {
          failures++
          expect(err instanceof WechatHttpError || err instanceof WechatApiError, String(err)).toBe(
            true,
          )
          const said = `${(err as Error).message} ${JSON.stringify(err)}`
          expect(said).not.toContain(APP_SECRET)
          // The token is a credential once issued: a qrcode/create error must not echo it.
          if ((await store.get())?.token === TOKEN) expect(said).not.toContain(TOKEN)
        }
        // Only a token from a well-formed answer is kept, for no longer than it said.
        const kept = await store.get()
        if (kept !== null) {
          const parsed = JSON.parse(token.text) as { access_token: string; expires_in: number }
          expect(kept.token).toBe(parsed.access_token)
          expect(Number.isFinite(kept.expiresAt)).toBe(true)
        }
        // And the next good answers work, whatever came before.
        const good: Answer = { status: 200, text: JSON.stringify(goodQr) }
        const after = await client({ status: 200, text: JSON.stringify(goodToken) }, good, store)
          .createQrCode(body)
          .catch((err: unknown) => err)
        if (kept === null || kept.token === TOKEN) expect(after).toMatchObject({ url: goodQr.url })
      }),
      { seed: 194, numRuns: 400 },
    )
    expect(codes).toBeGreaterThan(10)
    expect(failures).toBeGreaterThan(200)
  })
})

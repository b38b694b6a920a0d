import { describe, expect, it } from 'vitest'
import { WechatRequestError } from '../../shared/wechat/errors'
import {
  buildQrCreateBody,
  qrCreateResponseSchema,
  showQrCodeUrl,
  type QrCreateInput,
} from '../../shared/wechat/qrcode'

function refusal(input: unknown): { field: string; rule: string } {
  try {
    buildQrCreateBody(input as QrCreateInput)
  } catch (err) {
    if (err instanceof WechatRequestError) return { field: err.field, rule: err.rule }
    throw err
  }
  throw new Error('expected a WechatRequestError')
}

describe('buildQrCreateBody', () => {
  it('builds the documented QR_STR_SCENE body', () => {
    const body = buildQrCreateBody({
      action: 'QR_STR_SCENE',
      sceneStr: 'test',
      expireSeconds: 604800,
    })
    // Same JSON as the example in docs/WECHAT.md "Creating a QR code ticket".
    expect(JSON.parse(JSON.stringify(body))).toEqual(
      JSON.parse(
        '{"expire_seconds": 604800, "action_name": "QR_STR_SCENE", "action_info": {"scene": {"scene_str": "test"}}}',
      ),
    )
  })

  it('builds the other three actions', () => {
    expect(buildQrCreateBody({ action: 'QR_SCENE', sceneId: 123, expireSeconds: 60 })).toEqual({
      expire_seconds: 60,
      action_name: 'QR_SCENE',
      action_info: { scene: { scene_id: 123 } },
    })
    expect(buildQrCreateBody({ action: 'QR_LIMIT_SCENE', sceneId: 100000 })).toEqual({
      action_name: 'QR_LIMIT_SCENE',
      action_info: { scene: { scene_id: 100000 } },
    })
    const limitStr = buildQrCreateBody({ action: 'QR_LIMIT_STR_SCENE', sceneStr: 'k' })
    expect(limitStr).toEqual({
      action_name: 'QR_LIMIT_STR_SCENE',
      action_info: { scene: { scene_str: 'k' } },
    })
    // Permanent codes never carry expire_seconds, not even as undefined.
    expect('expire_seconds' in limitStr).toBe(false)
  })

  it('keeps scene strings exact', () => {
    for (const sceneStr of ['007', 'qrscene_x', '签到', 'k'.repeat(64), '😀'.repeat(64)]) {
      const body = buildQrCreateBody({ action: 'QR_STR_SCENE', sceneStr, expireSeconds: 60 })
      expect(body.action_info.scene).toEqual({ scene_str: sceneStr })
    }
  })

  it('accepts the boundaries', () => {
    expect(() =>
      buildQrCreateBody({ action: 'QR_SCENE', sceneId: 4294967295, expireSeconds: 2592000 }),
    ).not.toThrow()
    expect(() => buildQrCreateBody({ action: 'QR_LIMIT_SCENE', sceneId: 1 })).not.toThrow()
  })

  it.each([
    [
      'temporary without expiry',
      { action: 'QR_STR_SCENE', sceneStr: 'a' },
      'expire_seconds',
      'required',
    ],
    [
      'expiry over 30 days',
      { action: 'QR_SCENE', sceneId: 1, expireSeconds: 2592001 },
      'expire_seconds',
      'at most 2592000',
    ],
    [
      'zero expiry',
      { action: 'QR_SCENE', sceneId: 1, expireSeconds: 0 },
      'expire_seconds',
      'positive',
    ],
    [
      'fractional expiry',
      { action: 'QR_SCENE', sceneId: 1, expireSeconds: 1.5 },
      'expire_seconds',
      'positive',
    ],
    [
      'expiry as string',
      { action: 'QR_SCENE', sceneId: 1, expireSeconds: '60' },
      'expire_seconds',
      'positive',
    ],
    [
      'permanent with expiry',
      { action: 'QR_LIMIT_STR_SCENE', sceneStr: 'a', expireSeconds: 60 },
      'expire_seconds',
      'permanent',
    ],
    [
      'permanent id with expiry',
      { action: 'QR_LIMIT_SCENE', sceneId: 1, expireSeconds: 60 },
      'expire_seconds',
      'permanent',
    ],
    [
      'empty scene_str',
      { action: 'QR_STR_SCENE', sceneStr: '', expireSeconds: 60 },
      'scene_str',
      '1-64',
    ],
    [
      '65 characters',
      { action: 'QR_LIMIT_STR_SCENE', sceneStr: 'k'.repeat(65) },
      'scene_str',
      '1-64',
    ],
    [
      'lone surrogate',
      { action: 'QR_LIMIT_STR_SCENE', sceneStr: 'a\ud800' },
      'scene_str',
      'Unicode',
    ],
    ['number as scene_str', { action: 'QR_LIMIT_STR_SCENE', sceneStr: 7 }, 'scene_str', 'string'],
    [
      'scene_id zero',
      { action: 'QR_SCENE', sceneId: 0, expireSeconds: 60 },
      'scene_id',
      'non-zero',
    ],
    [
      'scene_id over 32 bits',
      { action: 'QR_SCENE', sceneId: 4294967296, expireSeconds: 60 },
      'scene_id',
      '32-bit',
    ],
    [
      'scene_id fractional',
      { action: 'QR_SCENE', sceneId: 1.5, expireSeconds: 60 },
      'scene_id',
      'integer',
    ],
    [
      'scene_id as string',
      { action: 'QR_SCENE', sceneId: '12', expireSeconds: 60 },
      'scene_id',
      'integer',
    ],
    [
      'permanent id over 100000',
      { action: 'QR_LIMIT_SCENE', sceneId: 100001 },
      'scene_id',
      '1-100000',
    ],
    ['permanent id zero', { action: 'QR_LIMIT_SCENE', sceneId: 0 }, 'scene_id', '1-100000'],
    ['unknown action', { action: 'QR_FOREVER', sceneId: 1 }, 'action_name', 'one of'],
    [
      'scene_id on a string action',
      { action: 'QR_STR_SCENE', sceneStr: 'a', sceneId: 1, expireSeconds: 60 },
      'scene_id',
      'not used',
    ],
    [
      'scene_str on an id action',
      { action: 'QR_LIMIT_SCENE', sceneId: 1, sceneStr: 'a' },
      'scene_str',
      'not used',
    ],
  ])('refuses %s, naming field and rule', (_name, input, field, rule) => {
    const err = refusal(input)
    expect(err.field).toBe(field)
    expect(err.rule).toContain(rule)
  })
})

describe('qrCreateResponseSchema', () => {
  it('accepts the documented success body', () => {
    const body = JSON.parse(
      '{"ticket":"gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2taZ2Z3TVRtNzJXV1Brb3ZhYmJJAAIEZ23sUwMEmm3sUw==","expire_seconds":60,"url":"http://weixin.qq.com/q/kZgfwMTm72WWPkovabbI"}',
    ) as unknown
    expect(qrCreateResponseSchema.parse(body).url).toBe(
      'http://weixin.qq.com/q/kZgfwMTm72WWPkovabbI',
    )
  })

  it('refuses an error body', () => {
    expect(
      qrCreateResponseSchema.safeParse({ errcode: 40013, errmsg: 'invalid appid' }).success,
    ).toBe(false)
  })
})

describe('showQrCodeUrl', () => {
  const ticket =
    'gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2taZ2Z3TVRtNzJXV1Brb3ZhYmJJAAIEZ23sUwMEmm3sUw=='

  it('encodes the ticket exactly once', () => {
    const url = new URL(showQrCodeUrl(ticket))
    expect(url.origin + url.pathname).toBe('https://mp.weixin.qq.com/cgi-bin/showqrcode')
    expect(url.searchParams.get('ticket')).toBe(ticket) // one decode gives the ticket back
    expect(url.search).toContain('%3D%3D')
    expect(url.search).not.toContain('%253D')
  })

  it('encodes +, / and % in a ticket', () => {
    const odd = 'a+b/c%d=='
    expect(new URL(showQrCodeUrl(odd)).searchParams.get('ticket')).toBe(odd)
  })

  it('uses the given base without a double slash', () => {
    expect(showQrCodeUrl('t', 'http://127.0.0.1:8788/')).toBe(
      'http://127.0.0.1:8788/cgi-bin/showqrcode?ticket=t',
    )
  })

  it('refuses an empty ticket', () => {
    expect(() => showQrCodeUrl('')).toThrow(WechatRequestError)
  })
})

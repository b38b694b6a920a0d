// Pushes in plain, compat and safe mode, checked with shared/wechat (signatures, decryption,
// push parsing) and against WeChat's official vectors.
import { afterEach, describe, expect, it } from 'vitest'
import { WechatCipher } from '../../shared/wechat/crypto'
import { parseEnvelope, parsePushXml } from '../../shared/wechat/push'
import { msgSignature, plainSignature } from '../../shared/wechat/signature'
import { sealPush } from '../../sandbox/push-sender'
import type { PushMode } from '../../sandbox/options'
import {
  basicToken,
  closeAll,
  createQr,
  postJson,
  receiver,
  sandbox,
  tempCode,
  type ReceivedPush,
} from './helpers'
import { vectors } from '../wechat/vectors'

afterEach(closeAll)

function checkPlainSignature(push: ReceivedPush, token: string): void {
  const q = push.query
  expect(q.get('signature')).toBe(
    plainSignature(token, q.get('timestamp') ?? '', q.get('nonce') ?? ''),
  )
  expect(q.get('nonce')).toMatch(/^[0-9]+$/)
  expect(q.get('timestamp')).toMatch(/^[0-9]{10}$/)
}

/** Verifies msg_signature and decrypts the push's <Encrypt> with shared/wechat. */
function openEncrypted(push: ReceivedPush, token: string, cipher: WechatCipher): string {
  const q = push.query
  expect(q.get('encrypt_type')).toBe('aes')
  const { encrypt } = parseEnvelope(push.body)
  if (encrypt === undefined) throw new Error('no <Encrypt> in the push')
  expect(q.get('msg_signature')).toBe(
    msgSignature(token, q.get('timestamp') ?? '', q.get('nonce') ?? '', encrypt),
  )
  return cipher.decrypt(encrypt)
}

async function scanTwice(mode: PushMode) {
  const r = await receiver(() => ({ body: 'success' }))
  const sb = await sandbox({ mode, pushUrl: r.url })
  const code = await tempCode(sb, 'kiosk-7:n0nce')
  const first = await sb.scan(code.url, 'oVisitor_1')
  const second = await sb.scan(code.url, 'oVisitor_1')
  expect(first.event).toBe('subscribe')
  expect(second.event).toBe('SCAN')
  expect(r.received).toHaveLength(2)
  const cipher = new WechatCipher({
    encodingAESKey: sb.options.encodingAESKey,
    appId: sb.options.appId,
  })
  return { sb, code, first, second, pushes: r.received, cipher }
}

describe('push modes', () => {
  it('plain: signed query, subscribe with qrscene_ then SCAN with the bare scene', async () => {
    const { sb, code, first, pushes } = await scanTwice('plain')
    const [sub, scan] = pushes as [ReceivedPush, ReceivedPush]
    for (const p of pushes) {
      checkPlainSignature(p, sb.options.token)
      expect(p.query.has('encrypt_type')).toBe(false)
      expect(p.query.has('msg_signature')).toBe(false)
      expect(p.query.get('openid')).toBe('oVisitor_1')
    }
    expect(sub.body).toContain('<EventKey><![CDATA[qrscene_kiosk-7:n0nce]]></EventKey>')
    expect(scan.body).toContain('<EventKey><![CDATA[kiosk-7:n0nce]]></EventKey>')
    expect(parsePushXml(sub.body)).toEqual({
      kind: 'subscribe-scene',
      toUser: sb.options.originalId,
      openid: 'oVisitor_1',
      createTime: first.createTime,
      scene: 'kiosk-7:n0nce',
      ticket: code.ticket,
    })
    expect(parsePushXml(scan.body)).toMatchObject({ kind: 'scan', scene: 'kiosk-7:n0nce' })
  })

  it('compat: plaintext fields and an <Encrypt> that decrypts to the same event', async () => {
    const { sb, pushes, cipher } = await scanTwice('compat')
    for (const p of pushes) {
      checkPlainSignature(p, sb.options.token)
      const inner = openEncrypted(p, sb.options.token, cipher)
      expect(parsePushXml(inner)).toEqual(parsePushXml(p.body))
    }
    expect(parsePushXml((pushes[0] as ReceivedPush).body).kind).toBe('subscribe-scene')
  })

  it('safe: only ToUserName and <Encrypt> in the clear', async () => {
    const { sb, code, pushes, cipher } = await scanTwice('safe')
    for (const p of pushes) {
      checkPlainSignature(p, sb.options.token)
      expect(p.body).not.toContain('FromUserName')
      expect(p.body).not.toContain('kiosk-7')
      expect(parseEnvelope(p.body).toUserName).toBe(sb.options.originalId)
    }
    const [sub, scan] = pushes.map((p) => parsePushXml(openEncrypted(p, sb.options.token, cipher)))
    expect(sub).toMatchObject({
      kind: 'subscribe-scene',
      scene: 'kiosk-7:n0nce',
      ticket: code.ticket,
    })
    expect(scan).toMatchObject({ kind: 'scan', scene: 'kiosk-7:n0nce', openid: 'oVisitor_1' })
  })

  it('integer scenes arrive as their decimal value', async () => {
    const r = await receiver(() => ({}))
    const sb = await sandbox({ pushUrl: r.url })
    const created = await createQr(sb, await basicToken(sb), {
      expire_seconds: 300,
      action_name: 'QR_SCENE',
      action_info: { scene: { scene_id: 4294967295 } },
    })
    await sb.scan(String(created.json.url), 'oInt')
    expect(parsePushXml((r.received[0] as ReceivedPush).body)).toMatchObject({
      kind: 'subscribe-scene',
      scene: '4294967295',
    })
  })

  it('keeps a scene containing "]]>" or starting with qrscene_ intact', async () => {
    const r = await receiver(() => ({}))
    const sb = await sandbox({ pushUrl: r.url })
    const odd = await tempCode(sb, 'qrscene_a]]>b<c>&')
    await sb.scan(odd.url, 'oOdd')
    await sb.scan(odd.url, 'oOdd')
    const [sub, scan] = r.received.map((p) => parsePushXml(p.body))
    expect(sub).toMatchObject({ kind: 'subscribe-scene', scene: 'qrscene_a]]>b<c>&' })
    expect(scan).toMatchObject({ kind: 'scan', scene: 'qrscene_a]]>b<c>&' })
  })

  it('the HTTP scan endpoint answers like sandbox.scan()', async () => {
    const r = await receiver(() => ({}))
    const sb = await sandbox({ pushUrl: r.url })
    const code = await tempCode(sb, 'k:http')
    const res = await postJson(`${sb.url}/sandbox/scan`, { url: code.url, openid: 'oHttp' })
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({
      event: 'subscribe',
      attempts: [{ status: 200, body: 'success' }],
      reply: { kind: 'none', visitorSees: null },
    })
    const [attempt] = res.json.attempts as Array<{ ms: unknown }>
    expect(typeof attempt?.ms).toBe('number')
  })
})

describe('official vectors through the sandbox’s push sealing', () => {
  it('plain mode signs as the official signature vectors', () => {
    for (const v of vectors.plain_signature) {
      const cipher = new WechatCipher({ encodingAESKey: 'a'.repeat(43), appId: 'wx' })
      const sealed = sealPush(
        { token: v.token, mode: 'plain', cipher },
        { xml: '<xml></xml>', toUserName: 'gh_x', openid: 'o' },
        { timestamp: v.timestamp, nonce: v.nonce },
      )
      expect(sealed.query.signature).toBe(v.signature)
    }
  })

  it('safe mode reproduces the official encrypted message and msg_signature', () => {
    const s = vectors.safe_mode
    const cipher = new WechatCipher({ encodingAESKey: s.encodingAESKey, appId: s.appid })
    const { random16 } = cipher.decryptWithRandom(s.message.encrypt)
    const sealed = sealPush(
      { token: s.token, mode: 'safe', cipher },
      { xml: s.message.plaintext, toUserName: s.appid, openid: 'mycreate' },
      { timestamp: s.message.timestamp, nonce: s.message.nonce, random16 },
    )
    expect(sealed.query.msg_signature).toBe(s.message.msg_signature)
    expect(parseEnvelope(sealed.body).encrypt).toBe(s.message.encrypt)
    expect(sealed.query.encrypt_type).toBe('aes')
  })
})

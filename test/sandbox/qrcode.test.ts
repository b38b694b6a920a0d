import { afterEach, describe, expect, it } from 'vitest'
import { basicToken, closeAll, createQr, fakeClock, postJson, sandbox } from './helpers'

afterEach(closeAll)

const URL_FORM = /^http:\/\/weixin\.qq\.com\/q\/[A-Za-z0-9]{20}$/
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

const tempId = (scene_id: unknown, expire_seconds?: unknown) => ({
  ...(expire_seconds !== undefined && { expire_seconds }),
  action_name: 'QR_SCENE',
  action_info: { scene: { scene_id } },
})
const tempStr = (scene_str: unknown, expire_seconds: unknown = 600) => ({
  expire_seconds,
  action_name: 'QR_STR_SCENE',
  action_info: { scene: { scene_str } },
})
const permId = (scene_id: unknown) => ({
  action_name: 'QR_LIMIT_SCENE',
  action_info: { scene: { scene_id } },
})
const permStr = (scene_str: unknown) => ({
  action_name: 'QR_LIMIT_STR_SCENE',
  action_info: { scene: { scene_str } },
})

describe('qrcode/create', () => {
  it('creates all four kinds in WeChat’s response form', async () => {
    const sb = await sandbox()
    const token = await basicToken(sb)
    const temp = await createQr(sb, token, tempId(123, 604800))
    expect(Object.keys(temp.json).sort()).toEqual(['expire_seconds', 'ticket', 'url'])
    expect(temp.json.expire_seconds).toBe(604800)
    const str = await createQr(sb, token, tempStr('kiosk-1:abc', 300))
    expect(str.json.expire_seconds).toBe(300)
    // Permanent codes have no expiry, so WeChat leaves expire_seconds out.
    const limit = await createQr(sb, token, permId(100000))
    expect(Object.keys(limit.json).sort()).toEqual(['ticket', 'url'])
    const limitStr = await createQr(sb, token, permStr('stand-a'))
    expect(Object.keys(limitStr.json).sort()).toEqual(['ticket', 'url'])

    const all = [temp, str, limit, limitStr]
    for (const r of all) {
      expect(r.status).toBe(200)
      expect(String(r.json.url)).toMatch(URL_FORM)
      expect(String(r.json.ticket)).toMatch(BASE64)
      // The ticket embeds the url, as WeChat's do.
      expect(Buffer.from(String(r.json.ticket), 'base64').toString('latin1')).toContain(r.json.url)
    }
    expect(new Set(all.map((r) => r.json.ticket)).size).toBe(4)
    expect(new Set(all.map((r) => r.json.url)).size).toBe(4)
  })

  it('defaults a temporary code to 60 s when expire_seconds is left out', async () => {
    const sb = await sandbox()
    const r = await createQr(sb, await basicToken(sb), tempId(7))
    expect(r.json.expire_seconds).toBe(60)
  })

  it('gives every temporary code its own ticket and url, even for the same scene', async () => {
    const sb = await sandbox()
    const token = await basicToken(sb)
    const tickets = new Set<unknown>()
    const urls = new Set<unknown>()
    for (let i = 0; i < 20; i++) {
      const r = await createQr(sb, token, tempStr('same'))
      tickets.add(r.json.ticket)
      urls.add(r.json.url)
    }
    expect(tickets.size).toBe(20)
    expect(urls.size).toBe(20)
  })

  it('enforces the documented scene ranges', async () => {
    const sb = await sandbox()
    const token = await basicToken(sb)
    const code = async (body: unknown) => (await createQr(sb, token, body)).json.errcode ?? 0

    expect(await code(tempId(1))).toBe(0)
    expect(await code(tempId(4294967295))).toBe(0)
    expect(await code(tempId(0))).toBe(40053)
    expect(await code(tempId(4294967296))).toBe(40053)
    expect(await code(tempId(-5))).toBe(40053)
    expect(await code(tempId(12.5))).toBe(40053)
    expect(await code(tempId('123'))).toBe(40053)

    expect(await code(permId(1))).toBe(0)
    expect(await code(permId(100001))).toBe(40053)
    expect(await code(permId(0))).toBe(40053)

    expect(await code(tempStr('x'.repeat(64)))).toBe(0)
    expect(await code(tempStr('场'.repeat(64)))).toBe(0)
    expect(await code(tempStr('x'.repeat(65)))).toBe(40053)
    expect(await code(tempStr(''))).toBe(40053)
    expect(await code(tempStr(42))).toBe(40053)
    expect(await code(permStr('y'.repeat(65)))).toBe(40053)
    // A scene the push XML could not carry.
    expect(await code(tempStr('a\u0001b'))).toBe(40053)

    // The scene must match the action: an id for *_SCENE, a string for *_STR_SCENE.
    expect(await code({ ...tempId(5), action_name: 'QR_STR_SCENE' })).toBe(40053)
    expect(await code({ action_name: 'QR_SCENE' })).toBe(40053)
  })

  it('enforces action_name and expire_seconds', async () => {
    const sb = await sandbox()
    const token = await basicToken(sb)
    const code = async (body: unknown) => (await createQr(sb, token, body)).json.errcode ?? 0
    expect(await code({ ...tempId(5), action_name: 'QR_FOREVER' })).toBe(40052)
    expect(await code({ action_info: { scene: { scene_id: 5 } } })).toBe(40052)
    expect(await code(tempStr('s', 2592000))).toBe(0)
    expect(await code(tempStr('s', 2592001))).toBe(47003)
    expect(await code(tempStr('s', 0))).toBe(47003)
    expect(await code(tempStr('s', 30.5))).toBe(47003)
    // Permanent codes ignore it.
    expect(await code({ ...permStr('p'), expire_seconds: 99999999 })).toBe(0)
  })

  it('answers malformed bodies with 44002 / 47001 and oversized ones with 413', async () => {
    const sb = await sandbox()
    const url = `${sb.url}/cgi-bin/qrcode/create?access_token=${await basicToken(sb)}`
    expect((await postJson(url, '', true)).json.errcode).toBe(44002)
    expect((await postJson(url, '{"action_name":', true)).json.errcode).toBe(47001)
    expect((await postJson(url, '[1,2]', true)).json.errcode).toBe(47001)
    expect((await postJson(url, 'x'.repeat(20_000), true)).status).toBe(413)
  })

  it('gives the same code for the same permanent scene and caps distinct ones', async () => {
    const sb = await sandbox({ permanentQrCap: 3 })
    const token = await basicToken(sb)
    const a = await createQr(sb, token, permId(1))
    expect((await createQr(sb, token, permId(1))).json.ticket).toBe(a.json.ticket)
    expect((await createQr(sb, token, permStr('two'))).json.errcode).toBeUndefined()
    expect((await createQr(sb, token, permId(3))).json.errcode).toBeUndefined()
    expect((await createQr(sb, token, permId(4))).json.errcode).toBe(45029)
    // Existing permanent codes and temporary ones are still handed out.
    expect((await createQr(sb, token, permStr('two'))).json.ticket).toEqual(expect.any(String))
    expect((await createQr(sb, token, tempId(4))).json.ticket).toEqual(expect.any(String))
  })

  it('stops at the daily quota with 45009 and starts again the next Beijing day', async () => {
    const clock = fakeClock(Date.UTC(2025, 0, 15, 15, 59, 0)) // 23:59 in Beijing
    const sb = await sandbox({ now: clock.now, dailyQrQuota: 3 })
    const token = await basicToken(sb)
    for (let i = 0; i < 3; i++) {
      expect((await createQr(sb, token, tempId(i + 1))).json.ticket).toEqual(expect.any(String))
    }
    // Once the quota is spent every call is refused, valid or not.
    expect((await createQr(sb, token, tempId(9))).json.errcode).toBe(45009)
    expect((await createQr(sb, token, tempId(0))).json.errcode).toBe(45009)
    clock.advance(60_000)
    expect((await createQr(sb, token, tempId(9))).json.ticket).toEqual(expect.any(String))
  })

  it('runs out after N creates when the quotaAfter fault is set, and answers -1 when busy', async () => {
    const sb = await sandbox()
    const token = await basicToken(sb)
    sb.setFaults({ quotaAfter: 2 })
    expect((await createQr(sb, token, tempId(1))).json.errcode).toBeUndefined()
    expect((await createQr(sb, token, tempId(0))).json.errcode).toBe(40053)
    expect((await createQr(sb, token, tempId(2))).json.errcode).toBeUndefined()
    expect((await createQr(sb, token, tempId(3))).json.errcode).toBe(45009)
    sb.setFaults({ quotaAfter: null })
    expect((await createQr(sb, token, tempId(3))).json.errcode).toBeUndefined()
    sb.setFaults({ busy: true })
    expect((await createQr(sb, token, tempId(4))).json.errcode).toBe(-1)
  })

  it('lets the fault switches be set over HTTP too, validated', async () => {
    const sb = await sandbox()
    const token = await basicToken(sb)
    const set = await postJson(`${sb.url}/sandbox/faults`, { http5xx: true })
    expect(set.json.faults).toMatchObject({ http5xx: 503 })
    expect((await createQr(sb, token, tempId(1))).status).toBe(503)
    expect((await postJson(`${sb.url}/sandbox/faults`, { http5xx: 404 })).status).toBe(400)
    expect((await postJson(`${sb.url}/sandbox/faults`, { nonsense: 1 })).status).toBe(400)
    await postJson(`${sb.url}/sandbox/faults`, { http5xx: false })
    expect((await createQr(sb, token, tempId(1))).status).toBe(200)
  })
})

/**
 * The sandbox's tag and customer-service endpoints as the official pages describe them:
 * tags/get and tags/create (30-byte names, unique, 100 per account), batchtagging (1–50 openids,
 * followers only, another AppID's openid 49003, 20 tags per user, all or nothing), message/custom/send (3 messages within a
 * minute of a scan or follow), the fault switches, and what /sandbox/tags and /sandbox/messages
 * show.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { basicToken, closeAll, fakeClock, getJson, postJson, sandbox, tempCode } from './helpers'
import type { Sandbox } from '../../sandbox/server'

afterEach(closeAll)

async function api(sb: Sandbox) {
  const token = encodeURIComponent(await basicToken(sb))
  const at = (path: string) => `${sb.url}/cgi-bin/${path}?access_token=${token}`
  return {
    create: (name: string) => postJson(at('tags/create'), { tag: { name } }),
    get: () => getJson(at('tags/get')),
    tag: (tagid: number, openid_list: string[]) =>
      postJson(at('tags/members/batchtagging'), { tagid, openid_list }),
    send: (touser: string, content: string) =>
      postJson(at('message/custom/send'), { touser, msgtype: 'text', text: { content } }),
  }
}

const errcode = (a: { json: Record<string, unknown> }) => a.json.errcode

describe('tags', () => {
  it('creates, lists and refuses duplicate, over-long and the 101st tag', async () => {
    const sb = await sandbox()
    const a = await api(sb)
    const made = await a.create('春季展')
    expect(made.json).toMatchObject({ tag: { name: '春季展' } })
    expect(typeof (made.json.tag as { id: unknown }).id).toBe('number')
    expect(errcode(await a.create('春季展'))).toBe(45157)
    // 30 bytes is the limit, in UTF-8: 10 CJK characters fit, 11 do not.
    expect(errcode(await a.create('一二三四五六七八九十'))).toBeUndefined()
    expect(errcode(await a.create('一二三四五六七八九十一'))).toBe(45158)
    for (let i = 0; i < 98; i++) expect(errcode(await a.create(`t${i}`))).toBeUndefined()
    expect(errcode(await a.create('one-too-many'))).toBe(45056)
    const listed = await a.get()
    // The 100 the account created, and WeChat's built-in 星标组 (id 2), which is not one of them.
    expect((listed.json.tags as unknown[]).length).toBe(101)
  })

  it('lists the built-in 星标组 (id 2) with its count, and its name is taken', async () => {
    const sb = await sandbox()
    const a = await api(sb)
    expect((await a.get()).json).toEqual({ tags: [{ id: 2, name: '星标组', count: 0 }] })
    expect(errcode(await a.create('星标组'))).toBe(45157)
    const { url } = await tempCode(sb, 'k1:x')
    await sb.scan(url, 'oa')
    expect(errcode(await a.tag(2, ['oa']))).toBe(0)
    const made = (await a.create('expo')).json.tag as { id: number }
    // Ids 0, 1 and 2 are WeChat's; the account's own start above them.
    expect(made.id).toBeGreaterThan(2)
    expect((await a.get()).json).toEqual({
      tags: [
        { id: 2, name: '星标组', count: 1 },
        { id: made.id, name: 'expo', count: 0 },
      ],
    })
    expect(errcode(await a.tag(0, ['oa']))).toBe(45159)
    expect(errcode(await a.tag(1, ['oa']))).toBe(45159)
  })

  it('tags followers only, 1–50 at a time, at most 20 tags a user, all or nothing', async () => {
    const sb = await sandbox()
    const a = await api(sb)
    const { url } = await tempCode(sb, 'k1:x')
    for (const o of ['oa', 'ob', 'oc']) await sb.scan(url, o)
    const id = (await a.create('expo')).json.tag as { id: number }
    expect(errcode(await a.tag(id.id, []))).toBe(40032)
    const many = Array.from({ length: 51 }, (_, i) => `o${i}`)
    expect(errcode(await a.tag(id.id, many))).toBe(40032)
    expect(errcode(await a.tag(id.id, ['oa', 'ostranger']))).toBe(40003)
    expect(errcode(await a.tag(999_999, ['oa']))).toBe(45159)
    // An openid of another AppID (scans a relay kept from before its account changed): 49003.
    sb.users.otherAccount('oother')
    expect(errcode(await a.tag(id.id, ['oa', 'oother']))).toBe(49003)
    expect(errcode(await a.send('oother', 'hi'))).toBe(40003)
    sb.users.preTag('oc', 20)
    expect(errcode(await a.tag(id.id, ['oa', 'oc']))).toBe(45059)
    expect(sb.users.tags()[0]?.openids).toEqual([])
    expect((await a.tag(id.id, ['oa', 'ob'])).json).toEqual({ errcode: 0, errmsg: 'ok' })
    // Tagging again is harmless.
    expect(errcode(await a.tag(id.id, ['oa']))).toBe(0)
    const shown = await getJson(`${sb.url}/sandbox/tags`)
    expect(shown.json).toEqual({
      tags: [
        { id: 2, name: '星标组', openids: [] },
        { id: id.id, name: 'expo', openids: ['oa', 'ob'] },
      ],
    })
  })

  it('honours the fault switches: busy, HTTP 5xx, and tagFailRate', async () => {
    const sb = await sandbox()
    const a = await api(sb)
    const { url } = await tempCode(sb, 'k1:x')
    await sb.scan(url, 'oa')
    const id = ((await a.create('f')).json.tag as { id: number }).id
    sb.setFaults({ busy: true })
    expect(errcode(await a.tag(id, ['oa']))).toBe(-1)
    expect(errcode(await a.get())).toBe(-1)
    sb.setFaults({ busy: false, http5xx: 502 })
    const res = await fetch(`${sb.url}/cgi-bin/tags/get?access_token=x`)
    expect(res.status).toBe(502)
    sb.setFaults({ http5xx: false, tagFailRate: 1 })
    expect(errcode(await a.tag(id, ['oa']))).toBe(-1)
    expect(sb.users.tags()[0]?.openids).toEqual([])
    sb.setFaults({ tagFailRate: 0 })
    expect(errcode(await a.tag(id, ['oa']))).toBe(0)
  })

  it('fails the share tagFailRate names, spread evenly: never two in a row under one half', async () => {
    const sb = await sandbox()
    const a = await api(sb)
    const { url } = await tempCode(sb, 'k1:x')
    await sb.scan(url, 'oa')
    const id = ((await a.create('f')).json.tag as { id: number }).id
    sb.setFaults({ tagFailRate: 0.3 })
    const codes: unknown[] = []
    for (let i = 0; i < 20; i++) codes.push(errcode(await a.tag(id, ['oa'])))
    expect(codes.filter((c) => c === -1)).toHaveLength(6)
    expect(codes.filter((c) => c === 0)).toHaveLength(14)
    expect(codes.some((c, i) => c === -1 && codes[i + 1] === -1)).toBe(false)
  })

  it('refuses a bad or missing token and a wrong method as WeChat does', async () => {
    const sb = await sandbox()
    const bad = await postJson(`${sb.url}/cgi-bin/tags/create?access_token=nope`, {
      tag: { name: 'x' },
    })
    expect(errcode(bad)).toBe(40001)
    expect(errcode(await postJson(`${sb.url}/cgi-bin/tags/create`, { tag: { name: 'x' } }))).toBe(
      41001,
    )
    const token = encodeURIComponent(await basicToken(sb))
    expect(errcode(await getJson(`${sb.url}/cgi-bin/tags/create?access_token=${token}`))).toBe(
      43002,
    )
    const malformed = await postJson(`${sb.url}/cgi-bin/tags/create?access_token=${token}`, {
      tag: 'x',
    })
    expect(errcode(malformed)).toBe(47001)
  })
})

describe('message/custom/send', () => {
  it('allows 3 messages within a minute of a scan, then 45047; after the minute 45015', async () => {
    const clock = fakeClock()
    const sb = await sandbox({ now: clock.now })
    const a = await api(sb)
    expect(errcode(await a.send('onobody', 'hi'))).toBe(40003)
    const { url } = await tempCode(sb, 'k1:x')
    await sb.scan(url, 'oa')
    for (const text of ['1', '2', '3']) expect(errcode(await a.send('oa', text))).toBe(0)
    expect(errcode(await a.send('oa', '4'))).toBe(45047)
    await sb.scan(url, 'oa')
    clock.advance(60_001)
    expect(errcode(await a.send('oa', 'late'))).toBe(45015)
    const shown = await getJson(`${sb.url}/sandbox/messages`)
    const at = clock.now() - 60_001
    expect(shown.json).toEqual([
      { openid: 'oa', text: '1', at },
      { openid: 'oa', text: '2', at },
      { openid: 'oa', text: '3', at },
    ])
  })

  it('answers 45015 to a visitor who unfollowed ("subscription is canceled"), 40003 to a stranger', async () => {
    const sb = await sandbox()
    const a = await api(sb)
    const { url } = await tempCode(sb, 'k1:x')
    await sb.scan(url, 'ogone')
    await sb.unsubscribe('ogone')
    expect(errcode(await a.send('ogone', 'hi'))).toBe(45015)
    expect(errcode(await a.send('ostranger', 'hi'))).toBe(40003)
    // Tagging is for followers only: the page's 40003, unchanged.
    const tag = (await a.create('t')).json as { tag: { id: number } }
    expect(errcode(await a.tag(tag.tag.id, ['ogone']))).toBe(40003)
    expect((await getJson(`${sb.url}/sandbox/messages`)).json).toEqual([])
  })

  it('shows messages in the phone page’s chat after the passive reply', async () => {
    const sb = await sandbox()
    const page = await (await fetch(`${sb.url}/`)).text()
    expect(page).toContain("fetch('/sandbox/messages')")
    // Written with textContent: a message cannot inject markup.
    expect(page).not.toMatch(/innerHTML/)
  })
})

// Campaigns in the console API, on both stores: create, list, read, edit (every field checked,
// the version the kiosks see bumped), the screen key (console only, rotated), assigning a
// kiosk only to a campaign that exists, and the guard (401 without a session, 403 cross-origin).
import { describe, expect, it } from 'vitest'
import {
  BRACES_MESSAGE,
  GREETING_NO_NAME_MESSAGE,
  campaignFormSchema,
  campaignInputSchema,
  consoleCampaignSchema,
} from '../../shared/campaign'
import { consoleStatsSchema } from '../../shared/console-api'
import { MAX_CAMPAIGN_BODY_BYTES } from '../../relay/console/campaign-routes'
import { MAX_RELAY_FRAME_BYTES } from '../../shared/relay-protocol'
import { ConsoleClient, errorCode } from './console-helpers'
import { assign, campaignBody, createCampaign, signIn, relayTestBed } from './campaign-helpers'
import { KioskClient, postPush, scanXml, type Backend } from './harness'

const bed = relayTestBed()

/** `body` with `key` as an own field, as JSON.parse makes it (a literal's `__proto__` is not). */
function withKey(body: object, key: string, value: unknown): unknown {
  const rest = JSON.stringify(body).slice(1)
  const field = `${JSON.stringify(key)}:${JSON.stringify(value)}`
  return JSON.parse(`{${field}${rest === '}' ? '' : ','}${rest}`)
}

async function relayOn(backend: Backend) {
  const place = bed.placeFor(backend)
  return { relay: await bed.relayOn(place), place }
}

describe.each<Backend>(['sqlite', 'redis'])('campaigns in the console (%s)', (backend) => {
  it('creates, lists, reads and edits a campaign; each change bumps the version', async () => {
    const { relay } = await relayOn(backend)
    const c = await signIn(relay)
    const made = await createCampaign(c)
    expect(made.id).toMatch(/^c-[A-Za-z0-9_-]{16}$/)
    expect(made.screenKey.length).toBeGreaterThanOrEqual(32)
    expect(made.name).toBe('春季展')
    const v1 = (await relay.store.campaigns.getCampaign(made.id))?.version ?? 0

    const list = await c.call('GET', '/console/api/campaigns')
    expect(list.status).toBe(200)
    expect(
      consoleCampaignSchema
        .array()
        .parse(list.json)
        .map((x) => x.id),
    ).toEqual([made.id])

    const edited = await c.call('PUT', `/console/api/campaigns/${made.id}`, {
      ...campaignBody(),
      name: 'Spring fair',
      mode: 'desk',
    })
    expect(edited.status, edited.text).toBe(200)
    const e = consoleCampaignSchema.parse(edited.json)
    expect(e).toMatchObject({ id: made.id, name: 'Spring fair', mode: 'desk' })
    // An edit keeps the id and the screen key.
    expect(e.screenKey).toBe(made.screenKey)
    const v2 = (await relay.store.campaigns.getCampaign(made.id))?.version ?? 0
    expect(v2).toBeGreaterThan(v1)

    const read = await c.call('GET', `/console/api/campaigns/${made.id}`)
    expect(consoleCampaignSchema.parse(read.json).name).toBe('Spring fair')
  })

  it('a new campaign needs only a name; what GET gives can be PUT back', async () => {
    const { relay } = await relayOn(backend)
    const c = await signIn(relay)
    const created = await c.call('POST', '/console/api/campaigns', { name: 'Expo', tag: '' })
    expect(created.status, created.text).toBe(201)
    const made = consoleCampaignSchema.parse(created.json)
    expect(made).toMatchObject({
      name: 'Expo',
      startsAt: null,
      endsAt: null,
      mode: 'booth',
      tag: null,
      followUp: null,
      stamps: [],
    })
    expect(made.greetings['zh-CN'].first).toContain('{number}')
    // An empty reply text answers WeChat `success`, as in v1.
    const got = await c.call('GET', `/console/api/campaigns/${made.id}`)
    const back = { ...(got.json as object), name: 'Expo 2', reply: { subscribe: '', scan: '' } }
    const put = await c.call('PUT', `/console/api/campaigns/${made.id}`, back)
    expect(put.status, put.text).toBe(200)
    expect(consoleCampaignSchema.parse(put.json)).toMatchObject({
      id: made.id,
      screenKey: made.screenKey,
      name: 'Expo 2',
      reply: { subscribe: '', scan: '' },
    })
    // Its id and screen key come back as they were, or the PUT is refused.
    for (const wrong of [{ id: 'c-other' }, { screenKey: 'k'.repeat(43) }]) {
      const refused = await c.call('PUT', `/console/api/campaigns/${made.id}`, {
        ...back,
        ...wrong,
      })
      expect(refused.status).toBe(400)
      expect(errorCode(refused)).toBe('bad_request')
    }
    // A PUT replaces the fields: one left out is refused, not guessed.
    const partial = await c.call('PUT', `/console/api/campaigns/${made.id}`, { name: 'x' })
    expect(partial.status).toBe(400)
    expect((await relay.store.campaigns.getCampaign(made.id))?.campaign.name).toBe('Expo 2')
  })

  it('rotates the screen key: a new one, the old one gone, the version bumped', async () => {
    const { relay } = await relayOn(backend)
    const c = await signIn(relay)
    const made = await createCampaign(c)
    const before = (await relay.store.campaigns.getCampaign(made.id))?.version ?? 0
    const a = await c.call('POST', `/console/api/campaigns/${made.id}/screen-key`)
    expect(a.status).toBe(200)
    const rotated = consoleCampaignSchema.parse(a.json)
    expect(rotated.screenKey).not.toBe(made.screenKey)
    const stored = await relay.store.campaigns.getCampaign(made.id)
    expect(stored?.campaign.screenKey).toBe(rotated.screenKey)
    expect(stored?.version).toBeGreaterThan(before)
  })

  it('refuses a bad field with 400 and changes nothing', async () => {
    const { relay } = await relayOn(backend)
    const c = await signIn(relay)
    const made = await createCampaign(c)
    const bad: Array<[string, unknown]> = [
      ['rotation too short', { ...campaignBody(), rotationSeconds: 1 }],
      [
        'ends before it starts',
        { ...campaignBody(), startsAt: '2026-05-03', endsAt: '2026-05-01' },
      ],
      ['unknown mode', { ...campaignBody(), mode: 'party' }],
      ['extra field', { ...campaignBody(), screenKey: 'x'.repeat(40) }],
      ['missing greeting', { ...campaignBody(), greetings: { en: campaignBody().greetings.en } }],
      [
        'a placeholder the kiosk does not fill',
        {
          ...campaignBody(),
          greetings: {
            ...campaignBody().greetings,
            en: { ...campaignBody().greetings.en, first: 'Hi {nmae}' },
          },
        },
      ],
      ['tag too long', { ...campaignBody(), tag: 't'.repeat(31) }],
      ['tag over 30 bytes', { ...campaignBody(), tag: '标'.repeat(11) }],
      ['stamp not a kiosk id', { ...campaignBody(), stamps: ['K 1'] }],
      // Texts WeChat gets in a passive reply: XML carries no control character (U+000B is the
      // line break Word copies) nor half a surrogate pair.
      [
        'a reply with a control character',
        { ...campaignBody(), reply: { subscribe: 'a', scan: '签到\u000b成功' } },
      ],
      [
        'a reply with half an emoji',
        { ...campaignBody(), reply: { subscribe: 'ok \ud83d', scan: 'b' } },
      ],
      [
        'a stamp name with a control character',
        { ...campaignBody(), stamps: ['k1'], stampNames: { k1: 'B\u0001区' } },
      ],
      [
        'a completion text with a control character',
        { ...campaignBody(), stamps: ['k1'], stampComplete: 'done\u001f!' },
      ],
      ['a follow-up with a control character', { ...campaignBody(), followUp: 'hi\u0007' }],
      ['not an object', [1, 2]],
      // JSON.parse keeps these as own keys: as unknown as any other field, not dropped.
      ['a __proto__ field', withKey(campaignBody(), '__proto__', { mode: 'party' })],
      ['a constructor field', withKey(campaignBody(), 'constructor', 1)],
      [
        'a __proto__ stamp name',
        { ...campaignBody(), stamps: ['k1'], stampNames: withKey({}, '__proto__', 'B区') },
      ],
    ]
    for (const [why, body] of bad) {
      const created = await c.call('POST', '/console/api/campaigns', body)
      expect(created.status, why).toBe(400)
      const put = await c.call('PUT', `/console/api/campaigns/${made.id}`, body)
      expect(put.status, why).toBe(400)
    }
    expect((await relay.store.campaigns.listCampaigns()).length).toBe(1)
    expect((await relay.store.campaigns.getCampaign(made.id))?.campaign).toEqual(made)
  })

  it('takes any lifetime and rotation within the ranges; the form is where the pair is checked', async () => {
    const { relay } = await relayOn(backend)
    const c = await signIn(relay)
    const made = await createCampaign(c)
    // A client may raise the rotation first and the lifetime after (or keep a campaign saved
    // before the console's rule): the API holds to the contract's ranges only. A kiosk given
    // such a pair rotates by the code's expiry instead (docs/WECHAT.md).
    for (const ticketTtlSeconds of [300, 600]) {
      const body = { ...campaignBody(), rotationSeconds: 600, ticketTtlSeconds }
      const put = await c.call('PUT', `/console/api/campaigns/${made.id}`, body)
      expect(put.status, String(ticketTtlSeconds)).toBe(200)
      expect((await relay.store.campaigns.getCampaign(made.id))?.campaign.ticketTtlSeconds).toBe(
        ticketTtlSeconds,
      )
    }
    const form = campaignFormSchema.safeParse({
      ...campaignBody(),
      rotationSeconds: 600,
      ticketTtlSeconds: 629,
    })
    expect(form.success).toBe(false)
    expect(JSON.stringify(form.error?.issues)).toContain('at least 630')
    const fits = { ...campaignBody(), rotationSeconds: 600, ticketTtlSeconds: 630 }
    expect(campaignFormSchema.safeParse(fits).success).toBe(true)
    // Out of range is still refused by the API.
    const far = { ...campaignBody(), rotationSeconds: 3601 }
    expect((await c.call('PUT', `/console/api/campaigns/${made.id}`, far)).status).toBe(400)
  })

  it('takes a campaign with every text at its limit, in Chinese, on POST and PUT', async () => {
    const { relay } = await relayOn(backend)
    const c = await signIn(relay)
    const made = await createCampaign(c)
    // What the console's own form lets an organizer type: every field at its limit in Chinese
    // (3 bytes a character), 50 rally booths, each named. The schema takes it; the relay must.
    const zh = (n: number): string => '展'.repeat(n)
    const g = { first: zh(200), returning: zh(200), named: zh(200) }
    const stamps = Array.from({ length: 50 }, (_, i) => `booth-${String(i).padStart(18, '0')}`)
    const body = {
      ...campaignBody({
        name: zh(80),
        greetings: { 'zh-CN': g, en: g },
        reply: { subscribe: zh(600), scan: zh(600) },
        tag: zh(10),
        followUp: zh(600),
        stamps,
      }),
      stampNames: Object.fromEntries(stamps.map((id) => [id, zh(20)])),
      stampProgress: zh(600),
      stampComplete: zh(600),
    }
    expect(campaignInputSchema.safeParse(body).success).toBe(true)
    expect(Buffer.byteLength(JSON.stringify(body))).toBeGreaterThan(16 * 1024)
    const created = await c.call('POST', '/console/api/campaigns', body)
    expect(created.status, created.text).toBe(201)
    expect(consoleCampaignSchema.parse(created.json)).toMatchObject(body)
    // What GET gave comes back with the edit, id and screen key included.
    const put = await c.call('PUT', `/console/api/campaigns/${made.id}`, { ...made, ...body })
    expect(put.status, put.text).toBe(200)
    expect((await relay.store.campaigns.getCampaign(made.id))?.campaign).toMatchObject(body)

    // Whatever a body holds (here 2,000 labels for booths not in the rally), the campaign frame
    // it becomes must fit the kiosk's frame limit, or the kiosk's link would close on it.
    const labels = Object.fromEntries(
      Array.from({ length: 2000 }, (_, i) => [`k-${i}`, 'x'.repeat(20)]),
    )
    const huge = { ...campaignBody({ stamps: ['k-0'] }), stampNames: labels }
    expect(Buffer.byteLength(JSON.stringify(huge))).toBeGreaterThan(MAX_CAMPAIGN_BODY_BYTES)
    const refused = await c.call('POST', '/console/api/campaigns', huge)
    expect(refused.status).toBe(413)
    expect((await relay.store.campaigns.listCampaigns()).length).toBe(2)
    const frame = (campaign: object) =>
      JSON.stringify({ type: 'campaign', campaign, version: Number.MAX_SAFE_INTEGER })
    expect(MAX_CAMPAIGN_BODY_BYTES + Buffer.byteLength(frame({}))).toBeLessThan(
      MAX_RELAY_FRAME_BYTES,
    )
  })

  it('refuses a rally progress text with a placeholder it does not fill, naming it', async () => {
    const { relay } = await relayOn(backend)
    const c = await signIn(relay)
    const made = await createCampaign(c)
    // shared/stamp-reply.ts fills {count}, {total} and {missing}; a typo reached visitors as typed.
    const body = {
      ...campaignBody(),
      stamps: ['k1', 'k2'],
      stampProgress: '{count}/{totl} {mising}',
    }
    for (const [method, path] of [
      ['POST', '/console/api/campaigns'],
      ['PUT', `/console/api/campaigns/${made.id}`],
    ] as const) {
      const res = await c.call(method, path, body)
      expect(res.status, method).toBe(400)
      expect(errorCode(res)).toBe('bad_request')
      const message = (res.json as { error: { message: string } }).error.message
      expect(message).toMatch(/^stampProgress: /)
      expect(message).toContain('{totl}')
      expect(message).toContain('{mising}')
    }
    expect((await relay.store.campaigns.listCampaigns()).length).toBe(1)
    expect((await relay.store.campaigns.getCampaign(made.id))?.campaign).toEqual(made)

    // Every placeholder it fills is taken.
    const good = { ...body, stampProgress: '已集 {count}/{total} 章，还差：{missing}' }
    const created = await c.call('POST', '/console/api/campaigns', good)
    expect(created.status, created.text).toBe(201)
    const put = await c.call('PUT', `/console/api/campaigns/${made.id}`, good)
    expect(put.status, put.text).toBe(200)
  })

  it('refuses a placeholder typed with full-width braces (a Chinese input method), naming it', async () => {
    const { relay } = await relayOn(backend)
    const c = await signIn(relay)
    const made = await createCampaign(c)
    // ｛number｝ is not filled in: the kiosk would show it to every visitor as typed.
    const base = campaignBody().greetings
    const greetings = { ...base, 'zh-CN': { ...base['zh-CN'], first: '欢迎！第｛number｝位' } }
    for (const [field, body] of [
      ['greetings.zh-CN.first: ｛number｝', campaignBody({ greetings })],
      ['followUp: ｛name｝', campaignBody({ followUp: '｛name｝，感谢到访' })],
      ['stampProgress: {count｝', { ...campaignBody(), stampProgress: '已集 {count｝ 章' }],
    ] as const) {
      const res = await c.call('PUT', `/console/api/campaigns/${made.id}`, body)
      expect(res.status, field).toBe(400)
      expect((res.json as { error: { message: string } }).error.message).toMatch(
        new RegExp(`^${field.replace(/[.{}]/g, '\\$&')}: only `),
      )
    }
    expect((await relay.store.campaigns.getCampaign(made.id))?.campaign).toEqual(made)
  })

  it('refuses a brace left open or unopened around a placeholder, which visitors would read as typed', async () => {
    const { relay } = await relayOn(backend)
    const c = await signIn(relay)
    const made = await createCampaign(c)
    // "Welcome, {name!" showed every visitor "Welcome, {name!"; "{{name}}" showed "{Alice}".
    const base = campaignBody().greetings
    const greeting = (named: string) => ({ ...base, en: { ...base.en, named } })
    for (const [field, body] of [
      ['greetings.en.named', campaignBody({ greetings: greeting('Welcome, {name!') })],
      ['greetings.en.named', campaignBody({ greetings: greeting('Welcome, {{name}}!') })],
      ['greetings.en.named', campaignBody({ greetings: greeting('Welcome, name}!') })],
      ['followUp', campaignBody({ followUp: '｛name，感谢到访' })],
      ['stampProgress', { ...campaignBody(), stampProgress: '已集 {count 章' }],
    ] as const) {
      const res = await c.call('PUT', `/console/api/campaigns/${made.id}`, body)
      expect(res.status, field).toBe(400)
      expect((res.json as { error: { message: string } }).error.message, field).toBe(
        `${field}: ${BRACES_MESSAGE}`,
      )
    }
    expect((await relay.store.campaigns.getCampaign(made.id))?.campaign).toEqual(made)
    // Braces that close are the organizer's own text, as before; only placeholders are named.
    const ok = await c.call('PUT', `/console/api/campaigns/${made.id}`, {
      ...campaignBody(),
      reply: { subscribe: 'Hi :-}', scan: '' },
    })
    expect(ok.status, ok.text).toBe(200)
  })

  it("refuses {name} in a greeting for visitors with no name, as the kiosk's own editor does", async () => {
    const { relay } = await relayOn(backend)
    const c = await signIn(relay)
    const made = await createCampaign(c)
    // A visitor off the roster has no name: "Hi {name}!" showed them "Hi !".
    const base = campaignBody().greetings
    for (const [field, greetings] of [
      ['greetings.en.first', { ...base, en: { ...base.en, first: 'Hi {name}!' } }],
      [
        'greetings.zh-CN.returning',
        { ...base, 'zh-CN': { ...base['zh-CN'], returning: '{name}' } },
      ],
    ] as const) {
      const res = await c.call(
        'PUT',
        `/console/api/campaigns/${made.id}`,
        campaignBody({ greetings }),
      )
      expect(res.status, field).toBe(400)
      expect((res.json as { error: { message: string } }).error.message, field).toBe(
        `${field}: ${GREETING_NO_NAME_MESSAGE}`,
      )
    }
    expect((await relay.store.campaigns.getCampaign(made.id))?.campaign).toEqual(made)
  })

  it('refuses a placeholder copied into a text sent as typed (replies, completion) or the follow-up', async () => {
    const { relay } = await relayOn(backend)
    const c = await signIn(relay)
    const made = await createCampaign(c)
    for (const [field, over] of [
      ['reply.scan', { reply: { subscribe: '', scan: '欢迎 {name}' } }],
      ['stampComplete', { stamps: ['k1'], stampComplete: '{count}/{total} done' }],
    ] as const) {
      const res = await c.call('PUT', `/console/api/campaigns/${made.id}`, {
        ...campaignBody(),
        ...over,
      })
      expect(res.status, field).toBe(400)
      const message = (res.json as { error: { message: string } }).error.message
      expect(message, field).toMatch(new RegExp(`^${field.replace('.', '\\.')}: \\{`))
      expect(message, field).toContain('nothing is filled in')
    }
    // The follow-up fills {name} and {number}, as a greeting does, and nothing else.
    const followUp = await c.call('PUT', `/console/api/campaigns/${made.id}`, {
      ...campaignBody(),
      followUp: 'No. {number}: {count} stamps',
    })
    expect(followUp.status).toBe(400)
    expect((followUp.json as { error: { message: string } }).error.message).toBe(
      'followUp: {count}: only {name} and {number} are filled in',
    )
    expect((await relay.store.campaigns.getCampaign(made.id))?.campaign).toEqual(made)
    // Braces of the organizer's own are text in a reply, and the follow-up's own two are filled.
    const own = {
      ...campaignBody(),
      reply: { subscribe: 'Reply {1} for the map', scan: '' },
      followUp: '{name}, you are No. {number}',
    }
    const put = await c.call('PUT', `/console/api/campaigns/${made.id}`, own)
    expect(put.status, put.text).toBe(200)
  })

  it('still reads and sends a campaign stored with an unknown rally placeholder', async () => {
    const { relay } = await relayOn(backend)
    const token = await relay.addKiosk('k1')
    const c = await signIn(relay)
    // Stored before the console refused it: only the console's input is stricter.
    const stored = {
      ...campaignBody(),
      id: 'c-old',
      screenKey: 'k'.repeat(43),
      stamps: ['k1'],
      stampProgress: 'Stamps {count} {xyz}',
    }
    expect(await relay.store.campaigns.createCampaign(stored, 0)).not.toBeNull()
    const read = await c.call('GET', '/console/api/campaigns/c-old')
    expect(read.status, read.text).toBe(200)
    expect(consoleCampaignSchema.parse(read.json).stampProgress).toBe('Stamps {count} {xyz}')
    await assign(c, 'k1', 'c-old')
    // The kiosk parses the campaign frame with the relay protocol's schema.
    const k = await KioskClient.hello(relay.url, token, { kioskId: 'k1' })
    bed.cleanups.push(() => k.close())
    await k.waitFor((f) => f.type === 'campaign')
    const frame = k.frames.find((f) => f.type === 'campaign')
    expect(frame?.type === 'campaign' && frame.campaign?.stampProgress).toBe('Stamps {count} {xyz}')
  })

  it('answers 404 for an unknown campaign, and to a kiosk assigned to one', async () => {
    const { relay } = await relayOn(backend)
    const c = await signIn(relay)
    await relay.addKiosk('k1')
    for (const id of ['c-nope', '..', 'a{b}']) {
      const a = await c.call('GET', `/console/api/campaigns/${encodeURIComponent(id)}`)
      expect(a.status).toBe(404)
      expect(errorCode(a)).toBe('not_found')
    }
    expect((await c.call('PUT', '/console/api/campaigns/c-nope', campaignBody())).status).toBe(404)
    const assign = await c.call('PUT', '/console/api/kiosks/k1', { campaignId: 'c-nope' })
    expect(assign.status).toBe(404)
    const meta = await relay.store.console.kioskMeta(['k1'], Date.now())
    expect(meta.get('k1')?.campaignId).toBeNull()
    const made = await createCampaign(c)
    expect((await c.call('PUT', '/console/api/kiosks/k1', { campaignId: made.id })).status).toBe(
      200,
    )
  })

  it('scopes stats and the attendance sheet to a campaign; an unknown one is 404', async () => {
    const { relay } = await relayOn(backend)
    const c = await signIn(relay)
    await relay.addKiosk('k1')
    await relay.addKiosk('k2')
    const made = await createCampaign(c)
    await assign(c, 'k1', made.id)
    const stats = await c.call('GET', `/console/api/stats?campaign=${made.id}`)
    expect(stats.status, stats.text).toBe(200)
    expect(consoleStatsSchema.parse(stats.json).perKiosk.map((k) => k.id)).toEqual(['k1'])
    for (const path of ['/console/api/stats', '/console/api/attendance?format=csv&']) {
      const sep = path.endsWith('&') ? '' : '?'
      const unknown = await c.call('GET', `${path}${sep}campaign=c-nope`)
      expect(unknown.status, path).toBe(404)
      expect(errorCode(unknown)).toBe('not_found')
      // Not a campaign id at all (a Redis key takes no brace): refused before any store sees it.
      for (const id of ['%7Bx', 'a%7Bb%7D', 'a%20b']) {
        const bad = await c.call('GET', `${path}${sep}campaign=${id}`)
        expect(bad.status, `${path} ${id}`).toBe(400)
      }
    }
    expect((await c.call('PUT', '/console/api/kiosks/k2', { campaignId: '{x}' })).status).toBe(400)
  })

  it("a booth moved to another campaign leaves its scans in the first one's stats and sheet", async () => {
    const { relay } = await relayOn(backend)
    const c = await signIn(relay)
    await relay.addKiosk('k1')
    const spring = await createCampaign(c, { name: '春季展' })
    const autumn = await createCampaign(c, { name: '秋季展' })
    await assign(c, 'k1', spring.id)
    for (const [openid, at] of [
      ['alice', 1],
      ['bob', 2],
      ['alice', 3],
    ] as const) {
      expect(
        (await postPush(relay.url, scanXml(openid, `k1:s${at}`, 1_700_000_000 + at))).status,
      ).toBe(200)
    }
    await assign(c, 'k1', autumn.id)
    expect((await postPush(relay.url, scanXml('carol', 'k1:s4', 1_700_000_004))).status).toBe(200)
    const statsOf = async (id: string) => {
      const res = await c.call('GET', `/console/api/stats?campaign=${id}`)
      expect(res.status, res.text).toBe(200)
      return consoleStatsSchema.parse(res.json)
    }
    expect(await statsOf(spring.id)).toMatchObject({
      scans: 3,
      visitors: 2,
      returning: 1,
      perKiosk: [{ id: 'k1', scans: 3, visitors: 2 }],
    })
    expect(await statsOf(autumn.id)).toMatchObject({
      scans: 1,
      visitors: 1,
      returning: 0,
      perKiosk: [{ id: 'k1', scans: 1, visitors: 1 }],
    })
    const sheet = await c.call('GET', `/console/api/attendance?campaign=${spring.id}&format=csv`)
    expect(sheet.status).toBe(200)
    const lines = sheet.text.split('\r\n').filter(Boolean)
    expect(lines).toHaveLength(4)
    // 活动 holds the campaign's name, as in the kiosk's own export.
    expect(
      lines.slice(1).every((l) => l.includes(',春季展,')),
      sheet.text,
    ).toBe(true)
    expect(sheet.text).not.toContain('carol')
    expect(sheet.text).not.toContain('秋季展')
  })

  it('is behind the console guard: 401 without a session, 403 from another origin', async () => {
    const { relay } = await relayOn(backend)
    const c = await signIn(relay)
    const made = await createCampaign(c)
    const anon = new ConsoleClient(relay.url)
    const paths: Array<[string, string, unknown?]> = [
      ['GET', '/console/api/campaigns'],
      ['POST', '/console/api/campaigns', campaignBody()],
      ['GET', `/console/api/campaigns/${made.id}`],
      ['PUT', `/console/api/campaigns/${made.id}`, campaignBody({ name: 'x' })],
      ['POST', `/console/api/campaigns/${made.id}/screen-key`],
    ]
    for (const [method, path, body] of paths) {
      expect((await anon.call(method, path, body)).status, `${method} ${path}`).toBe(401)
    }
    const evil = new ConsoleClient(relay.url, 'https://evil.example')
    evil.cookie = c.cookie
    for (const [method, path, body] of paths.filter(([m]) => m !== 'GET')) {
      const a = await evil.call(method, path, body)
      expect(a.status, `${method} ${path}`).toBe(403)
    }
    // Nothing changed: one campaign, its name and key as made.
    const all = await relay.store.campaigns.listCampaigns()
    expect(all.map((x) => x.campaign)).toEqual([made])
    // The screen key is never in a kiosk-facing answer: only the console lists it.
    expect(
      relay.consoleRoutes.filter((r) => r.path.startsWith('/campaigns')).every((r) => !r.public),
    ).toBe(true)
  })
})

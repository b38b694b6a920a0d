// Control characters and bidi controls in what an organizer types into the console API, on both
// stores: a campaign's names (name, tag, booth label) and a draw's prize are one line with none;
// its longer texts (greetings, replies, follow-up, rally texts) may break lines (LF, CR LF) but
// hold no other control character. Each refusal is a 400 naming the field and stores nothing;
// Chinese, English and emoji are taken, and a campaign stored before with such characters still
// reads and still reaches its kiosks.
import { describe, expect, it } from 'vitest'
import { consoleCampaignSchema, type CampaignInput } from '../../shared/campaign'
import { LINE_TEXT_MESSAGE, LINES_TEXT_MESSAGE } from '../../shared/typed-text'
import { NOT_XML_CHAR, XML_TEXT_MESSAGE } from '../../shared/xml-text'
import { errorCode, type ConsoleClient } from './console-helpers'
import { assign, campaignBody, createCampaign, relayTestBed, signIn } from './campaign-helpers'
import { checkIn, visitors } from './draws-helpers'
import { KioskClient, postPush, scanXml, type Backend } from './harness'

const bed = relayTestBed()

/**
 * Every class a name refuses: C0 (NUL, tab, LF, CR, ESC), DEL, C1, bidi embed/override/isolate,
 * Unicode's line and paragraph separators, and a UTF-16 half alone (an emoji an API client cut in
 * two: no UTF-8 file name, header or sheet can hold it).
 */
const NOT_IN_A_NAME: Array<[string, string]> = [
  ['NUL', '\u0000'],
  ['tab', '\t'],
  ['line feed', '\n'],
  ['carriage return', '\r'],
  ['escape', '\u001b'],
  ['unit separator', '\u001f'],
  ['DEL', '\u007f'],
  ['C1 next line', '\u0085'],
  ['C1 CSI', '\u009b'],
  ['left-to-right embedding', '\u202a'],
  ['right-to-left override', '\u202e'],
  ['left-to-right isolate', '\u2066'],
  ['pop directional isolate', '\u2069'],
  ['line separator', '\u2028'],
  ['paragraph separator', '\u2029'],
  ['lone high surrogate', '\ud83c'],
  ['lone low surrogate', '\udf89'],
]
/** What a longer text refuses: the same but a line break (LF, CR LF); a lone CR is refused. */
const NOT_IN_A_TEXT = NOT_IN_A_NAME.filter(([, ch]) => ch !== '\n')

const GOOD_NAMES = ['春季博览会 2026', 'Spring Expo', '🎉 新春抽奖 Lucky Draw 🧧', 'عربي مرحبا']

/**
 * The words a refusal of `ch` in `field` has: a text WeChat gets (all but the name and the
 * greetings) refused a control character its XML cannot carry before, in those words.
 */
function wordsFor(field: string, ch: string, kind: 'line' | 'lines'): string {
  const wechat = field !== 'name' && !field.startsWith('greetings.')
  if (wechat && NOT_XML_CHAR.test(ch)) return XML_TEXT_MESSAGE
  return kind === 'line' ? LINE_TEXT_MESSAGE : LINES_TEXT_MESSAGE
}

function message(a: { json: unknown }): string {
  return (a.json as { error: { message: string } }).error.message
}

async function refuses(
  c: ConsoleClient,
  madeId: string,
  body: CampaignInput,
  field: string,
  [what, ch]: [string, string],
  kind: 'line' | 'lines',
): Promise<void> {
  const expected = wordsFor(field, ch, kind)
  for (const [method, path] of [
    ['POST', '/console/api/campaigns'],
    ['PUT', `/console/api/campaigns/${madeId}`],
  ] as const) {
    const res = await c.call(method, path, body)
    expect(res.status, `${method} ${what}`).toBe(400)
    expect(errorCode(res), what).toBe('bad_request')
    expect(message(res), `${method} ${what}`).toBe(`${field}: ${expected}`)
  }
}

describe.each<Backend>(['sqlite', 'redis'])('control characters typed (%s)', (backend) => {
  it('refuses each class in a campaign name, tag or booth label, naming the field', async () => {
    const relay = await bed.relayOn(bed.placeFor(backend))
    const c = await signIn(relay)
    const made = await createCampaign(c)
    for (const bad of NOT_IN_A_NAME) {
      const ch = bad[1]
      await refuses(c, made.id, campaignBody({ name: `春季${ch}展` }), 'name', bad, 'line')
      await refuses(c, made.id, campaignBody({ tag: `vip${ch}2026` }), 'tag', bad, 'line')
      const label = campaignBody({ stamps: ['k1'], stampNames: { k1: `B${ch}区` } })
      await refuses(c, made.id, label, 'stampNames.k1', bad, 'line')
    }
    expect((await relay.store.campaigns.listCampaigns()).length).toBe(1)
    expect((await relay.store.campaigns.getCampaign(made.id))?.campaign).toEqual(made)
  })

  it('lets longer texts break lines (LF, CR LF) but refuses every other class', async () => {
    const relay = await bed.relayOn(bed.placeFor(backend))
    const c = await signIn(relay)
    const made = await createCampaign(c)
    const withText = (text: string): Array<[string, CampaignInput]> => {
      const base = campaignBody()
      return [
        [
          'greetings.zh-CN.first',
          campaignBody({
            greetings: { ...base.greetings, 'zh-CN': { ...base.greetings['zh-CN'], first: text } },
          }),
        ],
        [
          'greetings.en.named',
          campaignBody({
            greetings: { ...base.greetings, en: { ...base.greetings.en, named: text } },
          }),
        ],
        ['reply.subscribe', campaignBody({ reply: { subscribe: text, scan: '' } })],
        ['followUp', campaignBody({ followUp: text })],
        ['stampProgress', campaignBody({ stamps: ['k1'], stampProgress: text })],
        ['stampComplete', campaignBody({ stamps: ['k1'], stampComplete: text })],
      ]
    }
    for (const bad of NOT_IN_A_TEXT) {
      for (const [field, body] of withText(`第一行${bad[1]}第二行`)) {
        await refuses(c, made.id, body, field, bad, 'lines')
      }
    }
    expect((await relay.store.campaigns.listCampaigns()).length).toBe(1)
    expect((await relay.store.campaigns.getCampaign(made.id))?.campaign).toEqual(made)

    for (const lines of ['谢谢关注！\n签到成功 🎉', 'Thanks!\r\nSee you at booth B']) {
      for (const [field, body] of withText(lines)) {
        const put = await c.call('PUT', `/console/api/campaigns/${made.id}`, body)
        expect(put.status, `${field} ${put.text}`).toBe(200)
      }
    }
  })

  it('takes Chinese, English, emoji and right-to-left names as typed', async () => {
    const relay = await bed.relayOn(bed.placeFor(backend))
    const c = await signIn(relay)
    for (const name of GOOD_NAMES) {
      const made = await createCampaign(c, { name, tag: name.slice(0, 8) })
      expect(made.name).toBe(name)
      const put = await c.call('PUT', `/console/api/campaigns/${made.id}`, campaignBody({ name }))
      expect(put.status, put.text).toBe(200)
    }
  })

  it('still reads and sends a campaign stored before with such characters', async () => {
    const relay = await bed.relayOn(bed.placeFor(backend))
    const token = await relay.addKiosk('k1')
    const c = await signIn(relay)
    const name = '春季\u202e展\u0085'
    // Before 2026-12-03 the texts WeChat gets took what XML cannot carry too: Word's line break
    // (U+000B) in a reply, a bell in the follow-up, half an emoji in a rally text.
    const stored = {
      ...campaignBody({
        name,
        reply: { subscribe: 'a\u007fb', scan: '签到\u000b成功' },
        followUp: 'hi\u0007',
        stamps: ['k1'],
        stampComplete: 'done \ud83c',
      }),
      id: 'c-old',
      screenKey: 'k'.repeat(43),
    }
    expect(await relay.store.campaigns.createCampaign(stored, 0)).not.toBeNull()
    const read = await c.call('GET', '/console/api/campaigns/c-old')
    expect(read.status, read.text).toBe(200)
    expect(consoleCampaignSchema.parse(read.json)).toEqual(stored)
    const list = await c.call('GET', '/console/api/campaigns')
    expect(list.status, list.text).toBe(200)
    await assign(c, 'k1', 'c-old')
    const k = await KioskClient.hello(relay.url, token, { kioskId: 'k1' })
    bed.cleanups.push(() => k.close())
    await k.waitFor((f) => f.type === 'campaign')
    const frame = k.frames.find((f) => f.type === 'campaign')
    expect(frame?.type === 'campaign' && frame.campaign?.name).toBe(name)
    // Its scans are stored and reach the booth; the reply XML cannot carry is left out.
    const push = await postPush(relay.url, scanXml('o1', 'k1:n1'))
    expect(push.status, push.body).toBe(200)
    await k.waitForScans(1)
    // Saving it again is new input: the form is told which field to fix.
    const put = await c.call('PUT', '/console/api/campaigns/c-old', campaignBody({ name }))
    expect(put.status).toBe(400)
    expect(message(put)).toBe(`name: ${LINE_TEXT_MESSAGE}`)
  })

  it("refuses each class in a draw's prize, drawing nothing; takes emoji and Chinese", async () => {
    const relay = await bed.relayOn(bed.placeFor(backend))
    const c = await signIn(relay)
    const campaign = await createCampaign(c)
    await checkIn(relay.store, campaign.id, visitors(3))
    const path = `/console/api/campaigns/${campaign.id}/draws`
    for (const [why, ch] of NOT_IN_A_NAME) {
      const a = await c.call('POST', path, { prize: `一等奖${ch}iPhone`, count: 1 })
      expect(a.status, why).toBe(400)
      expect(errorCode(a), why).toBe('bad_request')
      expect(message(a), why).toBe(`prize: ${LINE_TEXT_MESSAGE}`)
    }
    expect(await relay.store.draws.list(campaign.id)).toEqual([])
    const good = await c.call('POST', path, { prize: '🎁 一等奖 First prize', count: 1 })
    expect(good.status, good.text).toBe(201)
    expect((await relay.store.draws.list(campaign.id)).map((d) => d.prize)).toEqual([
      '🎁 一等奖 First prize',
    ])
  })
})

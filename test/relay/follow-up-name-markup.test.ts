/**
 * Attack: a registrant types WeChat link markup as their name in the event's sign-up form
 * (`<a href="http://evil.example/">领取奖品</a>`); the organizer imports the sign-up sheet as the
 * roster; the desk checks them in and the relay's follow-up "{name}，欢迎光临" goes out from the
 * organizer's official account. WeChat renders `<a href>` in a text message as a link showing
 * only its words, so the account would send a disguised link to whoever the name belongs to
 * (and the attacker can register many names). The name is put in as text: its angle brackets
 * become full-width ones, which WeChat shows as typed; the organizer's own template keeps its
 * links.
 */
import { describe, expect, it } from 'vitest'
import { assign, createCampaign, relayTestBed } from './campaign-helpers'
import { boothCodes, report, sandboxRelay, scanAll, waitFor } from './follow-up-helpers'

const bed = relayTestBed()
const FAST = { tickMs: 50, backoffMs: 100, maxBackoffMs: 400 }

describe('a roster name in a follow-up text', () => {
  it('cannot put a link into the message the official account sends', async () => {
    const { sandbox, relay, c } = await sandboxRelay(bed, FAST)
    const campaign = await createCampaign(c, {
      mode: 'desk',
      followUp: '{name}，欢迎光临 <a href="https://expo.example/">展会指南</a>',
    })
    const evil = '<a href="http://evil.example/">领取奖品</a>'
    await relay.store.campaigns.replaceRoster(campaign.id, [
      { id: 'r1', name: evil, company: '', phone: '', code: 'C1' },
    ])
    await relay.addKiosk('desk-a')
    await assign(c, 'desk-a', campaign.id)
    await scanAll(sandbox, await boothCodes(sandbox, ['desk-a']), ['oguest'], 1)
    await relay.store.campaigns.putBinding(campaign.id, {
      registrationId: 'r1',
      openid: 'oguest',
      at: Date.now(),
    })
    await waitFor('sent', async () => (await report(c, campaign.id)).counts.sent === 1)
    const texts = sandbox.users.messages().map((m) => m.text)
    expect(texts).toEqual([
      '＜a href="http://evil.example/"＞领取奖品＜/a＞，欢迎光临 <a href="https://expo.example/">展会指南</a>',
    ])
    // Only the organizer's link is markup.
    expect(texts[0]?.match(/<a\s/g)).toHaveLength(1)
  })
})

/**
 * A follow-up with `{name}` reaches visitors who have no name too: anyone at a booth, and at a
 * desk a guest no desk bound (scanned the desk's general code, or is not on the roster). The
 * relay filled `{name}` empty, so they read "，欢迎光临" and "Hi , thanks for visiting". They are
 * greeted as 嘉宾 (a line in Chinese) or Guest (any other line) instead, and a registered guest
 * the desk bound still reads their own name.
 */
import { describe, expect, it } from 'vitest'
import { assign, createCampaign, relayTestBed } from './campaign-helpers'
import { boothCodes, report, sandboxRelay, scanAll, waitFor } from './follow-up-helpers'
import { fillFollowUp } from '../../shared/wechat/follow-up'

const bed = relayTestBed()
// The desk's wait for a binding kept short: the unbound guest is sent after it.
const FAST = { tickMs: 50, backoffMs: 100, maxBackoffMs: 400, nameWaitMs: 300 }
const BILINGUAL = '{name}，欢迎光临\nHi {name}, thanks for visiting No. {number}'

describe('a follow-up naming a visitor who has no name', () => {
  it('fills the name in each line’s language, and the number as ever', () => {
    expect(fillFollowUp(BILINGUAL, { name: undefined, number: 7 })).toBe(
      '嘉宾，欢迎光临\nHi Guest, thanks for visiting No. 7',
    )
    expect(fillFollowUp('尊敬的{name}：\r\nDear {name},', { name: undefined, number: 1 })).toBe(
      '尊敬的嘉宾：\r\nDear Guest,',
    )
    // A line with no words of its own goes by the whole text.
    expect(fillFollowUp('{name}：\n感谢光临', { name: undefined, number: 1 })).toBe(
      '嘉宾：\n感谢光临',
    )
    expect(fillFollowUp('{name},\nthanks', { name: undefined, number: 1 })).toBe('Guest,\nthanks')
    // A registered name as ever, as words (never markup).
    expect(fillFollowUp(BILINGUAL, { name: '<b>韩梅梅</b>', number: 2 })).toBe(
      '＜b＞韩梅梅＜/b＞，欢迎光临\nHi ＜b＞韩梅梅＜/b＞, thanks for visiting No. 2',
    )
  })

  it.each(['booth', 'desk'] as const)(
    'at a %s, greets the unnamed visitor as 嘉宾 / Guest and the bound guest by name',
    async (mode) => {
      const { sandbox, relay, c } = await sandboxRelay(bed, FAST)
      const campaign = await createCampaign(c, { mode, followUp: BILINGUAL })
      await relay.store.campaigns.replaceRoster(campaign.id, [
        { id: 'r1', name: '韩梅梅', company: '', phone: '', code: 'C1' },
      ])
      // Bound before the scan: named at once. The other visitor no desk binds.
      await relay.store.campaigns.putBinding(campaign.id, {
        registrationId: 'r1',
        openid: 'oguest',
        at: Date.now(),
      })
      await relay.addKiosk('booth-a')
      await assign(c, 'booth-a', campaign.id)
      await scanAll(sandbox, await boothCodes(sandbox, ['booth-a']), ['oguest', 'opasserby'], 1)
      await waitFor('both sent', async () => (await report(c, campaign.id)).counts.sent === 2)
      const texts = new Map(sandbox.users.messages().map((m) => [m.openid, m.text]))
      expect(texts).toEqual(
        new Map([
          ['oguest', '韩梅梅，欢迎光临\nHi 韩梅梅, thanks for visiting No. 1'],
          ['opasserby', '嘉宾，欢迎光临\nHi Guest, thanks for visiting No. 2'],
        ]),
      )
    },
  )
})

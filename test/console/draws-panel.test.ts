// @vitest-environment happy-dom
// The console's 抽奖 / Draws panel (issue 21): it sends the form as the contract's draw request,
// shows the relay's answer (roster name, else 来宾 #n; OpenIDs masked until asked), says "not
// enough eligible" on a 409 ("only N eligible" when the relay says how many; a redraw's 409
// without a count: already replaced or not a current winner), redraws only after an inline
// confirm, shows markup in a prize or a name as text, and links the winners sheet (saying, in
// WeChat's built-in browser, where downloads do not work, to open the console in a browser).
import { enableAutoUnmount, flushPromises, type VueWrapper } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { ConsoleApiError } from '../../console/src/api/errors'
import DrawsPanel from '../../console/src/components/DrawsPanel.vue'
import type { DrawAnswer } from '../../shared/screen-api'
import { useSessionStore } from '../../console/src/stores/session'
import { createFakeConsoleApi } from './fake-console-api'
import { WECHAT_IOS_UA, WECHAT_WINDOWS_UA } from '../helpers/wechat-user-agents'
import { mountConsole } from './setup-console'

enableAutoUnmount(afterEach)

/** The panel as a campaign's editor holds it: a new one per campaign (CampaignsPage keys it). */
const EditorOf = defineComponent({
  props: { id: { type: String, required: true } },
  setup: (props) => () => h(DrawsPanel, { key: props.id, campaignId: props.id }),
})

function record(over: Partial<DrawAnswer> = {}): DrawAnswer {
  return {
    id: 'd-1',
    campaignId: 'c1',
    prize: '一等奖',
    at: Date.UTC(2026, 11, 2, 6, 0),
    organizer: 'alice',
    excludeWinners: true,
    rosterOnly: false,
    eligibleCount: 200,
    eligibleHash: 'a'.repeat(64),
    rng: '00000001',
    winners: [
      { openid: 'oAbcdefghijklmnop1234', number: 7, name: null, replacedAt: null },
      { openid: 'oZyxwvutsrqponml9876', number: 12, name: '<b>张三</b>', replacedAt: null },
    ],
    redraws: [],
    replaced: [],
    ...over,
  }
}

/** A draw, and the same draw once its first winner was replaced by `openid` (来宾 #`number`). */
function replacedDraw(openid: string, number: number) {
  const first = record()
  const [gone, stays] = first.winners
  if (!gone || !stays) throw new Error('fixture')
  const now = record({
    winners: [{ openid, number, name: null, replacedAt: null }, stays],
    replaced: [{ ...gone, replacedAt: first.at + 1000 }],
  })
  return { first, gone, stays, now }
}

/** Presses 重抽 on the winner `openid`, then its inline confirm; returns the row's selector. */
async function redrawConfirmed(wrapper: Pick<VueWrapper, 'get'>, openid: string): Promise<string> {
  const row = `[data-openid="${openid}"]`
  await wrapper.get(`${row} [data-testid="draw-redraw"]`).trigger('click')
  await wrapper.get(`${row} [data-testid="draw-redraw-confirm"]`).trigger('click')
  return row
}

/**
 * The panel on campaign c1 in `locale`, reading the draws as `fake` answers them, the relay
 * refusing the redraw with `refusal`: 重抽 and its confirm pressed on `openid`'s row.
 */
async function refusedRedraw(
  fake: ReturnType<typeof createFakeConsoleApi>,
  refusal: ConsoleApiError,
  openid: string,
  locale: 'zh-CN' | 'en' = 'zh-CN',
) {
  fake.api.redraw.mockRejectedValueOnce(refusal)
  const { wrapper, i18n } = mountConsole(DrawsPanel, fake.api, { props: { campaignId: 'c1' } })
  i18n.global.locale.value = locale
  await flushPromises()
  const row = await redrawConfirmed(wrapper, openid)
  await flushPromises()
  return { wrapper, row }
}

describe('the draws panel', () => {
  it('writes each draw’s time in the relay’s time zone, as the winners sheet does', async () => {
    // The panel said the browser's time while the winners sheet the relay writes says its own.
    const at = (timeZone?: string) =>
      new Intl.DateTimeFormat('en-US', { hour: '2-digit', hourCycle: 'h23', timeZone }).format(
        Date.UTC(2026, 11, 2, 6, 0),
      )
    const zone = at('Asia/Shanghai') === at() ? 'America/New_York' : 'Asia/Shanghai'
    const fake = createFakeConsoleApi()
    fake.api.draws.mockResolvedValue([record()])
    const { wrapper } = mountConsole(DrawsPanel, fake.api, { props: { campaignId: 'c1' } })
    // The zone as the session answer names it: the panel reads no days list to learn it.
    useSessionStore().info = { name: 'alice', expiresAt: 0, timeZone: zone }
    await flushPromises()
    expect(fake.api.statsDays).not.toHaveBeenCalled()
    const meta = wrapper.get('[data-testid="draw"] .meta')
    expect(meta.text()).toContain(
      zone === 'Asia/Shanghai' ? '2026/12/02 14:00' : '2026/12/02 01:00',
    )
    expect(meta.attributes('title')).toBe(`时间按中继的时区 ${zone}，与下载的中奖名单一致`)
    // Seen too, not only in a title a touch screen cannot reach: once, above the draws.
    expect(wrapper.findAll('[data-testid="draws-zone"]')).toHaveLength(1)
    expect(wrapper.get('[data-testid="draws-zone"]').text()).toBe(`时间按 ${zone}`)
  })

  it('says the pool is every day’s check-ins, not today’s, in both languages', async () => {
    // On day 2 of a fair an organizer read "visitors checked in to this campaign" as today's,
    // while the relay draws among everyone with a check-in number, and excludes every earlier
    // draw's winners (day 1's too).
    for (const [locale, days, winners] of [
      ['zh-CN', '所有日期', '前几天的中奖者'],
      ['en', 'on any of its days', 'earlier days’ winners'],
    ] as const) {
      const fake = createFakeConsoleApi()
      const { wrapper, i18n } = mountConsole(DrawsPanel, fake.api, { props: { campaignId: 'c1' } })
      i18n.global.locale.value = locale
      await flushPromises()
      const hint = wrapper.get('[data-testid="draws-hint"]').text()
      expect(hint).toContain(days)
      expect(hint).toContain(winners)
      wrapper.unmount()
    }
  })

  it('names no relay zone it cannot write times in (a POSIX TZ such as CST-8)', async () => {
    const fake = createFakeConsoleApi()
    fake.api.draws.mockResolvedValue([record()])
    const { wrapper } = mountConsole(DrawsPanel, fake.api, { props: { campaignId: 'c1' } })
    useSessionStore().info = { name: 'alice', expiresAt: 0, timeZone: 'CST-8' }
    await flushPromises()
    // Written in the browser's zone, as the title then must not claim the relay's.
    const meta = wrapper.get('[data-testid="draw"] .meta')
    expect(meta.attributes('title')).toBeUndefined()
    expect(wrapper.find('[data-testid="draws-zone"]').exists()).toBe(false)
    expect(wrapper.text()).not.toContain('CST-8')
  })

  it('draws with the form, shows the winners, masks OpenIDs until asked', async () => {
    const fake = createFakeConsoleApi()
    fake.api.makeDraw.mockResolvedValueOnce(record())
    const { wrapper } = mountConsole(DrawsPanel, fake.api, { props: { campaignId: 'c1' } })
    await flushPromises()
    expect(fake.api.draws).toHaveBeenCalledWith('c1')
    expect(wrapper.text()).toContain('还没有抽奖记录')
    await wrapper.get('[data-testid="draw-prize"]').setValue('  一等奖 ')
    await wrapper.get('[data-testid="draw-count"]').setValue('2')
    await wrapper.get('[data-testid="draw-roster-only"]').setValue(true)
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.api.makeDraw).toHaveBeenCalledWith('c1', {
      prize: '一等奖',
      count: 2,
      excludeWinners: true,
      rosterOnly: true,
      roundsBefore: 0,
    })
    const names = wrapper.findAll('[data-testid="draw-winner-name"]').map((w) => w.text())
    expect(names).toEqual(['来宾 #7', '<b>张三</b>'])
    expect(wrapper.find('b').exists()).toBe(false)
    expect(wrapper.text()).not.toContain('oAbcdefghijklmnop1234')
    expect(wrapper.text()).toContain('oAbc…1234')
    await wrapper.get('[data-testid="draw-show-openids"]').setValue(true)
    expect(wrapper.text()).toContain('oAbcdefghijklmnop1234')
    expect(wrapper.get('[data-testid="draw-export-csv"]').attributes('href')).toBe(
      '/console/api/campaigns/c1/draws/d-1/winners?format=csv',
    )
    // What shows the draw was fair: the record to download, the pool's fingerprint on show.
    const recordLink = wrapper.get('[data-testid="draw-export-record"]')
    expect(recordLink.attributes('href')).toBe('/console/api/campaigns/c1/draws/d-1/record')
    expect(recordLink.text()).toBe('抽奖核验记录 (JSON)')
    expect(recordLink.attributes('title')).toContain(record().eligibleHash)
    expect(wrapper.get('[data-testid="draw-pool-hash"]').text()).toBe(
      `名单 SHA-256 ${record().eligibleHash.slice(0, 12)}…`,
    )
  })

  it.each(['zh-CN', 'en'] as const)(
    '%s: a screen reader hears a round drawn once, with its prize and how many won',
    async (locale) => {
      const fake = createFakeConsoleApi()
      fake.api.makeDraw.mockResolvedValueOnce(record())
      const { wrapper, i18n } = mountConsole(DrawsPanel, fake.api, { props: { campaignId: 'c1' } })
      i18n.global.locale.value = locale
      await flushPromises()
      const news = () => wrapper.get('[data-testid="draw-news"]')
      // There before the draw (a region added with its words is often not read), and quiet.
      expect(news().attributes('role')).toBe('status')
      expect(news().text()).toBe('')
      await wrapper.get('[data-testid="draw-prize"]').setValue('一等奖')
      await wrapper.get('[data-testid="draw-count"]').setValue('2')
      await wrapper.get('form').trigger('submit')
      await flushPromises()
      expect(news().text()).toBe(
        i18n.global.t('campaigns.draws.drawnNews', { prize: '一等奖', n: '2' }, 2),
      )
      expect(news().text()).toContain('一等奖')
    },
  )

  it('offers each winners sheet as Excel (XLSX) first, as the console’s other downloads', async () => {
    // CSV came first, and XLSX was named so: the attendance page offers 下载 Excel first, the
    // draws panel offered the same two kinds of file the other way round, under other names.
    const fake = createFakeConsoleApi()
    fake.api.draws.mockResolvedValue([record()])
    const { wrapper } = mountConsole(DrawsPanel, fake.api, { props: { campaignId: 'c1' } })
    await flushPromises()
    const links = wrapper.get('[data-draw="d-1"] .links').findAll('a')
    expect(links.map((a) => [a.text(), a.attributes('href')])).toEqual([
      ['Excel', '/console/api/campaigns/c1/draws/d-1/winners?format=xlsx'],
      ['CSV', '/console/api/campaigns/c1/draws/d-1/winners?format=csv'],
    ])
  })

  it('says why the draw button is greyed out: no prize, then a count out of range', async () => {
    const fake = createFakeConsoleApi()
    const { wrapper } = mountConsole(DrawsPanel, fake.api, { props: { campaignId: 'c1' } })
    await flushPromises()
    const button = () => wrapper.get('[data-testid="draw-start"]')
    const missing = () => wrapper.find('[data-testid="draw-missing"]')
    expect(button().attributes('disabled')).toBeDefined()
    expect(missing().text()).toBe('填写奖项后即可抽奖')
    expect(button().attributes('aria-describedby')).toBe(missing().attributes('id'))
    await wrapper.get('[data-testid="draw-prize"]').setValue('一等奖')
    expect(missing().exists()).toBe(false)
    expect(button().attributes('disabled')).toBeUndefined()
    await wrapper.get('[data-testid="draw-count"]').setValue('0')
    expect(missing().text()).toMatch(/^中奖人数须为 1–\d+ 的整数$/)
    expect(button().attributes('disabled')).toBeDefined()
  })

  it('greys the draw button out for a prize holding a control or bidi control character', async () => {
    const fake = createFakeConsoleApi()
    const { wrapper } = mountConsole(DrawsPanel, fake.api, { props: { campaignId: 'c1' } })
    await flushPromises()
    const button = () => wrapper.get('[data-testid="draw-start"]')
    const missing = () => wrapper.find('[data-testid="draw-missing"]')
    for (const ch of ['\u0000', '\t', '\u0085', '\u202e', '\u2066']) {
      await wrapper.get('[data-testid="draw-prize"]').setValue(`一等奖${ch}iPhone`)
      expect(button().attributes('disabled'), JSON.stringify(ch)).toBeDefined()
      expect(missing().text()).toBe('奖项名称不能包含控制字符或文字方向控制符')
      await wrapper.get('form').trigger('submit')
    }
    expect(fake.api.makeDraw).not.toHaveBeenCalled()
    await wrapper.get('[data-testid="draw-prize"]').setValue('🎁 一等奖 First prize')
    expect(missing().exists()).toBe(false)
    expect(button().attributes('disabled')).toBeUndefined()
  })

  it('a prize another organizer drew moments ago (not yet listed here) is asked about, not drawn', async () => {
    // Two laptops at the stage: the other one drew 一等奖 after this panel's last read. The
    // press reads the draws first and asks "again?" instead of drawing the prize twice.
    const fake = createFakeConsoleApi()
    fake.api.draws.mockResolvedValueOnce([]).mockResolvedValue([record({ organizer: 'bob' })])
    const { wrapper } = mountConsole(DrawsPanel, fake.api, { props: { campaignId: 'c1' } })
    await flushPromises()
    await wrapper.get('[data-testid="draw-prize"]').setValue('一等奖')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.api.makeDraw).not.toHaveBeenCalled()
    expect(wrapper.get('[data-testid="draw-again"]').text()).toContain('bob')
    fake.api.makeDraw.mockResolvedValueOnce(record({ id: 'd-2' }))
    await wrapper.get('[data-testid="draw-again-confirm"]').trigger('click')
    await flushPromises()
    expect(fake.api.makeDraw).toHaveBeenCalledTimes(1)
  })

  it('another organizer’s round stored first (409 drawn_meanwhile): reads the draws, says so, draws nothing', async () => {
    // Two laptops press Draw for 一等奖 at the same moment: both read no round, both send
    // roundsBefore 0; the relay draws one and refuses the other, which shows the round drawn
    // and asks "again?" on the next press (then sending the one round it now knows of).
    for (const [locale, text] of [
      ['zh-CN', '其他组织者刚刚抽了「一等奖」（见下方），这次没有抽奖；如需再抽一轮，请再按一次'],
      [
        'en',
        'Another organizer just drew “一等奖” (below); nothing was drawn now. Press again to draw another round',
      ],
    ] as const) {
      const fake = createFakeConsoleApi()
      const theirs = record({ id: 'd-bob', organizer: 'bob' })
      // Read on opening, before the draw, and after the refusal.
      fake.api.draws.mockResolvedValueOnce([]).mockResolvedValueOnce([]).mockResolvedValue([theirs])
      fake.api.makeDraw.mockRejectedValueOnce(new ConsoleApiError('drawn_meanwhile', 409))
      const { wrapper, i18n } = mountConsole(DrawsPanel, fake.api, { props: { campaignId: 'c1' } })
      i18n.global.locale.value = locale
      await flushPromises()
      await wrapper.get('[data-testid="draw-prize"]').setValue('一等奖')
      await wrapper.get('form').trigger('submit')
      await flushPromises()
      expect(fake.api.makeDraw).toHaveBeenCalledWith('c1', {
        prize: '一等奖',
        count: 1,
        excludeWinners: true,
        rosterOnly: false,
        roundsBefore: 0,
      })
      expect(fake.api.draws).toHaveBeenCalledTimes(3)
      expect(wrapper.get('[data-testid="draw-error"]').text()).toBe(text)
      expect(wrapper.find('[data-draw="d-bob"]').exists()).toBe(true)
      expect(wrapper.find('[data-testid="draw-news"]').text()).toBe('')
      await wrapper.get('form').trigger('submit')
      await flushPromises()
      expect(wrapper.get('[data-testid="draw-again"]').text()).toContain('bob')
      fake.api.makeDraw.mockResolvedValueOnce(record({ id: 'd-2' }))
      await wrapper.get('[data-testid="draw-again-confirm"]').trigger('click')
      await flushPromises()
      expect(fake.api.makeDraw).toHaveBeenLastCalledWith(
        'c1',
        expect.objectContaining({ prize: '一等奖', roundsBefore: 1 }),
      )
      wrapper.unmount()
    }
  })

  it('an answer lost on the way back: reads the draws again, says it was drawn, and asks before another', async () => {
    // The relay drew and stored the round, then the venue Wi-Fi dropped its answer: a second
    // press must not draw the prize again on the big screen without the "again?" question.
    const fake = createFakeConsoleApi()
    const made = record({ id: 'd-lost', prize: '一等奖' })
    // Read on opening, before the draw, and after it failed.
    fake.api.draws.mockResolvedValueOnce([]).mockResolvedValueOnce([]).mockResolvedValue([made])
    fake.api.makeDraw.mockRejectedValueOnce(new ConsoleApiError('network', 0))
    const { wrapper } = mountConsole(DrawsPanel, fake.api, { props: { campaignId: 'c1' } })
    await flushPromises()
    await wrapper.get('[data-testid="draw-prize"]').setValue('一等奖')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.api.draws).toHaveBeenCalledTimes(3)
    expect(wrapper.get('[data-testid="draw-error"]').text()).toBe(
      '连接中断，但「一等奖」这一轮已经抽出并保存（见下方），抽奖大屏会播放它；无需重抽',
    )
    expect(wrapper.find('[data-draw="d-lost"]').exists()).toBe(true)
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.find('[data-testid="draw-again"]').exists()).toBe(true)
    expect(fake.api.makeDraw).toHaveBeenCalledTimes(1)
  })

  it('an answer lost with no draw stored: says so, and the next press draws', async () => {
    const fake = createFakeConsoleApi()
    fake.api.makeDraw
      .mockRejectedValueOnce(new ConsoleApiError('network', 0))
      .mockResolvedValueOnce(record())
    const { wrapper } = mountConsole(DrawsPanel, fake.api, { props: { campaignId: 'c1' } })
    await flushPromises()
    await wrapper.get('[data-testid="draw-prize"]').setValue('一等奖')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.api.draws).toHaveBeenCalledTimes(3)
    expect(wrapper.get('[data-testid="draw-error"]').text()).toBe(
      '无法连接中继服务器，请检查网络。列表已重新读取，其中没有这一轮',
    )
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.api.makeDraw).toHaveBeenCalledTimes(2)
  })

  it('an answer lost and the draws unreadable too: says the round may have been drawn', async () => {
    const fake = createFakeConsoleApi()
    fake.api.draws
      .mockResolvedValueOnce([])
      .mockResolvedValueOnce([])
      .mockRejectedValueOnce(new ConsoleApiError('network', 0))
    fake.api.makeDraw.mockRejectedValueOnce(new ConsoleApiError('internal', 502))
    const { wrapper, i18n } = mountConsole(DrawsPanel, fake.api, { props: { campaignId: 'c1' } })
    i18n.global.locale.value = 'en'
    await flushPromises()
    await wrapper.get('[data-testid="draw-prize"]').setValue('First prize')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid="draw-error"]').text()).toBe(
      'The server failed; try again shortly. This round may have been drawn: once connected, check the list below before drawing again',
    )
  })

  it('says there are not enough eligible visitors on a 409', async () => {
    const fake = createFakeConsoleApi()
    fake.api.makeDraw.mockRejectedValueOnce(new ConsoleApiError('conflict', 409))
    const { wrapper } = mountConsole(DrawsPanel, fake.api, { props: { campaignId: 'c1' } })
    await flushPromises()
    await wrapper.get('[data-testid="draw-prize"]').setValue('奖')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid="draw-error"]').text()).toBe('符合条件的访客不足这么多人')
  })

  it('says how many were eligible when the relay tells it', async () => {
    const fake = createFakeConsoleApi()
    fake.api.makeDraw.mockRejectedValueOnce(new ConsoleApiError('conflict', 409, null, 3))
    const { wrapper } = mountConsole(DrawsPanel, fake.api, { props: { campaignId: 'c1' } })
    await flushPromises()
    await wrapper.get('[data-testid="draw-prize"]').setValue('奖')
    await wrapper.get('[data-testid="draw-count"]').setValue('5')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid="draw-error"]').text()).toBe(
      '只有 3 位访客符合条件，不足这么多人',
    )
  })

  it('with no one eligible (no scan yet), says what a draw picks from', async () => {
    const fake = createFakeConsoleApi()
    fake.api.makeDraw.mockRejectedValueOnce(new ConsoleApiError('conflict', 409, null, 0))
    const { wrapper } = mountConsole(DrawsPanel, fake.api, { props: { campaignId: 'c1' } })
    await flushPromises()
    await wrapper.get('[data-testid="draw-prize"]').setValue('奖')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid="draw-error"]').text()).toBe(
      '没有符合条件的访客：抽奖从在本活动签到台扫码签到过的访客中抽取，还没有人签到（或都已中奖、不在名单中）。',
    )
  })

  it('in English: "only 1 eligible visitor", "no eligible visitors"', async () => {
    for (const [n, text] of [
      [1, 'Only 1 eligible visitor: not enough for that many winners'],
      [
        0,
        'No eligible visitors: a draw picks from visitors who scanned at this campaign’s booths, and none has yet (or all have won, or are not on the roster).',
      ],
      [1234, 'Only 1,234 eligible visitors: not enough for that many winners'],
    ] as const) {
      const fake = createFakeConsoleApi()
      fake.api.makeDraw.mockRejectedValueOnce(new ConsoleApiError('conflict', 409, null, n))
      const { wrapper, i18n } = mountConsole(DrawsPanel, fake.api, { props: { campaignId: 'c1' } })
      i18n.global.locale.value = 'en'
      await flushPromises()
      await wrapper.get('[data-testid="draw-prize"]').setValue('Prize')
      await wrapper.get('form').trigger('submit')
      await flushPromises()
      expect(wrapper.get('[data-testid="draw-error"]').text()).toBe(text)
      wrapper.unmount()
    }
  })

  it('redraws a winner only after the inline confirm, and shows the replaced one', async () => {
    const fake = createFakeConsoleApi()
    // The new winner in the place of the one replaced; that one listed apart.
    const { first, gone, stays, now } = replacedDraw('oNewWinner000000000', 99)
    fake.api.draws.mockResolvedValueOnce([first])
    fake.api.redraw.mockResolvedValueOnce(now)
    const { wrapper } = mountConsole(DrawsPanel, fake.api, { props: { campaignId: 'c1' } })
    await flushPromises()
    const row = `[data-openid="${gone.openid}"]`
    await wrapper.get(`${row} [data-testid="draw-redraw"]`).trigger('click')
    expect(fake.api.redraw).not.toHaveBeenCalled()
    expect(wrapper.get(row).text()).toContain('不在场，确定重抽一位替换？')
    await wrapper.get(`${row} [data-testid="draw-redraw-confirm"]`).trigger('click')
    await flushPromises()
    expect(fake.api.redraw).toHaveBeenCalledWith('c1', 'd-1', gone.openid)
    expect(wrapper.get(row).text()).toContain('已替换')
    const shown = wrapper.findAll('[data-testid="draw-winner"]')
    expect(shown.map((w) => w.attributes('data-openid'))).toEqual([
      'oNewWinner000000000',
      stays.openid,
      gone.openid,
    ])
    expect(wrapper.findAll('[data-testid="draw-redraw"]')).toHaveLength(2)
  })

  it('a redraw whose answer is lost: reads the draws again and says the winner was replaced', async () => {
    // The relay redrew (the draw screen shows the new winner), the Wi-Fi lost the answer: the
    // panel must not keep offering to redraw the absent one as if nothing happened.
    const fake = createFakeConsoleApi()
    const { first, gone, now } = replacedDraw('oNewWinner000000000', 40)
    fake.api.draws.mockResolvedValueOnce([first]).mockResolvedValue([now])
    const { wrapper, row } = await refusedRedraw(
      fake,
      new ConsoleApiError('network', 0),
      gone.openid,
    )
    expect(fake.api.draws).toHaveBeenCalledTimes(2)
    expect(wrapper.get('[data-testid="draw-error"]').text()).toBe(
      '连接中断，但已重抽：来宾 #7 已被替换（见下方），抽奖大屏会播放新的中奖者',
    )
    expect(wrapper.get(row).text()).toContain('已替换')
  })

  it('a redraw whose answer is lost before the relay redrew: says the winner still stands', async () => {
    const fake = createFakeConsoleApi()
    const first = record()
    fake.api.draws.mockResolvedValue([first])
    const { wrapper, row } = await refusedRedraw(
      fake,
      new ConsoleApiError('network', 0),
      first.winners[0]?.openid ?? '',
      'en',
    )
    expect(wrapper.get('[data-testid="draw-error"]').text()).toBe(
      'Cannot reach the relay server; check the network. The draws were read again: Guest #7 still stands, nothing was redrawn',
    )
    expect(wrapper.find(`${row} [data-testid="draw-redraw"]`).exists()).toBe(true)
  })

  it('a winner another organizer replaced meanwhile: says so and shows the draw as it now is', async () => {
    const fake = createFakeConsoleApi()
    const { first, gone, now } = replacedDraw('oOtherPick00000000', 40)
    fake.api.draws.mockResolvedValueOnce([first]).mockResolvedValueOnce([now])
    // The relay's answer: the openid is no longer a current winner of this draw.
    const { wrapper, row } = await refusedRedraw(
      fake,
      new ConsoleApiError('conflict', 409),
      gone.openid,
    )
    const error = wrapper.get('[data-testid="draw-error"]').text()
    expect(error).not.toBe('符合条件的访客不足这么多人')
    expect(error).toContain('已被替换')
    expect(wrapper.get(row).text()).toContain('已替换')
    expect(wrapper.find('[data-openid="oOtherPick00000000"]').exists()).toBe(true)
  })

  it('a redraw with no one left to draw says there are not enough eligible (0)', async () => {
    const fake = createFakeConsoleApi()
    const first = record()
    fake.api.draws.mockResolvedValue([first])
    // The relay's too-few 409 for a redraw carries `eligible` (0: no one left).
    const { wrapper } = await refusedRedraw(
      fake,
      new ConsoleApiError('conflict', 409, null, 0),
      first.winners[0]?.openid ?? '',
    )
    expect(wrapper.get('[data-testid="draw-error"]').text()).toBe(
      '只有 0 位访客符合条件，不足这么多人',
    )
  })

  it('a redraw refused as not a current winner, still shown standing, is not called too few', async () => {
    // The relay's other 409 ('not a current winner of this draw') has no `eligible`; the
    // draws read again may still show the winner standing (a read that lags the refusal).
    for (const [locale, text] of [
      ['zh-CN', '来宾 #7 已被替换，或不是这次抽奖的当前中奖者；列表已更新'],
      [
        'en',
        'Guest #7 was already replaced or is not a current winner of this draw; the list is up to date',
      ],
    ] as const) {
      const fake = createFakeConsoleApi()
      const first = record()
      fake.api.draws.mockResolvedValue([first])
      const { wrapper } = await refusedRedraw(
        fake,
        new ConsoleApiError('conflict', 409),
        first.winners[0]?.openid ?? '',
        locale,
      )
      expect(wrapper.get('[data-testid="draw-error"]').text()).toBe(text)
      wrapper.unmount()
    }
  })
  it('a draw answered after the organizer opened another campaign joins neither its list nor its read', async () => {
    // Two events on one relay, bad Wi-Fi: 春季展's draw is slow; the organizer opens 秋季展.
    const fake = createFakeConsoleApi()
    const spring = record({ id: 'd-spring', campaignId: 'c-spring', prize: '春季一等奖' })
    const autumn = record({
      id: 'd-autumn',
      campaignId: 'c-autumn',
      prize: '秋季大奖',
      winners: [{ openid: 'oAutumnWinner000001', number: 3, name: '李四', replacedAt: null }],
    })
    let drawn: (r: DrawAnswer) => void = () => undefined
    fake.api.makeDraw.mockImplementationOnce(() => new Promise((resolve) => (drawn = resolve)))
    let autumnRead: (r: DrawAnswer[]) => void = () => undefined
    fake.api.draws.mockImplementation((id) =>
      id === 'c-autumn' ? new Promise((resolve) => (autumnRead = resolve)) : Promise.resolve([]),
    )
    const { wrapper } = mountConsole(EditorOf, fake.api, { props: { id: 'c-spring' } })
    await flushPromises()
    await wrapper.get('[data-testid="draw-prize"]').setValue('春季一等奖')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.api.makeDraw).toHaveBeenCalledWith('c-spring', expect.anything())
    await wrapper.setProps({ id: 'c-autumn' })
    await flushPromises()
    drawn(spring)
    await flushPromises()
    autumnRead([autumn])
    await flushPromises()
    const prizes = () => wrapper.findAll('[data-testid="draw-prize-name"]').map((p) => p.text())
    expect(prizes()).toEqual(['秋季大奖'])
    expect(wrapper.find('[data-openid="oAbcdefghijklmnop1234"]').exists()).toBe(false)
    expect(wrapper.find('[data-openid="oAutumnWinner000001"]').exists()).toBe(true)
    // 春季展's draw was stored: back on 春季展, the relay's list has it.
    fake.api.draws.mockImplementation((id) =>
      Promise.resolve(id === 'c-spring' ? [spring] : [autumn]),
    )
    await wrapper.setProps({ id: 'c-spring' })
    await flushPromises()
    expect(prizes()).toEqual(['春季一等奖'])
  })
  it('a redraw refused after the organizer opened another campaign does not bring the first one’s draws back', async () => {
    const fake = createFakeConsoleApi()
    const spring = record({ id: 'd-spring', campaignId: 'c-spring', prize: '春季一等奖' })
    const autumn = record({ id: 'd-autumn', campaignId: 'c-autumn', prize: '秋季大奖' })
    fake.api.draws.mockImplementation((id) =>
      Promise.resolve(id === 'c-spring' ? [spring] : [autumn]),
    )
    let refuse: (e: unknown) => void = () => undefined
    fake.api.redraw.mockImplementationOnce(() => new Promise((_, reject) => (refuse = reject)))
    const { wrapper } = mountConsole(EditorOf, fake.api, { props: { id: 'c-spring' } })
    await flushPromises()
    await redrawConfirmed(wrapper, spring.winners[0]?.openid ?? '')
    await wrapper.setProps({ id: 'c-autumn' })
    await flushPromises()
    // Someone else redrew 春季展's winner meanwhile: the relay's 409.
    refuse(new ConsoleApiError('conflict', 409))
    await flushPromises()
    const prizes = wrapper.findAll('[data-testid="draw-prize-name"]').map((p) => p.text())
    expect(prizes).toEqual(['秋季大奖'])
    expect(fake.api.draws).toHaveBeenLastCalledWith('c-autumn')
  })

  it('says, in WeChat’s built-in browser only, to download the winners from a browser', async () => {
    const wechat = WECHAT_IOS_UA
    const shown = async (userAgent: string, locale: 'zh-CN' | 'en') => {
      const agent = vi.spyOn(navigator, 'userAgent', 'get').mockReturnValue(userAgent)
      try {
        const fake = createFakeConsoleApi()
        fake.api.draws.mockResolvedValue([record()])
        const { wrapper, i18n } = mountConsole(DrawsPanel, fake.api, {
          props: { campaignId: 'c1' },
        })
        i18n.global.locale.value = locale
        await flushPromises()
        expect(wrapper.find('[data-testid="draw-export-csv"]').exists()).toBe(true)
        const hint = wrapper.find('[data-testid="wechat-download-hint"]')
        return hint.exists() ? hint.text() : null
      } finally {
        agent.mockRestore()
      }
    }
    expect(await shown(wechat, 'zh-CN')).toBe(
      '在微信里打开时，文件可能无法下载（安卓）或只能预览（iPhone）。请点击右上角「⋯」选择「在浏览器打开」，在浏览器中登录后再下载。',
    )
    expect(await shown(wechat, 'en')).toMatch(
      /^In WeChat, downloads may not start .*Open in browser/,
    )
    // WeChat's desktop app has no ⋯ to tap: its window's button opens the default browser.
    expect(await shown(WECHAT_WINDOWS_UA, 'zh-CN')).toBe(
      '在电脑版微信或企业微信的窗口里打开时，文件可能无法下载。请点击窗口顶部用默认浏览器打开本页的按钮，在浏览器中登录后再下载。',
    )
    expect(await shown(navigator.userAgent, 'zh-CN')).toBeNull()
  })
})

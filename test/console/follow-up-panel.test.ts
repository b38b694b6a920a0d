// @vitest-environment happy-dom
/**
 * The campaign page's follow-up panel (issue 20): the relay's counts and, per visitor, why they
 * were not tagged or got no follow-up; the client reads the report with its schema.
 */
import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createConsoleApi } from '../../console/src/api/client'
import {
  WECHAT_UNAVAILABLE_ERRCODE,
  followUpReason,
  noFollowUpCounts,
} from '../../shared/follow-up-api'
import FollowUpPanel from '../../console/src/components/FollowUpPanel.vue'
import { createFakeConsoleApi } from './fake-console-api'
import { mountConsole } from './setup-console'

enableAutoUnmount(afterEach)

describe('the follow-up panel', () => {
  it('shows tagged, pending, failed and sent counts, and why a visitor got nothing', async () => {
    const fake = createFakeConsoleApi()
    fake.api.followUp.mockResolvedValue({
      campaignId: 'c1',
      tag: 'expo',
      followUp: true,
      counts: {
        tagged: 297,
        pending: 1,
        failed: 2,
        retagged: 3,
        sent: 290,
        outsideWindow: 1,
        messageFailed: 0,
        messagePending: 0,
      },
      failures: [
        {
          openid: 'o-late',
          what: 'message',
          state: 'outside-window',
          errcode: 0,
          reason: 'processed after the message window (a minute after the scan) had closed',
        },
      ],
    })
    const { wrapper } = mountConsole(FollowUpPanel, fake.api, { props: { campaignId: 'c1' } })
    await flushPromises()
    expect(fake.api.followUp).toHaveBeenCalledWith('c1')
    expect(wrapper.get('[data-testid="follow-up-tagged"]').text()).toBe('297')
    expect(wrapper.get('[data-testid="follow-up-failed"]').text()).toBe('2')
    expect(wrapper.get('[data-testid="follow-up-outsideWindow"]').text()).toBe('1')
    expect(wrapper.text()).toContain('o-late')
    expect(wrapper.text()).toContain('超出')
  })

  it('groups large counts as the rest of the console does (12,345, not 12345)', async () => {
    const fake = createFakeConsoleApi()
    fake.api.followUp.mockResolvedValue({
      campaignId: 'c1',
      tag: 'expo',
      followUp: true,
      counts: { ...noFollowUpCounts(), tagged: 12345, sent: 10240 },
      failures: [],
    })
    const { wrapper, i18n } = mountConsole(FollowUpPanel, fake.api, { props: { campaignId: 'c1' } })
    await flushPromises()
    expect(wrapper.get('[data-testid="follow-up-tagged"]').text()).toBe('12,345')
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(wrapper.get('[data-testid="follow-up-sent"]').text()).toBe('10,240')
  })

  it('words each reason in the console’s language, Chinese first, from its errcode', async () => {
    const fake = createFakeConsoleApi()
    const failure = (
      openid: string,
      what: 'tag' | 'message',
      state: 'failed' | 'outside-window',
      errcode: number,
    ) => ({
      openid,
      what,
      state,
      errcode,
      reason: followUpReason({ what, state, errcode }),
    })
    fake.api.followUp.mockResolvedValue({
      campaignId: 'c1',
      tag: 'expo',
      followUp: true,
      counts: { ...noFollowUpCounts(), failed: 2, outsideWindow: 2 },
      failures: [
        failure('o-stranger', 'tag', 'failed', 40003),
        failure('o-late', 'message', 'outside-window', 0),
        failure('o-quota', 'message', 'outside-window', 45009),
        failure('o-odd', 'tag', 'failed', 40099),
      ],
    })
    const { wrapper, i18n } = mountConsole(FollowUpPanel, fake.api, { props: { campaignId: 'c1' } })
    await flushPromises()
    const rows = (): string[] => wrapper.findAll('.failures li').map((li) => li.text())
    expect(rows()).toHaveLength(4)
    for (const row of rows()) expect(row).not.toMatch(/\b(WeChat|the|window|openid \()\b/)
    expect(rows()[0]).toContain('40003')
    expect(rows()[0]).toContain('取消关注')
    expect(rows()[3]).toContain('40099')
    expect(rows()[2]).toContain('45009')

    i18n.global.locale.value = 'en'
    await flushPromises()
    // 40003 from batchtagging: not (or no longer) a follower, as a visitor who unfollowed is.
    expect(rows()[0]).toContain('not a follower')
    expect(rows()[0]).toContain('(40003)')
    expect(rows()[1]).toContain('processed after the message window')
    expect(rows()[3]).toContain('WeChat errcode 40099')
  })

  it('45015 names both of its causes: the window closed, or the visitor unfollowed', async () => {
    const fake = createFakeConsoleApi()
    const facts = { what: 'message', state: 'outside-window', errcode: 45015 } as const
    fake.api.followUp.mockResolvedValue({
      campaignId: 'c1',
      tag: null,
      followUp: true,
      counts: { ...noFollowUpCounts(), outsideWindow: 1 },
      failures: [{ openid: 'o-gone', ...facts, reason: followUpReason(facts) }],
    })
    const { wrapper, i18n } = mountConsole(FollowUpPanel, fake.api, { props: { campaignId: 'c1' } })
    await flushPromises()
    expect(wrapper.get('.failures li').text()).toContain('取消关注')
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(wrapper.get('.failures li').text()).toContain('unfollowed')
    expect(followUpReason(facts)).toContain('unfollowed')
  })

  it('says why a text WeChat refused for the visitor went nowhere: unfollowed (43004), blocked (43019)', async () => {
    const fake = createFakeConsoleApi()
    const refused = (openid: string, errcode: number) => {
      const facts = { what: 'message', state: 'failed', errcode } as const
      return { openid, ...facts, reason: followUpReason(facts) }
    }
    fake.api.followUp.mockResolvedValue({
      campaignId: 'c1',
      tag: null,
      followUp: true,
      counts: { ...noFollowUpCounts(), messageFailed: 2 },
      failures: [refused('o-gone', 43004), refused('o-blocked', 43019)],
    })
    const { wrapper, i18n } = mountConsole(FollowUpPanel, fake.api, { props: { campaignId: 'c1' } })
    await flushPromises()
    const rows = (): string[] => wrapper.findAll('.failures li').map((li) => li.text())
    expect(rows()[0]).toContain('取消关注')
    expect(rows()[0]).toContain('43004')
    expect(rows()[1]).toContain('黑名单')
    expect(rows()[1]).toContain('43019')
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(rows()[0]).toContain('unfollowed')
    expect(rows()[1]).toContain('blocked')
    expect(rows()[1]).toContain('(43019)')
    // The relay's report words them the same way for a reader of its JSON.
    expect(followUpReason({ what: 'message', state: 'failed', errcode: 43004 })).toContain(
      'unfollowed',
    )
  })

  it('a text WeChat failed (unreachable, 5xx, too slow) until its window closed is not called late', async () => {
    const fake = createFakeConsoleApi()
    const facts = {
      what: 'message',
      state: 'outside-window',
      errcode: WECHAT_UNAVAILABLE_ERRCODE,
    } as const
    fake.api.followUp.mockResolvedValue({
      campaignId: 'c1',
      tag: null,
      followUp: true,
      counts: { ...noFollowUpCounts(), outsideWindow: 1 },
      failures: [{ openid: 'o-held', ...facts, reason: followUpReason(facts) }],
    })
    const { wrapper, i18n } = mountConsole(FollowUpPanel, fake.api, { props: { campaignId: 'c1' } })
    await flushPromises()
    expect(wrapper.get('.failures li').text()).toContain('无法连接微信')
    expect(wrapper.get('.failures li').text()).not.toContain('处理时已超过')
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(wrapper.get('.failures li').text()).toContain('WeChat could not be reached')
  })

  it('shows follow-ups still waiting to go out, as it shows tags waiting', async () => {
    const fake = createFakeConsoleApi()
    fake.api.followUp.mockResolvedValue({
      campaignId: 'c1',
      tag: null,
      followUp: true,
      counts: { ...noFollowUpCounts(), sent: 4, messagePending: 7 },
      failures: [],
    })
    const { wrapper } = mountConsole(FollowUpPanel, fake.api, { props: { campaignId: 'c1' } })
    await flushPromises()
    expect(wrapper.get('[data-testid="follow-up-sent"]').text()).toBe('4')
    expect(wrapper.get('[data-testid="follow-up-messagePending"]').text()).toBe('7')
    expect(wrapper.text()).toContain('等待发送跟进消息')
  })

  it('reads GET /campaigns/<id>/follow-up and refuses an answer of the wrong shape', async () => {
    const fetch = vi.fn<typeof globalThis.fetch>(() =>
      Promise.resolve(new Response(JSON.stringify({ campaignId: 'c1' }), { status: 200 })),
    )
    const api = createConsoleApi({ fetch })
    await expect(api.followUp('c 1')).rejects.toThrow()
    expect(fetch.mock.calls[0]?.[0]).toBe('/console/api/campaigns/c%201/follow-up')
  })
})

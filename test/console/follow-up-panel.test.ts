// @vitest-environment happy-dom
/**
 * The campaign page's follow-up panel (issue 20): the relay's counts and, per visitor, why they
 * were not tagged or got no follow-up; the client reads the report with its schema.
 */
import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createConsoleApi } from '../../console/src/api/client'
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
    expect(wrapper.text()).toContain('window')
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

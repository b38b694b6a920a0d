// @vitest-environment happy-dom
// A campaign's editor opened at a link the relay cannot answer: a deleted campaign (or a link
// cut short) says so, with the way back to the list, and shows no empty form under 新建活动 that
// no save could store; a relay that could not be reached offers to try again.
import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { ConsoleApiError } from '../../console/src/api/errors'
import CampaignEditor from '../../console/src/components/CampaignEditor.vue'
import { createFakeConsoleApi, makeCampaign } from './fake-console-api'
import { mountConsole } from './setup-console'

enableAutoUnmount(afterEach)

describe('a campaign the editor cannot read', () => {
  it('a deleted campaign says so, offers the list, and shows no form to fill in', async () => {
    const fake = createFakeConsoleApi()
    fake.api.campaign.mockRejectedValue(new ConsoleApiError('not_found', 404))
    const { wrapper } = mountConsole(CampaignEditor, fake.api, {
      props: { id: 'c-gone', back: '#/campaigns?phase=ended' },
    })
    await flushPromises()
    expect(wrapper.get('[data-testid="editor-title"]').text()).toBe('找不到这个活动')
    expect(wrapper.get('[data-testid="load-error"]').text()).toContain('中继上没有这个活动')
    expect(wrapper.get('[data-testid="load-error-back"]').attributes('href')).toBe(
      '#/campaigns?phase=ended',
    )
    expect(wrapper.find('[data-testid="campaign-form"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="save-campaign"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="load-retry"]').exists()).toBe(false)
  })

  it('a relay out of reach offers to try again, and the form comes once it answers', async () => {
    const fake = createFakeConsoleApi()
    fake.api.campaign.mockRejectedValueOnce(new ConsoleApiError('network', 0))
    const { wrapper } = mountConsole(CampaignEditor, fake.api, { props: { id: 'c-expo' } })
    await flushPromises()
    expect(wrapper.get('[data-testid="editor-title"]').text()).toBe('活动')
    expect(wrapper.find('[data-testid="campaign-form"]').exists()).toBe(false)
    fake.api.campaign.mockResolvedValue({
      campaign: makeCampaign({ id: 'c-expo', name: '春季展' }),
      etag: '"v1"',
    })
    await wrapper.get('[data-testid="load-retry"]').trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-testid="load-error"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="editor-title"]').text()).toBe('春季展')
    expect((wrapper.get('[data-testid="field-name"]').element as HTMLInputElement).value).toBe(
      '春季展',
    )
  })
})

// @vitest-environment happy-dom
// A kiosk the relay runs in a campaign (contract v2) shows it read-only in its admin area: a
// banner saying the relay console manages it, every field disabled, no save, no other campaign
// made active over it. A kiosk without one keeps editing its own campaigns.
import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import CampaignPage from '../../renderer/src/admin/pages/CampaignPage.vue'
import RosterPage from '../../renderer/src/admin/pages/RosterPage.vue'
import { useScreenStore } from '../../renderer/src/stores/screen'
import { createFakeKioskApi, makeCampaign } from './fake-kiosk-api'
import { mountWith } from './setup-app'

enableAutoUnmount(afterEach)

describe('campaign page with a relay campaign', () => {
  it('is read-only: banner, disabled fields, no save, no activate', async () => {
    const fake = createFakeKioskApi()
    const relay = makeCampaign({ id: 'expo-2026', name: '博览会（控制台）', managedBy: 'relay' })
    fake.api.listCampaigns.mockImplementation(() => Promise.resolve([relay, makeCampaign()]))
    const { wrapper } = mountWith(CampaignPage, fake.api)
    useScreenStore().campaign = relay
    await flushPromises()
    expect(wrapper.get('[data-testid="campaign-managed"]').text()).toContain('活动控制台')
    const fields = wrapper.get<HTMLFieldSetElement>('[data-testid="campaign-fields"]')
    expect(fields.element.disabled).toBe(true)
    expect(wrapper.get<HTMLInputElement>('#c-name').element.value).toBe('博览会（控制台）')
    expect(wrapper.find('button[type="submit"]').exists()).toBe(false)
    // Neither a new campaign nor activating the local one: the relay decides.
    const buttons = wrapper.findAll('button').map((b) => b.text())
    expect(buttons.some((t) => t.includes('新建') || t.includes('设为当前'))).toBe(false)
    await wrapper.get('[data-testid="campaign-editor"]').trigger('submit')
    await flushPromises()
    expect(fake.api.saveCampaign).not.toHaveBeenCalled()
  })

  it('without one, the page stays editable and shows no banner', async () => {
    const fake = createFakeKioskApi()
    const { wrapper } = mountWith(CampaignPage, fake.api)
    useScreenStore().campaign = makeCampaign()
    await flushPromises()
    expect(wrapper.find('[data-testid="campaign-managed"]').exists()).toBe(false)
    const fields = wrapper.get<HTMLFieldSetElement>('[data-testid="campaign-fields"]')
    expect(fields.element.disabled).toBe(false)
    expect(wrapper.find('button[type="submit"]').exists()).toBe(true)
  })
})

describe('roster page with a relay campaign', () => {
  it('says the roster comes from the relay console and offers no file to import', async () => {
    const fake = createFakeKioskApi()
    const { wrapper } = mountWith(RosterPage, fake.api)
    useScreenStore().campaign = makeCampaign({ id: 'expo-2026', managedBy: 'relay' })
    await flushPromises()
    expect(wrapper.get('[data-testid="roster-managed"]').text()).toContain('活动控制台')
    // The core refuses the import (campaign_managed): no picker leads to that refusal.
    expect(wrapper.find('[data-testid="roster-file"]').exists()).toBe(false)
  })

  it('without one, the file can be chosen and no note is shown', async () => {
    const fake = createFakeKioskApi()
    const { wrapper } = mountWith(RosterPage, fake.api)
    useScreenStore().campaign = makeCampaign()
    await flushPromises()
    expect(wrapper.find('[data-testid="roster-managed"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="roster-file"]').exists()).toBe(true)
  })
})

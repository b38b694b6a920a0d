// @vitest-environment happy-dom
// The campaign editor's save bar at the foot of the screen (200 booths make the form several
// screens long on a phone, its header's save button at the top): shown only while something is
// unsaved or a save failed; a save refused for a field far up brings that field into view and
// focus and says so in the bar; closing the tab with unsaved edits asks first.
import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { ConsoleApiError } from '../../console/src/api/errors'
import CampaignEditor from '../../console/src/components/CampaignEditor.vue'
import { createFakeConsoleApi, makeCampaign } from './fake-console-api'
import { mountConsole } from './setup-console'

enableAutoUnmount(afterEach)

function open(id: string | null) {
  const fake = createFakeConsoleApi()
  const { wrapper } = mountConsole(CampaignEditor, fake.api, {
    props: { id },
    attachTo: globalThis.document.body,
  })
  return { fake, wrapper }
}

/** Whether the browser would ask before the tab closes. */
function asksBeforeClosing(): boolean {
  const event = new globalThis.Event('beforeunload', { cancelable: true })
  globalThis.dispatchEvent(event)
  return event.defaultPrevented
}

describe('the campaign editor’s save bar', () => {
  it('shows only while something is unsaved, and is gone once saved from it', async () => {
    const { fake, wrapper } = open('c-expo')
    await flushPromises()
    expect(wrapper.find('[data-testid="save-bar"]').exists()).toBe(false)
    await wrapper.get('[data-testid="field-name"]').setValue('Expo 2026 秋')
    expect(wrapper.get('[data-testid="save-bar-text"]').text()).toBe('有未保存的修改')
    // Typed back as it was read: nothing is unsaved.
    await wrapper.get('[data-testid="field-name"]').setValue('Expo 2026')
    expect(wrapper.find('[data-testid="save-bar"]').exists()).toBe(false)
    await wrapper.get('[data-testid="field-name"]').setValue('Expo 2026 秋')
    // A submit button of the form: a click on it submits the form (happy-dom does not).
    const button = wrapper.get('[data-testid="save-bar-button"]')
    expect(button.attributes('type')).toBe('submit')
    expect(button.attributes('form')).toBe('campaign-form')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.api.updateCampaign).toHaveBeenCalledTimes(1)
    expect(fake.api.updateCampaign.mock.calls[0]?.[1].name).toBe('Expo 2026 秋')
    expect(wrapper.find('[data-testid="save-bar"]').exists()).toBe(false)
  })

  it('what is typed while a save is out stays unsaved once the save is in', async () => {
    const { fake, wrapper } = open('c-expo')
    const put = fake.api.updateCampaign.getMockImplementation()
    let answer: () => void = () => {}
    const answered = new Promise<void>((resolve) => (answer = resolve))
    fake.api.updateCampaign.mockImplementationOnce(async (...args) => {
      await answered
      return put!(...args)
    })
    await flushPromises()
    await wrapper.get('[data-testid="field-name"]').setValue('Expo 2026 秋')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    // While the save is out, the bar's button and the header's say so alike, and take no click.
    for (const id of ['save-bar-button', 'save-campaign']) {
      const button = wrapper.get(`[data-testid="${id}"]`)
      expect(button.text(), id).toBe('正在保存…')
      expect(button.attributes('disabled'), id).toBeDefined()
    }
    // Typed while the save is on its way: not in it.
    await wrapper.get('[data-testid="field-followUp"]').setValue('谢谢光临')
    answer()
    await flushPromises()
    expect(fake.api.updateCampaign.mock.calls[0]?.[1].followUp).toBeNull()
    expect(wrapper.get('[data-testid="save-bar-text"]').text()).toBe('有未保存的修改')
    expect(wrapper.get('[data-testid="save-bar-button"]').text()).toBe('保存')
    expect(wrapper.get('[data-testid="save-bar-button"]').attributes('disabled')).toBeUndefined()
    expect(asksBeforeClosing()).toBe(true)
    // Saved in turn: nothing left.
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.api.updateCampaign.mock.calls[1]?.[1].followUp).toBe('谢谢光临')
    expect(wrapper.find('[data-testid="save-bar"]').exists()).toBe(false)
  })

  it('a save refused for a field far up focuses that field and says so in the bar', async () => {
    const { fake, wrapper } = open('c-expo')
    await flushPromises()
    await wrapper.get('[data-testid="field-name"]').setValue('')
    await wrapper.get('[data-testid="field-ticketTtlSeconds"]').setValue('1')
    // The organizer is at the foot of the form: the follow-up text is the last thing they typed.
    const followUp = wrapper.get('[data-testid="field-followUp"]')
    await followUp.setValue('谢谢光临')
    ;(followUp.element as HTMLTextAreaElement).focus()
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.api.updateCampaign).not.toHaveBeenCalled()
    // The first in the form's order, not the last one typed.
    expect(globalThis.document.activeElement?.id).toBe('c-name')
    const text = wrapper.get('[data-testid="save-bar-text"]')
    expect(text.text()).toBe('请先修正标出的内容：已跳到第一处')
    expect(text.classes()).toContain('error-text')
    // Fixed: the bar is back to saying what is unsaved.
    await wrapper.get('[data-testid="field-name"]').setValue('Expo')
    expect(wrapper.get('[data-testid="save-bar-text"]').text()).toBe(
      '请先修正标出的内容：已跳到第一处',
    )
    await wrapper.get('[data-testid="field-ticketTtlSeconds"]').setValue('300')
    expect(wrapper.get('[data-testid="save-bar-text"]').text()).toBe('有未保存的修改')
  })

  it('a save refused for a problem no field shows does not say it jumped to one', async () => {
    const fake = createFakeConsoleApi()
    // A rally booth id the schema refuses (stored before a rule tightened): its problem is at
    // stamps.0, which no field of the form marks, so nothing is brought into view.
    fake.api.campaign.mockResolvedValueOnce({
      campaign: makeCampaign({ stamps: ['NOT A KIOSK!'] }),
      etag: '"7"',
    })
    const { wrapper, i18n } = mountConsole(CampaignEditor, fake.api, {
      props: { id: 'c-expo' },
      attachTo: globalThis.document.body,
    })
    await flushPromises()
    await wrapper.get('[data-testid="field-name"]').setValue('Expo 2026 秋')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.api.updateCampaign).not.toHaveBeenCalled()
    expect(wrapper.find('[data-error]').exists()).toBe(false)
    // Nothing is marked, so it does not send the organizer to look for marks: it names where
    // the refused part is (the rally's booths), in the bar and the banner at the top.
    const said = '未保存：「集章签到台」中有一项内容无效，表单上无法标出，请检查此项后再保存'
    expect(wrapper.get('[data-testid="save-bar-text"]').text()).toBe(said)
    expect(wrapper.get('[data-testid="save-error"]').text()).toBe(said)
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(wrapper.get('[data-testid="save-bar-text"]').text()).toBe(
      'Not saved: something in “Stamp-rally booths” is not valid and no field here can mark it; check it and save again',
    )
  })

  it('a new campaign refused for its empty name focuses the name', async () => {
    const { fake, wrapper } = open(null)
    await flushPromises()
    await wrapper.get('[data-testid="field-tag"]').setValue('expo')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.api.createCampaign).not.toHaveBeenCalled()
    expect(globalThis.document.activeElement?.id).toBe('c-name')
  })

  it('a save that fails at the relay says why in the bar, which stays', async () => {
    const { fake, wrapper } = open('c-expo')
    fake.api.updateCampaign.mockRejectedValueOnce(new Error('network down'))
    await flushPromises()
    await wrapper.get('[data-testid="field-name"]').setValue('Expo 2026 秋')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    const text = wrapper.get('[data-testid="save-bar-text"]')
    expect(text.text()).toBe(wrapper.get('[data-testid="save-error"]').text())
    expect(text.classes()).toContain('error-text')
  })

  it('a save refused as someone else saved first says so in the bar and shows the choices', async () => {
    const { fake, wrapper } = open('c-expo')
    fake.api.updateCampaign.mockRejectedValueOnce(new ConsoleApiError('precondition_failed', 412))
    await flushPromises()
    await wrapper.get('[data-testid="field-name"]').setValue('Expo 2026 秋')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.find('[data-testid="changed-elsewhere"]').exists()).toBe(true)
    expect(wrapper.get('[data-testid="save-bar-text"]').text()).toBe(
      '其他人已先保存了此活动，你的修改未保存：请在页面顶部选择用哪个版本',
    )
  })

  it('marks the document while the bar shows, for its scroll padding, and not after unmount', async () => {
    // console.css pads focus scrolling by html.save-bar-shown: html:has(.save-bar) is dropped
    // by the Chrome 84 / Safari 14.1 the console targets.
    const root = globalThis.document.documentElement
    const { wrapper } = open('c-expo')
    await flushPromises()
    expect(root.classList.contains('save-bar-shown')).toBe(false)
    await wrapper.get('[data-testid="field-name"]').setValue('Expo 2026 秋')
    expect(wrapper.find('[data-testid="save-bar"]').exists()).toBe(true)
    expect(root.classList.contains('save-bar-shown')).toBe(true)
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    // Saved: the bar is gone, and so is the padding.
    expect(wrapper.find('[data-testid="save-bar"]').exists()).toBe(false)
    expect(root.classList.contains('save-bar-shown')).toBe(false)
    await wrapper.get('[data-testid="field-name"]').setValue('又改了')
    expect(root.classList.contains('save-bar-shown')).toBe(true)
    // Another page while unsaved: the editor is gone, nothing of it pads the document.
    wrapper.unmount()
    expect(root.classList.contains('save-bar-shown')).toBe(false)
  })

  it('asks before the tab closes only while something is unsaved', async () => {
    const { wrapper } = open('c-expo')
    await flushPromises()
    expect(asksBeforeClosing()).toBe(false)
    await wrapper.get('[data-testid="field-name"]').setValue('Expo 2026 秋')
    expect(asksBeforeClosing()).toBe(true)
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(asksBeforeClosing()).toBe(false)
    await wrapper.get('[data-testid="field-name"]').setValue('又改了')
    wrapper.unmount()
    // The editor is gone (another page): nothing of it holds the tab.
    expect(asksBeforeClosing()).toBe(false)
  })
})

// @vitest-environment happy-dom
// Campaigns in the console (issue 19): the form checked against the contract with a message in
// both languages for every problem, the greeting preview filled as the kiosk fills it, the
// client's campaign and roster calls (the roster goes as its bytes with its type), booths
// assigned with one PUT per change, a stale roster page never shown over a newer one.
import { enableAutoUnmount, flushPromises, type VueWrapper } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { createConsoleApi } from '../../console/src/api/client'
import { ConsoleApiError } from '../../console/src/api/errors'
import { ROSTER_CONTENT_TYPES } from '../../console/src/api/campaign-contract'
import { checkDraft, draftOf, newDraft } from '../../console/src/campaigns/campaign-form'
import { keepDraft } from '../../console/src/campaigns/saved-draft'
import CampaignEditor from '../../console/src/components/CampaignEditor.vue'
import RosterPanel from '../../console/src/components/RosterPanel.vue'
import { parsePage, parseSub } from '../../console/src/composables/use-route'
import { createConsoleI18n } from '../../console/src/i18n/index'
import BoothsPage from '../../console/src/pages/BoothsPage.vue'
import { useCampaignsStore } from '../../console/src/stores/campaigns'
import { useKiosksStore } from '../../console/src/stores/kiosks'
import { useSessionStore } from '../../console/src/stores/session'
import { rosterFormatOf, useRosterStore } from '../../console/src/stores/roster'
import { en as kioskEn } from '../../renderer/src/i18n/en'
import { zhCN as kioskZh } from '../../renderer/src/i18n/zh-CN'
import { fillGreeting, KIOSK_GREETING_WORDS } from '../../shared/greeting-template'
import {
  createFakeConsoleApi,
  makeCampaign,
  makeCampaignInput,
  makeKiosk,
} from './fake-console-api'
import { fakeXhrs } from './fake-xhr'
import { mountConsole, setupConsoleStores } from './setup-console'

enableAutoUnmount(afterEach)

const named = () => ({ ...newDraft(), name: 'Expo' })

/** Campaign c1's roster panel, its uploads on fake XHRs (answered by the test), an empty roster read. */
function mountRosterOverXhr() {
  const relay = fakeXhrs()
  const page = { version: 0, total: 0, offset: 0, entries: [] }
  const api = createConsoleApi({
    xhr: relay.xhr,
    fetch: () => Promise.resolve(new Response(JSON.stringify(page), { status: 200 })),
  })
  return { relay, ...mountConsole(RosterPanel, api, { props: { campaignId: 'c1' } }) }
}

/** Picks `file` in the roster panel's file input, as an organizer does, and lets what that starts run. */
async function pickRosterFile(wrapper: VueWrapper, file: File): Promise<void> {
  const input = wrapper.get('[data-testid="roster-file"]')
  Object.defineProperty(input.element, 'files', { value: [file], configurable: true })
  await input.trigger('change')
  await flushPromises()
}

/**
 * A roster panel whose uploads store a roster in turn as `stored` says (its guests, the rows left
 * out); `upload` picks a CSV, `summary` reads the result's line.
 */
async function panelStoring(stored: { total: number; skipped: number }[]) {
  const fake = createFakeConsoleApi()
  for (const [i, { total, skipped }] of stored.entries()) {
    fake.api.uploadRoster.mockResolvedValueOnce({
      stored: true,
      version: i + 1,
      total,
      skipped,
      errors: [],
    })
  }
  const { wrapper, i18n } = mountConsole(RosterPanel, fake.api, { props: { campaignId: 'c1' } })
  await flushPromises()
  return {
    i18n,
    upload: (): Promise<void> =>
      pickRosterFile(wrapper, new File(['姓名\n张三'], 'guests.csv', { type: 'text/csv' })),
    summary: (): string => wrapper.get('[data-testid="roster-result"] .summary').text(),
  }
}

/** The new draft's greetings with one text replaced. */
function greetingsWith(
  locale: 'zh-CN' | 'en',
  key: 'first' | 'returning' | 'named',
  text: string,
): ReturnType<typeof newDraft>['greetings'] {
  const g = newDraft().greetings
  return { ...g, [locale]: { ...g[locale], [key]: text } }
}

/** Whether the browser would ask before the tab closes. */
function asksBeforeClosing(): boolean {
  const event = new globalThis.Event('beforeunload', { cancelable: true })
  globalThis.dispatchEvent(event)
  return event.defaultPrevented
}

describe('the campaign form', () => {
  it('accepts the defaults with a name, trimmed, empty optional fields as null', () => {
    const checked = checkDraft({ ...named(), name: '  Expo  ', tag: '   ', followUp: '' })
    expect(checked.ok && checked.input).toMatchObject({
      name: 'Expo',
      tag: null,
      followUp: null,
      startsAt: null,
      rotationSeconds: 60,
      stamps: [],
    })
  })

  it.each([
    ['name', { name: '' }, 'campaigns.errors.name'],
    ['name', { name: 'x'.repeat(81) }, 'campaigns.errors.name'],
    ['rotationSeconds', { rotationSeconds: '9' }, 'campaigns.errors.rotationSeconds'],
    ['rotationSeconds', { rotationSeconds: '1e3' }, 'campaigns.errors.rotationSeconds'],
    ['rotationSeconds', { rotationSeconds: '60.5' }, 'campaigns.errors.rotationSeconds'],
    ['ticketTtlSeconds', { ticketTtlSeconds: '2592001' }, 'campaigns.errors.ticketTtlSeconds'],
    // A code that dies before (or just as) it rotates off the screen: a scan reaches no one.
    [
      'ticketTtlSeconds',
      { rotationSeconds: '600', ticketTtlSeconds: '300' },
      'campaigns.errors.ticketTtlShort',
    ],
    [
      'ticketTtlSeconds',
      { rotationSeconds: '600', ticketTtlSeconds: '629' },
      'campaigns.errors.ticketTtlShort',
    ],
    [
      'endsAt',
      { startsAt: '2026-12-02', endsAt: '2026-12-01' },
      'campaigns.errors.endsBeforeStart',
    ],
    ['startsAt', { startsAt: '2026-02-30' }, 'campaigns.errors.date'],
    ['tag', { tag: 'x'.repeat(31) }, 'campaigns.errors.tag'],
    // WeChat counts bytes: 11 Chinese characters are 33.
    ['tag', { tag: '一'.repeat(11) }, 'campaigns.errors.tag'],
    ['followUp', { followUp: 'x'.repeat(601) }, 'campaigns.errors.followUp'],
    // Within 600 characters, past WeChat's 2,048 bytes once a long name is filled in.
    ['followUp', { followUp: '{name}'.repeat(100) }, 'campaigns.errors.followUpBytes'],
    ['followUp', { followUp: `${'谢'.repeat(590)}{name}` }, 'campaigns.errors.followUpBytes'],
    // A Chinese input method types full-width braces: ｛number｝ would reach visitors as typed.
    [
      'greetings.zh-CN.first',
      { greetings: greetingsWith('zh-CN', 'first', '欢迎！您是第｛number｝位来宾') },
      'campaigns.errors.placeholder',
    ],
    [
      'greetings.zh-CN.named',
      { greetings: greetingsWith('zh-CN', 'named', '{name｝，欢迎您') },
      'campaigns.errors.placeholder',
    ],
    [
      'stamps',
      { stamps: Array.from({ length: 51 }, (_, i) => `k${i}`) },
      'campaigns.errors.stamps',
    ],
    // Not "pick at most 50 booths": the list is short, one entry repeats or is not a booth id.
    ['stamps', { stamps: ['hall-a', 'hall-a'] }, 'campaigns.errors.stampsInvalid'],
    ['stamps.0', { stamps: ['Not A Booth'] }, 'campaigns.errors.stampsInvalid'],
    // What WeChat gets cannot hold what XML cannot carry (Word's line break is U+000B).
    ['tag', { tag: '秋季\u000b到访' }, 'campaigns.errors.controlChars'],
    ['followUp', { followUp: '感谢\u0007到访' }, 'campaigns.errors.controlChars'],
  ])('%s: %j is refused with its message', (path, over, key) => {
    const checked = checkDraft({ ...named(), ...over })
    expect(checked.ok).toBe(false)
    if (!checked.ok) expect(checked.errors[path]).toBe(key)
  })

  it('takes a lifetime of the rotation plus 30 s, and says the rule in both languages', () => {
    const fits = checkDraft({ ...named(), rotationSeconds: '600', ticketTtlSeconds: '630' })
    expect(fits.ok).toBe(true)
    const i18n = createConsoleI18n()
    expect(i18n.global.t('campaigns.errors.ticketTtlShort')).toContain('30 秒')
    expect(i18n.global.t('campaigns.errors.ticketTtlShort', {}, { locale: 'en' })).toContain(
      '30 seconds',
    )
  })

  it('refuses an empty greeting and an over-long reply; an empty reply sends none', () => {
    const d = named()
    d.greetings.en.returning = '  '
    d.reply.scan = 'x'.repeat(601)
    const checked = checkDraft(d)
    expect(!checked.ok && checked.errors).toEqual({
      'greetings.en.returning': 'campaigns.errors.greeting',
      'reply.scan': 'campaigns.errors.reply',
    })
    // WeChat then gets `success`: the visitor sees no message, as with v1's empty reply.
    const quiet = named()
    quiet.reply.subscribe = ''
    const ok = checkDraft(quiet)
    expect(ok.ok && ok.input.reply.subscribe).toBe('')
  })

  it('refuses a reply holding a control character, and says why', () => {
    const d = named()
    d.reply.scan = '签到\u000b成功'
    const checked = checkDraft(d)
    expect(!checked.ok && checked.errors).toEqual({ 'reply.scan': 'campaigns.errors.controlChars' })
    expect(createConsoleI18n().global.t('campaigns.errors.controlChars')).toContain('控制字符')
  })

  it('refuses a name holding a control or bidi control character, a text one but a line break', () => {
    const i18n = createConsoleI18n()
    for (const ch of ['\u0000', '\t', '\n', '\u0085', '\u202e', '\u2067']) {
      const checked = checkDraft({ ...named(), name: `春季${ch}展` })
      expect(!checked.ok && checked.errors, JSON.stringify(ch)).toEqual({
        name: 'campaigns.errors.lineChars',
      })
    }
    const greeting = named()
    greeting.greetings.en.first = 'Welcome\u202e {number}'
    const reply = named()
    reply.reply.subscribe = '谢谢\t关注'
    for (const [path, d] of [
      ['greetings.en.first', greeting],
      ['reply.subscribe', reply],
    ] as const) {
      const checked = checkDraft(d)
      expect(!checked.ok && checked.errors, path).toEqual({ [path]: 'campaigns.errors.textChars' })
    }
    const lines = named()
    lines.reply.subscribe = '谢谢关注！\n签到成功 🎉'
    lines.name = '🎉 春季博览会 Spring Expo'
    expect(checkDraft(lines).ok).toBe(true)
    expect(i18n.global.t('campaigns.errors.lineChars')).toContain('控制字符')
    expect(i18n.global.t('campaigns.errors.lineChars', {}, { locale: 'en' })).toContain(
      'control characters',
    )
    expect(i18n.global.t('campaigns.errors.textChars')).toContain('换行')
    expect(i18n.global.t('campaigns.errors.textChars', {}, { locale: 'en' })).toContain(
      'line breaks',
    )
  })

  it('refuses a greeting placeholder the kiosk would not fill, and says which ones it fills', () => {
    const d = named()
    d.greetings['zh-CN'].named = '{nmae}，欢迎您！'
    const checked = checkDraft(d)
    expect(!checked.ok && checked.errors).toEqual({
      'greetings.zh-CN.named': 'campaigns.errors.placeholder',
    })
    const i18n = createConsoleI18n()
    expect(i18n.global.t('campaigns.errors.placeholder')).toBe(
      '欢迎语中只能使用 {name} 和 {number}',
    )
  })

  it('refuses a greeting whose brace is left open, and says what to write', () => {
    const d = named()
    d.greetings.en.named = 'Welcome, {name!'
    d.greetings['zh-CN'].first = '欢迎！第 {{number}} 位'
    const checked = checkDraft(d)
    expect(!checked.ok && checked.errors).toEqual({
      'greetings.en.named': 'campaigns.errors.braces',
      'greetings.zh-CN.first': 'campaigns.errors.braces',
    })
    const i18n = createConsoleI18n()
    expect(i18n.global.t('campaigns.errors.braces')).toBe(
      '有括号未配对：占位符如 {name} 前后各有一个括号',
    )
    expect(i18n.global.t('campaigns.errors.braces', {}, { locale: 'en' })).toBe(
      'A brace is not paired: a placeholder such as {name} has one brace each side',
    )
  })

  it('refuses {name} in a greeting for visitors off the roster, and says why', () => {
    const d = named()
    d.greetings.en.first = 'Hi {name}!'
    const checked = checkDraft(d)
    expect(!checked.ok && checked.errors).toEqual({
      'greetings.en.first': 'campaigns.errors.greetingNoName',
    })
    const i18n = createConsoleI18n()
    expect(i18n.global.t('campaigns.errors.greetingNoName')).toBe(
      '只有名单来宾的欢迎语能用 {name}：其他访客没有姓名，会显示为空',
    )
    expect(i18n.global.t('campaigns.errors.greetingNoName', {}, { locale: 'en' })).toBe(
      "Only a registered guest's greeting can use {name}: other visitors have no name, so it would show as a gap",
    )
  })

  it('has every message it can give in both languages', () => {
    const i18n = createConsoleI18n()
    const keys = [
      ...['name', 'date', 'endsBeforeStart', 'rotationSeconds', 'ticketTtlSeconds'],
      'ticketTtlShort',
      'followUpBytes',
      ...[
        'greeting',
        'placeholder',
        'braces',
        'greetingNoName',
        'reply',
        'tag',
        'followUp',
        'stamps',
        'invalid',
      ],
    ].map((k) => `campaigns.errors.${k}`)
    for (const locale of ['zh-CN', 'en'] as const)
      for (const key of keys) expect(i18n.global.te(key, locale), `${locale} ${key}`).toBe(true)
  })

  it('round-trips a stored campaign through the form unchanged', () => {
    const stored = makeCampaign({ tag: 'vip', followUp: 'Thanks', stamps: ['hall-a'] })
    const checked = checkDraft(draftOf(stored))
    const { id: _id, screenKey: _key, ...fields } = stored
    expect(checked.ok && checked.input).toEqual(fields)
  })
})

describe('the greeting preview', () => {
  it('fills {name} and {number} as the kiosk does, and leaves other braces alone', () => {
    expect(fillGreeting('{name}，第 {number} 位 {x}', { name: '张伟', number: 7 })).toBe(
      '张伟，第 7 位 {x}',
    )
  })

  it('uses the kiosk screen’s own words', () => {
    expect(KIOSK_GREETING_WORDS['zh-CN']).toEqual(kioskZh.greeting)
    expect(KIOSK_GREETING_WORDS.en).toEqual(kioskEn.greeting)
  })

  it('follows the typing, in the language and kind of the field being typed', async () => {
    const fake = createFakeConsoleApi()
    const { wrapper } = mountConsole(CampaignEditor, fake.api, { props: { id: null } })
    await flushPromises()
    const text = () => wrapper.get('[data-testid="preview-text"]').text()
    const zh = wrapper.get('[data-testid="greeting-zh-CN-first"]')
    await zh.setValue('欢迎 {number} 号')
    expect(text()).toBe('欢迎 1 号')
    // It says the number: no number line under it, as on the kiosk.
    expect(wrapper.find('[data-testid="preview-number"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="preview-kind"]').text()).toBe('首次到访')
    const en = wrapper.get('[data-testid="greeting-en-named"]')
    await en.trigger('focus')
    await en.setValue('Hi {name}!')
    expect(text()).toBe('Hi Alex Chen!')
    expect(wrapper.get('[data-testid="preview-number"]').text()).toBe('Check-in no. 12')
    expect(wrapper.get('[data-testid="greeting-preview"]').classes()).toContain('named')
  })

  it('fills {name} only in the roster guest’s greeting: a first or returning visitor has none on the kiosk', async () => {
    const fake = createFakeConsoleApi()
    const { wrapper } = mountConsole(CampaignEditor, fake.api, { props: { id: null } })
    await flushPromises()
    const text = () => wrapper.get('[data-testid="preview-text"]').text()
    // The kiosk's greeter fills first-visit and welcome-back greetings with no name.
    const first = wrapper.get('[data-testid="greeting-zh-CN-first"]')
    await first.trigger('focus')
    await first.setValue('欢迎 {name}，第 {number} 位')
    expect(text()).toBe('欢迎 ，第 1 位')
    const returning = wrapper.get('[data-testid="greeting-en-returning"]')
    await returning.trigger('focus')
    await returning.setValue('Hi {name}, no. {number}')
    expect(text()).toBe('Hi , no. 12')
    const named = wrapper.get('[data-testid="greeting-zh-CN-named"]')
    await named.trigger('focus')
    await named.setValue('{name}，欢迎您')
    expect(text()).toBe('张伟，欢迎您')
  })

  it('leaves out the kind label when the greeting opens with it, as the kiosk does', async () => {
    const fake = createFakeConsoleApi()
    const { wrapper } = mountConsole(CampaignEditor, fake.api, { props: { id: null } })
    await flushPromises()
    const returning = wrapper.get('[data-testid="greeting-zh-CN-returning"]')
    await returning.trigger('focus')
    await returning.setValue('欢迎回来！第 {number} 位')
    expect(wrapper.get('[data-testid="preview-text"]').text()).toBe('欢迎回来！第 12 位')
    expect(wrapper.find('[data-testid="preview-kind"]').exists()).toBe(false)
    await returning.setValue('又见面了')
    expect(wrapper.get('[data-testid="preview-kind"]').text()).toBe('欢迎回来')
  })
})

describe('the campaign editor', () => {
  it('sends nothing while a field is wrong, and shows why in Chinese', async () => {
    const fake = createFakeConsoleApi()
    const { wrapper } = mountConsole(CampaignEditor, fake.api, { props: { id: null } })
    await flushPromises()
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.api.createCampaign).not.toHaveBeenCalled()
    expect(wrapper.get('[data-error="name"]').text()).toBe('请填写活动名称（最多 80 字）')
  })

  it('ties each message to its field: the field is invalid and described by it, in both languages', async () => {
    for (const locale of ['zh-CN', 'en'] as const) {
      const fake = createFakeConsoleApi()
      const { wrapper, i18n } = mountConsole(CampaignEditor, fake.api, {
        props: { id: null },
        attachTo: document.body,
      })
      i18n.global.locale.value = locale
      await flushPromises()
      await wrapper.get('[data-testid="date-c-starts"] .year').setValue('2026')
      await wrapper.get('[data-testid="date-c-ends"] .year').setValue('2026')
      await wrapper.get('[data-testid="field-rotationSeconds"]').setValue('abc')
      await wrapper.get('[data-testid="field-ticketTtlSeconds"]').setValue('x')
      await wrapper.get('[data-testid="greeting-en-first"]').setValue('')
      await wrapper.get('[data-testid="reply-scan"]').setValue('\u0001')
      await wrapper.get('[data-testid="field-followUp"]').setValue('长'.repeat(1000))
      await wrapper.get('form').trigger('submit')
      await flushPromises()
      const messages = wrapper.findAll('[data-error]')
      expect(messages.map((m) => m.attributes('data-error')).sort()).toEqual(
        [
          'endsAt',
          'followUp',
          'greetings.en.first',
          'name',
          'reply.scan',
          'rotationSeconds',
          'startsAt',
          'ticketTtlSeconds',
        ].sort(),
      )
      for (const message of messages) {
        const path = message.attributes('data-error') ?? ''
        const id = message.attributes('id') ?? ''
        expect(id, path).not.toBe('')
        expect(document.getElementById(id)?.textContent).toBe(message.text())
        const controls =
          message.element.closest('.field')?.querySelectorAll('input, textarea, select') ?? []
        expect(controls.length, path).toBeGreaterThan(0)
        for (const control of controls) {
          expect(control.getAttribute('aria-invalid'), path).toBe('true')
          expect(control.getAttribute('aria-describedby')?.split(' '), path).toContain(id)
        }
      }
      // The first field with a message has the focus: a screen reader reads it with its message.
      expect(document.activeElement?.getAttribute('aria-describedby')).toBe(
        wrapper.get('[data-error="name"]').attributes('id'),
      )
      wrapper.unmount()
    }
  })

  it('shows at the lifetime field, before saving, that it must outlast the rotation', async () => {
    const fake = createFakeConsoleApi()
    const { wrapper } = mountConsole(CampaignEditor, fake.api, { props: { id: null } })
    await flushPromises()
    await wrapper.get('[data-testid="field-name"]').setValue('Expo')
    await wrapper.get('[data-testid="field-rotationSeconds"]').setValue('600')
    await wrapper.get('[data-testid="field-ticketTtlSeconds"]').setValue('300')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.api.createCampaign).not.toHaveBeenCalled()
    expect(wrapper.get('[data-error="ticketTtlSeconds"]').text()).toBe(
      '二维码有效期须比轮换间隔至少长 30 秒，否则访客会扫到已过期的二维码',
    )
  })

  it('counts the follow-up in WeChat bytes as it is typed, and refuses one past 2048', async () => {
    const fake = createFakeConsoleApi()
    const { wrapper } = mountConsole(CampaignEditor, fake.api, { props: { id: null } })
    await flushPromises()
    await wrapper.get('[data-testid="field-name"]').setValue('Expo')
    const count = () => wrapper.get('[data-testid="followUp-bytes"]').text()
    expect(count()).toBe('按最长姓名计：0 / 2048 字节')
    // 3 bytes a Chinese character; {name} counts as the longest name a roster holds (300).
    await wrapper.get('[data-testid="field-followUp"]').setValue('感谢光临{name}')
    expect(count()).toBe('按最长姓名计：312 / 2048 字节')
    await wrapper.get('[data-testid="field-followUp"]').setValue(`${'谢'.repeat(590)}{name}`)
    expect(count()).toBe('按最长姓名计：2070 / 2048 字节')
    expect(wrapper.get('[data-testid="followUp-bytes"]').classes()).toContain('over')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.api.createCampaign).not.toHaveBeenCalled()
    expect(wrapper.get('[data-error="followUp"]').text()).toContain('2048 字节')
  })

  it('creates the campaign, then gives it the booths picked (and only those)', async () => {
    const fake = createFakeConsoleApi()
    fake.api.kiosks.mockResolvedValue([
      makeKiosk({ id: 'hall-a' }),
      makeKiosk({ id: 'hall-b', campaignId: 'other' }),
      makeKiosk({ id: 'old', revoked: true }),
    ])
    const { wrapper } = mountConsole(CampaignEditor, fake.api, { props: { id: null } })
    await useKiosksStore().refresh()
    await flushPromises()
    expect(wrapper.find('[data-booth="old"]').exists()).toBe(false)
    await wrapper.get('[data-testid="field-name"]').setValue('Expo')
    await wrapper.get('[data-booth="hall-b"]').setValue(true)
    await wrapper.get('[data-stamp="hall-a"]').setValue(true)
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.api.createCampaign).toHaveBeenCalledTimes(1)
    expect(fake.api.createCampaign.mock.calls[0]?.[0]).toMatchObject({
      name: 'Expo',
      stamps: ['hall-a'],
    })
    expect(fake.api.assignKiosk.mock.calls).toEqual([['hall-b', 'c-new', '"hall-b@other"']])
  })

  it('heads the booths it picks as the ones running this campaign, in both languages', async () => {
    const fake = createFakeConsoleApi()
    fake.api.kiosks.mockResolvedValue([makeKiosk({ id: 'hall-a' })])
    const { wrapper, i18n } = mountConsole(CampaignEditor, fake.api, { props: { id: null } })
    await useKiosksStore().refresh()
    await flushPromises()
    const legend = () =>
      wrapper
        .findAll('fieldset')
        .find((f) => f.find('[data-testid="campaign-booths-pick"]').exists())
        ?.get('legend')
        .text()
    expect(legend()).toBe('运行此活动的签到台')
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(legend()).toBe('Booths running this campaign')
  })

  /** A new campaign "Expo" saved from the editor, no booth ticked (hall-a there to tick). */
  async function createdWithoutBooths() {
    const fake = createFakeConsoleApi()
    fake.api.kiosks.mockResolvedValue([makeKiosk({ id: 'hall-a' })])
    const { wrapper } = mountConsole(CampaignEditor, fake.api, { props: { id: null } })
    await useKiosksStore().refresh()
    await flushPromises()
    await wrapper.get('[data-testid="field-name"]').setValue('Expo')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    return { fake, wrapper }
  }

  it('says a campaign saved without booths is saved, not "on its way to the booths"', async () => {
    const { fake, wrapper } = await createdWithoutBooths()
    expect(fake.api.createCampaign).toHaveBeenCalledTimes(1)
    const note = wrapper.get('[data-testid="saved"]').text()
    expect(note).toContain('已保存')
    expect(note).not.toContain('送达签到台')
    expect(note).toContain('尚未选择签到台')
    // With a booth ticked, it is on its way to it.
    await wrapper.get('[data-booth="hall-a"]').setValue(true)
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid="saved"]').text()).toBe('已保存，正在送达签到台')
  })

  it('takes "已保存" down once the form is edited again, while the bar says it is unsaved', async () => {
    // The last save's "已保存，正在送达签到台" stayed at the top of the page beside the bar's
    // "有未保存的修改" as the organizer typed on: read as their new edits being saved.
    const { wrapper } = await createdWithoutBooths()
    expect(wrapper.get('[data-testid="saved"]').text()).toContain('已保存')
    expect(wrapper.find('[data-testid="save-bar"]').exists()).toBe(false)

    await wrapper.get('[data-testid="field-name"]').setValue('Expo 2')
    await flushPromises()
    expect(wrapper.get('[data-testid="save-bar-text"]').text()).toBe('有未保存的修改')
    expect(wrapper.find('[data-testid="saved"]').exists()).toBe(false)
    // Saved again, it is said again.
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid="saved"]').text()).toContain('已保存')
  })

  it('saves with the ETag it read; a 412 keeps the typed name and offers both versions', async () => {
    const fake = createFakeConsoleApi()
    fake.api.updateCampaign.mockRejectedValueOnce(new ConsoleApiError('precondition_failed', 412))
    const { wrapper } = mountConsole(CampaignEditor, fake.api, { props: { id: 'c-expo' } })
    await flushPromises()
    await wrapper.get('[data-testid="field-name"]').setValue('我的名字')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.api.updateCampaign.mock.calls[0]?.[2]).toBe('"7"')
    expect(wrapper.get('[data-testid="changed-elsewhere"]').text()).toContain('其他人保存了修改')
    expect((wrapper.get('[data-testid="field-name"]').element as HTMLInputElement).value).toBe(
      '我的名字',
    )
    await wrapper.get('[data-testid="load-theirs"]').trigger('click')
    await flushPromises()
    expect((wrapper.get('[data-testid="field-name"]').element as HTMLInputElement).value).toBe(
      'Expo 2026',
    )
    await wrapper.get('[data-testid="restore-mine"]').trigger('click')
    expect((wrapper.get('[data-testid="field-name"]').element as HTMLInputElement).value).toBe(
      '我的名字',
    )
  })

  // The edits set aside held the form's fields only: the booths ticked before the refusal were
  // gone after "load theirs" then "restore mine", and the next save left them out, unsaid.
  it('the edits set aside for the other version keep the booths ticked, restored with them', async () => {
    const fake = createFakeConsoleApi()
    fake.api.kiosks.mockResolvedValue([
      makeKiosk({ id: 'hall-a', campaignId: 'c-expo' }),
      makeKiosk({ id: 'hall-b', campaignId: null }),
    ])
    fake.api.updateCampaign.mockRejectedValueOnce(new ConsoleApiError('precondition_failed', 412))
    const { wrapper } = mountConsole(CampaignEditor, fake.api, { props: { id: 'c-expo' } })
    await flushPromises()
    const ticked = (id: string) =>
      (wrapper.get(`[data-booth="${id}"]`).element as HTMLInputElement).checked
    await wrapper.get('[data-testid="field-name"]').setValue('我的名字')
    await wrapper.get('[data-booth="hall-b"]').setValue(true)
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    await wrapper.get('[data-testid="load-theirs"]').trigger('click')
    await flushPromises()
    expect([ticked('hall-a'), ticked('hall-b')]).toEqual([true, false])
    await wrapper.get('[data-testid="restore-mine"]').trigger('click')
    await flushPromises()
    expect([ticked('hall-a'), ticked('hall-b')]).toEqual([true, true])
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.api.assignKiosk.mock.calls).toEqual([['hall-b', 'c-expo', '"hall-b@"']])
  })

  it('after loading the other version, the edits set aside still hold the tab until discarded', async () => {
    const fake = createFakeConsoleApi()
    fake.api.updateCampaign.mockRejectedValueOnce(new ConsoleApiError('precondition_failed', 412))
    const { wrapper } = mountConsole(CampaignEditor, fake.api, { props: { id: 'c-expo' } })
    await flushPromises()
    await wrapper.get('[data-testid="field-name"]').setValue('我的名字')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    await wrapper.get('[data-testid="load-theirs"]').trigger('click')
    await flushPromises()
    // Their version on screen, nothing of it changed: the organizer's edits are still unsaved.
    expect(wrapper.find('[data-testid="edits-kept"]').exists()).toBe(true)
    expect(asksBeforeClosing()).toBe(true)
    // Let go by their own click: the page is clean, and closing it asks nothing.
    await wrapper.get('[data-testid="discard-mine"]').trigger('click')
    expect(wrapper.find('[data-testid="edits-kept"]').exists()).toBe(false)
    expect(asksBeforeClosing()).toBe(false)
  })

  it('says a 409 on save is someone else’s change, not a booth id clash', async () => {
    const fake = createFakeConsoleApi()
    fake.api.updateCampaign.mockRejectedValue(new ConsoleApiError('conflict', 409))
    const { wrapper } = mountConsole(CampaignEditor, fake.api, { props: { id: 'c-expo' } })
    await flushPromises()
    expect((wrapper.get('[data-testid="field-name"]').element as HTMLInputElement).value).toBe(
      'Expo 2026',
    )
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid="save-error"]').text()).toBe(
      '活动已被其他人修改：请刷新页面后再改',
    )
  })

  it('a key rotated here moves the ETag the form saves with, unless the campaign changed too', async () => {
    const fake = createFakeConsoleApi()
    fake.api.rotateScreenKey.mockResolvedValueOnce({
      campaign: makeCampaign({ id: 'c-expo', screenKey: 'r'.repeat(32) }),
      etag: '"9"',
    })
    const { wrapper } = mountConsole(CampaignEditor, fake.api, { props: { id: 'c-expo' } })
    await flushPromises()
    await wrapper.get('[data-testid="rotate-key"]').trigger('click')
    await wrapper.get('[data-testid="confirm-rotate"]').trigger('click')
    await flushPromises()
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    // Only the key changed since the form read it: not someone else's change.
    expect(fake.api.updateCampaign.mock.calls[0]?.[2]).toBe('"9"')

    // Someone renamed it before this rotation: the form's save must still meet that change.
    fake.api.rotateScreenKey.mockResolvedValueOnce({
      campaign: makeCampaign({ id: 'c-expo', name: 'Renamed', screenKey: 's'.repeat(32) }),
      etag: '"11"',
    })
    await wrapper.get('[data-testid="rotate-key"]').trigger('click')
    await wrapper.get('[data-testid="confirm-rotate"]').trigger('click')
    await flushPromises()
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.api.updateCampaign.mock.calls[1]?.[2]).toBe('"8"')
  })

  it('rotates the screen key only after a confirm, and shows the new links', async () => {
    const fake = createFakeConsoleApi()
    const { wrapper } = mountConsole(CampaignEditor, fake.api, { props: { id: 'c-expo' } })
    await flushPromises()
    await wrapper.get('[data-testid="rotate-key"]').trigger('click')
    expect(fake.api.rotateScreenKey).not.toHaveBeenCalled()
    await wrapper.get('[data-testid="confirm-rotate"]').trigger('click')
    await flushPromises()
    expect(fake.api.rotateScreenKey).toHaveBeenCalledWith('c-expo')
    expect(wrapper.get('[data-testid="screen-key-value"]').text()).toBe('r'.repeat(32))
    expect(wrapper.get('[data-testid="screen-link-draw"]').attributes('href')).toBe(
      `http://relay.test/screen/c-expo/draw?key=${'r'.repeat(32)}`,
    )
  })
})

describe('booth assignment', () => {
  it('changes only the booths that move: added ones get the campaign, dropped ones none', async () => {
    const fake = createFakeConsoleApi()
    fake.api.kiosks.mockResolvedValue([
      makeKiosk({ id: 'a', campaignId: 'c1' }),
      makeKiosk({ id: 'b', campaignId: 'c1' }),
      makeKiosk({ id: 'c', campaignId: null }),
    ])
    setupConsoleStores(fake.api)
    await useKiosksStore().refresh()
    await useCampaignsStore().assignBooths('c1', ['b', 'c'])
    expect(fake.api.assignKiosk.mock.calls.sort()).toEqual([
      ['a', null, '"a@c1"'],
      ['c', 'c1', '"c@"'],
    ])
    expect(useCampaignsStore().boothsOf('c1')).toEqual(['b', 'c'])
  })

  it('a booth unticked here that another organizer moved meanwhile stays where they put it', async () => {
    const fake = createFakeConsoleApi()
    fake.api.kiosks.mockResolvedValue([makeKiosk({ id: 'hall-a', campaignId: 'c-expo' })])
    const { wrapper } = mountConsole(CampaignEditor, fake.api, { props: { id: 'c-expo' } })
    await flushPromises()
    // Meanwhile: hall-a moved to another campaign, hall-c joined this one.
    fake.api.kiosks.mockResolvedValue([
      makeKiosk({ id: 'hall-a', campaignId: 'c-other' }),
      makeKiosk({ id: 'hall-c', campaignId: 'c-expo' }),
    ])
    await wrapper.get('[data-booth="hall-a"]').setValue(false)
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.api.updateCampaign).toHaveBeenCalledTimes(1)
    expect(fake.api.assignKiosk.mock.calls).toEqual([])
  })

  // Edits kept in the tab (a reload, a session that ran out) held every booth ticked as the form
  // showed it: restored after another organizer moved one away, the save took it back from
  // their campaign, though this organizer never touched it.
  it('edits restored after another organizer moved a booth leave it where they put it', async () => {
    sessionStorage.clear()
    const editor = async () => {
      const mounted = mountConsole(CampaignEditor, fake.api, { props: { id: 'c-expo' } })
      useSessionStore().info = { name: 'alice', expiresAt: Date.now() + 3_600_000 }
      await flushPromises()
      return mounted.wrapper
    }
    const fake = createFakeConsoleApi()
    fake.api.kiosks.mockResolvedValue([
      makeKiosk({ id: 'hall-a', campaignId: 'c-expo' }),
      makeKiosk({ id: 'hall-b', campaignId: null }),
      makeKiosk({ id: 'hall-c', campaignId: 'c-other' }),
    ])
    const first = await editor()
    await first.get('[data-testid="field-name"]').setValue('春季展（改）')
    // This organizer adds hall-b; hall-a stays as it was.
    await first.get('[data-booth="hall-b"]').setValue(true)
    await flushPromises()
    first.unmount()
    // Meanwhile another organizer moves hall-a to their campaign, and hall-c to this one.
    fake.api.kiosks.mockResolvedValue([
      makeKiosk({ id: 'hall-a', campaignId: 'c-other' }),
      makeKiosk({ id: 'hall-b', campaignId: null }),
      makeKiosk({ id: 'hall-c', campaignId: 'c-expo' }),
    ])
    const again = await editor()
    await again.get('[data-testid="draft-restore"]').trigger('click')
    await flushPromises()
    const ticked = (id: string) =>
      (again.get(`[data-booth="${id}"]`).element as HTMLInputElement).checked
    expect([ticked('hall-a'), ticked('hall-b'), ticked('hall-c')]).toEqual([false, true, true])
    await again.get('form').trigger('submit')
    await flushPromises()
    expect(fake.api.updateCampaign.mock.calls[0]?.[1].name).toBe('春季展（改）')
    // Only this organizer's own change is made: hall-b joins; hall-a and hall-c stay put.
    expect(fake.api.assignKiosk.mock.calls).toEqual([['hall-b', 'c-expo', '"hall-b@"']])
    sessionStorage.clear()
  })

  // Edits kept by a console from before `seen` (a tab open across the update) hold only the
  // booths ticked: restored, those are the form's booths, as they were before.
  it('edits kept without where each booth was restore their booths as kept', async () => {
    sessionStorage.clear()
    const fake = createFakeConsoleApi()
    fake.api.kiosks.mockResolvedValue([
      makeKiosk({ id: 'hall-a', campaignId: 'c-other' }),
      makeKiosk({ id: 'hall-b', campaignId: null }),
      makeKiosk({ id: 'hall-c', campaignId: 'c-expo' }),
    ])
    const draft = { ...draftOf(makeCampaign({ id: 'c-expo' })), name: '春季展（改）' }
    keepDraft('alice', 'c-expo', { etag: '"7"', draft, booths: ['hall-a', 'hall-b'] })
    const { wrapper } = mountConsole(CampaignEditor, fake.api, { props: { id: 'c-expo' } })
    useSessionStore().info = { name: 'alice', expiresAt: Date.now() + 3_600_000 }
    await flushPromises()
    await wrapper.get('[data-testid="draft-restore"]').trigger('click')
    await flushPromises()
    const ticked = (id: string) =>
      (wrapper.get(`[data-booth="${id}"]`).element as HTMLInputElement).checked
    expect([ticked('hall-a'), ticked('hall-b'), ticked('hall-c')]).toEqual([true, true, false])
    expect((wrapper.get('[data-testid="field-name"]').element as HTMLInputElement).value).toBe(
      '春季展（改）',
    )
    sessionStorage.clear()
  })

  it('tries every PUT, throws the one that failed, and fetches the booths again', async () => {
    const fake = createFakeConsoleApi()
    fake.api.kiosks.mockResolvedValue([makeKiosk({ id: 'a' }), makeKiosk({ id: 'b' })])
    fake.api.assignKiosk.mockImplementation((id, campaignId) =>
      id === 'b'
        ? Promise.reject(new ConsoleApiError('not_found', 404))
        : Promise.resolve(makeKiosk({ id, campaignId })),
    )
    setupConsoleStores(fake.api)
    await useKiosksStore().refresh()
    await expect(useCampaignsStore().assignBooths('c1', ['a', 'b'])).rejects.toMatchObject({
      code: 'not_found',
    })
    expect(fake.api.assignKiosk).toHaveBeenCalledWith('a', 'c1', '"a@"')
    // After a partial failure the relay's list is the truth, not a guess here.
    expect(fake.api.kiosks).toHaveBeenCalledTimes(2)
  })

  it('the booths page names each booth’s campaign and assigns from its list', async () => {
    const fake = createFakeConsoleApi()
    fake.api.kiosks.mockResolvedValue([
      makeKiosk({ id: 'hall-a', campaignId: 'c-expo' }),
      makeKiosk({ id: 'hall-b', campaignId: 'gone' }),
    ])
    fake.api.campaigns.mockResolvedValue([
      makeCampaign({ id: 'c-expo', name: '春季展' }),
      makeCampaign({ id: 'c-2', name: '秋季展' }),
    ])
    const { wrapper } = mountConsole(BoothsPage, fake.api)
    await flushPromises()
    const select = (id: string) =>
      wrapper.get(`[data-kiosk="${id}"] [data-testid="booth-campaign-select"]`)
    const chosen = (id: string) =>
      (select(id).element as HTMLSelectElement).selectedOptions[0]?.textContent?.trim()
    expect(chosen('hall-a')).toBe('春季展')
    expect(chosen('hall-b')).toBe('未知活动（gone）')
    await select('hall-a').setValue('c-2')
    await flushPromises()
    expect(fake.api.assignKiosk).toHaveBeenCalledWith('hall-a', 'c-2', '"hall-a@c-expo"')
    fake.api.kiosks.mockResolvedValue([
      makeKiosk({ id: 'hall-a', campaignId: 'c-2' }),
      makeKiosk({ id: 'hall-b', campaignId: 'gone' }),
    ])
    await select('hall-a').setValue('')
    await flushPromises()
    expect(fake.api.assignKiosk).toHaveBeenLastCalledWith('hall-a', null, '"hall-a@c-2"')
  })
})

describe('a booth another organizer moved meanwhile', () => {
  const listed = (hallA: string | null) => [
    makeKiosk({ id: 'hall-a', campaignId: hallA }),
    makeKiosk({ id: 'hall-b', campaignId: null }),
  ]

  it('the booths page moves nothing, says so, and shows where the booth is now', async () => {
    const fake = createFakeConsoleApi()
    fake.api.kiosks.mockResolvedValue(listed('c-expo'))
    fake.api.campaigns.mockResolvedValue([
      makeCampaign({ id: 'c-expo', name: '春季展' }),
      makeCampaign({ id: 'c-2', name: '秋季展' }),
      makeCampaign({ id: 'c-3', name: '冬季展' }),
    ])
    const { wrapper } = mountConsole(BoothsPage, fake.api)
    await flushPromises()
    const select = () => wrapper.get('[data-kiosk="hall-a"] [data-testid="booth-campaign-select"]')
    // Another organizer moves hall-a to 秋季展; this page still shows 春季展.
    fake.api.kiosks.mockResolvedValue(listed('c-2'))
    await select().setValue('c-3')
    await flushPromises()
    expect(fake.api.assignKiosk).not.toHaveBeenCalled()
    expect(wrapper.get('[role="alert"]').text()).toBe(
      '“hall-a”刚被其他人改派了活动，本次未更改。已重新载入最新分配，请确认后再选。',
    )
    expect((select().element as HTMLSelectElement).value).toBe('c-2')
  })

  it('a 412 from the relay (moved between the read and the PUT) is said the same way', async () => {
    const fake = createFakeConsoleApi()
    fake.api.kiosks.mockResolvedValue(listed(null))
    fake.api.campaigns.mockResolvedValue([makeCampaign({ id: 'c-expo', name: '春季展' })])
    fake.api.assignKiosk.mockRejectedValueOnce(new ConsoleApiError('precondition_failed', 412))
    const { wrapper, i18n } = mountConsole(BoothsPage, fake.api)
    i18n.global.locale.value = 'en'
    await flushPromises()
    const calls = fake.api.kiosks.mock.calls.length
    await wrapper
      .get('[data-kiosk="hall-a"] [data-testid="booth-campaign-select"]')
      .setValue('c-expo')
    await flushPromises()
    expect(fake.api.assignKiosk).toHaveBeenCalledWith('hall-a', 'c-expo', '"hall-a@"')
    expect(wrapper.get('[role="alert"]').text()).toBe(
      'Someone else just assigned “hall-a” to a campaign, so nothing was changed. The list is reloaded: check it and choose again.',
    )
    expect(fake.api.kiosks.mock.calls.length).toBeGreaterThan(calls)
  })

  it('a booth moved to the wrong campaign goes back from the note the move leaves, naming both', async () => {
    const fake = createFakeConsoleApi()
    fake.api.kiosks.mockResolvedValue([makeKiosk({ id: 'hall-a', campaignId: 'c-expo' })])
    fake.api.campaigns.mockResolvedValue([
      makeCampaign({ id: 'c-expo', name: '春季展' }),
      makeCampaign({ id: 'c-2', name: '秋季展' }),
    ])
    const { wrapper } = mountConsole(BoothsPage, fake.api, { attachTo: document.body })
    await flushPromises()
    const select = () => wrapper.get('[data-kiosk="hall-a"] [data-testid="booth-campaign-select"]')
    const note = () => wrapper.find('[data-testid="booth-moved"]')
    const undo = () => wrapper.find('[data-testid="booth-move-undo"]')
    // Said through a region there before the move: one inserted with its words is not read out.
    const region = wrapper.get('[data-testid="booth-moved-news"]')
    expect(region.attributes('role')).toBe('status')
    expect(region.text()).toBe('')
    const said = (): string => {
      expect(wrapper.get('[data-testid="booth-moved-news"]').element).toBe(region.element)
      expect(note().attributes('role')).toBeUndefined()
      return region.text()
    }
    await select().setValue('c-2')
    await flushPromises()
    expect(fake.api.assignKiosk).toHaveBeenCalledWith('hall-a', 'c-2', '"hall-a@c-expo"')
    expect(note().text()).toContain('“hall-a”的活动已从“春季展”改为“秋季展”')
    expect(said()).toBe('“hall-a”的活动已从“春季展”改为“秋季展”。')
    expect(undo().text()).toBe('撤销：改回“春季展”')
    // The relay has it on 秋季展 now; the way back moves it only from there (If-Match).
    fake.api.kiosks.mockResolvedValue([makeKiosk({ id: 'hall-a', campaignId: 'c-2' })])
    ;(undo().element as HTMLButtonElement).focus()
    await undo().trigger('click')
    await flushPromises()
    expect(fake.api.assignKiosk).toHaveBeenLastCalledWith('hall-a', 'c-expo', '"hall-a@c-2"')
    // The button went with the note it was in: the focus is on the booth's list, not <body>.
    expect(document.activeElement).toBe(select().element)
    expect(note().text()).toBe('“hall-a”已改回“春季展”。')
    expect(said()).toBe('“hall-a”已改回“春季展”。')
    expect(undo().exists()).toBe(false)
  })

  it('the way back changes nothing when someone moved the booth again meanwhile', async () => {
    const fake = createFakeConsoleApi()
    fake.api.kiosks.mockResolvedValue([makeKiosk({ id: 'hall-a', campaignId: null })])
    fake.api.campaigns.mockResolvedValue([
      makeCampaign({ id: 'c-expo', name: '春季展' }),
      makeCampaign({ id: 'c-2', name: '秋季展' }),
    ])
    const { wrapper } = mountConsole(BoothsPage, fake.api)
    await flushPromises()
    await wrapper
      .get('[data-kiosk="hall-a"] [data-testid="booth-campaign-select"]')
      .setValue('c-expo')
    await flushPromises()
    expect(wrapper.get('[data-testid="booth-moved"]').text()).toContain('从“未分配”改为“春季展”')
    // Another organizer put it on 秋季展 since.
    fake.api.kiosks.mockResolvedValue([makeKiosk({ id: 'hall-a', campaignId: 'c-2' })])
    fake.api.assignKiosk.mockClear()
    await wrapper.get('[data-testid="booth-move-undo"]').trigger('click')
    await flushPromises()
    expect(fake.api.assignKiosk).not.toHaveBeenCalled()
    expect(wrapper.get('[role="alert"]').text()).toContain('“hall-a”刚被其他人改派了活动')
    expect(wrapper.find('[data-testid="booth-moved"]').exists()).toBe(false)
  })

  it('the campaign editor saves the campaign, takes no booth from its new campaign, and reloads the booths', async () => {
    const fake = createFakeConsoleApi()
    fake.api.kiosks.mockResolvedValue(listed(null))
    const { wrapper } = mountConsole(CampaignEditor, fake.api, { props: { id: 'c-expo' } })
    await flushPromises()
    // Meanwhile another organizer gives hall-a to their campaign; this form still shows it free.
    fake.api.kiosks.mockResolvedValue(listed('c-other'))
    fake.api.assignKiosk.mockImplementation((id, campaignId) => {
      const moved = makeKiosk({ id, campaignId })
      fake.api.kiosks.mockResolvedValue([makeKiosk({ id: 'hall-a', campaignId: 'c-other' }), moved])
      return Promise.resolve(moved)
    })
    await wrapper.get('[data-booth="hall-a"]').setValue(true)
    await wrapper.get('[data-booth="hall-b"]').setValue(true)
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.api.updateCampaign).toHaveBeenCalledTimes(1)
    expect(fake.api.assignKiosk.mock.calls).toEqual([['hall-b', 'c-expo', '"hall-b@"']])
    expect(wrapper.text()).toContain('有签到台在你打开此活动后被其他人改派，未做更改')
    const ticked = (id: string) =>
      (wrapper.get(`[data-booth="${id}"]`).element as HTMLInputElement).checked
    expect([ticked('hall-a'), ticked('hall-b')]).toEqual([false, true])
  })
})

describe('the roster', () => {
  it('knows a roster file by its name', () => {
    expect(rosterFormatOf('名单.CSV')).toBe('csv')
    expect(rosterFormatOf('guests.xlsx')).toBe('xlsx')
    expect(rosterFormatOf('guests.xls')).toBeNull()
    expect(rosterFormatOf('xlsx')).toBeNull()
  })

  it('uploads the file’s bytes with the format’s content type, and reads the outcome', async () => {
    const relay = fakeXhrs((xhr) =>
      xhr.answer(200, {
        ...(xhr.url.includes('dryRun') ? { dryRun: true } : { version: 3 }),
        ...{ total: 2, skipped: 1, errors: [] },
      }),
    )
    const api = createConsoleApi({ xhr: relay.xhr })
    const file = new Blob([new Uint8Array([0x50, 0x4b, 3, 4])])
    expect(
      await api.uploadRoster('c/1', file, 'xlsx', { skipBadRows: true, ifMatch: '"2"' }),
    ).toEqual({
      stored: true,
      version: 3,
      total: 2,
      skipped: 1,
      errors: [],
    })
    const [sent] = relay.sent
    expect(sent?.url).toBe('/console/api/campaigns/c%2F1/roster?skipBadRows=1')
    expect(sent?.method).toBe('POST')
    expect(sent?.body).toBe(file)
    expect(sent?.withCredentials).toBe(true)
    expect(sent?.headers['content-type']).toBe(ROSTER_CONTENT_TYPES.xlsx)
    expect(sent?.headers['if-match']).toBe('"2"')
    expect(await api.checkRoster('c/1', file, 'csv', { skipBadRows: true })).toMatchObject({
      dryRun: true,
      total: 2,
    })
    expect(relay.sent[1]?.url).toBe('/console/api/campaigns/c%2F1/roster?dryRun=1&skipBadRows=1')
    expect(relay.sent[1]?.headers['content-type']).toBe(ROSTER_CONTENT_TYPES.csv)
  })

  it('a file refused for its rows is an answer (the rows to fix), other 400s are errors', async () => {
    const reply = (status: number, body: unknown) =>
      createConsoleApi({ xhr: fakeXhrs((xhr) => xhr.answer(status, body)).xhr })
    const problem = { row: 3, column: 'name', code: 'name_empty', params: {} }
    const error = { code: 'bad_request', message: 'rows have problems' }
    expect(
      await reply(400, { error, errors: [problem] }).uploadRoster('c', new Blob([]), 'csv'),
    ).toEqual({ stored: false, errors: [problem] })
    expect(
      await reply(400, { error, errors: [problem] }).checkRoster('c', new Blob([]), 'csv'),
    ).toEqual({ stored: false, errors: [problem] })
    await expect(
      reply(400, { error, errors: [] }).uploadRoster('c', new Blob([]), 'csv'),
    ).rejects.toMatchObject({ code: 'bad_request' })
    await expect(
      reply(413, { error: { code: 'too_large' } }).uploadRoster('c', new Blob([]), 'csv'),
    ).rejects.toMatchObject({ code: 'too_large' })
  })

  it('refuses an outcome or a campaign that does not match the contract', async () => {
    const bad = (body: unknown) =>
      createConsoleApi({
        fetch: () => Promise.resolve(new Response(JSON.stringify(body), { status: 200 })),
        xhr: fakeXhrs((xhr) => xhr.answer(200, body)).xhr,
      })
    await expect(
      bad({ version: 1, total: -1, skipped: 0, errors: [] }).uploadRoster('c', new Blob([]), 'csv'),
    ).rejects.toMatchObject({ code: 'bad_response' })
    await expect(bad('<html>').uploadRoster('c', new Blob([]), 'csv')).rejects.toMatchObject({
      code: 'bad_response',
    })
    await expect(
      bad({ ...makeCampaign(), screenKey: 'short' }).campaign('c'),
    ).rejects.toMatchObject({ code: 'bad_response' })
  })

  it('shows the page asked for last, whatever order the answers come in', async () => {
    const fake = createFakeConsoleApi()
    type Page = Awaited<ReturnType<typeof fake.api.roster>>
    const answers: ((v: Page) => void)[] = []
    fake.api.roster.mockImplementation(() => new Promise((resolve) => answers.push(resolve)))
    setupConsoleStores(fake.api)
    const roster = useRosterStore()
    void roster.open('c1')
    void roster.page(50)
    void roster.page(100)
    const page = (total: number, offset: number): Page => ({
      version: 1,
      total,
      offset,
      entries: [],
    })
    answers[2]?.(page(300, 100))
    await flushPromises()
    answers[1]?.(page(999, 50))
    answers[0]?.(page(999, 0))
    await flushPromises()
    expect(roster.offset).toBe(100)
    expect(roster.total).toBe(300)
    expect(roster.loading).toBe(false)
  })
})

describe('the roster panel', () => {
  it('another campaign opened: the first one’s guests go at once, and stay gone if its roster cannot be read', async () => {
    // Two events on one relay: 春季展's roster is on show, the organizer opens 秋季展 on bad Wi-Fi.
    const fake = createFakeConsoleApi()
    const guest = { id: 'r0', name: '张三', company: '甲公司', phone: '13800000001', code: 'A1' }
    fake.api.roster.mockImplementation((id) =>
      id === 'c-spring'
        ? Promise.resolve({
            version: 3,
            total: 1,
            offset: 0,
            entries: [{ ...guest, openid: 'oX' }],
          })
        : Promise.reject(new ConsoleApiError('network', 0)),
    )
    // The panel as a campaign's editor holds it: a new one per campaign (CampaignsPage keys it).
    const EditorOf = defineComponent({
      props: { id: { type: String, required: true } },
      setup: (props) => () => h(RosterPanel, { key: props.id, campaignId: props.id }),
    })
    const { wrapper } = mountConsole(EditorOf, fake.api, { props: { id: 'c-spring' } })
    await flushPromises()
    expect(
      wrapper
        .findAll('[data-testid="roster-row"]')
        .map((r) => r.text())
        .join(),
    ).toContain('张三')
    await wrapper.setProps({ id: 'c-autumn' })
    expect(wrapper.findAll('[data-testid="roster-row"]')).toEqual([])
    await flushPromises()
    expect(fake.api.roster).toHaveBeenLastCalledWith('c-autumn', expect.anything())
    expect(wrapper.findAll('[data-testid="roster-row"]')).toEqual([])
    expect(wrapper.text()).not.toContain('13800000001')
    expect(wrapper.get('[role="alert"]').text()).toBe('无法连接中继服务器，请检查网络')
  })

  it('shows a refused file’s rows, and sends it again leaving them out only when asked', async () => {
    const fake = createFakeConsoleApi()
    const problem = { row: 4, column: 'phone' as const, code: 'phone_invalid', params: {} }
    fake.api.uploadRoster
      .mockResolvedValueOnce({ stored: false, errors: [problem] })
      .mockResolvedValueOnce({ stored: true, version: 2, total: 9, skipped: 1, errors: [problem] })
    const { wrapper } = mountConsole(RosterPanel, fake.api, { props: { campaignId: 'c1' } })
    await flushPromises()
    const file = new File(['姓名\n张三'], 'guests.csv', { type: 'text/csv' })
    await pickRosterFile(wrapper, file)
    expect(fake.api.uploadRoster).toHaveBeenCalledWith(
      'c1',
      file,
      'csv',
      expect.objectContaining({
        skipBadRows: false,
        ifMatch: '"0"',
      }),
    )
    expect(wrapper.get('[data-testid="roster-result"]').text()).toContain('名单未导入')
    expect(wrapper.get('[data-testid="roster-problem"]').text()).toContain('电话号码含有无效字符')
    await wrapper.get('[data-testid="roster-skip-bad"]').trigger('click')
    await flushPromises()
    expect(fake.api.uploadRoster).toHaveBeenLastCalledWith(
      'c1',
      file,
      'csv',
      expect.objectContaining({
        skipBadRows: true,
        ifMatch: '"0"',
      }),
    )
    expect(wrapper.get('[data-testid="roster-result"] .summary').text()).toBe(
      '名单已更新：共 9 人，跳过 1 行有问题的行',
    )
    expect(wrapper.find('[data-testid="roster-skip-bad"]').exists()).toBe(false)
  })

  it('says a clean upload’s count alone, and a row left out as one row, in either language', async () => {
    const { upload, summary, i18n } = await panelStoring([
      { total: 20, skipped: 0 },
      { total: 19, skipped: 1 },
    ])
    await upload()
    // Nothing was left out: "跳过 0 行有问题的行" reads as if something had been.
    expect(summary()).toBe('名单已更新：共 20 人')
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(summary()).toBe('Roster updated: 20 guests')
    await upload()
    expect(summary()).toBe('Roster updated: 19 guests, 1 row with problems left out')
    i18n.global.locale.value = 'zh-CN'
    await flushPromises()
    expect(summary()).toBe('名单已更新：共 19 人，跳过 1 行有问题的行')
  })

  it('counts one guest as one guest in English, not "1 guests"', async () => {
    const { upload, summary, i18n } = await panelStoring([
      { total: 1, skipped: 0 },
      { total: 1, skipped: 2 },
    ])
    i18n.global.locale.value = 'en'
    await upload()
    expect(summary()).toBe('Roster updated: 1 guest')
    await upload()
    expect(summary()).toBe('Roster updated: 1 guest, 2 rows with problems left out')
    i18n.global.locale.value = 'zh-CN'
    await flushPromises()
    expect(summary()).toBe('名单已更新：共 1 人，跳过 2 行有问题的行')
  })

  it('words a phone too short by its length, not as bad characters', async () => {
    const fake = createFakeConsoleApi()
    fake.api.uploadRoster.mockResolvedValue({
      stored: false,
      errors: [
        { row: 3, column: 'phone', code: 'phone_too_short', params: { min: 3 } },
        { row: 4, column: 'phone', code: 'phone_invalid', params: {} },
      ],
    })
    const { wrapper } = mountConsole(RosterPanel, fake.api, { props: { campaignId: 'c1' } })
    await flushPromises()
    await pickRosterFile(
      wrapper,
      new File(['姓名,电话\n张三,1'], 'guests.csv', { type: 'text/csv' }),
    )
    const texts = wrapper.findAll('[data-testid="roster-problem"]').map((w) => w.text())
    expect(texts[0]).toContain('电话号码太短（至少 3 个字符）')
    expect(texts[0]).not.toContain('无效字符')
    expect(texts[1]).toContain('+ 只能在开头')
  })

  it('a file refused whole (unreadable, no name column) says so, and offers no leaving-out of rows', async () => {
    const fake = createFakeConsoleApi()
    fake.api.uploadRoster.mockResolvedValue({
      stored: false,
      errors: [{ row: 1, column: null, code: 'unreadable', params: { format: 'XLSX' } }],
    })
    const { wrapper } = mountConsole(RosterPanel, fake.api, { props: { campaignId: 'c1' } })
    await flushPromises()
    await pickRosterFile(wrapper, new File([new Uint8Array([1, 2, 3])], 'guests.xlsx'))
    const summary = wrapper.get('[data-testid="roster-result"] .summary').text()
    expect(summary).toContain('名单未导入')
    expect(summary).not.toContain('跳过')
    expect(wrapper.get('[data-testid="roster-problem"]').text()).toContain(
      '无法按 XLSX 格式读取该文件',
    )
    // Leaving out rows cannot help a file that cannot be read at all.
    expect(wrapper.find('[data-testid="roster-skip-bad"]').exists()).toBe(false)
  })

  it('a screen reader hears each step of an upload through a region there before it starts', async () => {
    // "第 2/2 步：处理中…" came in a status region inserted with its words: a screen reader
    // missed it, so a blind organizer heard nothing between picking the file and its outcome.
    const { relay, wrapper } = mountRosterOverXhr()
    await flushPromises()
    const region = wrapper.get('[data-testid="roster-news"]')
    expect(region.attributes('role')).toBe('status')
    const said = (): string => {
      // The same node all along, and the only live region saying the steps.
      expect(wrapper.get('[data-testid="roster-news"]').element).toBe(region.element)
      expect(wrapper.findAll('[data-testid="roster-progress"] [role="status"]')).toHaveLength(0)
      return region.text()
    }

    await pickRosterFile(wrapper, new File(['x'.repeat(2048)], 'small.csv'))
    relay.sent[0]?.bodySent()
    await flushPromises()
    expect(said()).toBe('第 1/2 步：正在检查文件…')
    relay.sent[0]?.answer(200, { dryRun: true, total: 3, skipped: 0, errors: [] })
    await flushPromises()
    relay.sent[1]?.bodySent()
    await flushPromises()
    expect(said()).toBe('第 2/2 步：处理中…')
    relay.sent[1]?.answer(200, { version: 1, total: 3, skipped: 0, errors: [] })
    await flushPromises()
    expect(said()).toBe('名单已更新：共 3 人')

    // Cancelled: said there too (the hint beside the button comes with its words).
    await pickRosterFile(wrapper, new File(['x'.repeat(2048)], 'again.csv'))
    await wrapper.get('[data-testid="roster-cancel"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="roster-cancelled"]').text()).toBe('已取消上传，名单未改变')
    expect(said()).toBe('已取消上传，名单未改变')
  })

  it('shows how much of the file is sent, then “processing”, and cancels one still sending', async () => {
    const { relay, wrapper, i18n } = mountRosterOverXhr()
    await flushPromises()
    const input = wrapper.get('[data-testid="roster-file"]')
    const MB = 1024 * 1024
    const big = (): File => {
      const file = new File(['姓名\n张三'], 'guests.csv')
      Object.defineProperty(file, 'size', { value: 10 * MB })
      return file
    }
    const text = (): string => wrapper.get('[data-testid="roster-progress-text"]').text()
    const bar = (): HTMLProgressElement =>
      wrapper.get<HTMLProgressElement>('[data-testid="roster-progress"] progress').element
    const cancel = (): boolean => wrapper.find('[data-testid="roster-cancel"]').exists()

    // A big file is checked too (a 20,000-guest roster may drop the guests who checked in),
    // then stored: its percentage and megabytes as they go out.
    await pickRosterFile(wrapper, big())
    expect(relay.sent).toHaveLength(1)
    expect(relay.sent[0]?.url).toBe('/console/api/campaigns/c1/roster?dryRun=1')
    expect(text()).toBe('第 1/2 步：正在检查文件 0%（0 / 10 MB）')
    // All out, the relay parsing it: still the check, not the import.
    relay.sent[0]?.bodySent()
    await flushPromises()
    expect(text()).toBe('第 1/2 步：正在检查文件…')
    relay.sent[0]?.answer(200, { dryRun: true, total: 8000, skipped: 0, errors: [] })
    await flushPromises()
    expect(relay.sent).toHaveLength(2)
    expect(relay.sent[1]?.url).toBe('/console/api/campaigns/c1/roster')
    relay.sent.shift()
    // The second pass says so: 0% again is not the same file starting over.
    expect(text()).toBe('第 2/2 步：上传中 0%（0 / 10 MB）')
    relay.sent[0]?.progress(4.5 * MB)
    await flushPromises()
    expect(text()).toBe('第 2/2 步：上传中 45%（4.5 / 10 MB）')
    expect([bar().value, bar().max]).toEqual([4.5 * MB, 10 * MB])
    expect(input.attributes('disabled')).toBeDefined()
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(text()).toBe('Step 2 of 2: uploading 45% (4.5 / 10 MB)')
    // All sent: the relay is importing it, too late to cancel.
    relay.sent[0]?.bodySent()
    await flushPromises()
    expect(text()).toBe('Step 2 of 2: processing…')
    expect(cancel()).toBe(false)
    relay.sent[0]?.answer(200, { version: 1, total: 8000, skipped: 0, errors: [] })
    await flushPromises()
    expect(wrapper.find('[data-testid="roster-progress"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="roster-result"] .summary').text()).toBe(
      'Roster updated: 8,000 guests',
    )
    i18n.global.locale.value = 'zh-CN'

    // A small file is checked first, then stored: each pass says which it is.
    await pickRosterFile(wrapper, new File(['x'.repeat(2048)], 'small.csv'))
    relay.sent[1]?.progress(1024)
    await flushPromises()
    expect(text()).toBe('第 1/2 步：正在检查文件 50%（1 / 2 KB）')
    relay.sent[1]?.answer(200, { dryRun: true, total: 3, skipped: 0, errors: [] })
    await flushPromises()
    expect(relay.sent[2]?.url).toBe('/console/api/campaigns/c1/roster')
    expect(text()).toBe('第 2/2 步：上传中 0%（0 / 2 KB）')
    relay.sent[2]?.answer(200, { version: 2, total: 3, skipped: 0, errors: [] })
    await flushPromises()

    // Cancelled while sending: the request is aborted, no error, nothing more sent.
    await pickRosterFile(wrapper, big())
    relay.sent[3]?.progress(MB)
    await flushPromises()
    await wrapper.get('[data-testid="roster-cancel"]').trigger('click')
    await flushPromises()
    expect(relay.sent[3]?.aborted).toBe(true)
    expect(relay.sent).toHaveLength(4)
    expect(wrapper.find('[data-testid="roster-progress"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="roster-cancelled"]').text()).toBe('已取消上传，名单未改变')
    expect(wrapper.find('[data-testid="roster-error"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="roster-result"]').exists()).toBe(false)
    expect(input.attributes('disabled')).toBeUndefined()

    // Leaving the page stops a file still on its way.
    await pickRosterFile(wrapper, big())
    relay.sent[4]?.progress(MB)
    wrapper.unmount()
    expect(relay.sent[4]?.aborted).toBe(true)
  })

  it('a file stored alone (confirmed after its check) says no step; cancelled in its store pass, nothing is stored', async () => {
    const relay = fakeXhrs()
    const page = { version: 4, total: 2, offset: 0, entries: [] }
    const api = createConsoleApi({
      xhr: relay.xhr,
      fetch: () => Promise.resolve(new Response(JSON.stringify(page), { status: 200 })),
    })
    const { wrapper, i18n } = mountConsole(RosterPanel, api, { props: { campaignId: 'c1' } })
    await flushPromises()
    const text = (): string => wrapper.get('[data-testid="roster-progress-text"]').text()
    const headerOnly = (): File => new File(['姓名'.repeat(1024)], 'empty.csv')

    // Checked (pass 1 of 2), held: it would empty the roster. Confirmed, it goes out once more,
    // alone: no "2 of 2" of a check the organizer has already seen answered.
    await pickRosterFile(wrapper, headerOnly())
    relay.sent[0]?.answer(200, { dryRun: true, total: 0, skipped: 0, errors: [] })
    await flushPromises()
    await wrapper.get('[data-testid="roster-empty-confirm"]').trigger('click')
    await flushPromises()
    expect(relay.sent[1]?.url).toBe('/console/api/campaigns/c1/roster')
    relay.sent[1]?.progress(1024)
    await flushPromises()
    expect(text()).toBe('上传中 16%（1 / 6 KB）')
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(text()).toBe('Uploading 16% (1 / 6 KB)')
    relay.sent[1]?.bodySent()
    await flushPromises()
    expect(text()).toBe('Processing…')
    relay.sent[1]?.answer(200, { version: 5, total: 0, skipped: 0, errors: [] })
    await flushPromises()

    // Pass 2 of 2 cancelled while it goes out: aborted, said, nothing else sent or shown.
    await pickRosterFile(wrapper, new File(['姓名\n张三'.repeat(512)], 'mine.csv'))
    relay.sent[2]?.answer(200, { dryRun: true, total: 1, skipped: 0, errors: [] })
    await flushPromises()
    relay.sent[3]?.progress(1024)
    await flushPromises()
    expect(text()).toMatch(/^Step 2 of 2: uploading /)
    await wrapper.get('[data-testid="roster-cancel"]').trigger('click')
    await flushPromises()
    expect(relay.sent[3]?.aborted).toBe(true)
    expect(relay.sent).toHaveLength(4)
    expect(wrapper.find('[data-testid="roster-progress"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="roster-cancelled"]').text()).toBe(
      'Upload cancelled; the roster is unchanged',
    )
    expect(wrapper.find('[data-testid="roster-error"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="roster-result"]').exists()).toBe(false)
    i18n.global.locale.value = 'zh-CN'
  })

  it('asks before a file leaves out guests who checked in, or every current guest, and says how many', async () => {
    // This year's roster: 1,204 guests, 312 of them checked in. Last year's file is picked.
    const fake = createFakeConsoleApi()
    fake.api.roster.mockResolvedValue({ version: 7, total: 1204, offset: 0, entries: [] })
    const check = (total: number, kept: number, checkedInDropped: number) =>
      fake.api.checkRoster.mockResolvedValueOnce({
        dryRun: true,
        total,
        skipped: 0,
        errors: [],
        replacing: { total: 1204, kept, checkedInDropped },
      })
    const { wrapper, i18n } = mountConsole(RosterPanel, fake.api, { props: { campaignId: 'c1' } })
    await flushPromises()
    const ask = () => wrapper.find('[data-testid="roster-confirm-drop"]')
    const lastYear = () => new File(['姓名,手机\n张三,138'], 'guests-2025.csv')

    check(1180, 20, 312)
    await pickRosterFile(wrapper, lastYear())
    expect(fake.api.uploadRoster).not.toHaveBeenCalled()
    expect(ask().attributes('role')).toBe('alertdialog')
    expect(ask().get('.summary').text()).toBe('312 位已签到的来宾不在这个文件里')
    expect(ask().get('[data-testid="roster-drop-counts"]').text()).toContain(
      '文件中的来宾：1,180 人；当前名单：1,204 人，其中 20 人在文件里',
    )
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(ask().get('.summary').text()).toBe(
      '312 guests who already checked in are not in this file',
    )
    expect(ask().text()).toContain('Current roster: 1,204 guests, 20 of them in the file')
    expect(ask().text()).toContain('until a roster with them is uploaded again')
    // Cancel keeps the roster: nothing is sent.
    await wrapper.get('[data-testid="roster-drop-cancel"]').trigger('click')
    await flushPromises()
    expect(ask().exists()).toBe(false)
    expect(fake.api.uploadRoster).not.toHaveBeenCalled()

    // The phone column missing: nobody matches, nobody had checked in yet. Asked all the same.
    check(1204, 0, 0)
    await pickRosterFile(wrapper, lastYear())
    expect(ask().get('.summary').text()).toBe('None of the current roster’s guests is in this file')
    await wrapper.get('[data-testid="roster-drop-confirm"]').trigger('click')
    await flushPromises()
    // Confirmed: sent once, over the version read, without a second check.
    expect(fake.api.checkRoster).toHaveBeenCalledTimes(2)
    expect(fake.api.uploadRoster).toHaveBeenCalledTimes(1)
    expect(fake.api.uploadRoster.mock.calls[0]?.[3]).toMatchObject({ ifMatch: '"7"' })
    expect(ask().exists()).toBe(false)

    // A file that only adds guests, or drops some nobody checked in as: no question.
    check(1300, 1204, 0)
    await pickRosterFile(wrapper, lastYear())
    check(1000, 1000, 0)
    await pickRosterFile(wrapper, lastYear())
    expect(ask().exists()).toBe(false)
    expect(fake.api.uploadRoster).toHaveBeenCalledTimes(3)

    // A big roster (20,000 guests: about 2 MiB) is checked the same way, and held.
    const big = lastYear()
    Object.defineProperty(big, 'size', { value: 2 * 1024 * 1024 })
    check(20_000, 0, 312)
    await pickRosterFile(wrapper, big)
    expect(fake.api.checkRoster).toHaveBeenCalledTimes(5)
    expect(ask().get('.summary').text()).toBe(
      '312 guests who already checked in are not in this file',
    )
    expect(fake.api.uploadRoster).toHaveBeenCalledTimes(3)
    i18n.global.locale.value = 'zh-CN'
  })

  it('a roster replaced elsewhere before the check is said after the check, the file not sent again; mine is checked against theirs', async () => {
    // Read at version 7; another organizer replaced it since. A 10 MiB file takes minutes a pass
    // on venue Wi-Fi: the check names the version read, and its 412 ends it there.
    const fake = createFakeConsoleApi()
    fake.api.roster.mockResolvedValueOnce({ version: 7, total: 3, offset: 0, entries: [] })
    const { wrapper } = mountConsole(RosterPanel, fake.api, { props: { campaignId: 'c1' } })
    await flushPromises()
    fake.api.roster.mockResolvedValue({ version: 8, total: 1204, offset: 0, entries: [] })
    fake.api.checkRoster.mockRejectedValueOnce(new ConsoleApiError('precondition_failed', 412))
    await pickRosterFile(wrapper, new File(['姓名,手机\n张三,138'], 'mine.csv'))
    expect(fake.api.checkRoster.mock.calls[0]?.[3]).toMatchObject({ ifMatch: '"7"' })
    expect(fake.api.uploadRoster).not.toHaveBeenCalled()
    expect(wrapper.get('[data-testid="roster-conflict"]').text()).toContain('“mine.csv”未上传')
    expect(wrapper.get('[data-testid="roster-conflict"]').text()).toContain('1,204 人')
    expect(wrapper.find('[data-testid="roster-progress"]').exists()).toBe(false)
    // "Upload mine anyway": the file was never checked against their roster, so it is now
    // (their 312 checked-in guests are not in it: asked first), over their version.
    fake.api.checkRoster.mockResolvedValueOnce({
      dryRun: true,
      total: 1,
      skipped: 0,
      errors: [],
      replacing: { total: 1204, kept: 0, checkedInDropped: 312 },
    })
    await wrapper.get('[data-testid="roster-upload-anyway"]').trigger('click')
    await flushPromises()
    expect(fake.api.checkRoster.mock.calls[1]?.[3]).toMatchObject({ ifMatch: '"8"' })
    expect(fake.api.uploadRoster).not.toHaveBeenCalled()
    expect(wrapper.get('[data-testid="roster-confirm-drop"] .summary').text()).toBe(
      '312 位已签到的来宾不在这个文件里',
    )
    await wrapper.get('[data-testid="roster-drop-confirm"]').trigger('click')
    await flushPromises()
    expect(fake.api.uploadRoster).toHaveBeenCalledTimes(1)
    expect(fake.api.uploadRoster.mock.calls[0]?.[3]).toMatchObject({ ifMatch: '"8"' })
  })

  it('refuses a file that is not CSV or XLSX, or is too large, before any upload', async () => {
    const fake = createFakeConsoleApi()
    const { wrapper } = mountConsole(RosterPanel, fake.api, { props: { campaignId: 'c1' } })
    await flushPromises()
    await pickRosterFile(wrapper, new File(['x'], 'guests.numbers'))
    expect(wrapper.get('[data-testid="roster-error"]').text()).toBe('只支持 .csv 或 .xlsx 文件')
    // An old .xls is named, with what to do about it.
    await pickRosterFile(wrapper, new File(['x'], 'guests.XLS'))
    expect(wrapper.get('[data-testid="roster-error"]').text()).toBe(
      '这是旧版 Excel 文件（.xls）：请在 Excel 中另存为 .xlsx 或“CSV UTF-8”后重新导入',
    )
    const big = new File(['x'], 'guests.csv')
    Object.defineProperty(big, 'size', { value: 10 * 1024 * 1024 + 1 })
    await pickRosterFile(wrapper, big)
    expect(wrapper.get('[data-testid="roster-error"]').text()).toBe('文件过大（最大 10 MB）')
    expect(fake.api.uploadRoster).not.toHaveBeenCalled()
  })
})

describe('hostile input', () => {
  it('shows a greeting with markup as text in the preview, never as markup', async () => {
    const fake = createFakeConsoleApi()
    const { wrapper } = mountConsole(CampaignEditor, fake.api, { props: { id: null } })
    await flushPromises()
    await wrapper
      .get('[data-testid="greeting-zh-CN-first"]')
      .setValue('<img src=x onerror=alert(1)>')
    const preview = wrapper.get('[data-testid="preview-text"]')
    expect(preview.text()).toBe('<img src=x onerror=alert(1)>')
    expect(preview.find('img').exists()).toBe(false)
  })

  it('reads a campaign address from the hash without throwing on a broken escape', () => {
    expect(parseSub('#/campaigns/c-1')).toBe('c-1')
    expect(parseSub('#/campaigns/%E0%A4%A')).toBe('')
    expect(parseSub('#/campaigns')).toBe('')
    expect(parsePage('#/campaigns/new')).toBe('campaigns')
  })

  it('puts a campaign id and a screen key into paths escaped', async () => {
    const fetch = vi.fn<typeof globalThis.fetch>(() =>
      Promise.resolve(new Response(JSON.stringify(makeCampaign()), { status: 200 })),
    )
    const api = createConsoleApi({ fetch })
    await api.campaign('../kiosks')
    expect(fetch.mock.calls[0]?.[0]).toBe('/console/api/campaigns/..%2Fkiosks')
    expect(api.screenUrl('wall', 'c1', 'a/b?c')).toMatch(/\/screen\/c1\/wall\?key=a%2Fb%3Fc$/)
  })
})

describe('the campaigns list while followed', () => {
  afterEach(() => {
    vi.useRealTimers()
    vi.unstubAllGlobals()
  })

  it('is read again while a page follows it and is on screen, not when hidden or unfollowed', async () => {
    vi.useFakeTimers()
    let visibility: DocumentVisibilityState = 'visible'
    vi.spyOn(document, 'visibilityState', 'get').mockImplementation(() => visibility)
    const fake = createFakeConsoleApi()
    fake.api.campaigns.mockResolvedValue([makeCampaign({ id: 'c1', name: '春季展' })])
    setupConsoleStores(fake.api)
    const campaigns = useCampaignsStore()
    await campaigns.refresh()
    expect(campaigns.list.map((c) => c.name)).toEqual(['春季展'])

    // Unfollowed: nothing is read behind the organizer's back.
    await vi.advanceTimersByTimeAsync(30_000)
    expect(fake.api.campaigns).toHaveBeenCalledTimes(1)

    // Followed and on screen: another organizer's new and renamed campaigns arrive.
    const stop = campaigns.follow()
    await flushPromises()
    fake.api.campaigns.mockResolvedValue([
      makeCampaign({ id: 'c1', name: '春季展（新）' }),
      makeCampaign({ id: 'c2', name: '秋季展' }),
    ])
    await vi.advanceTimersByTimeAsync(10_000)
    expect(campaigns.list.map((c) => c.name)).toEqual(['春季展（新）', '秋季展'])

    // Hidden: no reads; back in view: read at once.
    visibility = 'hidden'
    const before = fake.api.campaigns.mock.calls.length
    await vi.advanceTimersByTimeAsync(30_000)
    expect(fake.api.campaigns).toHaveBeenCalledTimes(before)
    fake.api.campaigns.mockResolvedValue([makeCampaign({ id: 'c2', name: '秋季展' })])
    visibility = 'visible'
    document.dispatchEvent(new Event('visibilitychange'))
    await flushPromises()
    expect(fake.api.campaigns).toHaveBeenCalledTimes(before + 1)
    expect(campaigns.list.map((c) => c.name)).toEqual(['秋季展'])

    stop()
    await flushPromises()
    await vi.advanceTimersByTimeAsync(30_000)
    expect(fake.api.campaigns).toHaveBeenCalledTimes(before + 1)
  })

  it('reads each campaign’s summary, not every field; a save here keeps only the summary too', async () => {
    // A season's 1,000 campaigns in full were 436 KiB a read: the lists show id, name, dates
    // and mode, and the editor reads the campaign it opens in full.
    const summary = [
      { id: 'c1', name: '春季展', startsAt: '2026-05-01', endsAt: '2026-05-03', mode: 'booth' },
    ]
    const saved = makeCampaign({ id: 'c1', name: '秋季展', followUp: '感谢来访', mode: 'desk' })
    const asked: string[] = []
    const fetch = vi.fn<typeof globalThis.fetch>((url, init) => {
      asked.push(`${init?.method ?? 'GET'} ${url instanceof Request ? url.url : url.toString()}`)
      const answer = init?.method === 'PUT' ? saved : summary
      return Promise.resolve(
        new Response(JSON.stringify(answer), { status: 200, headers: { etag: '"s1"' } }),
      )
    })
    setupConsoleStores(createConsoleApi({ fetch }))
    const campaigns = useCampaignsStore()
    await campaigns.refresh()
    expect(asked).toEqual(['GET /console/api/campaigns?view=summary'])
    expect(campaigns.list).toEqual(summary)

    await campaigns.save('c1', makeCampaignInput({ name: '秋季展' }))
    expect(asked.at(-1)).toBe('PUT /console/api/campaigns/c1')
    expect(campaigns.list).toEqual([
      {
        id: 'c1',
        name: '秋季展',
        startsAt: saved.startsAt,
        endsAt: saved.endsAt,
        mode: 'desk',
      },
    ])
    expect(JSON.stringify(campaigns.list)).not.toContain(saved.screenKey)
  })

  it('re-reads with If-None-Match: a 304 keeps the list as it was, a changed list replaces it', async () => {
    vi.useFakeTimers()
    vi.spyOn(document, 'visibilityState', 'get').mockImplementation(() => 'visible')
    // The relay as far as the list goes: a tag per body, 304 with no body when it is named.
    let body = JSON.stringify([makeCampaign({ id: 'c1', name: '春季展' })])
    let tag = '"a1"'
    const sent: (string | null)[] = []
    const fetch = vi.fn<typeof globalThis.fetch>((_url, init) => {
      const asked = new Headers(init?.headers).get('if-none-match')
      sent.push(asked)
      const headers = { etag: tag, 'cache-control': 'no-store' }
      if (asked === tag) return Promise.resolve(new Response(null, { status: 304, headers }))
      return Promise.resolve(new Response(body, { status: 200, headers }))
    })
    setupConsoleStores(createConsoleApi({ fetch }))
    const campaigns = useCampaignsStore()
    const stop = campaigns.follow()
    await campaigns.refresh()
    const first = campaigns.list
    expect(first.map((c) => c.name)).toEqual(['春季展'])

    await vi.advanceTimersByTimeAsync(10_000)
    expect(sent).toEqual([null, '"a1"', '"a1"'])
    expect(campaigns.error).toBeNull()
    expect(campaigns.list).toBe(first)
    expect(campaigns.list.map((c) => c.name)).toEqual(['春季展'])

    // Another organizer renamed it: a new tag and the whole list.
    body = JSON.stringify([makeCampaign({ id: 'c1', name: '春季展（新）' })])
    tag = '"b2"'
    await vi.advanceTimersByTimeAsync(5_000)
    expect(sent.at(-1)).toBe('"a1"')
    expect(campaigns.list.map((c) => c.name)).toEqual(['春季展（新）'])
    await vi.advanceTimersByTimeAsync(5_000)
    expect(sent.at(-1)).toBe('"b2"')
    expect(campaigns.list.map((c) => c.name)).toEqual(['春季展（新）'])
    stop()
  })
})

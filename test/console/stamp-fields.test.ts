// @vitest-environment happy-dom
// The stamp rally's optional campaign fields in the console form (issue 20): booth names only
// for picked booths, empty texts left out (the relay's defaults apply), each problem with a
// message in both languages; and the rally line the relay builds from them (shared/stamp-reply),
// kept within WeChat's 2048-byte passive reply.
import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import CampaignEditor from '../../console/src/components/CampaignEditor.vue'
import { checkDraft, draftOf, newDraft } from '../../console/src/campaigns/campaign-form'
import { createConsoleI18n } from '../../console/src/i18n/index'
import {
  DEFAULT_STAMP_COMPLETE,
  MAX_REPLY_BYTES,
  stampLine,
  stampReply,
} from '../../shared/stamp-reply'
import type { ConsoleKiosk, ConsoleStats } from '../../shared/console-api'
import type { ConsoleCampaign } from '../../console/src/api/campaign-contract'
import { createFakeConsoleApi, makeCampaign, makeKiosk, makeStats } from './fake-console-api'
import { mountConsole } from './setup-console'

enableAutoUnmount(afterEach)

const named = () => ({ ...newDraft(), name: 'Expo' })

describe('the campaign form’s stamp fields', () => {
  it('sends names of picked booths only, and leaves empty texts out', () => {
    const checked = checkDraft({
      ...named(),
      stamps: ['hall-a', 'hall-b'],
      stampNames: { 'hall-a': ' A 区 ', 'hall-b': '  ', 'hall-c': 'gone' },
      stampProgress: '',
      stampComplete: '  完成！ ',
    })
    expect(checked.ok).toBe(true)
    if (!checked.ok) return
    expect(checked.input.stampNames).toEqual({ 'hall-a': 'A 区' })
    expect(checked.input.stampComplete).toBe('完成！')
    expect('stampProgress' in checked.input).toBe(false)
  })

  it('a stored campaign’s fields come back into the draft', () => {
    const c = makeCampaign({
      stamps: ['hall-a'],
      stampNames: { 'hall-a': 'A 区' },
      stampProgress: '{count}/{total}',
    })
    const d = draftOf(c)
    expect([d.stampNames, d.stampProgress, d.stampComplete]).toEqual([
      { 'hall-a': 'A 区' },
      '{count}/{total}',
      '',
    ])
  })

  it.each([
    [
      'stampNames.hall-a',
      { stampNames: { 'hall-a': 'x'.repeat(21) } },
      'campaigns.errors.stampName',
    ],
    ['stampProgress', { stampProgress: 'x'.repeat(601) }, 'campaigns.errors.reply'],
    ['stampProgress', { stampProgress: '{count}/{totl}' }, 'campaigns.errors.stampPlaceholder'],
    ['stampComplete', { stampComplete: 'x'.repeat(601) }, 'campaigns.errors.reply'],
    ['stampComplete', { stampComplete: '{count}/{total}!' }, 'campaigns.errors.notFilledIn'],
    ['followUp', { followUp: 'Thanks {name}, {count}' }, 'campaigns.errors.followUpPlaceholder'],
    [
      'reply.scan',
      { reply: { subscribe: '', scan: 'No. {number}' } },
      'campaigns.errors.notFilledIn',
    ],
  ])('%s: %j is refused with its message in both languages', (path, over, key) => {
    const checked = checkDraft({ ...named(), stamps: ['hall-a'], ...over })
    expect(checked.ok).toBe(false)
    if (checked.ok) return
    expect(checked.errors[path]).toBe(key)
    const i18n = createConsoleI18n('en')
    for (const locale of ['en', 'zh-CN'] as const) {
      expect(i18n.global.te(key, locale), `${key} in ${locale}`).toBe(true)
    }
  })
})

/** The editor open on campaign c-expo with `campaign` in it, the booths and stats given. */
async function openEditor(
  campaign: Partial<ConsoleCampaign>,
  over: { kiosks?: ConsoleKiosk[]; stats?: ConsoleStats } = {},
) {
  const fake = createFakeConsoleApi()
  if (over.kiosks !== undefined) fake.api.kiosks.mockResolvedValue(over.kiosks)
  if (over.stats !== undefined) fake.api.stats.mockResolvedValue(over.stats)
  fake.api.campaign.mockResolvedValue({ campaign: makeCampaign(campaign), etag: '"7"' })
  const mounted = mountConsole(CampaignEditor, fake.api, { props: { id: 'c-expo' } })
  await flushPromises()
  return { fake, ...mounted }
}

describe('the campaign editor with a rally', () => {
  /** hall-a, and hall-b and hall-c revoked. */
  const twoRevoked = () => [
    makeKiosk({ id: 'hall-a' }),
    makeKiosk({ id: 'hall-b', revoked: true, online: false }),
    makeKiosk({ id: 'hall-c', revoked: true, online: false }),
  ]

  it('shows how many completed it, asks for booth names and shows the default texts', async () => {
    const { fake, wrapper } = await openEditor(
      { stamps: ['hall-a', 'hall-b'] },
      { stats: makeStats({ stampsCompleted: 7 }) },
    )
    expect(fake.api.stats).toHaveBeenCalledWith('c-expo')
    expect(wrapper.get('[data-testid="rally-completed"]').text()).toBe('已完成集章：7 人')
    expect(wrapper.find('[data-testid="stamp-name-hall-b"]').exists()).toBe(true)
    const progress = wrapper.get('[data-testid="field-stampProgress"]')
    expect(progress.attributes('placeholder')).toBe('已集 {count}/{total} 章，还差：{missing}')
  })

  it('saves a booth name typed into a rally that had none (the name reaches the relay)', async () => {
    const { fake, wrapper } = await openEditor({ stamps: ['hall-a', 'hall-b'] })
    // Only the booth name is typed: the form's check must see the new key, not an old result.
    await wrapper.get('[data-testid="stamp-name-hall-a"]').setValue('A 区')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.api.updateCampaign).toHaveBeenCalledTimes(1)
    const sent = fake.api.updateCampaign.mock.calls[0]?.[1]
    expect(sent?.stampNames).toEqual({ 'hall-a': 'A 区' })
  })

  it("names every revoked booth still in the rally, in each language's list style", async () => {
    const { wrapper, i18n } = await openEditor(
      { stamps: ['hall-a', 'hall-b', 'hall-c'] },
      { kiosks: twoRevoked() },
    )
    const note = () => wrapper.get('[data-testid="stamps-revoked"]').text()
    expect(note()).toContain('hall-b、hall-c')
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(note()).toContain('hall-b, hall-c')
  })

  it('shows a revoked booth still in the rally, marked, so it can be unticked and saved without it', async () => {
    const { fake, wrapper } = await openEditor(
      { stamps: ['hall-a', 'hall-b'], stampNames: { 'hall-b': 'B 区' } },
      { kiosks: twoRevoked() },
    )
    const picks = wrapper.get('[data-testid="stamps"]')
    // A revoked booth not in the rally is not offered.
    expect(picks.find('[data-stamp="hall-c"]').exists()).toBe(false)
    const hallB = picks.get('[data-stamp="hall-b"]')
    expect((hallB.element as HTMLInputElement).checked).toBe(true)
    expect(hallB.element.closest('label')?.textContent).toContain('hall-b')
    expect(hallB.element.closest('label')?.textContent).toContain('已停用')
    expect(wrapper.get('[data-testid="stamps-revoked"]').text()).toContain('hall-b')
    await hallB.setValue(false)
    expect(wrapper.find('[data-testid="stamp-name-hall-b"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="stamps-revoked"]').exists()).toBe(false)
    // Still offered after the untick, in case it was a slip.
    expect(picks.find('[data-stamp="hall-b"]').exists()).toBe(true)
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.api.updateCampaign.mock.calls[0]?.[1].stamps).toEqual(['hall-a'])
  })

  it('warns of a rally booth that does not run the campaign (it would stamp nothing) until it is picked to run it', async () => {
    const { wrapper } = await openEditor(
      { stamps: ['hall-a', 'hall-b'] },
      {
        kiosks: [
          makeKiosk({ id: 'hall-a', campaignId: 'c-expo' }),
          makeKiosk({ id: 'hall-b', campaignId: 'c-other' }),
        ],
      },
    )
    const warning = wrapper.get('[data-testid="stamps-elsewhere"]').text()
    expect(warning).toContain('hall-b')
    expect(warning).not.toContain('hall-a')
    expect(warning).toContain('不会盖章')
    // Picked to run this campaign (the booths section): no warning; saved, it moves here.
    await wrapper.get('[data-testid="campaign-booths-pick"] [data-booth="hall-b"]').setValue(true)
    expect(wrapper.find('[data-testid="stamps-elsewhere"]').exists()).toBe(false)
  })
})

describe('the rally line', () => {
  const rally = { stamps: ['a', 'b', 'c'], stampNames: { b: 'B 区' } }
  it('counts only the rally’s booths and lists the rest by name, else by id', () => {
    expect(stampLine(rally, { stamped: ['a', 'x'] })).toBe('已集 1/3 章，还差：B 区、c')
    expect(stampLine(rally, { stamped: ['c', 'b', 'a'] })).toBe(DEFAULT_STAMP_COMPLETE)
    // "constructor" is a valid kiosk id: named by its id, not by Object.prototype's function.
    const odd = { stamps: ['constructor', 'b'], stampNames: { b: 'B 区' } }
    expect(stampLine(odd, { stamped: ['b'] })).toBe('已集 1/2 章，还差：constructor')
  })

  it('an English progress text lists the missing booths with English commas', () => {
    const en = {
      stamps: ['a', 'b', 'c'],
      stampNames: { b: 'Hall B', c: 'Hall C' },
      stampProgress: '{count} of {total} stamps; still to visit: {missing}',
    }
    expect(stampLine(en, { stamped: ['a'] })).toBe('1 of 3 stamps; still to visit: Hall B, Hall C')
    // A Chinese text (the organizer's own, or the default) keeps 、 between names.
    const zh = { ...en, stampProgress: '还差{missing}' }
    expect(stampLine(zh, { stamped: ['a'] })).toBe('还差Hall B、Hall C')
  })

  it('the form keeps a booth named "constructor" without a name', () => {
    const checked = checkDraft({ ...named(), stamps: ['constructor'], stampNames: {} })
    expect(checked.ok).toBe(true)
    if (checked.ok) expect('stampNames' in checked.input).toBe(false)
  })

  it('cuts a missing list that would not fit 2048 bytes, and drops the base reply first', () => {
    const stamps = Array.from({ length: 50 }, (_, i) => `k${i}`)
    const stampNames = Object.fromEntries(stamps.map((k) => [k, '展'.repeat(20)]))
    const line = stampLine({ stamps, stampNames }, { stamped: [] })
    expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(MAX_REPLY_BYTES)
    expect(line.startsWith('已集 0/50 章，还差：展')).toBe(true)
    expect(line.endsWith('…')).toBe(true)
    expect(stampReply('欢迎'.repeat(300), line)).toBe(line)
    expect(stampReply('欢迎', '已集 1/3 章')).toBe('欢迎\n已集 1/3 章')
  })
})

describe('the rally’s booth picker heard by a screen reader', () => {
  it.each(['zh-CN', 'en'] as const)(
    '%s: the ticks are one group named by its label, described by its error, else its hint',
    async (locale) => {
      const rally = Array.from({ length: 51 }, (_, i) => `k${i}`)
      const { wrapper, i18n } = await openEditor(
        { stamps: rally },
        { kiosks: rally.map((id) => makeKiosk({ id })) },
      )
      i18n.global.locale.value = locale
      await flushPromises()
      const group = () => {
        const box = wrapper.get('[data-stamp="k0"]').element
        const found = box.closest('[role="group"]')
        expect(found, 'the ticks are in a group').not.toBeNull()
        return found as HTMLElement
      }
      const heard = (ids: string | null) =>
        (ids ?? '')
          .split(' ')
          .filter(Boolean)
          .map((id) => wrapper.get(`#${id}`).text())
      await wrapper.get('form').trigger('submit')
      await flushPromises()
      const message = wrapper.get('[data-error="stamps"]').text()
      expect(message).toBe(i18n.global.t('campaigns.errors.stamps'))
      expect(heard(group().getAttribute('aria-labelledby'))).toEqual([
        i18n.global.t('campaigns.fields.stamps'),
      ])
      expect(heard(group().getAttribute('aria-describedby'))).toEqual([message])
      // One booth fewer: the group is described by its hint again, not a message gone.
      await wrapper.get('[data-stamp="k50"]').setValue(false)
      await flushPromises()
      expect(wrapper.find('[data-error="stamps"]').exists()).toBe(false)
      expect(heard(group().getAttribute('aria-describedby'))).toEqual([
        i18n.global.t('campaigns.hints.stamps'),
      ])
    },
  )
})

// @vitest-environment happy-dom
// The setup page's "Pair with a code": a fresh kiosk offers it first; the code is shown grouped
// as typed; a pasted pairing link fills in the relay; bad codes are explained before asking the
// core; the relay's refusals are worded; "Use a token instead" keeps the v1 path.
import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import SetupPage from '../../renderer/src/admin/pages/SetupPage.vue'
import { KioskCallError } from '../../renderer/src/bridge/web-client'
import { groupPairingCode, relayOfPairingLink } from '../../renderer/src/admin/pairing-code'
import { useScreenStore } from '../../renderer/src/stores/screen'
import { createFakeKioskApi, makeStatus } from './fake-kiosk-api'
import { mountWith } from './setup-app'

enableAutoUnmount(afterEach)

/** A kiosk with no relay token yet (first setup). */
async function freshKiosk() {
  const fake = createFakeKioskApi()
  fake.api.getSettings.mockResolvedValue({
    ...(await fake.api.getSettings()),
    hasRelayToken: false,
    relayUrl: null,
    kioskId: null,
    activeCampaignId: 'spring-expo',
  })
  const mounted = mountWith(SetupPage, fake.api)
  await flushPromises()
  return { fake, ...mounted }
}

describe('setup page: pairing with a code', () => {
  it('a pasted pairing link fills in relay and code, and pairs with them', async () => {
    const { fake, wrapper } = await freshKiosk()
    expect(wrapper.find('#kioskId').exists()).toBe(false)
    expect(wrapper.find('#relayToken').exists()).toBe(false)
    await wrapper.get('#pairingCode').setValue('https://relay.example.org/pair/acde-fghj')
    expect((wrapper.get('#pairingCode').element as HTMLInputElement).value).toBe('ACDE-FGHJ')
    expect((wrapper.get('#relayUrl').element as HTMLInputElement).value).toBe(
      'https://relay.example.org',
    )
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.api.pairWithCode).toHaveBeenCalledWith({
      ticketSource: 'proxy',
      relayUrl: 'https://relay.example.org',
      code: 'ACDE-FGHJ',
    })
    expect(fake.api.saveSetup).not.toHaveBeenCalled()
    expect(wrapper.get('[data-testid="paired"]').text()).toBe('配对成功：本签到台编号为 booth-7')
    expect((wrapper.get('#pairingCode').element as HTMLInputElement).value).toBe('')
  })

  it('the pairing link pasted into the relay address field is split into relay and code', async () => {
    // The address is the first field, where a barcode scanner aimed at the console's QR types.
    const { fake, wrapper } = await freshKiosk()
    await wrapper.get('#relayUrl').setValue(' https://relay.example.org/scandesk/pair/acde-fghj ')
    expect((wrapper.get('#relayUrl').element as HTMLInputElement).value).toBe(
      'https://relay.example.org/scandesk',
    )
    expect((wrapper.get('#pairingCode').element as HTMLInputElement).value).toBe('ACDE-FGHJ')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.api.pairWithCode).toHaveBeenCalledWith({
      ticketSource: 'proxy',
      relayUrl: 'https://relay.example.org/scandesk',
      code: 'ACDE-FGHJ',
    })
    // A relay address that only looks like it has "pair" in it is left alone.
    await wrapper.get('#relayUrl').setValue('https://pair.example.org/pairing')
    expect((wrapper.get('#relayUrl').element as HTMLInputElement).value).toBe(
      'https://pair.example.org/pairing',
    )
  })

  it('groups the code as it is typed, and explains a code that cannot be one', async () => {
    const { fake, wrapper, i18n } = await freshKiosk()
    await wrapper.get('#relayUrl').setValue('https://relay.example.org')
    await wrapper.get('#pairingCode').setValue('acde fghj')
    expect((wrapper.get('#pairingCode').element as HTMLInputElement).value).toBe('ACDE-FGHJ')
    // 0 and O look alike, so neither is in a code: the person is told, the core is not asked.
    await wrapper.get('#pairingCode').setValue('ACDE-FGH0')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-error-for="pairingCode"]').text()).toContain('8 位字母和数字')
    i18n.global.locale.value = 'en'
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-error-for="pairingCode"]').text()).toContain(
      'The code is 8 letters and digits',
    )
    await wrapper.get('#relayUrl').setValue('http://relay.example.org')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-error-for="relayUrl"]').text()).toContain(
      'Plain http:// is only for this computer',
    )
    expect(fake.api.pairWithCode).not.toHaveBeenCalled()
  })

  it.each([
    [
      'pairing_code_used',
      '这个配对码已经用过了',
      'This pairing code was already used',
      'pairingCode',
    ],
    // The same code typed at two kiosks: the one that lost must not ask for "a new one" for the
    // booth the other just paired (redeeming it would cut that one off), but for its own.
    [
      'pairing_code_used',
      '请向组织者要本签到台自己的配对码',
      "ask the organizer for this booth's own code",
      'pairingCode',
    ],
    ['pairing_code_invalid', '配对码已过期', 'has expired (codes last 15 minutes)', 'pairingCode'],
    // Asking a booth's code again replaces the one shown before: the likely cause is named too.
    [
      'pairing_code_invalid',
      '又为该签到台生成了新的配对码',
      'a newer code was made for this booth',
      'pairingCode',
    ],
    ['relay_timeout', '中继没有及时响应', 'The relay did not answer in time', 'relayUrl'],
    ['relay_unreachable', '无法连接中继', 'Cannot reach the relay', 'relayUrl'],
    ['relay_bad_answer', '不是支持配对的', 'not as a ScanDesk relay', 'relayUrl'],
    ['pairing_rate_limited', '配对尝试过于频繁', 'Too many pairing attempts', null],
  ])(
    'words the relay’s refusal %s in both languages, under the field it is down to',
    async (code, zh, en, field) => {
      const { fake, wrapper, i18n } = await freshKiosk()
      fake.api.pairWithCode.mockRejectedValue(new KioskCallError(code))
      await wrapper.get('#relayUrl').setValue('https://relay.example.org')
      await wrapper.get('#pairingCode').setValue('ACDEFGHJ')
      await wrapper.get('form').trigger('submit')
      await flushPromises()
      expect(wrapper.text()).toContain(zh)
      i18n.global.locale.value = 'en'
      await flushPromises()
      expect(wrapper.text()).toContain(en)
      expect(wrapper.find('[data-testid="paired"]').exists()).toBe(false)
      // The field it is down to is marked (the code's refusal, or the address), and only that one.
      const marked = wrapper.findAll('[aria-invalid="true"]').map((e) => e.attributes('id'))
      expect(marked).toEqual(field === null ? [] : [field])
      if (field !== null) expect(wrapper.get(`[data-error-for="${field}"]`).text()).toContain(en)
    },
  )

  it('shows the core’s field errors (the stored AppSecret is not for this account)', async () => {
    const fake = createFakeKioskApi()
    fake.api.getSettings.mockResolvedValue({
      ...(await fake.api.getSettings()),
      hasRelayToken: false,
      hasAppSecret: true,
    })
    fake.api.pairWithCode.mockResolvedValue({
      ok: false,
      errors: [{ field: 'appSecret', code: 'reenter' }],
    })
    const { wrapper } = mountWith(SetupPage, fake.api)
    await flushPromises()
    await wrapper.get('input[name="source"][value="direct"]').setValue(true)
    await wrapper.get('#appId').setValue('wx0123456789abcdef')
    await wrapper.get('#pairingCode').setValue('ACDEFGHJ')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.api.pairWithCode).toHaveBeenCalledWith({
      ticketSource: 'direct',
      relayUrl: 'https://relay.example.com',
      apiBase: 'https://api.weixin.qq.com',
      appId: 'wx0123456789abcdef',
      code: 'ACDE-FGHJ',
    })
    expect(wrapper.get('[data-error-for="appSecret"]').text()).toContain('地址已更改')
    expect(wrapper.find('[data-testid="paired"]').exists()).toBe(false)
  })

  it('"Use a token instead" keeps the kiosk id + token path', async () => {
    const { fake, wrapper } = await freshKiosk()
    await wrapper.get('input[name="mode"][value="token"]').setValue(true)
    await wrapper.get('#relayUrl').setValue('https://relay.example.org')
    await wrapper.get('#kioskId').setValue('booth-1')
    await wrapper.get('#relayToken').setValue('booth-1.a-token-from-kiosk-add-0123')
    expect(wrapper.find('#pairingCode').exists()).toBe(false)
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.api.saveSetup).toHaveBeenCalledWith({
      ticketSource: 'proxy',
      relayUrl: 'https://relay.example.org',
      kioskId: 'booth-1',
      relayToken: 'booth-1.a-token-from-kiosk-add-0123',
    })
    expect(fake.api.pairWithCode).not.toHaveBeenCalled()
  })

  it('a kiosk already set up with a token opens on the token form', async () => {
    const fake = createFakeKioskApi()
    const { wrapper } = mountWith(SetupPage, fake.api)
    await flushPromises()
    expect((wrapper.get('#kioskId').element as HTMLInputElement).value).toBe('booth-1')
    expect(wrapper.find('#pairingCode').exists()).toBe(false)
  })
})

describe('setup page: a token the relay no longer takes', () => {
  it('says so above the form and opens on pairing, not on the dead token', async () => {
    // The screen told staff to pair again on this page; the page opened on the token form with
    // "token saved" under an empty field and nothing about the relay refusing it.
    for (const code of ['revoked', 'unauthorized'] as const) {
      const fake = createFakeKioskApi()
      const { wrapper } = mountWith(SetupPage, fake.api)
      useScreenStore().status = makeStatus({
        relay: { state: 'reconnecting', lastError: { code, params: {} } },
      })
      await flushPromises()
      const notice = wrapper.get('[data-testid="setup-token-refused"]')
      expect(notice.text()).toContain('向组织者获取新的配对码')
      expect(wrapper.find('#pairingCode').exists()).toBe(true)
      wrapper.unmount()
    }
    // A link down for the network only: no notice, the token form as before.
    const fake = createFakeKioskApi()
    const { wrapper } = mountWith(SetupPage, fake.api)
    useScreenStore().status = makeStatus({
      relay: { state: 'reconnecting', lastError: { code: 'unreachable', params: {} } },
    })
    await flushPromises()
    expect(wrapper.find('[data-testid="setup-token-refused"]').exists()).toBe(false)
    expect(wrapper.find('#pairingCode').exists()).toBe(false)
  })
})

describe('setup page: the screen status arriving after the page opened', () => {
  it('moves to pairing when the refusal arrives late, unless staff picked a tab themselves', async () => {
    // The page decided its tab once when it opened: with the status not read yet, a refused
    // token still opened (and stayed) on the token form.
    const fake = createFakeKioskApi()
    const { wrapper } = mountWith(SetupPage, fake.api)
    useScreenStore().status = null
    await flushPromises()
    expect(wrapper.find('#pairingCode').exists()).toBe(false)
    useScreenStore().status = makeStatus({
      relay: { state: 'reconnecting', lastError: { code: 'revoked', params: {} } },
    })
    await flushPromises()
    expect(wrapper.find('[data-testid="setup-token-refused"]').exists()).toBe(true)
    expect(wrapper.find('#pairingCode').exists()).toBe(true)
    wrapper.unmount()

    // Staff chose the token form (to paste a new token): a late status leaves their choice.
    const again = createFakeKioskApi()
    const second = mountWith(SetupPage, again.api)
    useScreenStore().status = null
    await flushPromises()
    await second.wrapper.get('input[name="mode"][value="token"]').trigger('click')
    useScreenStore().status = makeStatus({
      relay: { state: 'reconnecting', lastError: { code: 'unauthorized', params: {} } },
    })
    await flushPromises()
    expect(second.wrapper.find('[data-testid="setup-token-refused"]').exists()).toBe(true)
    expect(second.wrapper.find('#pairingCode').exists()).toBe(false)
    expect(second.wrapper.find('#kioskId').exists()).toBe(true)
  })
})

describe('setup page: the refusal giving way to another error', () => {
  it('stays on pairing, with the code being typed, when the link then fails for the network', async () => {
    // The page followed the link's error both ways: a Wi-Fi drop (unreachable) replaced the
    // refusal and the pairing form, half a code typed in it, turned back into the dead token's.
    const fake = createFakeKioskApi()
    const { wrapper } = mountWith(SetupPage, fake.api)
    useScreenStore().status = makeStatus({
      relay: { state: 'reconnecting', lastError: { code: 'revoked', params: {} } },
    })
    await flushPromises()
    await wrapper.get('#pairingCode').setValue('ACDE-FG')
    for (const code of ['unreachable', 'unhealthy'] as const) {
      useScreenStore().status = makeStatus({
        relay: { state: 'reconnecting', lastError: { code, params: {} } },
      })
      await flushPromises()
      expect(wrapper.find('#kioskId').exists()).toBe(false)
      expect((wrapper.get('#pairingCode').element as HTMLInputElement).value).toBe('ACDE-FG')
    }
  })
})

describe('pairing-code helpers', () => {
  it('reads the relay out of a pairing link, and nothing else', () => {
    expect(relayOfPairingLink('https://r.example/pair/ACDE-FGHJ')).toBe('https://r.example')
    expect(relayOfPairingLink(' https://r.example:8443/scandesk/pair/ACDEFGHJ/ ')).toBe(
      'https://r.example:8443/scandesk',
    )
    expect(relayOfPairingLink('ACDE-FGHJ')).toBeNull()
    expect(relayOfPairingLink('javascript:alert(1)//pair/ACDEFGHJ')).toBeNull()
    expect(groupPairingCode('acdefghj')).toBe('ACDE-FGHJ')
    expect(groupPairingCode('acd')).toBe('ACD')
  })
})

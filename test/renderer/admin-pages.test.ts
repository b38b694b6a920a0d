// @vitest-environment happy-dom
import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import AttendancePage from '../../renderer/src/admin/pages/AttendancePage.vue'
import CampaignPage from '../../renderer/src/admin/pages/CampaignPage.vue'
import DiagnosticsPage from '../../renderer/src/admin/pages/DiagnosticsPage.vue'
import ExportPage from '../../renderer/src/admin/pages/ExportPage.vue'
import RosterPage from '../../renderer/src/admin/pages/RosterPage.vue'
import SettingsPage from '../../renderer/src/admin/pages/SettingsPage.vue'
import SetupPage from '../../renderer/src/admin/pages/SetupPage.vue'
import StatsPage from '../../renderer/src/admin/pages/StatsPage.vue'
import { useExportStore } from '../../renderer/src/stores/exports'
import { useScreenStore } from '../../renderer/src/stores/screen'
import { createFakeKioskApi, makeCampaign } from './fake-kiosk-api'
import { mountWith } from './setup-app'
import { en } from '../../renderer/src/i18n/en'
import { zhCN } from '../../renderer/src/i18n/zh-CN'
import { UNDER_LOAD } from '../helpers/wait'

enableAutoUnmount(afterEach)

describe('setup page', () => {
  it('explains bad fields in words a non-developer understands, before asking the core, each tied to its field', async () => {
    const fake = createFakeKioskApi()
    fake.api.getSettings.mockResolvedValue({
      ...(await fake.api.getSettings()),
      hasRelayToken: false,
      relayUrl: null,
      kioskId: null,
    })
    const { wrapper } = mountWith(SetupPage, fake.api)
    await flushPromises()
    // A kiosk with no token opens on pairing; the token form is one choice away.
    await wrapper.get('input[name="mode"][value="token"]').setValue(true)
    await wrapper.get('#relayUrl').setValue('relay.example.com')
    await wrapper.get('#kioskId').setValue('Booth 1')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-error-for="relayUrl"]').text()).toContain('https://')
    expect(wrapper.get('[data-error-for="kioskId"]').text()).toContain('小写字母')
    expect(wrapper.get('[data-error-for="relayToken"]').text()).toBe('此项必填')
    expect(fake.api.saveSetup).not.toHaveBeenCalled()
    /**
     * Each message tied to its field (a screen reader back on the field reads it): [the field's
     * id, aria-invalid, the texts its aria-describedby names].
     */
    const marks = () =>
      wrapper.findAll('[data-error-for]').map((message) => {
        const control = wrapper.get(`#${message.attributes('data-error-for') ?? ''}`)
        const ids = (control.attributes('aria-describedby') ?? '').split(' ').filter(Boolean)
        const described = ids.map((id) => wrapper.find(`#${id}`).text())
        return [control.attributes('id'), control.attributes('aria-invalid'), described]
      })
    expect(marks()).toEqual([
      ['relayUrl', 'true', [wrapper.get('[data-error-for="relayUrl"]').text()]],
      ['kioskId', 'true', [wrapper.get('[data-error-for="kioskId"]').text()]],
      ['relayToken', 'true', ['此项必填']],
    ])
    // Put right, the field is neither invalid nor described by a message no longer shown.
    await wrapper.get('#kioskId').setValue('booth-1')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.find('[data-error-for="kioskId"]').exists()).toBe(false)
    expect(wrapper.get('#kioskId').attributes('aria-invalid')).toBeUndefined()
    expect(wrapper.get('#kioskId').attributes('aria-describedby')).toBeUndefined()
  })

  it('refuses plain http:// to another host, in words, but allows it for this computer', async () => {
    const fake = createFakeKioskApi()
    const { wrapper, i18n } = mountWith(SetupPage, fake.api)
    await flushPromises()
    await wrapper.get('#relayUrl').setValue('http://relay.example.com')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-error-for="relayUrl"]').text()).toContain('只有本机地址')
    i18n.global.locale.value = 'en'
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-error-for="relayUrl"]').text()).toContain(
      'Plain http:// is only for this computer',
    )
    expect(fake.api.saveSetup).not.toHaveBeenCalled()
    await wrapper.get('#relayUrl').setValue('http://127.0.0.1:8787')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.api.saveSetup).toHaveBeenCalledWith(
      expect.objectContaining({ relayUrl: 'http://127.0.0.1:8787' }),
    )
  })

  it('says an address with a user name or password is refused for that, not as a bad address', async () => {
    const fake = createFakeKioskApi()
    const { wrapper, i18n } = mountWith(SetupPage, fake.api)
    await flushPromises()
    await wrapper.get('#relayUrl').setValue('https://user:secret@relay.example.com')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    const mark = () => wrapper.get('[data-error-for="relayUrl"]').text()
    expect(mark()).toContain('不能包含用户名或密码')
    expect(mark()).not.toContain('secret')
    i18n.global.locale.value = 'en'
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(mark()).toContain('without a user name or password')
    expect(fake.api.saveSetup).not.toHaveBeenCalled()
  })

  it('sends a valid form without secrets left empty, and shows the core’s field errors', async () => {
    const fake = createFakeKioskApi()
    fake.api.saveSetup.mockResolvedValue({
      ok: false,
      errors: [{ field: 'relayUrl', code: 'unreachable' }],
    })
    const { wrapper } = mountWith(SetupPage, fake.api)
    await flushPromises()
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.api.saveSetup).toHaveBeenCalledWith({
      ticketSource: 'proxy',
      relayUrl: 'https://relay.example.com',
      kioskId: 'booth-1',
    })
    expect(wrapper.get('[data-error-for="relayUrl"]').text()).toBe(
      '无法连接 — 请检查网络和地址是否正确',
    )
  })

  it('测试连接 sends what the form has now (secrets only if typed), and saves nothing', async () => {
    const fake = createFakeKioskApi()
    const { wrapper } = mountWith(SetupPage, fake.api)
    await flushPromises()
    // Stored: relay.example.com, booth-1, a token. Typed, not saved: a new address.
    await wrapper.get('#relayUrl').setValue(' https://relay2.example.com ')
    await wrapper.get('[data-testid="test-connection"]').trigger('click')
    await flushPromises()
    expect(fake.api.testConnection).toHaveBeenLastCalledWith({
      ticketSource: 'proxy',
      relayUrl: 'https://relay2.example.com',
      kioskId: 'booth-1',
    })

    await wrapper.get('#relayToken').setValue('a-new-token-0123456789')
    await wrapper.get('input[name="source"][value="direct"]').setValue(true)
    await wrapper.get('#appId').setValue('wx0123456789abcdef')
    await wrapper.get('[data-testid="test-connection"]').trigger('click')
    await flushPromises()
    expect(fake.api.testConnection).toHaveBeenLastCalledWith({
      ticketSource: 'direct',
      relayUrl: 'https://relay2.example.com',
      kioskId: 'booth-1',
      relayToken: 'a-new-token-0123456789',
      apiBase: 'https://api.weixin.qq.com',
      appId: 'wx0123456789abcdef',
    })

    // Pairing: no kiosk id yet and no code (using it would spend it); an empty address as is.
    await wrapper.get('input[name="mode"][value="pair"]').setValue(true)
    await wrapper.get('#relayUrl').setValue('')
    await wrapper.get('[data-testid="test-connection"]').trigger('click')
    await flushPromises()
    expect(fake.api.testConnection).toHaveBeenLastCalledWith({
      ticketSource: 'direct',
      relayUrl: '',
      apiBase: 'https://api.weixin.qq.com',
      appId: 'wx0123456789abcdef',
    })
    expect(fake.api.saveSetup).not.toHaveBeenCalled()
    expect(fake.api.pairWithCode).not.toHaveBeenCalled()
  })

  it('translates connection-test codes such as ip_not_allowed', async () => {
    const fake = createFakeKioskApi()
    fake.api.testConnection.mockResolvedValue({
      relay: { ok: true, code: 'ok', params: {} },
      api: { ok: false, code: 'ip_not_allowed', params: { errcode: 40164 } },
    })
    const { wrapper, i18n } = mountWith(SetupPage, fake.api)
    i18n.global.locale.value = 'en'
    await flushPromises()
    await wrapper.get('input[name="source"][value="direct"]').setValue(true)
    await wrapper.get('[data-testid="test-connection"]').trigger('click')
    await flushPromises()
    const text = wrapper.get('[data-testid="connection-check"]').text()
    expect(text).toContain("IP not on the account's allow-list — use the relay proxy")
    expect(text).toContain('Relay: OK')
  })

  it('on a relay-proxy booth, says WeChat refusing the relay’s secret or IP is the relay admin’s to fix', async () => {
    const fake = createFakeKioskApi()
    const { wrapper, i18n } = mountWith(SetupPage, fake.api)
    await flushPromises()
    const testWith = async (code: string): Promise<string> => {
      fake.api.testConnection.mockResolvedValue({
        relay: { ok: true, code: 'ok', params: {} },
        api: { ok: false, code, params: { errcode: 40164 } },
      })
      await wrapper.get('[data-testid="test-connection"]').trigger('click')
      await flushPromises()
      return wrapper.get('[data-testid="connection-check"]').text()
    }
    // Stored source: the relay proxy, so the booth has no AppSecret and its IP is not WeChat's.
    for (const [locale, words] of [
      ['zh-CN', zhCN],
      ['en', en],
    ] as const) {
      i18n.global.locale.value = locale
      for (const code of ['ip_not_allowed', 'bad_credentials'] as const) {
        const text = await testWith(code)
        expect(text).toContain(words.diagnostics.proxyError[code])
        expect(text).not.toContain(words.codes[code])
      }
    }
    // The same refusal on a direct booth is its own AppSecret's or IP's.
    i18n.global.locale.value = 'en'
    await wrapper.get('input[name="source"][value="direct"]').setValue(true)
    expect(await testWith('bad_credentials')).toContain(en.codes.bad_credentials)
  })

  it('on a direct booth, says the venue’s proxy or network stopped the WeChat call, in both languages', async () => {
    const fake = createFakeKioskApi()
    const { wrapper, i18n } = mountWith(SetupPage, fake.api)
    await flushPromises()
    await wrapper.get('input[name="source"][value="direct"]').setValue(true)
    const testWith = async (api: { code: string; params: Record<string, string | number> }) => {
      fake.api.testConnection.mockResolvedValue({
        relay: { ok: true, code: 'ok', params: {} },
        api: { ok: false, ...api },
      })
      await wrapper.get('[data-testid="test-connection"]').trigger('click')
      await flushPromises()
      return wrapper.get('[data-testid="connection-check"]').text()
    }
    for (const [locale, proxyWords, refusedBy, untrusted] of [
      ['zh-CN', '没有让签到台连到微信接口', '设置 HTTPS_PROXY 不是', '微信接口的安全证书未被接受'],
      ['en', "through to WeChat's API", 'setting HTTPS_PROXY is not', "WeChat API's security"],
    ] as const) {
      i18n.global.locale.value = locale
      const refused = await testWith({ code: 'proxy_refused', params: { status: 407 } })
      expect(refused).toContain(proxyWords)
      expect(refused).toContain('407')
      const invalid = await testWith({ code: 'proxy_invalid', params: { setting: 'HTTPS_PROXY' } })
      expect(invalid).toContain(refusedBy)
      // A page answering the TLS handshake in WeChat's place: not the relay's certificate.
      const intercepted = await testWith({ code: 'tls_untrusted', params: {} })
      expect(intercepted).toContain(untrusted)
      expect(intercepted).not.toMatch(/中继的安全证书|relay's security/i)
    }
  })
})

describe('roster page', () => {
  it('shows the row errors and offers to import again skipping the bad rows', async () => {
    const fake = createFakeKioskApi()
    fake.api.importRoster
      .mockResolvedValueOnce({
        imported: 0,
        skipped: 0,
        errors: [{ row: 3, column: 'name', code: 'name_empty', params: {} }],
      })
      .mockResolvedValueOnce({
        imported: 41,
        skipped: 1,
        errors: [{ row: 3, column: 'name', code: 'name_empty', params: {} }],
      })
    const { wrapper } = mountWith(RosterPage, fake.api)
    const input = wrapper.get('[data-testid="roster-file"]')
    const file = new File(['name,phone\n张三,123\n'], 'guests.csv', { type: 'text/csv' })
    Object.defineProperty(input.element, 'files', { value: [file], configurable: true })
    await input.trigger('change')
    // FileReader completes on its own schedule.
    await vi.waitFor(() => expect(fake.api.importRoster).toHaveBeenCalledTimes(1), UNDER_LOAD)
    await flushPromises()

    const [first] = fake.api.importRoster.mock.calls[0] as unknown as [
      { fileName: string; format: string; dataBase64: string; skipBadRows: boolean },
    ]
    expect(first.fileName).toBe('guests.csv')
    expect(first.format).toBe('csv')
    expect(first.skipBadRows).toBe(false)
    expect(
      new TextDecoder().decode(Uint8Array.from(atob(first.dataBase64), (c) => c.charCodeAt(0))),
    ).toBe('name,phone\n张三,123\n')
    const rows = wrapper.get('[data-testid="roster-errors"]').findAll('tbody td')
    expect(rows.map((td) => td.text())).toEqual([
      '3',
      '姓名',
      '姓名为空（或只有看不见的字符）或是公式错误值（如 #N/A）',
    ])

    const skip = wrapper.findAll('button').find((b) => b.text().includes('跳过'))
    await skip?.trigger('click')
    await flushPromises()
    expect(fake.api.importRoster).toHaveBeenLastCalledWith(
      expect.objectContaining({ skipBadRows: true }),
    )
    expect(wrapper.get('[data-testid="roster-result"]').text()).toBe('已导入 41 行，跳过 1 行')
  })
})

describe('roster page: a second file', () => {
  it("takes the last file's result down the moment another is picked, until that one's answer", async () => {
    const fake = createFakeKioskApi()
    let answer: (value: { imported: number; skipped: number; errors: [] }) => void = () => {}
    fake.api.importRoster
      .mockResolvedValueOnce({ imported: 41, skipped: 0, errors: [] })
      .mockImplementationOnce(
        () =>
          new Promise((resolve) => {
            answer = resolve
          }),
      )
    const { wrapper } = mountWith(RosterPage, fake.api)
    const input = wrapper.get('[data-testid="roster-file"]')
    const pick = async (text: string): Promise<void> => {
      const file = new File([text], 'guests.csv', { type: 'text/csv' })
      Object.defineProperty(input.element, 'files', { value: [file], configurable: true })
      await input.trigger('change')
    }
    await pick('姓名\n张三\n')
    await vi.waitFor(() => expect(fake.api.importRoster).toHaveBeenCalledTimes(1), UNDER_LOAD)
    await flushPromises()
    expect(wrapper.get('[data-testid="roster-result"]').text()).toBe('已导入 41 行，跳过 0 行')

    // Same name, another file: before it is even read, the first file's count is gone (it
    // read as this file's while it was imported, and a desk opened then missed its guests).
    await pick('姓名\n李四\n')
    expect(wrapper.find('[data-testid="roster-result"]').exists()).toBe(false)
    await vi.waitFor(() => expect(fake.api.importRoster).toHaveBeenCalledTimes(2), UNDER_LOAD)
    await flushPromises()
    expect(wrapper.find('[data-testid="roster-result"]').exists()).toBe(false)
    answer({ imported: 1, skipped: 0, errors: [] })
    await flushPromises()
    expect(wrapper.get('[data-testid="roster-result"]').text()).toBe('已导入 1 行，跳过 0 行')
  })
})

describe('roster page: a file refused on pick', () => {
  it("does not name the last file beside a new file's refusal", async () => {
    // spring.csv imported, then guests.txt picked: "只支持 .csv 或 .xlsx 文件" showed beside
    // "spring.csv", read as that file refused (and as the roster on the booth being in doubt).
    const fake = createFakeKioskApi()
    fake.api.importRoster.mockResolvedValueOnce({ imported: 41, skipped: 0, errors: [] })
    const { wrapper } = mountWith(RosterPage, fake.api)
    const input = wrapper.get('[data-testid="roster-file"]')
    const pick = async (name: string): Promise<void> => {
      const file = new File(['姓名\n张三\n'], name, { type: 'text/plain' })
      Object.defineProperty(input.element, 'files', { value: [file], configurable: true })
      await input.trigger('change')
    }
    await pick('spring.csv')
    await vi.waitFor(() => expect(fake.api.importRoster).toHaveBeenCalledTimes(1), UNDER_LOAD)
    await flushPromises()
    expect(wrapper.text()).toContain('spring.csv')

    await pick('guests.txt')
    await flushPromises()
    expect(wrapper.get('[data-testid="roster-problem"]').text()).toBe('只支持 .csv 或 .xlsx 文件')
    expect(wrapper.text()).not.toContain('spring.csv')
  })
})

describe('roster page: problems with the whole file', () => {
  it('names the problem in the chosen language, from its code', async () => {
    const fake = createFakeKioskApi()
    fake.api.importRoster.mockResolvedValue({
      imported: 0,
      skipped: 0,
      errors: [
        {
          row: 1,
          column: null,
          code: 'encoding_big5',
          params: { encoding: 'Big5' },
        },
      ],
    })
    const { wrapper, i18n } = mountWith(RosterPage, fake.api)
    const input = wrapper.get('[data-testid="roster-file"]')
    const file = new File([new Uint8Array([0xb3, 0xaf])], 'guests.csv', { type: 'text/csv' })
    Object.defineProperty(input.element, 'files', { value: [file], configurable: true })
    await input.trigger('change')
    await vi.waitFor(() => expect(fake.api.importRoster).toHaveBeenCalledTimes(1), UNDER_LOAD)
    await flushPromises()
    expect(wrapper.get('[data-testid="roster-errors"]').text()).toContain('Big5（繁体中文）')
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(wrapper.get('[data-testid="roster-errors"]').text()).toContain(
      'looks like Big5 (traditional Chinese), which is not supported',
    )
  })
})

describe('roster page: a file refused whole', () => {
  it('says the file was not imported, and offers no skipping of rows', async () => {
    const fake = createFakeKioskApi()
    fake.api.importRoster.mockResolvedValue({
      imported: 0,
      skipped: 0,
      errors: [{ row: 1, column: null, code: 'no_name_column', params: {} }],
    })
    const { wrapper } = mountWith(RosterPage, fake.api)
    const input = wrapper.get('[data-testid="roster-file"]')
    const file = new File(['foo;bar\n1;2\n'], 'guests.csv', { type: 'text/csv' })
    Object.defineProperty(input.element, 'files', { value: [file], configurable: true })
    await input.trigger('change')
    await vi.waitFor(() => expect(fake.api.importRoster).toHaveBeenCalledTimes(1), UNDER_LOAD)
    await flushPromises()
    const result = wrapper.get('[data-testid="roster-result"]').text()
    expect(result).toContain('未导入')
    expect(result).not.toContain('跳过')
    expect(wrapper.findAll('button').some((b) => b.text().includes('跳过'))).toBe(false)
  })
})

describe('roster page: row problems in the chosen language', () => {
  it('words each code with its params, and a code it does not know', async () => {
    const fake = createFakeKioskApi()
    fake.api.importRoster.mockResolvedValue({
      imported: 0,
      skipped: 0,
      errors: [
        { row: 4, column: 'phone', code: 'phone_invalid', params: {} },
        { row: 5, column: 'company', code: 'too_long', params: { limit: 200 } },
        { row: 6, column: 'code', code: 'duplicate_row', params: { duplicateOf: 2 } },
        { row: 7, column: 'name', code: 'from_a_newer_core', params: {} },
        { row: 8, column: 'phone', code: 'phone_too_short', params: { min: 3 } },
      ],
    })
    const { wrapper, i18n } = mountWith(RosterPage, fake.api)
    const input = wrapper.get('[data-testid="roster-file"]')
    const file = new File(['name\n'], 'guests.csv', { type: 'text/csv' })
    Object.defineProperty(input.element, 'files', { value: [file], configurable: true })
    await input.trigger('change')
    await vi.waitFor(() => expect(fake.api.importRoster).toHaveBeenCalledTimes(1), UNDER_LOAD)
    await flushPromises()
    const table = () =>
      wrapper
        .get('[data-testid="roster-errors"]')
        .findAll('tbody tr')
        .map((tr) => tr.findAll('td').map((td) => td.text()))
    expect(table()).toEqual([
      [
        '4',
        '电话',
        '电话号码含有无效字符（只能有数字、空格、-、括号，+ 只能在开头）；若为科学计数法（如 1.38E+10），请把该列设为文本后重新导出',
      ],
      ['5', '单位', '超过 200 个字符'],
      ['6', '编号', '与第 2 行重复'],
      ['7', '姓名', '未知错误（错误代码：from_a_newer_core）'],
      ['8', '电话', '电话号码太短（至少 3 个字符）'],
    ])
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(table()).toEqual([
      [
        '4',
        'Phone',
        'The phone number has characters a phone number cannot have (only digits, spaces, - and brackets, and + at the start); if it is in scientific notation (such as 1.38E+10): in Excel, format the column as Text and export again',
      ],
      ['5', 'Company', 'Longer than 200 characters'],
      ['6', 'Code', 'Same guest as row 2'],
      ['7', 'Name', 'Unknown error (error code: from_a_newer_core)'],
      ['8', 'Phone', 'The phone number is too short (at least 3 characters)'],
    ])
  })
})

describe('attendance and stats pages: which campaign the numbers are for', () => {
  // With the booth's campaign unassigned by the organizer, both pages went on showing the booth's
  // previous campaign (the one the admin pages fall back to) without a word: staff read its
  // check-ins and totals as today's. Like the export page, they now name the campaign.
  const pages = [
    {
      page: 'attendance',
      component: AttendancePage,
      reads: (id: string) =>
        expect(fake.api.listAttendance).toHaveBeenLastCalledWith(
          expect.objectContaining({ campaignId: id }),
        ),
      current: 'Check-ins of campaign: 春季博览会',
      zhCurrent: '签到记录所属活动：春季博览会',
    },
    {
      page: 'stats',
      component: StatsPage,
      reads: (id: string) => expect(fake.api.getStats).toHaveBeenLastCalledWith({ campaignId: id }),
      current: 'Statistics of campaign: 春季博览会',
      zhCurrent: '统计所属活动：春季博览会',
    },
  ] as const
  let fake = createFakeKioskApi()

  for (const p of pages) {
    it(`${p.page}: says the booth has no campaign now, and whose numbers it shows instead`, async () => {
      fake = createFakeKioskApi()
      fake.api.listCampaigns.mockResolvedValue([
        makeCampaign({ id: 'autumn-fair', name: '秋季展会' }),
      ])
      const { wrapper, i18n } = mountWith(p.component, fake.api)
      useScreenStore().campaign = null
      await flushPromises()
      // The page reads the campaign list itself: staff need not open the campaign page first.
      expect(fake.api.listCampaigns).toHaveBeenCalled()
      const line = () => wrapper.get(`[data-testid="${p.page}-campaign"]`)
      expect(line().attributes('data-current')).toBe('false')
      expect(line().text()).toContain('本签到台目前没有指定活动')
      expect(line().text()).toContain('“秋季展会”')
      p.reads('autumn-fair')
      i18n.global.locale.value = 'en'
      await flushPromises()
      expect(line().text()).toContain('This booth has no campaign at the moment')
      expect(line().text()).toContain('“秋季展会”')

      // Assigned again: the line names the current campaign, whose numbers the page now reads.
      useScreenStore().campaign = makeCampaign()
      await flushPromises()
      expect(line().attributes('data-current')).toBe('true')
      expect(line().text()).toBe(p.current)
      p.reads('spring-expo')
      i18n.global.locale.value = 'zh-CN'
      await flushPromises()
      expect(line().text()).toBe(p.zhCurrent)
    })

    it(`${p.page}: no campaign at all: no line naming one, the page says there is none`, async () => {
      fake = createFakeKioskApi()
      fake.api.listCampaigns.mockResolvedValue([])
      const { wrapper } = mountWith(p.component, fake.api)
      useScreenStore().campaign = null
      await flushPromises()
      expect(wrapper.find(`[data-testid="${p.page}-campaign"]`).exists()).toBe(false)
      expect(wrapper.text()).toContain(zhCN.attendance.noCampaign)
    })
  }
})

describe('stats page: two errors kept apart', () => {
  // One error line served both the campaign list and the stats: reloading the stats cleared the
  // campaign list's error, so staff no longer learnt why the page might name the wrong campaign.
  it('a stats reload keeps the campaign list error, and each error shows on its own', async () => {
    const fake = createFakeKioskApi()
    fake.api.listCampaigns.mockRejectedValue({ code: 'internal', params: {} })
    const { wrapper } = mountWith(StatsPage, fake.api)
    useScreenStore().campaign = makeCampaign()
    await flushPromises()
    const listError = () => wrapper.find('[data-testid="stats-list-error"]')
    expect(listError().exists()).toBe(true)
    const errors = () => wrapper.findAll('.error-text')
    expect(errors()).toHaveLength(1)

    fake.api.getStats.mockRejectedValueOnce({ code: 'internal', params: {} })
    await wrapper.get('button.btn').trigger('click')
    await flushPromises()
    expect(listError().exists()).toBe(true)
    expect(errors()).toHaveLength(2)

    await wrapper.get('button.btn').trigger('click')
    await flushPromises()
    expect(listError().exists()).toBe(true)
    expect(errors()).toHaveLength(1)
  })
})

describe('export page: two errors kept apart', () => {
  // One error line served both the campaign list and the export: starting an export cleared the
  // campaign list's error (staff no longer learnt why the page might name the wrong campaign),
  // and a list that failed after an export's error replaced that error.
  it('an export keeps the campaign list error, and each error shows on its own', async () => {
    const fake = createFakeKioskApi()
    fake.api.listCampaigns.mockRejectedValue({ code: 'internal', params: {} })
    const { wrapper } = mountWith(ExportPage, fake.api)
    useScreenStore().campaign = makeCampaign()
    await flushPromises()
    const listError = () => wrapper.find('[data-testid="export-list-error"]')
    const exportError = () => wrapper.find('[data-testid="export-error"]')
    expect(listError().exists()).toBe(true)
    expect(exportError().exists()).toBe(false)

    fake.api.startExport.mockRejectedValueOnce({ code: 'internal', params: {} })
    await wrapper.get('[data-testid="export-csv"]').trigger('click')
    await flushPromises()
    expect(listError().exists()).toBe(true)
    expect(exportError().exists()).toBe(true)
    expect(wrapper.findAll('.error-text')).toHaveLength(2)

    await wrapper.get('[data-testid="export-csv"]').trigger('click')
    await flushPromises()
    expect(listError().exists()).toBe(true)
    expect(exportError().exists()).toBe(false)
  })
})

/** The export page with a CSV export done and its download link on show (web mode: a URL). */
async function exportPageWithDownload() {
  const fake = createFakeKioskApi()
  fake.api.startExport.mockResolvedValue({ exportId: 'x-1' })
  const { wrapper } = mountWith(ExportPage, fake.api)
  useScreenStore().campaign = makeCampaign()
  await flushPromises()
  await wrapper.get('[data-testid="export-csv"]').trigger('click')
  await flushPromises()
  fake.emit('exportProgress', {
    exportId: 'x-1',
    fileName: 'spring.csv',
    savedPath: null,
    error: null,
    state: 'done',
    rowsDone: 1,
    rowsTotal: 1,
    downloadUrl: '/api/exports/x-1',
  })
  await flushPromises()
  return wrapper
}

/**
 * The export page in `locale` with a campaign to export, and what its live regions (status,
 * alert, aria-live) say now: the words a screen reader is given to hear.
 */
async function exportPageIn(locale: 'zh-CN' | 'en') {
  const fake = createFakeKioskApi()
  const { wrapper, i18n } = mountWith(ExportPage, fake.api)
  i18n.global.locale.value = locale
  useScreenStore().campaign = makeCampaign()
  await flushPromises()
  const live = () =>
    wrapper.findAll('[role="status"], [role="alert"], [aria-live]').map((e) => e.text())
  return { fake, wrapper, i18n, live }
}

describe('export page', () => {
  it('names the campaign it exports, and says so when the booth has none any more', async () => {
    // The organizer unassigned the booth's campaign: the buttons went on exporting the previous
    // one under "export the current campaign", so staff got a sheet the page never named.
    const before = makeCampaign({ id: 'autumn-fair', name: '秋季展会' })
    const fake = createFakeKioskApi()
    fake.api.listCampaigns.mockResolvedValue([before])
    const { wrapper, i18n } = mountWith(ExportPage, fake.api)
    useScreenStore().campaign = null
    await flushPromises()
    const line = wrapper.get('[data-testid="export-campaign"]')
    expect(line.attributes('data-current')).toBe('false')
    expect(line.text()).toContain('没有指定活动')
    expect(line.text()).toContain('秋季展会')
    await wrapper.get('[data-testid="export-csv"]').trigger('click')
    await flushPromises()
    expect(fake.api.startExport).toHaveBeenCalledWith({ campaignId: 'autumn-fair', format: 'csv' })
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(wrapper.get('[data-testid="export-campaign"]').text()).toContain('no campaign')

    // Assigned again: the line names the current campaign, which the buttons export.
    useScreenStore().campaign = makeCampaign()
    await flushPromises()
    expect(wrapper.get('[data-testid="export-campaign"]').text()).toBe(
      'Campaign exported: 春季博览会',
    )
    await wrapper.get('[data-testid="export-xlsx"]').trigger('click')
    await flushPromises()
    expect(fake.api.startExport).toHaveBeenLastCalledWith({
      campaignId: 'spring-expo',
      format: 'xlsx',
    })
  })

  it('points whoever opens the sheet in Excel to the XLSX (phones as text, times that sort)', async () => {
    const fake = createFakeKioskApi()
    const { wrapper } = mountWith(ExportPage, fake.api)
    useScreenStore().campaign = makeCampaign()
    await flushPromises()
    const intro = wrapper.get('.intro').text()
    expect(intro).toContain('Excel (XLSX)')
    expect(intro).toContain('电话')
    expect(intro).not.toContain('CSV 可直接用 Excel 打开')
  })

  it('offers Excel (XLSX) first as the main button, and says by the CSV button what Excel does to it', async () => {
    // The CSV was the first, highlighted button, so organizers took it and double-clicked it
    // into Excel or WPS: codes lost their leading zeros and an 18-digit ID number its last digits.
    const fake = createFakeKioskApi()
    const { wrapper, i18n } = mountWith(ExportPage, fake.api)
    useScreenStore().campaign = makeCampaign()
    await flushPromises()
    const buttons = wrapper.get('.panel .row').findAll('button')
    expect(buttons.map((b) => b.attributes('data-testid'))).toEqual(['export-xlsx', 'export-csv'])
    expect(buttons.map((b) => b.classes('primary'))).toEqual([true, false])
    const hint = wrapper.get('[data-testid="export-csv-hint"]')
    expect(wrapper.get('[data-testid="export-csv"]').attributes('aria-describedby')).toBe(
      hint.attributes('id'),
    )
    expect(hint.text()).toContain('开头的 0')
    expect(hint.text()).toContain('1.23E+17')
    expect(hint.text()).toContain('Excel (XLSX)')
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(wrapper.get('[data-testid="export-csv-hint"]').text()).toContain('leading zeros')
    // The intro no longer says it twice.
    expect(wrapper.get('.intro').text()).not.toContain('1.38E+10')
  })

  it('follows progress events to a download link', async () => {
    const fake = createFakeKioskApi()
    const { wrapper } = mountWith(ExportPage, fake.api)
    useScreenStore().campaign = makeCampaign()
    await flushPromises()
    await wrapper.get('[data-testid="export-csv"]').trigger('click')
    await flushPromises()
    expect(fake.api.startExport).toHaveBeenCalledWith({ campaignId: 'spring-expo', format: 'csv' })

    const base = { exportId: 'x-1', fileName: 'spring.csv', savedPath: null, error: null }
    fake.emit('exportProgress', {
      ...base,
      state: 'running',
      rowsDone: 250,
      rowsTotal: 1000,
      downloadUrl: null,
    })
    await flushPromises()
    expect(wrapper.get('[role="progressbar"]').attributes('aria-valuenow')).toBe('25')
    fake.emit('exportProgress', {
      ...base,
      exportId: 'someone-else',
      state: 'done',
      rowsDone: 1,
      rowsTotal: 1,
      downloadUrl: '/x',
    })
    await flushPromises()
    expect(wrapper.find('[data-testid="export-download"]').exists()).toBe(false)

    fake.emit('exportProgress', {
      ...base,
      state: 'done',
      rowsDone: 1000,
      rowsTotal: 1000,
      downloadUrl: '/api/export/x-1',
    })
    await flushPromises()
    const link = wrapper.get('[data-testid="export-download"]')
    expect(link.attributes('href')).toBe('/api/export/x-1')
    expect(link.attributes('download')).toBe('spring.csv')
  })

  it("takes the last export's download down the moment another is started, until that one's answer", async () => {
    // The last export's "已导出 spring.csv" and its download link stayed while the next export
    // was asked for: staff who pressed 导出 Excel read the CSV's link as the new file's.
    const fake = createFakeKioskApi()
    const { wrapper } = mountWith(ExportPage, fake.api)
    useScreenStore().campaign = makeCampaign()
    await flushPromises()
    const done = (exportId: string, fileName: string) =>
      fake.emit('exportProgress', {
        exportId,
        fileName,
        savedPath: null,
        error: null,
        state: 'done',
        rowsDone: 1,
        rowsTotal: 1,
        downloadUrl: `/api/exports/${exportId}`,
      })
    await wrapper.get('[data-testid="export-csv"]').trigger('click')
    await flushPromises()
    done('x-1', 'spring.csv')
    await flushPromises()
    expect(wrapper.get('[data-testid="export-download"]').attributes('download')).toBe('spring.csv')

    let answer: (value: { exportId: string }) => void = () => {}
    fake.api.startExport.mockImplementationOnce(
      () =>
        new Promise((resolve) => {
          answer = resolve
        }),
    )
    await wrapper.get('[data-testid="export-xlsx"]').trigger('click')
    await flushPromises()
    expect(fake.api.startExport).toHaveBeenCalledTimes(2)
    expect(wrapper.find('[data-testid="export-download"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="export-progress"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="export-news"]').text()).toBe('')
    answer({ exportId: 'x-2' })
    await flushPromises()
    done('x-2', 'spring.xlsx')
    await flushPromises()
    expect(wrapper.get('[data-testid="export-download"]').attributes('download')).toBe(
      'spring.xlsx',
    )
  })

  it('keeps the progress of the newest finished exports only, never the running one or its own', async () => {
    // It kept every export's progress until the page was reloaded: a booth exporting all day.
    const fake = createFakeKioskApi()
    const { wrapper } = mountWith(ExportPage, fake.api)
    useScreenStore().campaign = makeCampaign()
    await flushPromises()
    await wrapper.get('[data-testid="export-csv"]').trigger('click')
    await flushPromises()
    const base = { fileName: 'spring.csv', savedPath: null, error: null, downloadUrl: null }
    fake.emit('exportProgress', {
      ...base,
      exportId: 'x-1',
      state: 'running',
      rowsDone: 0,
      rowsTotal: 9,
    })
    fake.emit('exportProgress', {
      ...base,
      exportId: 'other-running',
      state: 'running',
      rowsDone: 0,
      rowsTotal: 9,
    })
    for (let i = 0; i < 100; i++)
      fake.emit('exportProgress', {
        ...base,
        exportId: `other-${i}`,
        state: 'done',
        rowsDone: 1,
        rowsTotal: 1,
      })
    const { progress } = useExportStore()
    expect([...progress.keys()]).toEqual([
      'x-1',
      'other-running',
      ...Array.from({ length: 20 }, (_, i) => `other-${80 + i}`),
    ])
    fake.emit('exportProgress', {
      ...base,
      exportId: 'x-1',
      state: 'done',
      rowsDone: 9,
      rowsTotal: 9,
      downloadUrl: '/api/export/x-1',
    })
    fake.emit('exportProgress', {
      ...base,
      exportId: 'other-100',
      state: 'done',
      rowsDone: 1,
      rowsTotal: 1,
    })
    await flushPromises()
    // The one on the page stays however many finish after it; 20 finished in all.
    expect(progress.has('x-1')).toBe(true)
    expect(progress.size).toBe(21)
    expect(progress.has('other-81')).toBe(false)
    expect(wrapper.get('[data-testid="export-download"]').attributes('href')).toBe(
      '/api/export/x-1',
    )
  })

  it('moves the focus from the button pressed to the download, also when the start answered first', async () => {
    // The start's answer can come before the export's first progress: the buttons are enabled
    // in between (running false, then true, then false), and the focus was still owed when the
    // export ended. admin-keyboard-web saw it stay on 导出 Excel under load.
    const fake = createFakeKioskApi()
    fake.api.startExport.mockResolvedValue({ exportId: 'x-1' })
    const { wrapper } = mountWith(ExportPage, fake.api, { attachTo: document.body })
    try {
      useScreenStore().campaign = makeCampaign()
      await flushPromises()
      const button = wrapper.get<HTMLButtonElement>('[data-testid="export-xlsx"]')
      button.element.focus()
      await button.trigger('click')
      await flushPromises()
      const base = { exportId: 'x-1', fileName: 'spring.xlsx', savedPath: null, error: null }
      fake.emit('exportProgress', {
        ...base,
        state: 'running',
        rowsDone: 0,
        rowsTotal: 1,
        downloadUrl: null,
      })
      await flushPromises()
      fake.emit('exportProgress', {
        ...base,
        state: 'done',
        rowsDone: 1,
        rowsTotal: 1,
        downloadUrl: '/api/exports/x-1',
      })
      await flushPromises()
      expect(document.activeElement?.getAttribute('data-testid')).toBe('export-download')
    } finally {
      wrapper.unmount()
    }
  })

  it.each(['zh-CN', 'en'] as const)(
    '%s: a screen reader hears the export finish or fail once, not each row, and the bar is named',
    async (locale) => {
      const { fake, wrapper, i18n, live } = await exportPageIn(locale)
      // The live region is there before anything is said in it (else nothing is heard).
      expect(live()).toEqual([''])
      await wrapper.get('[data-testid="export-csv"]').trigger('click')
      await flushPromises()
      const base = { exportId: 'x-1', fileName: 'spring.csv', savedPath: null, error: null }
      const progress = (over: object) => {
        fake.emit('exportProgress', {
          ...base,
          state: 'running',
          rowsDone: 250,
          rowsTotal: 1000,
          downloadUrl: null,
          ...over,
        })
        return flushPromises()
      }
      await progress({})
      const words = locale === 'en' ? en : zhCN
      expect(wrapper.get('[role="progressbar"]').attributes('aria-label')).toBe(
        words.export.progress,
      )
      expect(live()).toEqual([''])
      await progress({ state: 'done', rowsDone: 1000, downloadUrl: '/api/export/x-1' })
      expect(live()).toEqual([i18n.global.t('export.done', { file: 'spring.csv' })])
      // Another export, refused halfway: the failure is said, the old news is gone.
      await wrapper.get('[data-testid="export-xlsx"]').trigger('click')
      await flushPromises()
      await progress({ exportId: 'x-1', state: 'failed', error: 'export_failed' })
      expect(live()).toHaveLength(1)
      expect(live()[0]).toBe(wrapper.get('[data-testid="export-progress"] .error-text').text())
    },
  )

  it.each(['zh-CN', 'en'] as const)(
    '%s: a screen reader hears an export the kiosk refused to start, once',
    async (locale) => {
      // The refusal was a plain line under the buttons: staff pressed 导出 and heard nothing.
      const { fake, wrapper, live } = await exportPageIn(locale)
      fake.api.startExport.mockRejectedValueOnce({ code: 'internal', params: {} })
      await wrapper.get('[data-testid="export-csv"]').trigger('click')
      await flushPromises()
      const refusal = wrapper.get('[data-testid="export-error"]')
      expect(refusal.attributes('role')).toBe('alert')
      expect(refusal.text()).not.toBe('')
      // Said by the one region, not by the export's status as well.
      expect(live().filter((words) => words !== '')).toEqual([refusal.text()])
      // Refused again: the alert is put back, so the second refusal is heard too.
      fake.api.startExport.mockRejectedValueOnce({ code: 'internal', params: {} })
      await wrapper.get('[data-testid="export-xlsx"]').trigger('click')
      await flushPromises()
      expect(wrapper.get('[data-testid="export-error"]').element).not.toBe(refusal.element)
      expect(live().filter((words) => words !== '')).toHaveLength(1)
    },
  )

  it('a second click while the download is being checked checks (and downloads) once', async () => {
    // Web mode: the link is checked with a HEAD before the browser is sent for it. A kiosk slow
    // to answer and staff clicking again sent two checks, and each then started the download.
    let answer: (res: Response) => void = () => undefined
    const fetchMock = vi.fn(
      () =>
        new Promise<Response>((resolve) => {
          answer = resolve
        }),
    )
    vi.stubGlobal('fetch', fetchMock)
    try {
      const wrapper = await exportPageWithDownload()
      const link = wrapper.get('[data-testid="export-download"]')
      await link.trigger('click')
      await link.trigger('click')
      await flushPromises()
      expect(fetchMock).toHaveBeenCalledTimes(1)
      // The kiosk no longer has the file: said once, with the same export offered again.
      answer(new Response(null, { status: 404 }))
      await flushPromises()
      expect(wrapper.find('[data-testid="export-gone"]').exists()).toBe(true)
      expect(wrapper.find('[data-testid="export-download"]').exists()).toBe(false)
    } finally {
      vi.unstubAllGlobals()
    }
  })

  it('leaving the page while the download is checked aborts the HEAD and downloads nothing', async () => {
    // The HEAD went on after the page closed, and its answer then clicked the detached link.
    const signals: (AbortSignal | null | undefined)[] = []
    const fetchMock = vi.fn(
      (_url: string, init?: RequestInit) =>
        new Promise<Response>((_resolve, reject) => {
          signals.push(init?.signal)
          init?.signal?.addEventListener('abort', () => reject(new Error('aborted')))
        }),
    )
    vi.stubGlobal('fetch', fetchMock)
    const clicks = vi.spyOn(HTMLAnchorElement.prototype, 'click')
    try {
      const wrapper = await exportPageWithDownload()
      await wrapper.get('[data-testid="export-download"]').trigger('click')
      await flushPromises()
      expect(fetchMock).toHaveBeenCalledTimes(1)
      expect(signals[0]?.aborted).toBe(false)
      clicks.mockClear()
      wrapper.unmount()
      await flushPromises()
      expect(signals[0]?.aborted).toBe(true)
      expect(clicks).not.toHaveBeenCalled()
    } finally {
      clicks.mockRestore()
      vi.unstubAllGlobals()
    }
  })
})

describe('campaign page', () => {
  it('opens the active campaign in the editor and saves the edits', async () => {
    const fake = createFakeKioskApi()
    const { wrapper } = mountWith(CampaignPage, fake.api)
    useScreenStore().campaign = makeCampaign()
    await flushPromises()
    const name = wrapper.get<HTMLInputElement>('#c-name')
    expect(name.element.value).toBe('春季博览会')
    await name.setValue('春季博览会 第二天')
    await wrapper.get('#g-en-named').setValue('Hello {name}!')
    await wrapper.get('[data-testid="campaign-editor"]').trigger('submit')
    await flushPromises()
    expect(fake.api.saveCampaign).toHaveBeenCalledTimes(1)
    const saved = fake.api.saveCampaign.mock.calls[0] as unknown as [
      ReturnType<typeof makeCampaign>,
    ]
    expect(saved[0].name).toBe('春季博览会 第二天')
    expect(saved[0].greetings.en.named).toBe('Hello {name}!')
    expect(saved[0].id).toBe('spring-expo')
    expect(wrapper.text()).toContain('活动已保存')
  })

  it('takes "活动已保存" down once the form is edited again', async () => {
    // The note stayed above a form typed on since: the new edits read as saved (and on screen).
    const fake = createFakeKioskApi()
    const { wrapper } = mountWith(CampaignPage, fake.api)
    useScreenStore().campaign = makeCampaign()
    await flushPromises()
    await wrapper.get('#c-name').setValue('春季博览会 第二天')
    await wrapper.get('[data-testid="campaign-editor"]').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid="campaign-notice"]').text()).toBe('活动已保存')
    await wrapper.get('#g-en-named').setValue('Hello {name}!')
    expect(wrapper.find('[data-testid="campaign-notice"]').exists()).toBe(false)
    await wrapper.get('[data-testid="campaign-editor"]').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid="campaign-notice"]').text()).toBe('活动已保存')
  })

  it('refuses out-of-range numbers and an end before the start, with a reason per field', async () => {
    const fake = createFakeKioskApi()
    const { wrapper } = mountWith(CampaignPage, fake.api)
    await flushPromises()
    await wrapper.get('#c-rotation').setValue('5')
    // The dates' own control: year, month, day in the UI's order (zh-CN: 年 月 日).
    await wrapper.get('#c-start').setValue('2025')
    await wrapper.get('#c-start-month').setValue('5')
    await wrapper.get('#c-start-day').setValue('2')
    await wrapper.get('#c-end').setValue('2025')
    await wrapper.get('#c-end-month').setValue('5')
    await wrapper.get('#c-end-day').setValue('1')
    await wrapper.get('[data-testid="campaign-editor"]').trigger('submit')
    await flushPromises()
    expect(fake.api.saveCampaign).not.toHaveBeenCalled()
    expect(wrapper.get('[data-error-for="c-rotation"]').text()).toContain('10 到 3600')
    expect(wrapper.get('[data-error-for="c-end"]').text()).toBe('结束日期不能早于开始日期')
    // Every part of the refused date (年, 月, 日), not only the first the label points at, is
    // invalid and described by the message: a screen reader tabbing to 月 hears why too.
    const message = wrapper.get('[data-error-for="c-end"]')
    for (const part of ['#c-end', '#c-end-month', '#c-end-day']) {
      const control = wrapper.get(part)
      expect(control.attributes('aria-invalid'), part).toBe('true')
      expect(control.attributes('aria-describedby'), part).toBe(message.attributes('id'))
    }
    // The start, not refused, is neither.
    for (const part of ['#c-start', '#c-start-month', '#c-start-day']) {
      expect(wrapper.get(part).attributes('aria-invalid'), part).not.toBe('true')
      expect(wrapper.get(part).attributes('aria-describedby'), part).toBeUndefined()
    }
  })
})

describe('campaign texts', () => {
  it('refuses a name with a control or bidi control character, saying why in both languages', async () => {
    const fake = createFakeKioskApi()
    const { wrapper } = mountWith(CampaignPage, fake.api)
    await flushPromises()
    for (const ch of ['\u0000', '\t', '\u0085', '\u202e', '\u2067']) {
      await wrapper.get('#c-name').setValue(`春季${ch}展`)
      await wrapper.get('[data-testid="campaign-editor"]').trigger('submit')
      await flushPromises()
      expect(wrapper.get('[data-error-for="c-name"]').text(), JSON.stringify(ch)).toBe(
        zhCN.campaign.errors.lineChars,
      )
    }
    await wrapper.get('#c-name').setValue('春季展')
    await wrapper.get('#g-en-firstVisit').setValue('Welcome\u202e {number}')
    await wrapper.get('[data-testid="campaign-editor"]').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-error-for="g-en-firstVisit"]').text()).toBe(
      zhCN.campaign.errors.textChars,
    )
    expect(fake.api.saveCampaign).not.toHaveBeenCalled()
    expect(zhCN.campaign.errors.lineChars).toContain('控制字符')
    expect(en.campaign.errors.lineChars).toContain('control characters')
    // A brace not paired: "{name!" or "{{name}}" would reach visitors as typed.
    await wrapper.get('#g-en-firstVisit').setValue('Welcome! No. {number}')
    await wrapper.get('#g-en-named').setValue('Welcome, {{name}}!')
    await wrapper.get('[data-testid="campaign-editor"]').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-error-for="g-en-named"]').text()).toBe(
      '有括号未配对：占位符如 {name} 前后各有一个括号',
    )
    expect(en.campaign.errors.greetingBraces).toBe(
      "A brace is not paired: a placeholder such as {'{name}'} has one brace each side",
    )
    expect(fake.api.saveCampaign).not.toHaveBeenCalled()
    await wrapper.get('#g-en-named').setValue('Welcome, {name}!')
    await wrapper.get('#c-name').setValue('🎉 春季博览会 Spring Expo')
    await wrapper.get('#g-en-firstVisit').setValue('Welcome! No. {number}')
    await wrapper.get('[data-testid="campaign-editor"]').trigger('submit')
    await flushPromises()
    expect(fake.api.saveCampaign).toHaveBeenCalledTimes(1)
  })
})

describe('campaign lifetime and rotation', () => {
  it('refuses a code lifetime that does not outlast the rotation, and says by how much', async () => {
    const fake = createFakeKioskApi()
    const { wrapper } = mountWith(CampaignPage, fake.api)
    await flushPromises()
    await wrapper.get('#c-name').setValue('春季博览会')
    await wrapper.get('#c-rotation').setValue('600')
    await wrapper.get('#c-lifetime').setValue('600')
    await wrapper.get('[data-testid="campaign-editor"]').trigger('submit')
    await flushPromises()
    expect(fake.api.saveCampaign).not.toHaveBeenCalled()
    expect(wrapper.get('[data-error-for="c-lifetime"]').text()).toContain('至少长 30 秒')
    await wrapper.get('#c-lifetime').setValue('630')
    await wrapper.get('[data-testid="campaign-editor"]').trigger('submit')
    await flushPromises()
    expect(fake.api.saveCampaign).toHaveBeenCalledTimes(1)
  })
})

describe('settings page', () => {
  it('is called Settings (设置), not after one of its sections: it also holds the PIN', async () => {
    const fake = createFakeKioskApi()
    const { wrapper, i18n } = mountWith(SettingsPage, fake.api)
    await flushPromises()
    const title = () => wrapper.get('h2').text()
    const sections = () => wrapper.findAll('h3').map((h) => h.text())
    expect(sections()).toContain('修改管理 PIN 码')
    expect(title()).toBe('设置')
    // The language is one section of it, so the page is not named after it.
    expect(sections()).toContain('界面语言')
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(title()).toBe('Settings')
  })
})

describe('diagnostics page: recent events', () => {
  /** A new follower's event at 2023-11-14 22:13:20 UTC. */
  const row = {
    id: 1,
    eventId: 'ev_1',
    campaignId: 'c1',
    kioskId: 'booth-1',
    openid: 'oVisitor0001',
    scene: 'booth-1:abc',
    kind: 'subscribe' as const,
    createTime: 1_700_000_000,
    receivedAt: 1_700_000_000_000,
    firstVisit: true,
    checkInNumber: 1,
    rosterEntryId: null,
    rosterName: null,
    greetingShown: true,
    unknownTicket: false,
    fallback: false,
  }
  it('words each event’s kind and the id column in the UI’s language', async () => {
    const fake = createFakeKioskApi()
    const base = await fake.api.getDiagnostics()
    fake.api.getDiagnostics.mockResolvedValue({
      ...base,
      lastEvents: [row, { ...row, id: 2, eventId: 'ev_2', kind: 'scan', checkInNumber: 2 }],
    })
    const { wrapper, i18n } = mountWith(DiagnosticsPage, fake.api)
    await flushPromises()
    const kinds = () => wrapper.findAll('tbody tr').map((r) => r.findAll('td')[3]?.text())
    const headings = () => wrapper.findAll('thead th').map((h) => h.text())
    expect(kinds()).toEqual(['新关注', '扫码'])
    expect(headings().at(-1)).toBe('事件 ID')
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(kinds()).toEqual(['New follower', 'Scan'])
    expect(headings().at(-1)).toBe('Event ID')
  })
  it('writes each event’s time on the kiosk core’s clock, not the page’s (kiosk web elsewhere)', async () => {
    const fake = createFakeKioskApi()
    const base = await fake.api.getDiagnostics()
    const event = { ...row, kind: 'scan' as const }
    fake.api.getDiagnostics.mockResolvedValue({ ...base, lastEvents: [event] })
    const { wrapper } = mountWith(DiagnosticsPage, fake.api)
    await flushPromises()
    const time = () => wrapper.findAll('tbody tr')[0]?.findAll('td')[1]?.text()
    const screen = useScreenStore()
    screen.timeZone = 'Asia/Tokyo'
    await flushPromises()
    expect(time()).toBe('2023/11/15 07:13:20')
    screen.timeZone = 'Pacific/Honolulu'
    await flushPromises()
    expect(time()).toBe('2023/11/14 12:13:20')
  })
})

describe('attendance page: the from/to filter on the kiosk core’s clock', () => {
  it('reads a typed time in the core’s zone, as the list beside it is written (kiosk web elsewhere)', async () => {
    const fake = createFakeKioskApi()
    const { wrapper } = mountWith(AttendancePage, fake.api)
    const screen = useScreenStore()
    screen.campaign = makeCampaign()
    screen.timeZone = 'Asia/Tokyo'
    await flushPromises()
    await wrapper.get('#att-from').setValue('2026')
    await wrapper.get('#att-from-month').setValue('5')
    await wrapper.get('#att-from-day').setValue('1')
    await wrapper.get('#att-from-hour').setValue('09')
    await wrapper.get('#att-from-minute').setValue('00')
    await flushPromises()
    const lastFrom = () => fake.api.listAttendance.mock.calls.at(-1)?.[0].from
    // 09:00 on 1 May in Tokyo, whatever the zone of the page.
    expect(lastFrom()).toBe(Date.UTC(2026, 4, 1, 0, 0))
    screen.timeZone = 'Pacific/Honolulu'
    await flushPromises()
    expect(lastFrom()).toBe(Date.UTC(2026, 4, 1, 19, 0))
  })
})

// @vitest-environment happy-dom
/**
 * Failed calls as a person sees them: in the UI's language, whatever English the thrown error
 * carries, and with a sentence of the UI's own for a code it does not know.
 */
import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import CampaignPage from '../../renderer/src/admin/pages/CampaignPage.vue'
import ExportPage from '../../renderer/src/admin/pages/ExportPage.vue'
import SettingsPage from '../../renderer/src/admin/pages/SettingsPage.vue'
import SetupPage from '../../renderer/src/admin/pages/SetupPage.vue'
import { KioskCallError } from '../../renderer/src/bridge/web-client'
import { useScreenStore } from '../../renderer/src/stores/screen'
import { createFakeKioskApi, makeCampaign } from './fake-kiosk-api'
import { mountWith } from './setup-app'
import type { KioskErrorCode, StatusCode } from '../../shared/errors'

enableAutoUnmount(afterEach)

/** What the preload throws: a plain object; an older core may still send a message. */
const coded = (code: string, message: string, params: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { code, params })

/** The export page with a CSV export started and failed with `code`. */
async function failedExport(code: StatusCode) {
  const fake = createFakeKioskApi()
  const mounted = mountWith(ExportPage, fake.api)
  useScreenStore().campaign = makeCampaign()
  await flushPromises()
  await mounted.wrapper.get('[data-testid="export-csv"]').trigger('click')
  await flushPromises()
  fake.emit('exportProgress', {
    exportId: 'x-1',
    fileName: 'spring.csv',
    savedPath: null,
    downloadUrl: null,
    state: 'failed',
    rowsDone: 3,
    rowsTotal: 10,
    error: { code, params: {} },
  })
  await flushPromises()
  return mounted
}

describe('failed calls on the admin pages', () => {
  it('shows a known code in Chinese, then English, never the English sentence it came with', async () => {
    const fake = createFakeKioskApi()
    fake.api.listCampaigns.mockRejectedValue(
      coded('internal', 'Internal error; details are in the log.'),
    )
    const { wrapper, i18n } = mountWith(CampaignPage, fake.api)
    await flushPromises()
    const failure = () => wrapper.get('.error-text').text()
    expect(failure()).toBe(
      '操作失败：签到程序内部出错。请重试；如仍出错，请重启签到程序，并把日志交给技术支持',
    )
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(failure()).toBe(
      'Something went wrong: An internal error in the booth program. Try again; if it happens again, restart the booth program and give its log to technical support',
    )
  })

  it('words a code this UI does not know with its own sentence and the code', async () => {
    const fake = createFakeKioskApi()
    fake.api.listCampaigns.mockRejectedValue(new KioskCallError('roster_encoding', { limit: 10 }))
    fake.api.activateCampaign.mockRejectedValue(
      coded('rate_limited', 'Too many requests; retry in 30 seconds.', { retryAfter: 30 }),
    )
    const { wrapper } = mountWith(CampaignPage, fake.api)
    await flushPromises()
    expect(wrapper.get('.error-text').text()).toBe(
      '操作失败：未知错误（错误代码：roster_encoding）',
    )
    expect(wrapper.text()).not.toMatch(/[A-Za-z]{4,} [a-z]+/)
  })

  it('a wrong current PIN reads in the UI language', async () => {
    const fake = createFakeKioskApi()
    fake.api.setPin.mockRejectedValue(coded('wrong_pin', 'currentPin: the current PIN is wrong'))
    const { wrapper } = mountWith(SettingsPage, fake.api)
    await flushPromises()
    await wrapper.get('#pin-current').setValue('1234')
    await wrapper.get('#pin-new').setValue('5678')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-error-for="pin-new"]').text()).toBe('操作失败：当前 PIN 码不正确')
  })

  it('a failed connection test names the relay’s HTTP status in the UI language', async () => {
    const fake = createFakeKioskApi()
    fake.api.testConnection.mockResolvedValue({
      relay: { ok: false, code: 'unhealthy', params: { status: 502 } },
      api: { ok: false, code: 'other', params: { errcode: 40001 } },
    })
    const { wrapper } = mountWith(SetupPage, fake.api)
    await flushPromises()
    await wrapper.get('[data-testid="test-connection"]').trigger('click')
    await flushPromises()
    const text = wrapper.get('[data-testid="connection-check"]').text()
    expect(text).toContain('中继：中继服务器运行异常（HTTP 502），请联系中继管理员')
    expect(text).toContain('微信接口：微信接口出错（错误码 40001），请查看诊断页')
  })

  it('a failed export says why in the UI language', async () => {
    const { wrapper } = await failedExport('export_failed')
    expect(wrapper.text()).toContain(
      '导出失败：文件没有写成。请重试；如仍失败，请把签到程序的日志交给技术支持',
    )
  })

  it('an export the full disk stopped says to free space and export again, in both languages', async () => {
    const { wrapper, i18n } = await failedExport('export_disk_full')
    expect(wrapper.text()).toContain(
      '导出失败：签到台的磁盘已满，文件没有写完（未写完的部分已删除）。请清理磁盘空间后重新导出',
    )
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(wrapper.text()).toContain(
      "the booth's disk is full, so the file was not finished (the unfinished part was removed). Free up disk space, then export again",
    )
  })
})

/**
 * Every code a kiosk call can fail with (shared/errors.ts), as the core sends it with its English
 * detail, and what a Chinese operator reads: typed, so a new code without a row fails to compile.
 */
const KIOSK_CODES_ZH: Record<KioskErrorCode, [Record<string, unknown>, string]> = {
  bad_input: [{ field: 'relayUrl' }, '输入有误：中继服务器地址'],
  admin_locked: [{}, '管理界面已锁定，请重新输入 PIN 码'],
  unknown_method: [{}, '此版本的签到程序不支持该操作，请更新程序'],
  not_found: [{}, '找不到要操作的内容（可能已被删除）。请重新打开此页后再试'],
  unavailable: [{}, '服务暂不可用，请稍后再试'],
  internal: [{}, '签到程序内部出错。请重试；如仍出错，请重启签到程序，并把日志交给技术支持'],
  wrong_pin: [{}, '当前 PIN 码不正确'],
  campaign_not_found: [{}, '活动不存在（可能已被删除）'],
  campaign_managed: [{}, '本机活动由活动控制台管理，请在控制台中修改'],
  event_not_found: [{}, '找不到这条签到记录'],
  registration_not_found: [{}, '当前活动中没有这位来宾'],
  no_active_campaign: [{}, '请先在“活动”页面设置当前活动'],
  no_ticket_source: [{}, '还没有当前活动或二维码来源，请先完成设置'],
  no_fresh_code: [{}, '暂时没有可用的新二维码，请稍后再试'],
  desktop_only: [{}, '开机自动启动仅在安装版桌面程序中可用'],
  secure_storage_unavailable: [
    {},
    '无法安全保存密钥：系统钥匙串不可用。请解锁钥匙串或登录桌面会话后再试。',
  ],
  web_key_rejected: [{}, '页面密钥已失效（签到程序可能已重启），请打开终端中显示的新地址'],
  foreign_origin: [{}, '请求来自其他网页，已拒绝'],
  body_too_large: [{}, '一次提交的数据过多'],
  service_unreachable: [{}, '无法连接签到服务，请确认签到程序正在运行'],
  pairing_code_invalid: [
    {},
    '中继不认识这个配对码：配对码已过期（有效期 15 分钟），或之后又为该签到台生成了新的配对码（只有最新的有效）— 请向组织者获取最新的配对码',
  ],
  pairing_code_used: [
    {},
    '这个配对码已经用过了（一个配对码只能配对一台设备一次）。请在控制台看它属于哪个签到台：如果那个签到台已由另一台设备配对，请向组织者要本签到台自己的配对码；为已配对的签到台重新生成配对码并使用，会让正在使用它的设备断开',
  ],
  pairing_rate_limited: [
    { seconds: 120 },
    '配对尝试过于频繁（同一网络的签到台共用每分钟 10 次），请等几秒再试',
  ],
  relay_unreachable: [{}, '无法连接中继 — 请检查地址和网络'],
  relay_timeout: [{}, '中继没有及时响应。请重试；如果随后提示配对码已用过，请向组织者重新获取'],
  wifi_sign_in: [
    {},
    '此 Wi-Fi 代替中继作答：它需要登录。请在签到台电脑的浏览器里打开任意网页并登录，然后重新配对（配对码尚未使用）',
  ],
  relay_tls_untrusted: [
    {},
    '中继的安全证书未被接受，配对码没有发出（尚未使用）。最常见的原因是 Wi-Fi 需要登录（在签到台电脑的浏览器里打开任意网页并登录，然后重新配对），或公司网络在检查加密流量（换一个网络）。如果都不是，请检查本机的日期和时间，再告诉中继管理员（证书可能已过期）',
  ],
  relay_proxy_refused: [
    { status: 407 },
    '本网络的 HTTP 代理拒绝把配对请求转给中继（HTTP 407），配对码没有发出（尚未使用）：407 表示代理需要用户名和密码（写进 HTTPS_PROXY），403 表示代理不允许访问中继地址（请场地 IT 放行）',
  ],
  relay_proxy_invalid: [
    { setting: 'HTTPS_PROXY' },
    '本签到台的代理设置 HTTPS_PROXY 不是 http:// 或 https:// 代理的地址（例如 socks5:// 代理或输入有误），配对码没有发出（尚未使用）。请把 HTTPS_PROXY 设为场地 IT 给的地址（http://主机:端口）后重启签到程序，场地没有代理时删除它',
  ],
  relay_bad_answer: [{}, '该地址有响应，但不是支持配对的 ScanDesk 中继 — 请检查地址'],
}

/**
 * `bad_input` names the first offending field by its path in the contract. The web bridge names
 * the request's own parts (`body`, `content-type`), a campaign its nested ones: none of those
 * paths is a word a person at the booth knows.
 */
const BAD_INPUT_FIELDS_ZH: ReadonlyArray<[string, string]> = [
  ['pin', '输入有误：PIN 码'],
  ['body', '输入有误：输入内容'],
  ['content-type', '输入有误：输入内容'],
  ['greetings.zh-CN.named', '输入有误：输入内容'],
  ['name.0', '输入有误：名称'],
]

describe('every failure code as a Chinese operator reads it', () => {
  async function shown(error: unknown): Promise<string> {
    const fake = createFakeKioskApi()
    fake.api.listCampaigns.mockRejectedValue(error)
    const { wrapper } = mountWith(CampaignPage, fake.api)
    await flushPromises()
    return wrapper.get('.error-text').text()
  }

  it.each(Object.entries(KIOSK_CODES_ZH))(
    '%s: in Chinese, not the core’s English',
    async (code, [params, zh]) => {
      const text = await shown(coded(code, `${code}: the English detail for the log`, params))
      expect(text).toBe(`操作失败：${zh}`)
      expect(text).not.toContain('English')
    },
  )

  it.each(BAD_INPUT_FIELDS_ZH)('bad_input on %s names no contract path', async (field, zh) => {
    expect(await shown(new KioskCallError('bad_input', { field }))).toBe(`操作失败：${zh}`)
  })
})

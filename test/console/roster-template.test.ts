// @vitest-environment happy-dom
// A new organizer's first roster: beside the upload, a template to download whose header row is
// the one the roster import reads, in the page's language, so the file they fill in goes in
// as it is (its Chinese headings open as such in Excel and WPS: a UTF-8 BOM).
import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import RosterPanel from '../../console/src/components/RosterPanel.vue'
import { parseRosterFile } from '../../shared/roster/roster-import'
import { createFakeConsoleApi } from './fake-console-api'
import { mountConsole } from './setup-console'

enableAutoUnmount(afterEach)

const PREFIX = 'data:text/csv;charset=utf-8,'

async function template(locale: 'zh-CN' | 'en'): Promise<{ text: string; file: string }> {
  const fake = createFakeConsoleApi()
  const { wrapper, i18n } = mountConsole(RosterPanel, fake.api, { props: { campaignId: 'c1' } })
  i18n.global.locale.value = locale
  await flushPromises()
  const link = wrapper.get('[data-testid="roster-template"]')
  const href = link.attributes('href') ?? ''
  expect(href.startsWith(PREFIX)).toBe(true)
  return {
    text: decodeURIComponent(href.slice(PREFIX.length)),
    file: link.attributes('download') ?? '',
  }
}

describe('the roster template', () => {
  it.each(['zh-CN', 'en'] as const)(
    'in %s: its header row is the import’s, a filled-in row goes in whole',
    async (locale) => {
      const { text, file } = await template(locale)
      expect(text.startsWith('\uFEFF')).toBe(true)
      expect(file.endsWith('.csv')).toBe(true)
      const filled = `${text}王小明,示例公司,13800138000,A001\r\n`
      const parsed = await parseRosterFile('csv', Buffer.from(filled, 'utf8'))
      expect(parsed.errors).toEqual([])
      expect(parsed.rows).toEqual([
        expect.objectContaining({
          name: '王小明',
          company: '示例公司',
          phone: '13800138000',
          code: 'A001',
        }),
      ])
    },
  )

  it('names its columns in the page’s language', async () => {
    expect((await template('zh-CN')).text).toBe('\uFEFF姓名,单位,电话,编号\r\n')
    expect((await template('en')).text).toBe('\uFEFFName,Company,Phone,Code\r\n')
  })
})

/**
 * The BUILT console's roster upload in real Chromium against the fake relay: it sends the
 * roster's version as If-Match, so when another organizer replaced the roster meanwhile the
 * relay refuses (412) and the page says so, shows their roster and offers to upload this file
 * anyway; and a file with a header and no rows is not sent before the organizer confirms it
 * will empty the roster, nor one that leaves out guests who checked in. Screenshots: test-artifacts/screenshots/console-roster-*.png.
 */
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { screenshot, waitForPage } from './browser'
import { EXPO, type FakeConsoleRelay } from './fake-console-relay'
import { fakeConsolePage } from './fake-console-page'
import { encryptedXlsx, oldXls } from '../helpers/office-files'
import { rosterFileMessages } from '../../shared/ui/roster-messages'

const NAMES = `[...document.querySelectorAll('[data-testid="roster-row"] .name')].map((e) => e.textContent.trim()).join(',')`

function csv(names: readonly string[]): Buffer {
  const lines = ['姓名,单位,电话,编号']
  names.forEach((n, i) => lines.push(`${n},公司,1380000${String(i).padStart(4, '0')},G${i}`))
  return Buffer.from(lines.join('\r\n'), 'utf8')
}

describe('console roster upload', () => {
  const fx = fakeConsolePage({ relay: { attendanceRows: 10 } })
  const { problems } = fx
  let relay: FakeConsoleRelay
  let page: Page

  beforeAll(async () => {
    ;({ relay, page } = fx)
    await page.goto(`${relay.origin}/console/#/campaigns/${EXPO.id}`)
    await page.locator('[data-testid="roster-file"]').waitFor({ state: 'attached' })
  })

  async function upload(name: string, body: Buffer, mimeType = 'text/csv'): Promise<void> {
    await page.setInputFiles('[data-testid="roster-file"]', { name, mimeType, buffer: body })
  }

  it('sends If-Match; replaced meanwhile: says so, shows theirs, uploads mine on request', async () => {
    await upload('mine.csv', csv(['甲', '乙', '丙']))
    await waitForPage(page, `${NAMES} === '甲,乙,丙'`)
    expect(relay.rosterIfMatch.at(-1)).toMatch(/^"\d+"$/)

    relay.replaceRosterElsewhere(EXPO.id, ['他人一', '他人二'])
    await upload('mine-2.csv', csv(['丁', '戊']))
    const conflict = page.locator('[data-testid="roster-conflict"]')
    await conflict.waitFor()
    expect(await conflict.textContent()).toContain('其他人')
    // Their roster is on screen, nothing of mine was stored.
    await waitForPage(page, `${NAMES} === '他人一,他人二'`)
    await conflict.scrollIntoViewIfNeeded()
    await screenshot(page, 'console-roster-conflict-zh')

    await page.click('[data-testid="roster-upload-anyway"]')
    await waitForPage(page, `${NAMES} === '丁,戊'`)
    expect(await conflict.count()).toBe(0)
    expect(relay.rosterIfMatch.at(-1)).toMatch(/^"\d+"$/)
    expect(problems).toEqual([])
  }, 60_000)

  it('a file with a header and no rows is sent only after the organizer confirms emptying', async () => {
    await waitForPage(page, `${NAMES} === '丁,戊'`)
    const confirm = page.locator('[data-testid="roster-confirm-empty"]')
    const stored = (): number => relay.rosterIfMatch.length
    await upload('空.csv', csv([]))
    await confirm.waitFor()
    expect(await confirm.textContent()).toContain('文件里没有名单行，上传会清空本活动的名单')
    // What would replace the roster: 0 rows, instead of the 2 there now.
    expect(await confirm.textContent()).toContain('2')
    await confirm.scrollIntoViewIfNeeded()
    await screenshot(page, 'console-roster-empty-zh')
    const before = stored()
    await page.click('[data-testid="roster-empty-cancel"]')
    expect(await confirm.count()).toBe(0)
    expect(await page.evaluate(NAMES)).toBe('丁,戊')

    await page.click('[data-locale="en"]')
    await upload('empty.csv', csv([]))
    await confirm.waitFor()
    expect(await confirm.textContent()).toContain('no roster rows')
    await page.setViewportSize({ width: 390, height: 844 })
    await confirm.scrollIntoViewIfNeeded()
    await screenshot(page, 'console-roster-empty-en-390')
    await page.setViewportSize({ width: 1280, height: 800 })
    // Nothing stored yet: only the checks went out.
    expect(stored()).toBe(before)
    await page.click('[data-testid="roster-empty-confirm"]')
    await waitForPage(page, `document.querySelector('[data-testid="roster-result"]') !== null`)
    await waitForPage(page, `${NAMES} === ''`)
    expect(stored()).toBe(before + 1)
    await page.click('[data-locale="zh-CN"]')
    expect(problems).toEqual([])
  }, 60_000)

  it('a password-protected workbook and an old .xls: the organizer reads what to do', async () => {
    const PROBLEMS = `[...document.querySelectorAll('[data-testid="roster-problem"] td')].map((e) => e.textContent.trim()).join('|')`
    const xlsx = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
    await upload('名单.xlsx', encryptedXlsx(), xlsx)
    const said = (text: string): string => `${PROBLEMS} === ${JSON.stringify(`1|文件|${text}`)}`
    await waitForPage(page, said(rosterFileMessages['zh-CN'].encrypted))
    await page.locator('[data-testid="roster-result"]').scrollIntoViewIfNeeded()
    await screenshot(page, 'console-roster-encrypted-zh')
    // An .xls renamed .xlsx by its bytes; one named .xls before it is sent.
    await upload('旧名单.xlsx', oldXls(), xlsx)
    await waitForPage(page, said(rosterFileMessages['zh-CN'].xls))
    const sent = relay.rosterUploads.length
    await upload('旧名单.xls', oldXls(), 'application/vnd.ms-excel')
    const error = page.locator('[data-testid="roster-error"]')
    await error.waitFor()
    expect(await error.textContent()).toContain(rosterFileMessages['zh-CN'].xls)
    expect(relay.rosterUploads.length).toBe(sent)
    // The roster stays as it was.
    expect(await page.evaluate(NAMES)).toBe('')
    expect(problems).toEqual([])
  }, 60_000)

  it('a file leaving out checked-in guests (last year’s, the phone column gone) is sent only once confirmed', async () => {
    // A relay that says what a file replaces. This year's roster: 甲 and 戊 have checked in.
    relay.answerReplacing = true
    await upload('今年.csv', csv(['甲', '乙', '丙', '丁', '戊']))
    await waitForPage(page, `${NAMES} === '甲,乙,丙,丁,戊'`)
    const ask = page.locator('[data-testid="roster-confirm-drop"]')
    const stored = (): number => relay.rosterIfMatch.length
    const before = stored()

    // A file cut short: 丙, 丁 and 戊 go, and 戊 had checked in.
    await upload('前两行.csv', csv(['甲', '乙']))
    await ask.waitFor()
    expect(await ask.locator('.summary').textContent()).toContain('1 位已签到的来宾不在这个文件里')
    expect(await ask.textContent()).toContain('当前名单：5 人，其中 2 人在文件里')
    // The safe choice has the focus: Enter keeps the roster.
    expect(await page.evaluate(`document.activeElement?.dataset.testid ?? ''`)).toBe(
      'roster-drop-cancel',
    )
    await ask.scrollIntoViewIfNeeded()
    await screenshot(page, 'console-roster-drop-zh')
    await page.keyboard.press('Enter')
    await ask.waitFor({ state: 'detached' })
    expect(await page.evaluate(NAMES)).toBe('甲,乙,丙,丁,戊')

    // The file saved without its code column: no key matches, both check-ins dropped.
    await page.click('[data-locale="en"]')
    const noCodes = Buffer.from(
      '姓名,单位,电话\r\n甲,公司,13800000000\r\n乙,公司,13800000001',
      'utf8',
    )
    await upload('no-codes.csv', noCodes)
    await ask.waitFor()
    expect(await ask.locator('.summary').textContent()).toContain(
      '2 guests who already checked in are not in this file',
    )
    expect(await ask.textContent()).toContain('Current roster: 5 guests, 0 of them in the file')
    await page.setViewportSize({ width: 390, height: 844 })
    await ask.scrollIntoViewIfNeeded()
    await screenshot(page, 'console-roster-drop-en-390')
    await page.setViewportSize({ width: 1280, height: 800 })
    expect(stored()).toBe(before)
    await page.click('[data-testid="roster-drop-confirm"]')
    await waitForPage(page, `${NAMES} === '甲,乙'`)
    expect(stored()).toBe(before + 1)
    await page.click('[data-locale="zh-CN"]')
    relay.answerReplacing = false
    expect(problems).toEqual([])
  }, 60_000)

  it('by keyboard, in both languages: the outcome is read out, and the focus is back on the file picker', async () => {
    // The picker and 仍然上传我的文件 are disabled while the file goes out, which drops the focus
    // onto <body>: a screen-reader user heard nothing once the file was in, and was at the top
    // of the page.
    const FOCUSED = `(document.activeElement?.dataset.testid ?? '')`
    const pick = async (name: string, body: Buffer): Promise<void> => {
      // Focused as a keyboard user leaves it; the file is then set on it directly: Space on a
      // focused file input opened no chooser in CI under load (twice, 30 s each), and the
      // chooser is Chromium's, not ours.
      await page.locator('[data-testid="roster-file"]:enabled').waitFor()
      await page.focus('[data-testid="roster-file"]')
      await waitForPage(page, `${FOCUSED} === 'roster-file'`)
      await page.setInputFiles('[data-testid="roster-file"]', {
        name,
        mimeType: 'text/csv',
        buffer: body,
      })
    }
    // The live region is there before the outcome is: one inserted with its text is not read.
    const newsSaid = async (text: string): Promise<void> => {
      await waitForPage(
        page,
        `window.rosterNews.isConnected && window.rosterNews.getAttribute('role') === 'status' && window.rosterNews.textContent.trim() === ${JSON.stringify(text)}`,
      )
    }
    for (const [locale, said] of [
      ['zh-CN', ['名单已更新：共 2 人', '名单已更新：共 1 人']],
      ['en', ['Roster updated: 2 guests', 'Roster updated: 1 guest']],
    ] as const) {
      await page.click(`[data-locale="${locale}"]`)
      expect(
        await page.evaluate(
          `(window.rosterNews = document.querySelector('[data-testid="roster-news"]')) !== null`,
        ),
      ).toBe(true)
      await pick('keys.csv', csv(['子', '丑']))
      await waitForPage(page, `${NAMES} === '子,丑'`)
      await newsSaid(said[0])
      await waitForPage(page, `${FOCUSED} === 'roster-file'`)

      relay.replaceRosterElsewhere(EXPO.id, ['他人三'])
      await pick('keys-2.csv', csv(['寅']))
      await page.locator('[data-testid="roster-conflict"]').waitFor()
      await waitForPage(page, `${NAMES} === '他人三'`)
      await page.keyboard.press('Tab')
      expect(await page.evaluate(FOCUSED)).toBe('roster-upload-anyway')
      await page.keyboard.press('Enter')
      await waitForPage(page, `${NAMES} === '寅'`)
      await newsSaid(said[1])
      await waitForPage(page, `${FOCUSED} === 'roster-file'`)
    }
    await page.click('[data-locale="zh-CN"]')
    expect(problems).toEqual([])
  }, 90_000)
})

/**
 * The BUILT console writes dates in its own language's form, whatever the browser's locale: a
 * German-set Chromium (which would write 05.12.2026) shows 2026/12/05 14:03:07 in the Chinese
 * console and 5 Dec 2026, 14:03:07 in the English one — the month named, not 12/05/2026, which
 * most readers outside the US take for 12 May. The stats page's "Updated …" and the attendance
 * list's times are checked. Screenshots: test-artifacts/screenshots/console-dates-{zh,en}.png.
 */
import { describe, expect, it } from 'vitest'
import { goHash, screenshot, waitForPage } from './browser'
import { fakeConsolePage } from './fake-console-page'

const ZH_DATE_TIME = /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}$/
const EN_DATE_TIME =
  /^\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}, \d{2}:\d{2}:\d{2}$/

const UPDATED = `(document.querySelector('[data-testid="stats-updated"]')?.textContent.trim() ?? '')`
const FIRST_TIME = `(document.querySelector('[data-testid="attendance-row"] [role="cell"]:nth-child(2)')?.textContent.trim() ?? '')`

describe('dates in the console follow its language, not the browser’s locale', () => {
  const fx = fakeConsolePage({
    relay: { attendanceRows: 10 },
    context: { viewport: { width: 1280, height: 800 }, locale: 'de-DE' },
  })

  it('stats and attendance: 2026/12/05 14:03:07 in Chinese, 5 Dec 2026, 14:03:07 in English', async () => {
    const { page, problems } = fx
    await goHash(page, '#/stats')
    await waitForPage(page, `${UPDATED} !== ''`)
    const zhUpdated = String(await page.evaluate(UPDATED))
    expect(zhUpdated.replace(/^更新于 /, '')).toMatch(ZH_DATE_TIME)
    await goHash(page, '#/attendance')
    await waitForPage(page, `${FIRST_TIME} !== ''`)
    expect(String(await page.evaluate(FIRST_TIME))).toMatch(ZH_DATE_TIME)
    await screenshot(page, 'console-dates-zh')

    await page.click('[data-locale="en"]')
    await waitForPage(page, `document.documentElement.lang === 'en'`)
    await waitForPage(page, `!/^\\d{4}\\//.test(${FIRST_TIME})`)
    expect(String(await page.evaluate(FIRST_TIME))).toMatch(EN_DATE_TIME)
    await screenshot(page, 'console-dates-en')
    await goHash(page, '#/stats')
    await waitForPage(page, `${UPDATED}.startsWith('Updated ')`)
    const enUpdated = String(await page.evaluate(UPDATED))
    expect(enUpdated.replace(/^Updated /, '')).toMatch(EN_DATE_TIME)
    expect(problems).toEqual([])
  }, 60_000)
})

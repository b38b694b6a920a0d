/**
 * The BUILT console (out/console) in real Chromium, served with the relay's strict CSP by a fake
 * relay that speaks the console API's contract: sign in (a wrong password first), booths, add a
 * booth (the code and a QR a phone can read), live stats moving on an SSE `stats` without a
 * reload, attendance scrolled to row 90,000 of 100,000 and the CSV download; campaigns (issue
 * 19): create one with the greeting preview following the typing in both languages, edit one,
 * pick booths, rotate the screen key, upload a roster and page through it. Any CSP violation
 * (an inline script or style the build needs) fails it. Screenshots: test-artifacts/console-*.png.
 */
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeQr, launchChromium, waitForPage, waitForStill } from './browser'
import {
  assertConsoleBuilt,
  attendanceRow,
  CONSOLE_DIR,
  EXPO,
  ORGANIZER,
  startFakeConsoleRelay,
  type FakeConsoleRelay,
} from './fake-console-relay'
import { readFileSync } from 'node:fs'

/** Waits for something on the relay's side (the page's requests land there). */
async function until(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting on the relay')
    await new Promise((r) => setTimeout(r, 25))
  }
}

const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts')

/** Records CSP violations in the page (an init script runs outside the page's CSP). */
const WATCH_CSP = `window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sample || '') + ' at ' + e.sourceFile + ':' + e.lineNumber + ':' + e.columnNumber)
})`

describe('the organizer console in Chromium', () => {
  let relay: FakeConsoleRelay
  let browser: Browser
  let context: BrowserContext
  let page: Page
  const problems: string[] = []

  async function shot(name: string): Promise<Buffer> {
    await waitForStill(page)
    mkdirSync(ARTIFACTS, { recursive: true })
    return page.screenshot({ path: resolve(ARTIFACTS, `console-${name}.png`) })
  }
  const text = async (selector: string) =>
    (await page.locator(selector).first().textContent()) ?? ''

  beforeAll(async () => {
    assertConsoleBuilt()
    relay = await startFakeConsoleRelay()
    browser = await launchChromium()
    context = await browser.newContext({
      viewport: { width: 1440, height: 900 },
      locale: 'en-US',
      acceptDownloads: true,
    })
    page = await context.newPage()
    await page.addInitScript({ content: WATCH_CSP })
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
    page.on('console', (m) => {
      // 401 (sign-in), 409 (a taken booth id) and 400 (a roster refused for its rows) are answers.
      if (m.type() === 'error' && !/status of 40[019]/.test(m.text()))
        problems.push(`console: ${m.text()}`)
    })
  })

  afterAll(async () => {
    await browser?.close()
    await relay?.close()
  })

  it('the built page has no inline script or style for the CSP to refuse', () => {
    const html = readFileSync(resolve(CONSOLE_DIR, 'index.html'), 'utf8')
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
    expect(html).not.toMatch(/<style|\sstyle=/)
    expect(html).toContain('src="/console/assets/')
  })

  it('signs in: a wrong password is said in Chinese, the right one opens the booths', async () => {
    await page.goto(`${relay.origin}/console/`)
    await page.locator('[data-testid="sign-in"]').waitFor()
    await page.fill('#sign-in-name', ORGANIZER.name)
    await page.fill('#sign-in-password', 'wrong')
    await page.click('[data-testid="sign-in-submit"]')
    await page.locator('[data-testid="sign-in-error"]').waitFor()
    expect(await text('[data-testid="sign-in-error"]')).toBe('账号或密码不正确')
    await shot('signin')
    await page.fill('#sign-in-password', ORGANIZER.password)
    await page.click('[data-testid="sign-in-submit"]')
    await page.locator('[data-testid="page-booths"]').waitFor()
    expect(await text('[data-testid="organizer-name"]')).toContain('alice')
    await waitForPage(page, `document.querySelectorAll('[data-testid="booth-row"]').length === 3`)
    expect(await text('[data-kiosk="gate-east"] [data-testid="booth-status"]')).toMatch(
      /^离线，自 \d\d:\d\d$/,
    )
  })

  it('adds a booth: the code in large type and a QR that reads as <relay>/pair/<code>', async () => {
    await page.click('[data-testid="add-booth"]')
    await page.fill('[data-testid="booth-id"]', 'stage-left')
    await page.click('[data-testid="create-code"]')
    await page.locator('[data-testid="pairing-code"]').waitFor()
    const shown = await text('[data-testid="pairing-code"]')
    expect(shown.trim()).toMatch(/^[34679ACDEFGHJKMNPQRTUVWXY]{4} [34679ACDEFGHJKMNPQRTUVWXY]{4}$/)
    const code = shown.replace(/\s/g, '')
    const fontSize = Number.parseFloat(
      String(
        await page.evaluate(
          `getComputedStyle(document.querySelector('[data-testid="pairing-code"]')).fontSize`,
        ),
      ),
    )
    expect(fontSize).toBeGreaterThanOrEqual(40)
    expect(await text('[data-testid="pairing-expiry"]')).toMatch(/^剩余有效时间 1[45]:\d\d$/)
    const qr = decodeQr(await page.locator('[data-testid="pairing-qr"]').screenshot())
    expect(qr).toBe(`${relay.origin}/pair/${code}`)
    // The kiosks event the relay sent brought the new booth into the list.
    await waitForPage(page, `!!document.querySelector('[data-kiosk="stage-left"]')`)
    expect(await text('[data-kiosk="stage-left"] [data-testid="booth-status"]')).toBe('等待配对')
    await shot('booths')
  })

  it('campaigns: a new one is checked as typed, previewed as the booth shows it, and saved', async () => {
    await page.click('[data-nav="campaigns"]')
    await page.locator(`[data-campaign="${EXPO.id}"]`).waitFor()
    expect(await text(`[data-campaign="${EXPO.id}"] [data-testid="campaign-name"]`)).toBe(EXPO.name)
    await page.click('[data-testid="new-campaign"]')
    await page.locator('[data-testid="campaign-form"]').waitFor()

    // Saving an empty name is refused here, in Chinese, and nothing reaches the relay.
    await page.click('[data-testid="save-campaign"]')
    await page.locator('[data-error="name"]').waitFor()
    expect(await text('[data-error="name"]')).toBe('请填写活动名称（最多 80 字）')
    expect(await text('[data-testid="save-error"]')).toBe('请先修正标出的内容')
    expect(relay.requests).not.toContain('POST /console/api/campaigns')
    await page.fill('[data-testid="field-rotationSeconds"]', '5')
    expect(await text('[data-error="rotationSeconds"]')).toBe('请填写 10 到 3600 之间的整数')
    await page.fill('[data-testid="field-rotationSeconds"]', '45')
    expect(await page.locator('[data-error="rotationSeconds"]').count()).toBe(0)
    await page.fill('[data-testid="field-name"]', '秋季新品发布会')
    expect(await page.locator('[data-error="name"]').count()).toBe(0)

    // The preview follows each keystroke, for the greeting being typed, in its language.
    const preview = '[data-testid="preview-text"]'
    const field = page.locator('[data-testid="greeting-zh-CN-first"]')
    await field.fill('')
    await field.pressSequentially('欢迎光临')
    await waitForPage(
      page,
      `document.querySelector('${preview}').textContent.trim() === '欢迎光临'`,
    )
    await field.pressSequentially('，第 {number} 位贵宾')
    await waitForPage(
      page,
      `document.querySelector('${preview}').textContent.trim() === '欢迎光临，第 1 位贵宾'`,
    )
    expect(await text('[data-testid="preview-kind"]')).toBe('首次到访')
    // The greeting says the number itself, so the preview, as the kiosk, has no number line.
    expect(await page.locator('[data-testid="preview-number"]').count()).toBe(0)
    await shot('campaign-new')
    const named = page.locator('[data-testid="greeting-en-named"]')
    await named.fill('')
    await named.pressSequentially('Hello {name}, you are no. {number}')
    await waitForPage(
      page,
      `document.querySelector('${preview}').textContent.trim() === 'Hello Alex Chen, you are no. 12'`,
    )
    expect(await text('[data-testid="preview-kind"]')).toBe('Checked in')
    expect(await page.getAttribute('[data-testid="greeting-preview"]', 'class')).toContain('named')
    // The other kinds and languages, from the toggles, as the kiosk words them.
    await page.click('[data-preview-kind="returning"]')
    expect(await text(preview)).toBe('Welcome back! Check-in no. 12')
    await page.click('[data-preview-locale="zh-CN"]')
    expect(await text(preview)).toBe('欢迎回来！第 12 位签到')
    // It opens with the label's words: no label above it, as on the kiosk.
    expect(await page.locator('[data-testid="preview-kind"]').count()).toBe(0)

    // The next issues' fields, and the booths that run it (gate-east moves over from expo).
    await page.fill('[data-testid="field-tag"]', '秋季到访')
    await page.fill('[data-testid="field-followUp"]', '感谢到访，展位图请见菜单')
    await page.check('[data-stamp="hall-a"]')
    await page.check('[data-stamp="hall-b"]')
    await page.check('[data-booth="gate-east"]')
    await page.click('[data-testid="save-campaign"]')
    await page.locator('[data-testid="saved"]').waitFor()
    await waitForPage(page, `location.hash === '#/campaigns/c1'`)
    const saved = relay.campaigns.get('c1')
    expect(saved).toMatchObject({
      name: '秋季新品发布会',
      rotationSeconds: 45,
      tag: '秋季到访',
      followUp: '感谢到访，展位图请见菜单',
      stamps: ['hall-a', 'hall-b'],
      startsAt: null,
    })
    expect(saved?.greetings['zh-CN'].first).toBe('欢迎光临，第 {number} 位贵宾')
    expect(saved?.greetings.en.named).toBe('Hello {name}, you are no. {number}')
    expect(relay.kioskCampaign('gate-east')).toBe('c1')
    expect(relay.kioskCampaign('hall-a')).toBe(EXPO.id)
  })

  it('campaigns: the screen key and its links, a new key, and a roster uploaded and paged', async () => {
    const before = relay.campaigns.get('c1')?.screenKey ?? ''
    expect(await text('[data-testid="screen-key-value"]')).toBe(before)
    expect(await page.getAttribute('[data-testid="screen-link-wall"]', 'href')).toBe(
      `${relay.origin}/screen/c1/wall?key=${before}`,
    )
    expect(await page.getAttribute('[data-testid="screen-link-draw"]', 'href')).toBe(
      `${relay.origin}/screen/c1/draw?key=${before}`,
    )
    await page.click('[data-testid="rotate-key"]')
    await page.click('[data-testid="confirm-rotate"]')
    const after = () => relay.campaigns.get('c1')?.screenKey ?? ''
    await waitForPage(
      page,
      `document.querySelector('[data-testid="screen-key-value"]').textContent.trim() !== '${before}'`,
    )
    expect(after()).not.toBe(before)
    expect(await text('[data-testid="screen-key-value"]')).toBe(after())
    expect(await page.getAttribute('[data-testid="screen-link-wall"]', 'href')).toBe(
      `${relay.origin}/screen/c1/wall?key=${after()}`,
    )

    // 120 guests, a row without a name and a repeat of row 2: the kiosk import's report.
    const lines = ['姓名,单位,电话,编号']
    for (let i = 1; i <= 120; i++)
      lines.push(`来宾${i},公司${i % 7},1380000${String(i).padStart(4, '0')},G${i}`)
    lines.push(',无名公司,13900000000,X1')
    lines.push('来宾1,公司1,13800000001,G1')
    await page.setInputFiles('[data-testid="roster-file"]', {
      name: '名单.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('\uFEFF' + lines.join('\r\n'), 'utf8'),
    })
    await page.locator('[data-testid="roster-result"]').waitFor()
    expect(relay.rosterUploads).toEqual(['text/csv'])
    // Refused whole for its two bad rows (nothing stored), then sent again leaving them out.
    expect(await text('[data-testid="roster-result"] .summary')).toContain('名单未导入')
    const problems = await page.locator('[data-testid="roster-problem"]').allTextContents()
    expect(problems).toHaveLength(2)
    expect(problems[0]).toContain('姓名为空')
    expect(problems[1]).toContain('与第 2 行重复')
    await page.click('[data-testid="roster-skip-bad"]')
    await waitForPage(
      page,
      `document.querySelector('[data-testid="roster-result"] .summary')?.textContent.includes('名单已更新') === true`,
    )
    expect(await text('[data-testid="roster-result"] .summary')).toBe(
      '名单已更新：共 120 人，跳过 2 行有问题的行',
    )
    expect(relay.requests).toContain('POST /console/api/campaigns/c1/roster?skipBadRows=1')
    await waitForPage(page, `document.querySelectorAll('[data-testid="roster-row"]').length === 50`)
    expect(await text('[data-testid="roster-range"]')).toBe('第 1–50 条，共 120 条')
    await page.click('[data-testid="roster-next"]')
    await waitForPage(
      page,
      `document.querySelector('[data-testid="roster-range"]').textContent.trim() === '第 51–100 条，共 120 条'`,
    )
    expect(await text('[data-testid="roster-row"] .name')).toBe('来宾51')
    await page.click('[data-testid="roster-next"]')
    await waitForPage(page, `document.querySelectorAll('[data-testid="roster-row"]').length === 20`)
    expect(await page.isDisabled('[data-testid="roster-next"]')).toBe(true)
    // A file that is not a roster is refused before any upload.
    await page.setInputFiles('[data-testid="roster-file"]', {
      name: 'photo.png',
      mimeType: 'image/png',
      buffer: Buffer.from('not a roster'),
    })
    expect(await text('[data-testid="roster-error"]')).toBe('只支持 .csv 或 .xlsx 文件')
    // The file checked (dryRun: refused), checked leaving the bad rows out, then stored once.
    expect(relay.rosterUploads).toHaveLength(3)
    expect(relay.rosterIfMatch).toHaveLength(1)
    await page.locator('[data-testid="roster-panel"]').scrollIntoViewIfNeeded()
    await shot('campaign-roster')
  })

  it('campaigns: an existing one edited, and booths picking their campaign by name', async () => {
    await page.click('[data-nav="campaigns"]')
    await page.locator('[data-campaign="c1"]').waitFor()
    expect(await text('[data-campaign="c1"] [data-testid="campaign-booths"]')).toContain(
      'gate-east',
    )
    await page.click(`[data-campaign="${EXPO.id}"] [data-testid="edit-campaign"]`)
    await page.locator('[data-testid="editor-title"]').waitFor()
    await waitForPage(
      page,
      `document.querySelector('[data-testid="editor-title"]').textContent.trim() === '${EXPO.name}'`,
    )
    expect(await page.inputValue('[data-testid="field-name"]')).toBe(EXPO.name)
    expect(await page.isChecked('[data-booth="hall-a"]')).toBe(true)
    expect(await page.isChecked('[data-booth="gate-east"]')).toBe(false)
    const returning = page.locator('[data-testid="greeting-en-returning"]')
    await returning.fill('')
    await returning.pressSequentially('Good to see you again! No. {number}')
    await waitForPage(
      page,
      `document.querySelector('[data-testid="preview-text"]').textContent.trim() === 'Good to see you again! No. 12'`,
    )
    // An end before the start is refused, then fixed.
    // The dates are typed in the page's language and order (year 年 month 月 day 日), not
    // the browser's mm/dd/yyyy.
    expect(await text('[data-testid="date-c-ends"]')).toContain('年')
    const endsOn = async (year: string, month: string, day: string) => {
      const field = page.locator('[data-testid="date-c-ends"]')
      await field.locator('input.year').fill(year)
      await field.locator('select.month').selectOption(month)
      await field.locator('input.day').fill(day)
    }
    await endsOn('2026', '11', '30')
    await page.click('[data-testid="save-campaign"]')
    expect(await text('[data-error="endsAt"]')).toBe('结束日期不能早于开始日期')
    await endsOn('2026', '12', '4')
    await page.click('[data-testid="save-campaign"]')
    await page.locator('[data-testid="saved"]').waitFor()
    expect(relay.campaigns.get(EXPO.id)).toMatchObject({ endsAt: '2026-12-04' })
    expect(relay.versions.get(EXPO.id)).toBe(2)
    expect(relay.campaigns.get(EXPO.id)?.greetings.en.returning).toBe(
      'Good to see you again! No. {number}',
    )
    await shot('campaign-edit')

    await page.click('[data-nav="booths"]')
    const cell = '[data-kiosk="gate-east"] [data-testid="booth-campaign-select"]'
    await page.locator(cell).waitFor()
    await waitForPage(
      page,
      `document.querySelector('${cell}').selectedOptions[0].textContent.trim() === '秋季新品发布会'`,
    )
    await page.selectOption('[data-kiosk="hall-b"] [data-testid="booth-campaign-select"]', 'c1')
    await until(() => relay.kioskCampaign('hall-b') === 'c1')
    await page.selectOption('[data-kiosk="hall-a"] [data-testid="booth-campaign-select"]', '')
    await until(() => relay.kioskCampaign('hall-a') === null)
    await waitForPage(
      page,
      `document.querySelector('[data-kiosk="hall-a"] [data-testid="booth-campaign-select"]').value === ''`,
    )
    await shot('booths-campaigns')
  })

  it('live stats move on a stats event without a reload', async () => {
    await page.click('[data-nav="stats"]')
    await page.locator('[data-stat="scans"]').waitFor()
    const scans = '[data-stat="scans"] [data-testid="stat-value"]'
    expect(await text(scans)).toBe('775')
    await waitForPage(page, `document.querySelectorAll('[data-testid="booth-bar"]').length === 4`)
    await page.evaluate('window.__marker = 1')
    relay.scan('hall-a')
    await waitForPage(page, `document.querySelector('${scans}').textContent.trim() === '776'`)
    for (let i = 0; i < 5; i++) relay.scan('hall-b')
    await waitForPage(page, `document.querySelector('${scans}').textContent.trim() === '781'`)
    expect(await text('[data-booth="hall-b"] .count')).toBe('273')
    // The stream drops (a relay restart); scans stored meanwhile send no event to this page.
    // EventSource reconnects by itself and the console fetches what it missed.
    relay.dropEvents()
    relay.scan('gate-east')
    await waitForPage(page, `document.querySelector('${scans}').textContent.trim() === '782'`)
    expect(relay.eventStreams()).toBe(1)
    // Same page all along: no reload happened.
    expect(await page.evaluate('window.__marker')).toBe(1)
    await shot('stats')
  })

  it('attendance: 100,000 rows, scrolled to row 90,001 with only a screenful in the page', async () => {
    await page.click('[data-nav="attendance"]')
    await page.locator('[data-testid="attendance-row"]').first().waitFor()
    expect(await text('[data-testid="attendance-total"]')).toBe('共 100,000 条')
    await waitForPage(page, `!!document.querySelector('[data-index="0"] .openid')`)
    await shot('attendance')
    const target = 90_000
    await page.evaluate(
      `document.querySelector('[data-testid="attendance-scroller"]').scrollTop = ${target * 44}`,
    )
    await waitForPage(page, `!!document.querySelector('[data-index="${target}"] .openid')`)
    expect(await text(`[data-index="${target}"] .openid`)).toBe(attendanceRow(target).openid)
    const rendered = Number(
      await page.evaluate(`document.querySelectorAll('[data-testid="attendance-row"]').length`),
    )
    expect(rendered).toBeLessThan(80)
    // And the very last row.
    await page.evaluate(
      `(() => { const s = document.querySelector('[data-testid="attendance-scroller"]'); s.scrollTop = s.scrollHeight })()`,
    )
    await waitForPage(page, `!!document.querySelector('[data-index="99999"] .openid')`)
    expect(await text('[data-index="99999"] .openid')).toBe(attendanceRow(99_999).openid)
    const pages = relay.requests.filter((r) =>
      r.startsWith('GET /console/api/attendance?format=json'),
    )
    expect(pages.length).toBeLessThan(10)

    await page.fill('[data-testid="attendance-search"]', 'gate-east')
    await waitForPage(
      page,
      `document.querySelector('[data-testid="attendance-total"]').textContent.includes('33,333')`,
    )
    expect(await text('[data-index="0"] .strong')).toBe('gate-east')
    await page.fill('[data-testid="attendance-search"]', '')
    await waitForPage(
      page,
      `document.querySelector('[data-testid="attendance-total"]').textContent.includes('100,000')`,
    )
  })

  it('the CSV button downloads the sheet the relay streams', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid="download-csv"]'),
    ])
    expect(download.suggestedFilename()).toMatch(/^scandesk-attendance-\d{8}-\d{4}\.csv$/)
    const path = await download.path()
    expect(readFileSync(path, 'utf8')).toContain(attendanceRow(1).openid)
  })

  it('switches to English and signs out', async () => {
    await page.click('[data-locale="en"]')
    expect(await text('[data-testid="attendance-total"]')).toBe('100,000 rows')
    await page.click('[data-nav="booths"]')
    await page.locator('[data-testid="page-booths"]').waitFor()
    await shot('booths-en')
    await page.click('[data-nav="campaigns"]')
    await page.click('[data-campaign="c1"] [data-testid="edit-campaign"]')
    await page.locator('[data-testid="screen-key"]').waitFor()
    expect(await text('[data-testid="save-campaign"]')).toBe('Save')
    await shot('campaign-en')
    await page.click('[data-nav="booths"]')
    await page.locator('[data-testid="page-booths"]').waitFor()
    // A tablet held upright: the same pages, narrower.
    await page.setViewportSize({ width: 820, height: 1180 })
    await shot('booths-tablet')
    await page.click('[data-nav="stats"]')
    await page.locator('[data-stat="scans"]').waitFor()
    await shot('stats-tablet')
    await page.setViewportSize({ width: 1440, height: 900 })
    await page.click('[data-testid="sign-out"]')
    await page.locator('[data-testid="sign-in"]').waitFor()
    expect(await text('[data-testid="sign-in-submit"]')).toBe('Sign in')
    expect(relay.requests).toContain('POST /console/api/logout')
  })

  it('nothing broke the CSP and the page logged no error', async () => {
    expect(await page.evaluate('window.__csp')).toEqual([])
    expect(problems).toEqual([])
  })
})

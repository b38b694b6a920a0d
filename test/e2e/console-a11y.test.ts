/**
 * The organizer console and the big screens as a screen-reader or keyboard user, or someone
 * reading a laptop in a bright hall, meets them: axe-core's WCAG 2.1 A/AA rules (contrast of
 * text 4.5:1, every control named, ARIA used as allowed, scrollable regions reachable by
 * keyboard, images named) on every page of the BUILT console against the real relay, in
 * zh-CN and in English: sign-in (and its error), booths (the add form, a pairing code),
 * campaigns, a new campaign with its errors, the campaign editor with a draw and its roster,
 * stats, attendance (rows, and none found); and the wall and draw screens; each page's title
 * names it in that language. And by keyboard
 * alone, the inline confirmations (revoke a booth, rotate the screen key, redraw a winner, draw
 * a prize already drawn again, a roster file that would empty the roster):
 * Enter on the button puts the focus on 取消, Escape or 取消 backs out and the focus is on the
 * button again, not lost to the top of the page; confirmed, the focus waits out the request on
 * the button that asked (or on the row, a booth revoked or a winner replaced); a wrong password marks both fields
 * (aria-invalid, described by the error) and puts the cursor back in the password, selected;
 * signed in, the focus is on the page's heading, signed out, on the name field.
 * A campaign saved with wrong fields: the focus is on the first, and each field showing a message
 * (the date's parts too) is read by Chromium's accessibility tree as invalid, described by it.
 * A pairing code is heard a character at a time (seen in two groups of four); the campaign
 * editor's headings go down one level at a time. In Windows high contrast (forced colours), the
 * page shown, the language, the booth filter and the greeting previewed stay marked, and a
 * campaign's 已结束 ⌄ toggle is outlined as a control.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { addOrganizer } from '../../relay/console/organizer-admin'
import { startRelay, type RelayHandle } from '../../relay/server'
import { consoleCampaignSchema, type ConsoleCampaign } from '../../shared/campaign'
import { campaignBody } from '../relay/campaign-helpers'
import { ConsoleClient } from '../relay/console-helpers'
import { checkIn, rosterWith, visitors } from '../relay/draws-helpers'
import { axeViolations } from './axe'
import {
  expectChosenMarked,
  focusedAsHeard,
  launchChromium,
  outlinesSeen,
  screenshot,
  waitForPage,
} from './browser'
import { assertConsoleBuilt, CONSOLE_DIR } from './fake-console-relay'

/** The page titles met along the way, in order (a repeat is listed once). */
const TITLES = {
  'zh-CN': [
    '登录 · ScanDesk 活动控制台',
    '签到台 · ScanDesk 活动控制台',
    '活动 · ScanDesk 活动控制台',
    '实时统计 · ScanDesk 活动控制台',
    '签到记录 · ScanDesk 活动控制台',
    '签到墙 · ScanDesk 大屏',
    '幸运抽奖 · ScanDesk 大屏',
  ],
  en: [
    'Sign in · ScanDesk Event console',
    'Booths · ScanDesk Event console',
    'Campaigns · ScanDesk Event console',
    'Live stats · ScanDesk Event console',
    'Attendance · ScanDesk Event console',
    'Sign-in wall · ScanDesk screen',
    'Lucky draw · ScanDesk screen',
  ],
}

describe('console and big screens: WCAG 2.1 A/AA (axe-core, Chromium)', () => {
  let dir: string
  let relay: RelayHandle
  let browser: Browser
  let password: string
  let campaign: ConsoleCampaign

  beforeAll(async () => {
    assertConsoleBuilt()
    dir = mkdtempSync(join(tmpdir(), 'scandesk-e2e-a11y-'))
    relay = await startRelay({
      port: 0,
      host: '127.0.0.1',
      data: join(dir, 'relay'),
      wechat: { token: 'a11yE2eToken' },
      consoleDir: CONSOLE_DIR,
    })
    password = await addOrganizer(relay.store, 'alice', Date.now())
    const api = new ConsoleClient(relay.url)
    expect((await api.login('alice', password)).status).toBe(200)
    const made = await api.call('POST', '/console/api/campaigns', campaignBody({ name: '年会' }))
    campaign = consoleCampaignSchema.parse(made.json)
    const people = visitors(30, 'oA11yVisitor')
    await checkIn(relay.store, campaign.id, people)
    await rosterWith(relay.store, campaign.id, people.slice(0, 10))
    browser = await launchChromium()
  }, 120_000)

  /** The console's sign-in as alice, by keyboard, until the booths page is shown. */
  async function signIn(page: Page): Promise<void> {
    await page.goto(`${relay.url}/console/`)
    await page.fill('#sign-in-name', 'alice')
    await page.fill('#sign-in-password', password)
    await page.keyboard.press('Enter')
    await page.locator('[data-testid="page-booths"]').waitFor()
  }

  afterAll(async () => {
    await browser?.close()
    await relay?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  }, 60_000)

  for (const locale of ['zh-CN', 'en'] as const) {
    it(`every console page in ${locale}`, async () => {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
      await context.addInitScript({
        content: `localStorage.setItem('scandesk.console.locale', ${JSON.stringify(locale)})`,
      })
      const page = await context.newPage()
      const found: Record<string, string[]> = {}
      const titles: string[] = []
      const check = async (name: string): Promise<void> => {
        found[name] = await axeViolations(page)
        const title = await page.title()
        if (titles.at(-1) !== title) titles.push(title)
      }
      const go = (selector: string) => page.locator(selector).first().waitFor()

      await page.goto(`${relay.url}/console/`)
      await go('[data-testid="sign-in"]')
      expect(await page.evaluate('document.documentElement.lang')).toBe(locale)
      await check('sign-in')
      await page.fill('#sign-in-name', 'alice')
      await page.fill('#sign-in-password', 'wrong')
      await page.click('[data-testid="sign-in-submit"]')
      await go('[data-testid="sign-in-error"]')
      await check('sign-in, wrong password')
      await page.fill('#sign-in-password', password)
      await page.click('[data-testid="sign-in-submit"]')
      await go('[data-testid="page-booths"]')
      await check('booths')
      await page.click('[data-testid="add-booth"]')
      await go('[data-testid="booth-id"]')
      await check('booths, add form')
      await page.fill('[data-testid="booth-id"]', `booth-${locale.toLowerCase()}`)
      await page.click('[data-testid="create-code"]')
      await go('[data-testid="pairing-code"]')
      await check('booths, pairing code')

      await page.click('[data-nav="campaigns"]')
      await go(`[data-campaign="${campaign.id}"]`)
      await check('campaigns')
      await page.click('[data-testid="new-campaign"]')
      await go('[data-testid="campaign-form"]')
      await page.click('[data-testid="save-campaign"]')
      await go('[data-error="name"]')
      await check('new campaign, errors')

      await page.goto(`${relay.url}/console/#/campaigns/${encodeURIComponent(campaign.id)}`)
      await go('[data-testid="draws-panel"]')
      await page.fill('[data-testid="draw-prize"]', `prize ${locale}`)
      await page.fill('[data-testid="draw-count"]', '2')
      await page.click('[data-testid="draw-start"]')
      await go('[data-testid="draw-winner"]')
      await check('campaign editor, a draw made')

      await page.click('[data-nav="stats"]')
      await go('[data-testid="page-stats"] canvas')
      await check('stats')
      await page.click('[data-nav="attendance"]')
      await go('[data-testid="page-attendance"] [role="row"]')
      await check('attendance')
      await page.fill('[data-testid="page-attendance"] input[type="search"]', 'nobody-like-this')
      await go('[data-testid="attendance-scroller"] .empty')
      await check('attendance, nothing found')

      for (const kind of ['wall', 'draw']) {
        const lang = locale === 'en' ? '&lang=en' : ''
        await page.goto(
          `${relay.url}/screen/${campaign.id}/${kind}?key=${campaign.screenKey}${lang}`,
        )
        await waitForPage(page, `document.querySelector('[data-testid]') !== null`)
        await check(`${kind} screen`)
      }
      await context.close()
      expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, []])))
      // Each page's title names it, in the page's language.
      expect(titles).toEqual(TITLES[locale])
    }, 180_000)
  }

  it('Windows high contrast: the selected tab, language, booth filter and preview stay marked; the phase toggle is a control', async () => {
    // Forced colours drop every background and recolour every border: a choice marked by its
    // background (or by an underline the other tabs draw in the same colour) looked like the rest.
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
    const page = await context.newPage()
    await page.emulateMedia({ forcedColors: 'active' })
    await signIn(page)
    await page.locator('[data-testid="booths-state"]').first().waitFor()
    await expectChosenMarked(page, {
      nav: '[data-nav]',
      language: '[data-locale]',
      'booth filter': '[data-testid="booths-state"]',
    })
    await page.goto(`${relay.url}/console/#/campaigns/${encodeURIComponent(campaign.id)}`)
    await page.locator('[data-preview-kind]').first().waitFor()
    await expectChosenMarked(page, {
      nav: '[data-nav]',
      'preview kind': '[data-preview-kind]',
      'preview language': '[data-preview-locale]',
    })
    // The ended campaign's 已结束 ⌄ opens its explanation: a pill told by its fill alone was a
    // bare word once forced colours dropped the fill.
    // The badge becomes a button once the relay's days are read (after the preview shows).
    const toggle = 'button[data-testid="campaign-phase"]'
    await page.locator(toggle).first().waitFor()
    expect(await outlinesSeen(page, toggle)).toEqual([expect.any(String)])
    await page.click('[data-nav="campaigns"]')
    // The list's own toggle: the editor's is still on screen until the list replaces it.
    await page.locator(`[data-campaign="${campaign.id}"] ${toggle}`).waitFor()
    expect(new Set(await outlinesSeen(page, toggle))).not.toContain(null)
    await context.close()
  }, 60_000)

  it('sign-in by keyboard: a wrong password is tied to the fields, and the cursor is back in it', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    const page = await context.newPage()
    await page.goto(`${relay.url}/console/`)
    await page.locator('[data-testid="sign-in"]').waitFor()
    expect(await page.locator('main [data-testid="sign-in"]').count()).toBe(1)
    await page.keyboard.press('Tab') // the language switch first
    await page.locator('#sign-in-name').focus()
    await page.keyboard.type('alice')
    await page.keyboard.press('Tab')
    await page.keyboard.type('not the password')
    await page.keyboard.press('Enter')
    await page.locator('[data-testid="sign-in-error"]').waitFor()
    // In-page: each field's state and what its description says; where the focus is.
    const state = await page.evaluate(`(() => {
      const field = (id) => {
        const input = document.getElementById(id)
        const ids = (input.getAttribute('aria-describedby') || '').split(' ').filter(Boolean)
        return input.getAttribute('aria-invalid') + ' ' +
          ids.map((d) => document.getElementById(d)?.textContent.trim()).join(' ')
      }
      const a = document.activeElement
      return {
        name: field('sign-in-name'),
        password: field('sign-in-password'),
        focus: a.id + ' ' + a.selectionStart + '-' + a.selectionEnd,
      }
    })()`)
    expect(state).toEqual({
      name: 'true 账号或密码不正确',
      password: 'true 账号或密码不正确',
      focus: `sign-in-password 0-${'not the password'.length}`,
    })
    // Typing again takes the mark away: the error was about what was typed before.
    await page.keyboard.type(password)
    expect(await page.getAttribute('#sign-in-password', 'aria-invalid')).toBeNull()
    await page.keyboard.press('Enter')
    await page.locator('[data-testid="page-booths"]').waitFor()
    await context.close()
  }, 60_000)

  it('signing in and out by keyboard: the focus lands on the page shown, not on the top of the page', async () => {
    // The sign-in form (or the header with 退出登录) goes with the page it was on, and the focus
    // went to <body>: a screen reader said nothing of the page now shown.
    for (const [locale, heading] of [
      ['zh-CN', '签到台'],
      ['en', 'Booths'],
    ] as const) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
      await context.addInitScript({
        content: `localStorage.setItem('scandesk.console.locale', ${JSON.stringify(locale)})`,
      })
      const page = await context.newPage()
      await page.goto(`${relay.url}/console/`)
      await page.locator('#sign-in-name').focus()
      await page.keyboard.type('alice')
      await page.keyboard.press('Tab')
      await page.keyboard.type(password)
      await page.keyboard.press('Enter')
      await page.locator('[data-testid="page-booths"]').waitFor()
      await waitForPage(page, `document.activeElement?.tagName === 'H1'`)
      expect((await focusedAsHeard(page))?.name).toBe(heading)
      await screenshot(page, `console-signed-in-focus-${locale}`)
      await page.locator('[data-testid="sign-out"]').focus()
      await page.keyboard.press('Enter')
      await page.locator('[data-testid="sign-in"]').waitFor()
      await waitForPage(page, `document.activeElement?.id === 'sign-in-name'`)
      await context.close()
    }
  }, 60_000)

  it('a campaign saved with wrong fields: each is read with its message, the first has the focus', async () => {
    for (const locale of ['zh-CN', 'en'] as const) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
      await context.addInitScript({
        content: `localStorage.setItem('scandesk.console.locale', ${JSON.stringify(locale)})`,
      })
      const page = await context.newPage()
      await signIn(page)
      await page.click('[data-nav="campaigns"]')
      await page.click('[data-testid="new-campaign"]')
      await page.locator('[data-testid="campaign-form"]').waitFor()
      await page.fill('[data-testid="date-c-starts"] .year', '2026')
      await page.fill('[data-testid="field-rotationSeconds"]', 'abc')
      await page.click('[data-testid="save-campaign"]')
      await page.locator('[data-error="name"]').waitFor()
      const heard = () => focusedAsHeard(page)
      const message = (path: string) => page.locator(`[data-error="${path}"]`).innerText()
      const label = (id: string) => page.locator(`label[for="${id}"]`).innerText()
      expect(await heard()).toEqual({
        name: await label('c-name'),
        invalid: 'true',
        description: await message('name'),
      })
      await page.focus('[data-testid="date-c-starts"] .year')
      expect(await heard()).toMatchObject({
        invalid: 'true',
        description: await message('startsAt'),
      })
      await page.focus('#c-rotation')
      expect(await heard()).toEqual({
        name: await label('c-rotation'),
        invalid: 'true',
        description: await message('rotationSeconds'),
      })
      await context.close()
    }
  }, 120_000)

  it('inline confirmations take the focus in and give it back (keyboard only)', async () => {
    // A booth and a draw of its own, whatever the tests above did.
    const api = new ConsoleClient(relay.url)
    expect((await api.login('alice', password)).status).toBe(200)
    expect((await api.call('POST', '/console/api/kiosks', { id: 'booth-keys' })).status).toBe(201)
    const drawn = await api.call('POST', `/console/api/campaigns/${campaign.id}/draws`, {
      prize: 'keyboard',
      count: 2,
    })
    expect(drawn.status, drawn.text).toBe(201)
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
    const page = await context.newPage()
    /** The focused element as `testid|text` (`body` when the focus is lost). */
    const focused = async (): Promise<string> =>
      String(
        await page.evaluate(`(() => {
          const a = document.activeElement
          if (!a || a === document.body) return 'body'
          return (a.hasAttribute('data-confirm-cancel') ? 'cancel' : a.dataset.testid || a.tagName) +
            '|' + a.textContent.trim()
        })()`),
      )
    await signIn(page)

    async function roundTrip(asker: string, confirm: string, askerText: RegExp): Promise<void> {
      const button = page.locator(asker).first()
      await button.waitFor()
      await button.focus()
      await page.keyboard.press('Enter')
      await page.locator(confirm).waitFor()
      expect(await focused()).toBe('cancel|取消')
      await page.keyboard.press('Escape')
      await page.locator(confirm).waitFor({ state: 'detached' })
      expect(await focused()).toMatch(askerText)
      await page.keyboard.press('Enter')
      await page.locator(confirm).waitFor()
      await page.keyboard.press('Enter') // on 取消
      await page.locator(confirm).waitFor({ state: 'detached' })
      expect(await focused()).toMatch(askerText)
    }

    await waitForPage(page, `!!document.querySelector('[data-kiosk="booth-keys"]')`)
    await roundTrip(
      '[data-kiosk="booth-keys"] [data-testid="revoke"]',
      '[data-testid="confirm-revoke"]',
      /^revoke\|停用/,
    )
    await page.goto(`${relay.url}/console/#/campaigns/${encodeURIComponent(campaign.id)}`)
    await roundTrip('[data-testid="rotate-key"]', '[data-testid="confirm-rotate"]', /^rotate-key\|/)
    await roundTrip(
      '[data-testid="draw-redraw"]',
      '[data-testid="draw-redraw-confirm"]',
      /^draw-redraw\|/,
    )
    // A prize already drawn: the draw button asks 已抽过 N 轮… 再抽 N 位 / 取消 first.
    await page.fill('[data-testid="draw-prize"]', 'keyboard')
    await page.fill('[data-testid="draw-count"]', '1')
    await roundTrip('[data-testid="draw-start"]', '[data-testid="draw-again"]', /^draw-start\|/)

    // A roster file with a header and no rows would empty the roster (10 guests): it asks first.
    // (The file chooser is the system's: the file is handed to the focused input.)
    const emptyFile = {
      name: 'empty.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('姓名,单位,电话,编号\r\n', 'utf8'),
    }
    const rosterFile = page.locator('[data-testid="roster-file"]')
    const askEmpty = page.locator('[data-testid="roster-confirm-empty"]')
    await rosterFile.focus()
    await rosterFile.setInputFiles(emptyFile)
    await askEmpty.waitFor()
    expect(await focused()).toBe('cancel|取消，保留当前名单')
    await page.keyboard.press('Escape')
    await askEmpty.waitFor({ state: 'detached' })
    expect(await focused()).toBe('roster-file|')
    await rosterFile.setInputFiles(emptyFile)
    await askEmpty.waitFor()
    expect(await focused()).toBe('cancel|取消，保留当前名单')
    await page.keyboard.press('Enter') // on 取消
    await askEmpty.waitFor({ state: 'detached' })
    expect(await focused()).toBe('roster-file|')
    expect(await page.locator('[data-testid="roster-row"]').count()).toBe(10)

    // Confirmed: the button that asked is disabled (or gone) while the request runs, which
    // dropped the focus onto <body>. It comes back to the asker once that is enabled again, or
    // to the row the confirmation was about when the asker is gone with it.
    async function confirmed(asker: string, confirm: string, done: string): Promise<void> {
      await page.locator(asker).first().focus()
      await page.keyboard.press('Enter')
      await page.locator(confirm).focus()
      await page.keyboard.press('Enter')
      await waitForPage(page, done)
    }
    const drawStart = `document.querySelector('[data-testid="draw-start"]')`
    const drawsBefore = await page.locator('[data-testid="draw"]').count()
    await confirmed(
      '[data-testid="draw-start"]',
      '[data-testid="draw-again-confirm"]',
      `document.querySelectorAll('[data-testid="draw"]').length === ${drawsBefore + 1} && !${drawStart}.disabled`,
    )
    expect(await focused()).toMatch(/^draw-start\|/)
    const winner = page.locator('[data-testid="draw-winner"]:has([data-testid="draw-redraw"])')
    const openid = (await winner.first().getAttribute('data-openid')) ?? ''
    const row = `document.querySelector('[data-testid="draw-winner"][data-openid="${openid}"]')`
    await confirmed(
      `[data-openid="${openid}"] [data-testid="draw-redraw"]`,
      '[data-testid="draw-redraw-confirm"]',
      `${row}.classList.contains('replaced') && !${drawStart}.disabled`,
    )
    expect(await focused()).toMatch(/^draw-winner\|.*已替换/)
    await confirmed(
      '[data-testid="rotate-key"]',
      '[data-testid="confirm-rotate"]',
      `!document.querySelector('[data-testid="confirm-rotate"]')`,
    )
    expect(await focused()).toMatch(/^rotate-key\|/)
    await rosterFile.focus()
    await rosterFile.setInputFiles(emptyFile)
    await page.locator('[data-testid="roster-empty-confirm"]').focus()
    await page.keyboard.press('Enter')
    await waitForPage(
      page,
      `!document.querySelector('[data-testid="roster-confirm-empty"]') && !document.querySelector('[data-testid="roster-file"]').disabled`,
    )
    expect(await focused()).toBe('roster-file|')
    await page.goto(`${relay.url}/console/#/booths`)
    const booth = `document.querySelector('[data-kiosk="booth-keys"]')`
    await waitForPage(page, `!!${booth}?.querySelector('[data-testid="revoke"]')`)
    await confirmed(
      '[data-kiosk="booth-keys"] [data-testid="revoke"]',
      '[data-testid="confirm-revoke"]',
      // A revoked booth keeps one button: 新配对码, to pair it again under its id. (While the
      // confirmation is open the row has no 停用 either: it must be gone too.)
      `!${booth}.querySelector('[data-testid="revoke"]') && !${booth}.querySelector('[data-testid="confirm-revoke"]')`,
    )
    expect(await focused()).toMatch(/^booth-row\|\s*booth-keys/)
    await context.close()
  }, 120_000)
  it('the pairing code is read as its characters, not as a word or a number', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    const page = await context.newPage()
    await signIn(page)
    await page.click('[data-testid="add-booth"]')
    await page.fill('[data-testid="booth-id"]', 'booth-spoken')
    await page.click('[data-testid="create-code"]')
    const card = page.locator('[data-testid="pairing"][data-booth="booth-spoken"]')
    await card.locator('[data-testid="pairing-code"]').waitFor()
    const link = (await card.locator('svg[data-qr-text]').getAttribute('data-qr-text')) ?? ''
    const code = link.split('/').at(-1) ?? ''
    expect(code).toMatch(/^[34679ACDEFGHJKMNPQRTUVWXY]{8}$/)
    // Seen: two groups of four, large. Heard (the accessibility tree): the code a character at
    // a time, introduced as the pairing code; the grouped form is not read as well.
    expect((await card.locator('[data-testid="pairing-code"]').textContent())?.trim()).toBe(
      `${code.slice(0, 4)} ${code.slice(4)}`,
    )
    const tree = await card.ariaSnapshot()
    expect(tree).toContain(`配对码 ${[...code].join(' ')}`)
    expect(tree).not.toContain(code.slice(0, 4))
    await context.close()
  }, 60_000)
  it('the campaign editor headings go down one level at a time (no h1 → h3)', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
    const page = await context.newPage()
    await signIn(page)
    await page.goto(`${relay.url}/console/#/campaigns/${encodeURIComponent(campaign.id)}`)
    await page.locator('[data-testid="draws-panel"]').waitFor()
    // Each heading as `level text`; a screen reader's list of headings is this outline.
    const headings = z
      .array(z.string())
      .parse(
        await page.evaluate(
          `[...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map((h) => h.tagName[1] + ' ' + h.textContent.trim())`,
        ),
      )
    const jumps = headings.filter(
      (h, i) => i > 0 && Number(h[0]) > Number(headings[i - 1]?.[0] ?? 0) + 1,
    )
    expect(headings[0]).toMatch(/^1 /)
    expect(jumps).toEqual([])
    await context.close()
  }, 60_000)
})

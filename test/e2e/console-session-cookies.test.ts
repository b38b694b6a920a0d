/**
 * A second `scandesk_session` cookie planted in the organizer's browser (cookie tossing: here an
 * http page's longer Path, /console/api, sent first), against the real relay (SQLite, the built
 * out/console) in real Chromium. The relay refuses the request as ambiguous and clears the
 * cookies; the console then shows sign-in and says why (several sessions, all signed out), not
 * "your session ended", both when the page is open (a call's 401) and when it is loaded (the
 * session check's). Signing in again works.
 */
import type { BrowserContext, Page } from 'playwright-core'
import { expect, it } from 'vitest'
import { addOrganizer } from '../../relay/console/organizer-admin'
import { realConsoleRelay } from './real-console-relay'

const bed = realConsoleRelay({ name: 'session-cookies' })
const problems: string[] = []

/** Mallory's live session id, as a planter would hold it (a script's sign-in). */
async function mallorySession(): Promise<string> {
  const password = await addOrganizer(bed.relay.store, 'mallory', Date.now())
  const res = await fetch(`${bed.relay.url}/console/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'mallory', password }),
  })
  expect(res.status).toBe(200)
  const id = /scandesk_session=([A-Za-z0-9_-]{43})/.exec(res.headers.getSetCookie().join('\n'))
  if (id?.[1] === undefined) throw new Error('no session cookie in the sign-in answer')
  return id[1]
}

async function plant(context: BrowserContext, id: string): Promise<void> {
  const { hostname, port } = new URL(bed.relay.url)
  await context.addCookies([
    {
      name: 'scandesk_session',
      value: id,
      url: `http://${hostname}:${port}/console/api`,
      httpOnly: true,
      sameSite: 'Strict',
    },
  ])
}

async function signIn(page: Page, password: string): Promise<void> {
  await page.fill('#sign-in-name', 'alice')
  await page.fill('#sign-in-password', password)
  await page.click('[data-testid="sign-in-submit"]')
  // Back on the page it was on (the booths at first).
  await page.locator('[data-nav]').first().waitFor()
  await page.locator('[data-testid="sign-in"]').waitFor({ state: 'detached' })
}

async function sessionCookies(context: BrowserContext): Promise<string[]> {
  return (await context.cookies()).filter((c) => c.name === 'scandesk_session').map((c) => c.path)
}

it('says why the console signed out after a planted second session cookie', async () => {
  const password = await addOrganizer(bed.relay.store, 'alice', Date.now())
  const planted = await mallorySession()
  const context = await bed.browser.newContext({
    viewport: { width: 1280, height: 800 },
    locale: 'zh-CN',
  })
  const page = await context.newPage()
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
  await page.goto(`${bed.relay.url}/console/`)
  await signIn(page, password)

  // Planted while the console is open: the next call is refused and the page signs out.
  await plant(context, planted)
  await page.click('[data-nav="campaigns"]')
  const error = page.locator('[data-testid="sign-in-error"]')
  await error.waitFor()
  expect(await error.textContent()).toContain('检测到多个登录会话，已全部退出，请重新登录')
  // The refusal cleared both copies.
  expect(await sessionCookies(context)).toEqual([])

  // Signing in again works, the planted one gone.
  await signIn(page, password)
  expect(await sessionCookies(context)).toEqual(['/console'])

  // Planted before the page loads (the open page closed first, so that none of its calls takes
  // the 401): the first session check says the same, in English too.
  await page.close()
  await plant(context, planted)
  const fresh = await context.newPage()
  fresh.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
  await fresh.goto(`${bed.relay.url}/console/`)
  const again = fresh.locator('[data-testid="sign-in-error"]')
  await again.waitFor()
  expect(await again.textContent()).toContain('检测到多个登录会话')
  expect(await sessionCookies(context)).toEqual([])
  await fresh.click('.lang [data-locale="en"]')
  expect(await again.textContent()).toContain('Several sessions were found in this browser')
  await signIn(fresh, password)

  await context.close()
  expect(problems).toEqual([])
}, 90_000)

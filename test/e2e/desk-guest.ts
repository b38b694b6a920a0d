/**
 * A registered guest checked in at the kiosk's desk page in demo mode: their roster row
 * imported, their personal code shown and scanned by a phone, the admin area locked, and the
 * named greeting on screen (or only the first two, showGuestCode).
 */
import type { Page } from 'playwright-core'
import { expect } from 'vitest'
import { decodeQr, goHash, unlockAdmin, waitForGreetingIn } from './browser'
import type { KioskProcess } from './kiosk-process'
import { phoneScan } from './phone'

export async function greetRegisteredGuest(
  page: Page,
  kiosk: KioskProcess,
  guest: { name: string; code: string; openid: string },
): Promise<void> {
  const sandbox = kiosk.sandboxUrl
  if (!sandbox) throw new Error('demo mode printed no sandbox')
  const url = await showGuestCode(page, kiosk, guest)
  await phoneScan(sandbox, url, guest.openid)
  await page.locator('[data-testid="admin-lock"]').click()
  await page.locator('[data-testid="greeting"][data-kind="named"]').waitFor({ timeout: 20_000 })
  await waitForGreetingIn(page)
}

/**
 * The first half of the above: the guest's roster row imported and their personal code shown
 * from the desk page (the admin area left open); the url the code carries.
 */
export async function showGuestCode(
  page: Page,
  kiosk: KioskProcess,
  guest: { name: string; code: string },
): Promise<string> {
  if (!kiosk.adminPin) throw new Error('demo mode printed no PIN')
  await unlockAdmin(page, kiosk.adminPin)
  await goHash(page, '#/admin/roster')
  await page.locator('[data-testid="roster-file"]').setInputFiles({
    name: 'guests.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(`姓名,编号\n${guest.name},${guest.code}\n`, 'utf8'),
  })
  await page.locator('[data-testid="roster-result"]').waitFor()
  await goHash(page, '#/admin/desk')
  // This guest's row and code: a code shown earlier on this page stays until another is.
  await page
    .locator('[data-testid="desk-result"]')
    .filter({ hasText: guest.name })
    .getByRole('button')
    .click()
  const ticket = page.locator('[data-testid="desk-ticket"]').filter({ hasText: guest.name })
  await ticket.waitFor()
  const url = decodeQr(await ticket.screenshot())
  expect(url).toMatch(/^https?:\/\//)
  return url ?? ''
}

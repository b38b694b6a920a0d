/**
 * A registered guest checked in at the kiosk's desk page in demo mode: their roster row
 * imported, their personal code shown and scanned by a phone, the admin area locked, and the
 * named greeting on screen (or only the first two, showGuestCode).
 */
import type { Page } from 'playwright-core'
import { expect } from 'vitest'
import { z } from 'zod'
import { campaignSchema } from '../../shared/domain'
import { decodeQr, goHash, unlockAdmin, waitForGreetingIn } from './browser'
import { callKiosk, type KioskProcess } from './kiosk-process'
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
  // This guest's greeting: a second guest greeted on one page may find the first one's still up.
  await page
    .locator('[data-testid="greeting"][data-kind="named"]')
    .filter({ hasText: guest.name })
    .waitFor({ timeout: 20_000 })
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

/**
 * A guest's code stays on the screen for one rotation of the campaign's codes (the demo's 30 s),
 * less than a test going through several screen sizes takes on a loaded machine: the screen then
 * shows the next visitor's code. This makes the demo campaign's rotation as long as its codes
 * live (570 s of 600), through the kiosk's API (the page's admin area is left as it was).
 */
export async function longRotation(kiosk: KioskProcess): Promise<void> {
  expect((await callKiosk(kiosk, 'unlockAdmin', { pin: kiosk.adminPin })).status).toBe(200)
  const listed = await callKiosk(kiosk, 'listCampaigns')
  const [campaign] = z.object({ result: z.array(campaignSchema) }).parse(listed.body).result
  if (!campaign) throw new Error('the demo has no campaign')
  const saved = await callKiosk(kiosk, 'saveCampaign', {
    ...campaign,
    rotationSeconds: campaign.ticketLifetimeSeconds - 30,
  })
  expect(saved.status).toBe(200)
  expect((await callKiosk(kiosk, 'lockAdmin')).status).toBe(200)
}

/**
 * The campaign page's 扫码之后 / After the scan panel in real Chromium, served by the real relay
 * (the built out/console), at 1280×800 where it sits in the narrow column beside the form: the
 * visitors WeChat refused are listed with real-length OpenIDs (28 characters) and zh-CN
 * reasons, and each row stays readable — what failed on one line, the reason in a column wide
 * enough to read, not one character a line beside the OpenID.
 * The report is the relay's shape (`followUpReportSchema`), answered for this page by a route
 * so the failures need no WeChat. Screenshot: test-artifacts/console-follow-up.png.
 */
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { expect, it } from 'vitest'
import { CAMPAIGN_DEFAULTS } from '../../shared/campaign'
import {
  WECHAT_UNAVAILABLE_ERRCODE,
  followUpReason,
  followUpReportSchema,
  type FollowUpReport,
} from '../../shared/follow-up-api'
import { addOrganizer } from '../../relay/console/organizer-admin'
import { waitForStill } from './browser'
import { realConsoleRelay } from './real-console-relay'

const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts')
const bed = realConsoleRelay({ name: 'follow-up' })

it('lists each refused visitor readably in the narrow column', async () => {
  const made = await bed.relay.store.campaigns.createCampaign(
    {
      ...CAMPAIGN_DEFAULTS,
      name: '春季新品发布会',
      id: 'c-follow-up-e2e-1',
      screenKey: 'k'.repeat(43),
      tag: '春季发布会访客',
      followUp: '感谢到访，资料稍后发送给您',
    },
    Date.now(),
  )
  const id = made?.campaign.id ?? ''
  const openid = (i: number): string => `oAbCdEfGhIjKlMnOpQrStUvWx${String(i).padStart(3, '0')}`
  const facts = [
    { openid: openid(1), what: 'tag', state: 'failed', errcode: 40003 },
    { openid: openid(1), what: 'message', state: 'outside-window', errcode: 45015 },
    { openid: openid(2), what: 'tag', state: 'failed', errcode: 45059 },
    { openid: openid(3), what: 'message', state: 'failed', errcode: 48001 },
    { openid: openid(4), what: 'message', state: 'failed', errcode: 43004 },
    { openid: openid(5), what: 'message', state: 'failed', errcode: 43019 },
    {
      openid: openid(6),
      what: 'message',
      state: 'outside-window',
      errcode: WECHAT_UNAVAILABLE_ERRCODE,
    },
  ] as const
  const report: FollowUpReport = followUpReportSchema.parse({
    campaignId: id,
    tag: '春季发布会访客',
    followUp: true,
    counts: {
      tagged: 12,
      pending: 0,
      failed: 2,
      retagged: 0,
      sent: 10,
      outsideWindow: 2,
      messageFailed: 3,
      messagePending: 0,
    },
    failures: facts.map((f) => ({ ...f, reason: followUpReason(f) })),
  })

  const password = await addOrganizer(bed.relay.store, 'alice', Date.now())
  const context = await bed.browser.newContext({
    viewport: { width: 1280, height: 800 },
    locale: 'zh-CN',
  })
  const page = await context.newPage()
  await page.route(`**/console/api/campaigns/${id}/follow-up`, (route) =>
    route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(report) }),
  )
  await page.goto(`${bed.relay.url}/console/`)
  await page.fill('#sign-in-name', 'alice')
  await page.fill('#sign-in-password', password)
  await page.click('[data-testid="sign-in-submit"]')
  await page.locator('[data-testid="page-booths"]').waitFor()
  await page.goto(`${bed.relay.url}/console/#/campaigns/${id}`)
  const rows = page.locator('[data-testid="follow-up-failure"]')
  await rows.first().waitFor()
  expect(await rows.count()).toBe(facts.length)
  expect(await rows.first().textContent()).toContain('40003')

  const panel = page.locator('[data-testid="follow-up"]')
  await panel.scrollIntoViewIfNeeded()
  const list = await page.locator('[data-testid="follow-up"] .failures').boundingBox()
  if (list === null) throw new Error('no failure list')
  // In-page source (no DOM types here): the labels' line height.
  const lineHeight = Number.parseFloat(
    String(
      await page.evaluate(
        `getComputedStyle(document.querySelector('[data-testid="follow-up-failure-what"]')).lineHeight`,
      ),
    ),
  )
  expect(lineHeight).toBeGreaterThan(10)
  for (const row of await rows.all()) {
    const what = row.locator('[data-testid="follow-up-failure-what"]')
    const reason = row.locator('[data-testid="follow-up-failure-reason"]')
    const whatBox = await what.boundingBox()
    const reasonBox = await reason.boundingBox()
    if (whatBox === null || reasonBox === null) throw new Error('row not laid out')
    // 标签 / 跟进消息 on one line, not a character a line.
    expect(whatBox.height, (await what.textContent()) ?? '').toBeLessThan(lineHeight * 1.5)
    // The reason gets most of the list's width, not what the OpenID leaves over.
    expect(reasonBox.width).toBeGreaterThan(list.width * 0.6)
  }
  mkdirSync(ARTIFACTS, { recursive: true })
  await waitForStill(page)
  await panel.screenshot({ path: resolve(ARTIFACTS, 'console-follow-up.png') })
  await context.close()
}, 60_000)

/**
 * A big roster on a slow uplink, in real Chromium against the real relay (the BUILT console)
 * through a TCP link that trickles what the browser sends: the organizer sees how much is sent
 * ("第 1/2 步：正在检查文件 45%（2.3 / 5 MB）": every file is checked before it is stored) rising,
 * then the import through; and a cancelled upload leaves the roster as it was. Screenshots:
 * test-artifacts/screenshots/console-roster-progress-zh.png and -en.png.
 */
import type { Page } from 'playwright-core'
import { expect, it } from 'vitest'
import { z } from 'zod'
import { CAMPAIGN_DEFAULTS } from '../../shared/campaign'
import { MAX_ROSTER_FILE_BYTES } from '../../shared/errors'
import { screenshot, waitForPage } from './browser'
import { consoleOrganizers } from './console-organizers'
import { realConsoleRelay } from './real-console-relay'

const bed = realConsoleRelay({ name: 'roster-progress', link: true })
const organizers = consoleOrganizers(bed)

const TEXT = `document.querySelector('[data-testid="roster-progress-text"]')?.textContent ?? ''`
/**
 * The percentage shown while the file goes out to be checked (the relay's dry run: every file
 * is, before it is sent to be stored); -1 when none is. Watched on that first pass: the second
 * goes on the same connection, whose buffers have grown to take the file at once. 100 once the
 * body is all out and the relay checks it: on a loaded machine the last 15% can land in the
 * socket buffers between two looks (85%, then all sent, still trickling on to the relay).
 */
const CHECKING_OF = `((t) => t === '第 1/2 步：正在检查文件…' ? 100 : Number(/正在检查文件 (\\d+)%/.exec(t)?.[1] ?? -1))`
const CHECKING = `${CHECKING_OF}(${TEXT})`

/**
 * In-page source: every text the progress line shows, in order (`window.__progressSeen`), noted
 * as it changes. A look at the page can come seconds after the last on a loaded machine, and the
 * first pass can end between two looks (the line then says 第 2/2 步, with no 检查 percentage).
 */
const RECORD_PROGRESS = `(() => {
  const seen = []
  window.__progressSeen = seen
  const note = () => {
    const t = document.querySelector('[data-testid="roster-progress-text"]')?.textContent ?? ''
    if (t !== '' && seen[seen.length - 1] !== t) seen.push(t)
  }
  new MutationObserver(note).observe(document.body, { subtree: true, childList: true, characterData: true })
})()`
/** In-page source: the percentages of CHECKING the line showed so far, in order. */
const CHECKING_SEEN = `window.__progressSeen.map(${CHECKING_OF}).filter((n) => n >= 0)`

/** A CSV of `rows` guests named `<prefix><n>`: about 96 bytes a row. */
function csv(prefix: string, rows: number): Buffer {
  const lines = ['姓名,单位,电话,编号']
  for (let i = 0; i < rows; i++)
    lines.push(
      `${prefix}${i},上海某某会展服务有限公司华东区市场部活动组,139${String(i).padStart(8, '0')},G${i}`,
    )
  return Buffer.from(lines.join('\r\n'), 'utf8')
}

async function pick(page: Page, name: string, body: Buffer): Promise<void> {
  await page.setInputFiles('[data-testid="roster-file"]', {
    name,
    mimeType: 'text/csv',
    buffer: body,
  })
}

it('a roster on a slow link shows its progress rising, then imports; a cancelled one changes nothing', async () => {
  const made = await bed.relay.store.campaigns.createCampaign(
    { ...CAMPAIGN_DEFAULTS, name: '秋季展', id: 'c-roster-progress', screenKey: 'k'.repeat(43) },
    Date.now(),
  )
  const id = made?.campaign.id ?? ''
  const page = await organizers.signedIn('alice')
  // Through the link (the session cookie is the host's, whatever the port).
  await page.goto(`http://127.0.0.1:${bed.link.port}/console/#/campaigns/${id}`)
  await page.locator('[data-testid="roster-file"]').waitFor({ state: 'attached' })

  // Bigger than the kernel buffers on either side take at once (about 4 MB where the send
  // buffer grows that far): the percentage can only be seen rising if they cannot take it all.
  // Not the 10 MB a roster may be: the relay reads and stores the file twice (check, import),
  // and on a loaded 2-core CI each 100,000-row pass took 8–10 s.
  const ROWS = 60_000
  const file = csv('来宾', ROWS)
  expect(file.length).toBeGreaterThan(5 * 1024 * 1024)
  expect(file.length).toBeLessThan(MAX_ROSTER_FILE_BYTES)
  // The rest trickles at 64 KiB/s: the browser writes more (the percentage rises) once about a
  // third of its send buffer has drained, some 15 s after (the link's pace holds on a loaded
  // machine).
  bed.link.throttle(64 * 1024)
  await page.evaluate(RECORD_PROGRESS)
  await pick(page, 'guests.csv', file)
  await waitForPage(page, `${CHECKING_SEEN}.length > 0`)
  const first = Number(await page.evaluate(`${CHECKING_SEEN}[0]`))
  expect(first, 'the buffers took the whole file at once: no rise to see').toBeLessThan(100)
  expect(await page.locator('[data-testid="roster-progress"] progress').count()).toBe(1)
  await waitForPage(page, `Math.max(...${CHECKING_SEEN}) > ${first}`, 60_000)
  // Held while the screenshots are taken: the upload (either pass) cannot end between them, or
  // the line would be gone before the English one.
  bed.link.throttle(0)
  // Its share sent, or (all out) the relay checking it: either way pass 1 of 2.
  const risen = await page.evaluate(
    `window.__progressSeen.find((t) => ${CHECKING_OF}(t) > ${first})`,
  )
  expect(z.string().parse(risen)).toMatch(
    /^第 1\/2 步：正在检查文件( \d+%（[\d.]+ \/ [\d.]+ MB）|…)$/,
  )
  await page.locator('[data-testid="roster-progress"]').scrollIntoViewIfNeeded()
  await screenshot(page, 'console-roster-progress-zh')
  // In English too (the first pass, or the second if the first got through before the hold).
  await page.click('[data-locale="en"]')
  await waitForPage(page, `/^Step [12] of 2: /.test(${TEXT})`)
  await page.locator('[data-testid="roster-progress"]').scrollIntoViewIfNeeded()
  await screenshot(page, 'console-roster-progress-en')
  await page.click('[data-locale="zh-CN"]')
  // Seen rising: the rest (and the upload after the check) at full speed.
  bed.link.throttle(null)
  // The result, or the refusal that took its place (named in the failure, not a bare timeout).
  await page
    .locator('[data-testid="roster-result"], [data-testid="roster-error"]')
    .first()
    .waitFor({ state: 'attached', timeout: 120_000 })
  expect(await page.locator('[data-testid="roster-error"]').allTextContents()).toEqual([])
  expect(await page.locator('[data-testid="roster-result"] .summary').textContent()).toContain(
    '60,000',
  )
  expect(await page.locator('[data-testid="roster-progress"]').count()).toBe(0)
  const stored = await bed.relay.store.campaigns.readRoster(id, 0, 1)
  expect(stored.total).toBe(ROWS)

  // Another file, cancelled while it goes out: the relay keeps the roster it had. On a fresh
  // connection: the last one's buffers grew big enough to swallow a whole file at once.
  await bed.link.cut()
  await bed.link.restore()
  bed.link.throttle(64 * 1024)
  await pick(page, 'other.csv', csv('别人', ROWS))
  await waitForPage(page, `${CHECKING} >= 0`)
  await page.click('[data-testid="roster-cancel"]')
  await page.locator('[data-testid="roster-cancelled"]').waitFor()
  expect(await page.locator('[data-testid="roster-progress"]').count()).toBe(0)
  expect(await page.locator('[data-testid="roster-error"]').count()).toBe(0)
  bed.link.throttle(null)
  const after = await bed.relay.store.campaigns.readRoster(id, 0, 1)
  expect([after.total, after.entries[0]?.name]).toEqual([ROWS, '来宾0'])
  // The cut ended the live event stream mid-chunk (it reconnects): the only error expected.
  const cutStream = /ERR_INCOMPLETE_CHUNKED_ENCODING/
  expect(organizers.problems.filter((p) => !cutStream.test(p))).toEqual([])
}, 240_000)

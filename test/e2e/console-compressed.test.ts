/**
 * The console with compression on, in real Chromium against the real relay (SQLite, the built
 * out/console with its .br/.gz copies): every script and style of the first load and of the
 * stats page arrives compressed (fewer bytes over the wire than the file), the app signs in,
 * shows a live scan on the stats page, and the attendance CSV it downloads (gzip on the wire)
 * is the sheet, BOM and rows, as the browser saves it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { postPush, scanXml } from '../relay/harness'
import { waitForPage } from './browser'
import { consoleOrganizers } from './console-organizers'
import { CONSOLE_DIR } from './fake-console-relay'
import { realConsoleRelay } from './real-console-relay'

const bed = realConsoleRelay({ name: 'compressed' })
const organizers = consoleOrganizers(bed)
// The signed-in context closes after the test, passed or failed.
afterEach(async () => {
  for (const context of bed.browser.contexts()) await context.close()
}, 30_000)

it('loads compressed, works, and downloads a gzip CSV the browser saves as the sheet', async () => {
  await bed.relay.addKiosk('hall-a')
  const page = await organizers.signedIn('alice').catch((err: unknown) => {
    throw new Error(`sign-in failed: ${String(err)} ${organizers.problems.join('; ')}`)
  })
  // What went over the wire for each of the app's files (CDP: the encoded length).
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Network.enable')
  const wire = new Map<string, { encoding: string | undefined; bytes: number }>()
  const urls = new Map<string, string>()
  cdp.on('Network.responseReceived', (e) => {
    urls.set(e.requestId, e.response.url)
    const encoding = Object.entries(e.response.headers).find(
      ([k]) => k.toLowerCase() === 'content-encoding',
    )?.[1]
    wire.set(e.response.url, { encoding, bytes: 0 })
  })
  cdp.on('Network.loadingFinished', (e) => {
    const url = urls.get(e.requestId)
    const seen = url === undefined ? undefined : wire.get(url)
    if (seen !== undefined) seen.bytes = e.encodedDataLength
  })
  // A fresh load with the cache off: every file fetched again, under CDP's eye.
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true })
  await page.reload()
  await page.locator('[data-testid="page-booths"]').waitFor()
  await page.click('[data-nav="stats"]')
  await page.locator('[data-stat="scans"]').waitFor()
  const r = await postPush(bed.relay.url, scanXml('o-visitor-1', 'hall-a:n1'))
  expect(r.status, r.body).toBe(200)
  await waitForPage(
    page,
    `document.querySelector('[data-stat="scans"] [data-testid="stat-value"]')?.textContent?.trim() === '1'`,
  )

  const assets = [...wire.entries()].filter(([url]) => /\/console\/assets\/.+\.(js|css)$/.test(url))
  expect(assets.length).toBeGreaterThanOrEqual(3)
  for (const [url, seen] of assets) {
    const file = join(CONSOLE_DIR, new URL(url).pathname.slice('/console/'.length))
    expect(existsSync(`${file}.gz`), `${file}.gz (node scripts/build-console.mjs)`).toBe(true)
    expect(['br', 'gzip'], url).toContain(seen.encoding)
    // Headers and all, well under the file's own size.
    if (statSync(file).size > 10_000) expect(seen.bytes, url).toBeLessThan(statSync(file).size / 2)
  }

  await page.click('[data-nav="attendance"]')
  await page.locator('[data-testid="attendance-row"]').first().waitFor()
  const sheet = page.waitForResponse((res) => res.url().includes('/console/api/attendance?'))
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('[data-testid="download-csv"]'),
  ])
  expect((await sheet).headers()['content-encoding']).toBe('gzip')
  const saved = readFileSync(await download.path())
  expect([...saved.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
  const lines = saved.toString('utf8').trim().split('\r\n')
  expect(lines).toHaveLength(2)
  expect(lines[1]).toContain('hall-a')
  expect(organizers.problems).toEqual([])
}, 120_000)

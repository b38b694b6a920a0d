/**
 * axe-core (Deque's accessibility rules) in a page: the WCAG 2.1 A and AA rules, run on what is
 * on screen now. The script goes in through DevTools (page.evaluate), so the pages' CSP
 * (`script-src 'self'`) does not refuse it.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'
import { z } from 'zod'
import { waitForStill } from './browser'

const AXE_SOURCE = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
)

/** In-page source: every violation as `rule: selector (what is wrong)`, one a line. */
const RUN = `axe.run(document, {
  runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  resultTypes: ['violations'],
}).then((r) => r.violations.flatMap((v) => v.nodes.map((n) =>
  v.id + ': ' + n.target.join(' ') + ' (' + (n.failureSummary || '').split('\\n').slice(1).join(' ').trim() + ')')))`

/**
 * The WCAG A/AA violations on the page as it is now; [] when none. It waits for the page to
 * settle first unless `still` is false (the kiosk's check-in screen: its countdown ring to the
 * next code never stops).
 */
export async function axeViolations(page: Page, { still = true } = {}): Promise<string[]> {
  if (still) await waitForStill(page)
  if ((await page.evaluate('typeof window.axe')) !== 'object') await page.evaluate(AXE_SOURCE)
  return z.array(z.string()).parse(await page.evaluate(RUN))
}

/**
 * A visitor scans while the kiosk page is away (reloading, the browser reconnecting): in real
 * Chromium against `kiosk web` in demo mode, the page that comes back still greets them, once.
 */
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { greetingsSeen, readScreenCode, recordGreetings, waitForGreetingIn } from './browser'
import type { KioskProcess } from './kiosk-process'
import { demoKioskPage } from './demo-kiosk'
import { phoneScan } from './phone'

const screenSchema = z.object({ result: z.object({ ticket: z.object({ url: z.string() }) }) })

describe('a greeting sent while the kiosk page was away', () => {
  const demo = demoKioskPage({
    name: 'greeting-away',
    context: { viewport: { width: 1280, height: 800 } },
  })
  let kiosk: KioskProcess
  let page: Page

  beforeAll(() => {
    ;({ kiosk, page } = demo)
  })

  it('is shown by the page once it is back', async () => {
    const sandbox = kiosk.sandboxUrl
    if (!sandbox) throw new Error('demo mode printed no sandbox')
    const url = await readScreenCode(page, 'greeting-away-before')
    const key = new URL(kiosk.kioskUrl).searchParams.get('key') ?? ''
    const base = new URL(kiosk.kioskUrl).origin
    // The page goes away: its event stream closes, and nothing listens.
    await page.goto('about:blank')
    await phoneScan(sandbox, url, 'o_while_away')
    // The code moves on right after the greeting is sent: by then it has reached no page.
    for (let i = 0; ; i++) {
      const res = await fetch(`${base}/api/call/getScreenState`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: '{}',
      })
      const state = screenSchema.safeParse(await res.json())
      if (state.success && state.data.result.ticket.url !== url) break
      if (i >= 100) throw new Error('the scanned code stayed on screen')
      await new Promise((r) => setTimeout(r, 200))
    }
    await recordGreetings(page)
    await page.goto(kiosk.kioskUrl)
    await page.locator('[data-testid="greeting"][data-kind="first-visit"]').waitFor({
      timeout: 20_000,
    })
    await waitForGreetingIn(page)
    const seen = await greetingsSeen(page)
    expect(seen).toHaveLength(1)
    expect(seen[0]?.kind).toBe('first-visit')
  }, 60_000)
})

/**
 * A guest with a very long roster name (the roster allows 100 characters: a name with its
 * company and title typed into the name column) checks in at the desk of a 1024×768 kiosk, in
 * real Chromium against `kiosk web` in demo mode: the greeting stays whole on screen, the
 * "Checked in" label above it and the check-in number below it included.
 */
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { GREETING_IN, noted, noteWhen, screenshot } from './browser'
import type { KioskProcess } from './kiosk-process'
import { demoKioskPage } from './demo-kiosk'
import { greetRegisteredGuest } from './desk-guest'

const LONG_NAME = '欧阳'.padEnd(100, '娜')

/** In-page source: the greeting's parts and whether each is wholly on screen. */
const GREETING_PARTS = `[...document.querySelectorAll('[data-testid="greeting"] p')].map((el) => {
  const r = el.getBoundingClientRect()
  return { part: el.dataset.testid || '', top: r.top, bottom: r.bottom, height: innerHeight }
})`
const partsSchema = z.array(
  z.object({ part: z.string(), top: z.number(), bottom: z.number(), height: z.number() }),
)

describe('a greeting for a very long name', () => {
  const demo = demoKioskPage({
    name: 'long-greeting',
    context: { viewport: { width: 1024, height: 768 } },
  })
  let kiosk: KioskProcess
  let page: Page

  beforeAll(() => {
    ;({ kiosk, page } = demo)
  })

  it('stays whole on a 1024×768 screen', async () => {
    // Read the moment it is in: it leaves by itself, sooner than a screenshot on a loaded machine.
    await noteWhen(page, GREETING_IN, GREETING_PARTS)
    await greetRegisteredGuest(page, kiosk, {
      name: LONG_NAME,
      code: 'L1',
      openid: 'o_long_name_guest',
    })
    const parts = partsSchema.parse(await noted(page))
    await screenshot(page, 'greeting-long-name-1024x768')
    expect(parts.map((p) => p.part)).toEqual(['greeting-kind', 'greeting-text', 'greeting-number'])
    for (const p of parts) {
      expect(p.top, `${p.part} starts above the screen`).toBeGreaterThanOrEqual(0)
      expect(p.bottom, `${p.part} ends below the screen`).toBeLessThanOrEqual(p.height)
    }
  }, 60_000)
})

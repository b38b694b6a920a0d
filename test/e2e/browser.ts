import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import jsQR from 'jsqr'
import { chromium, type Browser, type Page } from 'playwright-core'
import { PNG } from 'pngjs'
import { z } from 'zod'
import { campaignSchema, type Campaign } from '../../shared/domain'

export const SCREENSHOTS = resolve(import.meta.dirname, '../../test-artifacts/screenshots')

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      // A kiosk plays its chime without anyone clicking first.
      '--autoplay-policy=no-user-gesture-required',
    ],
  })
}

export async function screenshot(page: Page, name: string): Promise<Buffer> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  return page.screenshot({ path: resolve(SCREENSHOTS, `${name}.png`) })
}

/** Reads the QR code in a PNG as a phone camera would (jsQR on the pixels). */
export function decodeQr(png: Buffer): string | null {
  const image = PNG.sync.read(png)
  const pixels = new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length)
  return jsQR(pixels, image.width, image.height)?.data ?? null
}

/**
 * In-page code is passed as source text: this file is type-checked for Node (no DOM types),
 * and the browser runs it, not Node.
 */
const STEADY_CODE = `document.querySelectorAll('[data-testid="qr-card"]').length === 1 &&
  !document.querySelector('.qr-fade-enter-active, .qr-fade-leave-active') &&
  !document.querySelector('[data-testid="greeting"]')`

/**
 * Polls an in-page expression until it is true. Not `page.waitForFunction`: that re-runs a
 * string with the page's `eval` on every poll, which the kiosk's CSP (`script-src 'self'`)
 * refuses whenever the first check is false. `page.evaluate` goes through DevTools instead.
 */
export async function waitForPage(page: Page, expression: string, timeout = 20_000): Promise<void> {
  const deadline = Date.now() + timeout
  while ((await page.evaluate(expression)) !== true) {
    if (Date.now() > deadline) {
      throw new Error(
        `not true within ${timeout} ms: ${expression}\npage then: ${await pageSummary(page)}`,
      )
    }
    await page.waitForTimeout(50)
  }
}

/** What was on the page when a wait gave up: its hash and the test ids shown, for the report. */
async function pageSummary(page: Page): Promise<string> {
  return page
    .evaluate(
      `location.hash + ' ' + JSON.stringify([...document.querySelectorAll('[data-testid]')].map(
        (e) => e.getAttribute('data-testid') + (e.className ? '.' + String(e.className).split(' ').join('.') : ''),
      ))`,
    )
    .then(String, (err: unknown) => `(unreadable: ${String(err)})`)
}

/** Waits until exactly one code is on screen, no cross-fade is running and no greeting is up. */
export function waitForSteadyCode(page: Page, timeout = 20_000): Promise<void> {
  return waitForPage(page, STEADY_CODE, timeout)
}

/**
 * In-page source: a fingerprint of what may still be moving — finite CSS animations and
 * transitions still running (the spinner's infinite one never ends and is left out), and the
 * pixels of every canvas (charts draw after their data arrives).
 */
const MOTION = `(() => {
  const running = document.getAnimations().filter((a) => {
    const t = a.effect && a.effect.getComputedTiming()
    return a.playState === 'running' && t && t.iterations !== Infinity
  }).length
  const canvases = [...document.querySelectorAll('canvas')].map((c) => c.toDataURL().length + ':' + c.toDataURL().slice(-64))
  return running + '|' + canvases.join(',')
})()`

/**
 * Waits until the page stands still: no finite animation running and the canvases unchanged
 * between two looks. For screenshots that show the settled screen, not a frame mid-fade.
 */
export async function waitForStill(page: Page, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout
  let last = ''
  for (;;) {
    const now = String(await page.evaluate(MOTION))
    if (now === last && now.startsWith('0|')) return
    if (Date.now() > deadline) throw new Error(`page still moving after ${timeout} ms: ${now}`)
    last = now
    await page.waitForTimeout(50)
  }
}

/**
 * In-page source: `seen(colour, element)`, a computed colour as it shows (`r, g, b`): a
 * see-through one is whatever is painted behind the element; `behind(element)`, its fill so.
 */
const SEEN = `
  const opaque = (c) => /^rgba\\(.*, 0\\)$/.test(c) ? null : c.replace(/^rgba?\\(([^,]+,[^,]+,[^,)]+).*$/, '$1')
  const behind = (e) => e ? opaque(getComputedStyle(e).backgroundColor) ?? behind(e.parentElement) : 'Canvas'
  const seen = (c, e) => opaque(c) ?? behind(e)
`

/** Each element's fill as it shows (see SEEN), in document order. */
export function fillsSeen(page: Page, selector: string): Promise<string[]> {
  return page.evaluate<string[]>(`(() => {
    ${SEEN}
    return [...document.querySelectorAll(${JSON.stringify(selector)})].map(behind)
  })()`)
}

/**
 * What outlines each element as a control, as it shows (see SEEN): the colour of a border on
 * all four sides of it or of a descendant (a pill inside a button), or null when there is none
 * or it is the colour behind it. In forced colours a control told apart by its fill alone is
 * null: a bare word.
 */
export function outlinesSeen(page: Page, selector: string): Promise<(string | null)[]> {
  return page.evaluate<(string | null)[]>(`(() => {
    ${SEEN}
    const outline = (e) => {
      const s = getComputedStyle(e)
      const sides = ['Top', 'Right', 'Bottom', 'Left']
      if (sides.some((d) => s['border' + d + 'Style'] === 'none' || parseFloat(s['border' + d + 'Width']) === 0)) return null
      const c = seen(s.borderTopColor, e)
      return c === behind(e.parentElement) ? null : c
    }
    return [...document.querySelectorAll(${JSON.stringify(selector)})].map((e) =>
      [e, ...e.querySelectorAll('*')].map(outline).find((c) => c !== null) ?? null)
  })()`)
}

/**
 * Windows high contrast (forced colours on): each group of choices (a CSS selector) must show
 * its one chosen control (aria-current="page", aria-pressed="true" or aria-checked="true")
 * otherwise than the rest,
 * by background, text or underline colour as it shows (see SEEN). Forced colours drop
 * backgrounds and recolour borders: a choice marked that way looks like the others.
 */
export async function expectChosenMarked(
  page: Page,
  groups: Record<string, string>,
): Promise<void> {
  type Looks = Record<string, { chosen: string[]; others: string[] }>
  const found = await page.evaluate<Looks>(`(() => {
    ${SEEN}
    const look = (e) => {
      const s = getComputedStyle(e)
      return behind(e) + ' ' + seen(s.color, e) + '|' + seen(s.borderBottomColor, e)
    }
    const out = {}
    for (const [name, selector] of Object.entries(${JSON.stringify(groups)})) {
      const all = [...document.querySelectorAll(selector)]
      const chosen = all.filter((e) => e.matches('[aria-current="page"], [aria-pressed="true"], [aria-checked="true"]'))
      const others = new Set(all.filter((e) => !chosen.includes(e)).map(look))
      out[name] = { chosen: chosen.map(look), others: [...others] }
    }
    return out
  })()`)
  for (const [name, { chosen, others }] of Object.entries(found)) {
    if (chosen.length !== 1) throw new Error(`${name}: ${chosen.length} chosen, not 1`)
    if (others.length === 0) throw new Error(`${name}: nothing else to tell the chosen one from`)
    if (others.includes(chosen[0] ?? '')) {
      throw new Error(`${name}: the chosen one looks like the others (${chosen[0]})`)
    }
  }
}

/** In-page source: POST one kiosk API call as the web client does; `key` null sends none. */
export const CALL = `async (name, input, key) => {
  const headers = { 'content-type': 'application/json' }
  if (key !== null) headers.authorization = 'Bearer ' + key
  const r = await fetch('/api/call/' + name, {
    method: 'POST',
    headers,
    body: JSON.stringify(input === undefined ? {} : { input }),
  })
  return { status: r.status, body: await r.text() }
}`
export const SESSION_KEY = `sessionStorage.getItem('scandesk.key')`

/** The kiosk's first campaign (the demo's), read from the page with its own secret. */
export async function firstCampaign(page: Page): Promise<Campaign> {
  const listed = z
    .object({ status: z.literal(200), body: z.string() })
    .parse(await page.evaluate(`(${CALL})('listCampaigns', undefined, ${SESSION_KEY})`))
  const first = z.object({ result: z.array(campaignSchema) }).parse(JSON.parse(listed.body))
    .result[0]
  if (!first) throw new Error('the demo has no campaign')
  return first
}

/** One kiosk API call from the page, with the page's own secret; the HTTP status. */
export async function callKiosk(page: Page, name: string, input?: unknown): Promise<number> {
  const arg = input === undefined ? 'undefined' : JSON.stringify(input)
  const answer = await page.evaluate(`(${CALL})(${JSON.stringify(name)}, ${arg}, ${SESSION_KEY})`)
  return z.object({ status: z.number() }).parse(answer).status
}

/** Waits until the greeting has finished coming in (Vue drops its enter classes at the end). */
export function waitForGreetingIn(page: Page): Promise<void> {
  return waitForPage(
    page,
    `!!document.querySelector('[data-testid="greeting"]') &&
      !document.querySelector('.greeting-enter-active, .greeting-enter-from')`,
  )
}

/**
 * Opens the admin area from the kiosk screen with Ctrl+Shift+A and the PIN. It opens on
 * attendance, or on the campaign page while no campaign is active.
 */
export async function unlockAdmin(page: Page, pin: string): Promise<void> {
  await page.keyboard.press('Control+Shift+A')
  await page.locator('[data-testid="pin-pad"]').waitFor()
  await page.keyboard.type(pin)
  await page.keyboard.press('Enter')
  await page
    .locator('[data-testid="admin-page-attendance"], [data-testid="admin-page-campaign"]')
    .waitFor()
}

/** Moves to another view of the single-page app (`#/admin/export`, …). */
export async function goHash(page: Page, hash: string): Promise<void> {
  await page.evaluate(`window.location.hash = ${JSON.stringify(hash)}`)
}

/**
 * How long a kiosk's code may take to come up: the first one of a campaign goes kiosk → relay →
 * WeChat sandbox, and on a loaded CI one try can outlast the ticket request's 10 s timeout and
 * be tried again after the backoff (a CI run saw the first code of a new campaign still
 * preparing after 20 s). A failure bound only: a code that comes up is read at once.
 */
const CODE_ARRIVES_MS = 45_000

/** Screenshot of the steady kiosk screen and the url its QR code carries. */
export async function readScreenCode(page: Page, name: string): Promise<string> {
  for (let attempt = 0; attempt < 5; attempt++) {
    await waitForSteadyCode(page, CODE_ARRIVES_MS)
    const url = decodeQr(await screenshot(page, name))
    if (url) return url
    await page.waitForTimeout(300)
  }
  throw new Error(`no QR code could be read from the ${name} screenshot`)
}

const RECORD_GREETINGS = `(() => {
  const seen = []
  window.__greetings = seen
  const note = () => {
    const el = document.querySelector('[data-testid="greeting"]')
    const eventId = el && el.dataset.eventId
    if (!eventId || seen.some((g) => g.eventId === eventId)) return
    const text = el.querySelector('[data-testid="greeting-text"]')
    seen.push({ eventId, kind: el.dataset.kind || '', text: text ? text.textContent : '' })
  }
  new MutationObserver(note).observe(document, { childList: true, subtree: true })
})()`

const greetingsSchema = z.array(
  z.object({ eventId: z.string(), kind: z.string(), text: z.string() }),
)
export type SeenGreeting = z.infer<typeof greetingsSchema>[number]

/**
 * Records every greeting the page puts up (event id and kind), so a test can check that a
 * burst was shown one after another with none dropped, however fast they came and went.
 */
export async function recordGreetings(page: Page): Promise<void> {
  await page.addInitScript({ content: RECORD_GREETINGS })
}

export async function greetingsSeen(page: Page): Promise<SeenGreeting[]> {
  return greetingsSchema.parse(await page.evaluate('window.__greetings'))
}

/**
 * In-page source: for each greeting, when it became fully opaque (its fade-in's opacity
 * transition ended) and when it began to leave (Vue put its leave class on), page clock in ms.
 */
const TIME_GREETINGS = `(() => {
  const times = {}
  window.__greetingTimes = times
  const entry = (el) => {
    const id = el && el.dataset && el.dataset.testid === 'greeting' ? el.dataset.eventId : null
    return id ? (times[id] = times[id] || { up: null, opaque: null, leaving: null }) : null
  }
  document.addEventListener('transitionend', (e) => {
    const t = entry(e.target)
    if (t && e.propertyName === 'opacity' && t.opaque === null && t.leaving === null) t.opaque = performance.now()
  }, true)
  new MutationObserver((records) => {
    for (const r of records) {
      for (const node of r.addedNodes) {
        const t = entry(node)
        if (t && t.up === null) t.up = performance.now()
      }
      const t = r.type === 'attributes' ? entry(r.target) : null
      if (t && t.leaving === null && r.target.classList.contains('greeting-leave-from')) t.leaving = performance.now()
    }
  }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['class'] })
})()`

const greetingTimesSchema = z.record(
  z.string(),
  z.object({
    up: z.number().nullable(),
    opaque: z.number().nullable(),
    leaving: z.number().nullable(),
  }),
)

/**
 * Starts noting, on the page already loaded, when each greeting is put up, when it is fully in
 * and when it leaves.
 */
export async function timeGreetings(page: Page): Promise<void> {
  await page.evaluate(TIME_GREETINGS)
}

/**
 * The greeting queue's promise (renderer/src/stores/greetings.ts): a greeting's time counts
 * from when it is fully in, or at the latest GREETING_VISIBLE_WAIT_MS (2 s) after it was put up
 * (a page that paints nothing never says it is in).
 */
const VISIBLE_WAIT_MS = 2_000

/**
 * Per greeting event id (null: not put up, fully in and gone all seen): ms it stayed up from
 * when its time had to start counting, the earlier of fully in and 2 s after it went up.
 * Timers only fire late, so load lengthens this and never shortens it; a greeting whose time
 * counted from before it was painted comes out short.
 */
export async function greetingCountedMs(page: Page): Promise<Record<string, number | null>> {
  const times = greetingTimesSchema.parse(await page.evaluate('window.__greetingTimes'))
  return Object.fromEntries(
    Object.entries(times).map(([id, t]) => [
      id,
      t.up === null || t.opaque === null || t.leaving === null
        ? null
        : t.leaving - Math.min(t.opaque, t.up + VISIBLE_WAIT_MS),
    ]),
  )
}

const axValue = z.object({ value: z.unknown().optional() }).passthrough()
const axTreeSchema = z.object({
  nodes: z.array(
    z
      .object({
        name: axValue.optional(),
        description: axValue.optional(),
        properties: z.array(z.object({ name: z.string(), value: axValue })).optional(),
      })
      .passthrough(),
  ),
})

/**
 * What Chromium hands a screen reader for the focused element (its accessibility tree, over CDP):
 * the name, the description and whether it is marked invalid (`'true'`, else `'false'`).
 * Null: the page itself does not have the focus.
 */
export async function focusedAsHeard(
  page: Page,
): Promise<{ name: string; description: string; invalid: string } | null> {
  const cdp = await page.context().newCDPSession(page)
  try {
    const { nodes } = axTreeSchema.parse(await cdp.send('Accessibility.getFullAXTree'))
    const property = (node: (typeof nodes)[number], name: string): unknown =>
      node.properties?.find((p) => p.name === name)?.value.value
    // The page's own node counts as focused too: the element is the last (the tree is in order).
    const node = nodes.findLast((n) => property(n, 'focused') === true)
    if (node === undefined) return null
    const text = (value: unknown, absent = ''): string =>
      typeof value === 'string' ? value : absent
    return {
      name: text(node.name?.value),
      description: text(node.description?.value),
      invalid: text(property(node, 'invalid'), 'false'),
    }
  } finally {
    await cdp.detach()
  }
}

/**
 * Notes in the page, the moment `condition` (in-page source) is first true, the value of
 * `expression` (in-page source), for `noted` to read later. For what lasts only a while by
 * itself: a greeting leaves a few seconds after it is in, sooner than a screenshot and a round
 * trip take on a loaded machine, and a look after it left reads nothing. The condition is
 * checked now and on every change to the page's elements, classes and `lang`.
 */
export async function noteWhen(page: Page, condition: string, expression: string): Promise<void> {
  await page.evaluate(`(() => {
    window.__noted = undefined
    const check = () => {
      if (!(${condition})) return false
      observer.disconnect()
      window.__noted = { value: ${expression} }
      return true
    }
    const observer = new MutationObserver(check)
    if (!check()) {
      observer.observe(document, {
        childList: true,
        subtree: true,
        attributes: true,
        attributeFilter: ['class', 'lang'],
      })
    }
  })()`)
}

/** What `noteWhen` noted, once its condition has come true (waiting for it up to `timeout`). */
export async function noted(page: Page, timeout = 20_000): Promise<unknown> {
  await waitForPage(page, `window.__noted !== undefined`, timeout)
  return z.object({ value: z.unknown() }).parse(await page.evaluate('window.__noted')).value
}

/**
 * Deadline for an admin page's answer to a chosen roster file. The kiosk core loads its roster
 * parsers (exceljs above all) on the first import of its run: 2.0–2.4 s of module loading
 * beside two CPU hogs (load 14), the whole first import 2.7 s against 20–190 ms for the next
 * ones; a CI at load ~35 took over 10 s.
 */
export const ROSTER_IMPORT_TIMEOUT = 30_000

/** In-page source: a greeting is fully in (the condition `waitForGreetingIn` waits for). */
export const GREETING_IN = `(!!document.querySelector('[data-testid="greeting"]') &&
  !document.querySelector('.greeting-enter-active, .greeting-enter-from'))`

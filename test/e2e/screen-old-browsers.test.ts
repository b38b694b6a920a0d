/**
 * The big screens and the console on the oldest browsers docs/DEPLOY.md "11. Browsers for the
 * console and the big screens" supports: a venue's smart TV, an old iPad (Safari 14.1), a projector
 * laptop's Chrome 84, WeChat's built-in browser. The built bundles (out/console) must parse there:
 * no syntax newer than the floor (a SyntaxError leaves the projector black), read from the
 * bundles' syntax trees; and in real Chromium with the APIs the floor lacks taken away before the
 * page loads (AbortSignal.timeout, structuredClone, Array.prototype.at, Object.hasOwn…, and
 * crypto.randomUUID, which http://<LAN IP> never has), the wall still shows its campaign, goes
 * live and counts new scans; the console signs in and shows its campaigns, a campaign, a scan on
 * the attendance page and the booths; and the draw stage plays a draw to its stored winners.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseSync, Visitor } from 'vite'
import { beforeAll, describe, expect, it } from 'vitest'
import type { ConsoleCampaign } from '../../shared/campaign'
import { drawRecordSchema } from '../../shared/screen-api'
import type { ConsoleClient } from '../relay/console-helpers'
import { scan, screenPath, screenSetup } from '../relay/screen-helpers'
import { waitForPage } from './browser'
import { consoleOrganizers } from './console-organizers'
import { assertConsoleBuilt, CONSOLE_DIR } from './fake-console-relay'
import { realConsoleRelay } from './real-console-relay'

/**
 * Run in the page before its scripts: removes what Chrome 84 / Safari 14.1 lack (and what an
 * insecure context lacks), so the page meets the floor's gaps in a current Chromium.
 */
const TAKE_AWAY_NEWER_APIS = `(() => {
  const drop = (owner, name) => { try { delete owner[name] } catch {} }
  drop(AbortSignal, 'timeout')
  drop(AbortSignal, 'any')
  drop(globalThis, 'structuredClone')
  drop(Object, 'hasOwn')
  drop(Array.prototype, 'at')
  drop(String.prototype, 'at')
  drop(Array.prototype, 'findLast')
  drop(Array.prototype, 'findLastIndex')
  drop(Array.prototype, 'toSorted')
  drop(String.prototype, 'replaceAll')
  drop(Promise, 'any')
  drop(Intl, 'Segmenter')
  if (globalThis.crypto) drop(Object.getPrototypeOf(crypto), 'randomUUID')
})()`

/** The built scripts of the console and the screens: name and text. */
function builtScripts(): Array<{ name: string; code: string }> {
  assertConsoleBuilt()
  const dir = join(CONSOLE_DIR, 'assets')
  return readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .map((name) => ({ name, code: readFileSync(join(dir, name), 'utf8') }))
}

/**
 * Syntax in `code` newer than the floor (Chrome 84, Safari 14.1), each as "what @offset": logical
 * assignment (Chrome 85), class static fields, private names and static blocks (Safari 14.1 /
 * 15 / 16.4), top-level await (Chrome 89).
 */
function syntaxAboveFloor(name: string, code: string): string[] {
  const found: string[] = []
  const { program, errors } = parseSync(name, code, { sourceType: 'module' })
  if (errors.length > 0) return [`parse error: ${errors[0]?.message ?? ''}`]
  let functionDepth = 0
  const enter = (): void => void functionDepth++
  const leave = (): void => void functionDepth--
  new Visitor({
    AssignmentExpression(node) {
      if (['??=', '||=', '&&='].includes(node.operator))
        found.push(`${node.operator} @${node.start}`)
    },
    PropertyDefinition(node) {
      if (node.static) found.push(`static field @${node.start}`)
    },
    PrivateIdentifier(node) {
      found.push(`#${node.name} @${node.start}`)
    },
    StaticBlock(node) {
      found.push(`static block @${node.start}`)
    },
    FunctionDeclaration: enter,
    'FunctionDeclaration:exit': leave,
    FunctionExpression: enter,
    'FunctionExpression:exit': leave,
    ArrowFunctionExpression: enter,
    'ArrowFunctionExpression:exit': leave,
    AwaitExpression(node) {
      if (functionDepth === 0) found.push(`top-level await @${node.start}`)
    },
  }).visit(program)
  return found
}

/**
 * Calls in `code` of APIs the floor lacks (or an http:// LAN page lacks: crypto.randomUUID), each
 * as "what @offset". Object.hasOwn (Pinia's) is not one: console/src/old-browsers.ts adds it.
 */
function apisAboveFloor(name: string, code: string): string[] {
  const found: string[] = []
  const { program } = parseSync(name, code, { sourceType: 'module' })
  const statics: Record<string, string[]> = {
    AbortSignal: ['timeout', 'any'],
    Intl: ['Segmenter'],
    Promise: ['any'],
  }
  const methods = ['randomUUID', 'replaceAll', 'at', 'findLast', 'findLastIndex', 'toSorted']
  new Visitor({
    MemberExpression(node) {
      const prop = node.property.type === 'Identifier' ? node.property.name : null
      if (prop === null || node.computed) return
      const owner = node.object.type === 'Identifier' ? node.object.name : ''
      if (statics[owner]?.includes(prop) === true) found.push(`${owner}.${prop} @${node.start}`)
    },
    CallExpression(node) {
      const callee = node.callee
      if (callee.type === 'Identifier' && callee.name === 'structuredClone') {
        found.push(`structuredClone @${node.start}`)
      }
      if (callee.type !== 'MemberExpression' || callee.computed) return
      if (callee.property.type !== 'Identifier' || !methods.includes(callee.property.name)) return
      // Vue's reactive arrays pass these on to the array they wrap: only a page's own call counts.
      if (callee.object.type === 'CallExpression') return
      found.push(`.${callee.property.name}() @${node.start}`)
    },
  }).visit(program)
  return found
}

describe('the console and screen bundles on old browsers', () => {
  it('use no syntax newer than the floor', () => {
    const scripts = builtScripts()
    expect(scripts.some((s) => s.name.startsWith('screen'))).toBe(true)
    const above = scripts
      .map(({ name, code }) => ({ name, found: syntaxAboveFloor(name, code).slice(0, 5) }))
      .filter((s) => s.found.length > 0)
    expect(above).toEqual([])
  })

  it('call no API newer than the floor, nor one only HTTPS pages have', () => {
    const above = builtScripts()
      .map(({ name, code }) => ({ name, found: apisAboveFloor(name, code).slice(0, 5) }))
      .filter((s) => s.found.length > 0)
    expect(above).toEqual([])
  })
})

/**
 * The floor docs/DEPLOY.md "11. Browsers for the console and the big screens" states (both
 * languages), console/vite.config.ts builds for and the loading notes name. Flex `gap` (the big
 * screens' rows of texts and badges) is in from Chrome 84 / Safari 14.1 (iOS 14.5).
 */
const FLOOR = { chrome: 84, firefox: 78, safari: 14.1, ios: 14.5 }

/** A rule in the built style sheets: its file, selector, enclosing at-rules and declarations. */
interface BuiltRule {
  name: string
  selector: string
  within: string[]
  decls: string[][]
}

function builtRules(): BuiltRule[] {
  assertConsoleBuilt()
  const dir = join(CONSOLE_DIR, 'assets')
  const rules: BuiltRule[] = []
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.css'))) {
    const css = readFileSync(join(dir, name), 'utf8')
    // Preludes of the open blocks (an @media's, then a rule's selector); innermost blocks are rules.
    const open: string[] = []
    let start = 0
    let innermost = false
    for (let i = 0; i < css.length; i++) {
      if (css[i] === '{') {
        open.push(css.slice(start, i).trim())
        innermost = true
      } else if (css[i] === '}') {
        const selector = open.pop() ?? ''
        if (innermost) {
          const decls = css
            .slice(start, i)
            .split(';')
            .map((d) => d.split(':').map((p) => p.trim()))
          rules.push({ name, selector, within: [...open], decls })
        }
        innermost = false
      } else continue
      start = i + 1
    }
  }
  return rules
}

/** Rules that lay out a flex box with `gap`, which a browser below Chrome 84 / Safari 14.1 drops. */
function flexGapsBelowFloor(): string[] {
  if (FLOOR.chrome >= 84 && FLOOR.safari >= 14.1) return []
  return builtRules()
    .filter(({ decls }) => decls.some(([p, v = '']) => p === 'display' && /flex/.test(v)))
    .filter(({ decls }) =>
      decls.some(([p]) => p === 'gap' || p === 'row-gap' || p === 'column-gap'),
    )
    .map(({ name, selector }) => `${name}: ${selector} { display: flex; gap }`)
}

/**
 * Alignments with the `safe` keyword (Chrome 115 / Safari 17.6) that have no plain one before them
 * in their rule: a browser at the floor drops the declaration and the content sits at the start
 * (the draw stage's prize and winners at the top of the projector).
 */
function safeAlignmentsWithoutFallback(): string[] {
  // The keyword, not a word of a longer name (env(safe-area-inset-bottom) is no alignment).
  const SAFE = /(?<![\w-])(un)?safe(?![\w-])/
  const rules = builtRules()
  const plain = (decls: string[][], prop: string): boolean =>
    decls.some(([p = '', v = '']) => p === prop && v !== '' && !SAFE.test(v))
  const found: string[] = []
  for (const { name, selector, within, decls } of rules) {
    decls.forEach(([prop = '', value = ''], i) => {
      if (!SAFE.test(value)) return
      // A plain value earlier in the rule, or (the build drops that as a duplicate) the safe one
      // only where @supports says so and the same selector's plain one outside it.
      const guarded =
        within.some((at) => at.startsWith('@supports') && !at.includes(' not') && SAFE.test(at)) &&
        rules.some(
          (r) =>
            r.name === name &&
            r.selector === selector &&
            r.within.length === 0 &&
            plain(r.decls, prop),
        )
      if (!guarded && !plain(decls.slice(0, i), prop)) {
        found.push(`${name}: ${selector} { ${prop}: ${value} }`)
      }
    })
  }
  return found
}

/**
 * Boxes sized by aspect-ratio (Chrome 88 / Safari 15 / Firefox 89) without a fallback: a rule for
 * the same box (or its ::before) under `@supports not (aspect-ratio…)` that gives it a height
 * (padding-top / padding-bottom / height). At the floor the box would collapse to its content.
 */
function aspectRatiosWithoutFallback(): string[] {
  const rules = builtRules()
  const fallbacks = rules.filter(
    ({ within, decls }) =>
      within.some((at) => /^@supports not \(aspect-ratio/.test(at)) &&
      decls.some(([p = '']) => ['padding-top', 'padding-bottom', 'height'].includes(p)),
  )
  return rules
    .filter(({ within, decls }) => within.length === 0 && decls.some(([p]) => p === 'aspect-ratio'))
    .filter(({ name, selector }) => {
      const own = (r: BuiltRule): boolean => r.name === name && r.selector.startsWith(selector)
      return !fallbacks.some(own)
    })
    .map(({ name, selector }) => `${name}: ${selector} { aspect-ratio }`)
}

/** Lengths in units the floor lacks: container query units (Chrome 105 / Safari 16), dvh… (15.4). */
const NEWER_UNITS = /[\d.](cq[whib]|cqmin|cqmax|[dsl]v[hwib])\b/

/**
 * The built style sheets' declarations in newer units that have no fallback (the same property
 * earlier in the rule, in older units): a browser at the floor drops the declaration and the text
 * falls back to the page's size.
 */
function lengthsWithoutFallback(): string[] {
  const found: string[] = []
  for (const { name, selector, decls } of builtRules()) {
    decls.forEach(([prop = '', value = ''], i) => {
      if (!NEWER_UNITS.test(value)) return
      const fallback = decls
        .slice(0, i)
        .some(([p = '', v = '']) => p === prop && v !== '' && !NEWER_UNITS.test(v))
      if (!fallback) found.push(`${name}: ${selector} { ${prop}: ${value} }`)
    })
  }
  return found
}

describe('the console and screen style sheets on old browsers', () => {
  it('are built for the floor the deploy guide and the loading notes state', () => {
    const { chrome, firefox, safari, ios } = FLOOR
    const config = readFileSync(join(import.meta.dirname, '../../console/vite.config.ts'), 'utf8')
    expect(/target: (\[[^\]]*\])/.exec(config)?.[1]).toBe(
      `['chrome${chrome}', 'edge${chrome}', 'firefox${firefox}', 'safari${safari}', 'ios${ios}']`,
    )
    const guide = readFileSync(join(import.meta.dirname, '../../docs/DEPLOY.md'), 'utf8')
      .replace(/\s+/g, ' ')
      .replace(/、 /g, '、')
    expect(guide).toContain(
      `Chrome / Edge ${chrome}、Firefox ${firefox}、Safari ${safari}（iPad / iPhone 需 iOS ${ios}）`,
    )
    expect(guide).toContain(
      `Chrome / Edge ${chrome}, Firefox ${firefox}, Safari ${safari} (iOS / iPadOS ${ios}`,
    )
    for (const html of ['index.html', 'screen.html']) {
      const note = readFileSync(join(import.meta.dirname, '../../console', html), 'utf8').replace(
        /\s+/g,
        ' ',
      )
      expect(note).toContain(`请换用 Chrome ${chrome}、Safari ${safari} 或更新版本`)
      expect(note).toContain(`in Chrome ${chrome}, Safari ${safari} or a newer browser`)
    }
  })

  it.each([
    ['lay out no flex box with gap below Chrome 84 / Safari 14.1', flexGapsBelowFloor],
    ['give every safe alignment a plain one first', safeAlignmentsWithoutFallback],
    [
      'give every box sized by aspect-ratio a height where the browser lacks it',
      aspectRatiosWithoutFallback,
    ],
    ['give every length in units newer than the floor a fallback', lengthsWithoutFallback],
  ])('%s', (_, unmet: () => string[]) => {
    expect(unmet()).toEqual([])
  })
})

describe('the wall, draw stage and console in Chromium without the APIs above the floor', () => {
  const fx = realConsoleRelay({ name: 'screen-old' })
  const organizers = consoleOrganizers(fx)
  let campaign: ConsoleCampaign
  let organizer: ConsoleClient

  beforeAll(async () => {
    ;({ campaign, console: organizer } = await screenSetup(fx.relay))
  })

  it('shows the campaign, goes live and counts new scans', async () => {
    const context = await fx.browser.newContext({ viewport: { width: 1280, height: 720 } })
    try {
      await context.addInitScript(TAKE_AWAY_NEWER_APIS)
      const page = await context.newPage()
      const errors: string[] = []
      page.on('pageerror', (e) => errors.push(e.message))
      await page.goto(`${fx.relay.url}${screenPath('page-wall', campaign.id, campaign.screenKey)}`)
      expect(await page.evaluate('typeof AbortSignal.timeout')).toBe('undefined')
      await waitForPage(
        page,
        `document.querySelector('[data-testid="wall-name"]')?.textContent === '春季展 签到'`,
      )
      await waitForPage(page, `document.querySelector('main').dataset.state === 'live'`)
      await scan(fx.relay.url, 'oOldBrowserVisitor0001xyz')
      await waitForPage(
        page,
        `document.querySelector('[data-testid="wall-count"]').textContent === '1'`,
      )
      // console/src/old-browsers.ts put back what Pinia and shared/ call.
      expect(await page.evaluate(`Object.hasOwn({ a: 1 }, 'a') && !Object.hasOwn({}, 'a')`)).toBe(
        true,
      )
      expect(errors).toEqual([])
      // The loading note screen.html holds until the page runs is gone.
      expect(await page.locator('[data-testid="screen-loading"]').count()).toBe(0)
    } finally {
      await context.close()
    }
  })

  it('the console: signs in, lists and opens the campaign, lists a scan, lists the booths', async () => {
    await scan(fx.relay.url, 'oOldConsoleVisitor001xyz', 'k1', 1)
    const page = await organizers.signedIn('old-browser', TAKE_AWAY_NEWER_APIS)
    try {
      expect(await page.evaluate('typeof structuredClone')).toBe('undefined')
      expect(await page.locator('[data-kiosk="k1"]').count()).toBe(1)
      await page.click('[data-nav="campaigns"]')
      const row = page.locator(`[data-campaign="${campaign.id}"] [data-testid="campaign-name"]`)
      expect(await row.innerText()).toBe('春季展 签到')
      await row.locator('a').click()
      await page.locator('[data-testid="campaign-form"]').waitFor()
      await waitForPage(
        page,
        `[...document.querySelectorAll('[data-testid="campaign-form"] input')].some((i) => i.value === '春季展 签到')`,
      )
      await page.click('[data-nav="attendance"]')
      await waitForPage(
        page,
        `[...document.querySelectorAll('[data-testid="attendance-row"] .openid')].some((e) => e.textContent.trim() === 'oOldConsoleVisitor001xyz')`,
      )
      await page.click('[data-nav="booths"]')
      await page.locator('[data-testid="page-booths"]').waitFor()
      expect(await page.locator('[data-kiosk="k1"]').count()).toBe(1)
      expect(organizers.problems).toEqual([])
    } finally {
      await page.context().close()
    }
  })

  it('the draw stage plays a draw and lands on the winners the relay stored', async () => {
    for (let i = 0; i < 3; i++) await scan(fx.relay.url, `oOldDrawVisitor${i}00xyz`, 'k1', 10 + i)
    const context = await fx.browser.newContext({ viewport: { width: 1280, height: 720 } })
    try {
      await context.addInitScript(TAKE_AWAY_NEWER_APIS)
      const page = await context.newPage()
      const errors: string[] = []
      page.on('pageerror', (e) => errors.push(e.message))
      await page.goto(`${fx.relay.url}${screenPath('page-draw', campaign.id, campaign.screenKey)}`)
      expect(await page.evaluate('typeof Array.prototype.at')).toBe('undefined')
      const stage = `document.querySelector('[data-testid="draw-stage"]')`
      await waitForPage(page, `document.querySelector('main')?.dataset.state === 'live'`)
      await waitForPage(page, `${stage}?.dataset.phase === 'idle'`)
      const made = await organizer.call('POST', `/console/api/campaigns/${campaign.id}/draws`, {
        prize: '一等奖',
        count: 2,
      })
      expect(made.status, made.text).toBe(201)
      const draw = drawRecordSchema.parse(made.json)
      await waitForPage(page, `${stage}.dataset.phase === 'done'`)
      const shown = await page.evaluate<number[]>(
        `[...document.querySelectorAll('.winner')].map((e) => Number(e.dataset.number))`,
      )
      expect(shown).toEqual(draw.winners.map((w) => w.number))
      expect(await page.locator('[data-testid="draw-prize"]').textContent()).toBe('一等奖')
      expect(errors).toEqual([])
    } finally {
      await context.close()
    }
  })

  it.each([
    { page: 'screen', html: 'screen.html', testid: 'screen-loading' },
    { page: 'console', html: 'index.html', testid: 'console-loading' },
  ])(
    'a $page script the browser cannot run leaves a note on the page, not a blank one',
    async ({ page: which, html, testid }) => {
      const entry = /src="(\/console\/assets\/[^"]+\.js)"/.exec(
        readFileSync(join(CONSOLE_DIR, html), 'utf8'),
      )?.[1]
      expect(entry).toBeDefined()
      const context = await fx.browser.newContext({ viewport: { width: 1280, height: 720 } })
      try {
        // What a browser below the floor meets: a script it cannot parse.
        await context.route(`**${entry ?? ''}`, (route) =>
          route.fulfill({ contentType: 'text/javascript', body: 'let broken = ;' }),
        )
        const page = await context.newPage()
        const path =
          which === 'screen'
            ? screenPath('page-wall', campaign.id, campaign.screenKey)
            : '/console/'
        await page.goto(`${fx.relay.url}${path}`)
        const note = page.locator(`[data-testid="${testid}"]`)
        expect(await note.isVisible()).toBe(true)
        const text = await note.innerText()
        expect(text).toContain('刷新')
        expect(text).toContain(`Chrome ${FLOOR.chrome}`)
        expect(text).toContain('reload')
        // Older Android WeChat (its own engine below the floor): how to leave it, in its words.
        expect(text).toContain('在微信里，请点击右上角「⋯」选择「在浏览器打开」')
        expect(text).toContain('in WeChat, tap ⋯ at the top right and choose "Open in browser"')
      } finally {
        await context.close()
      }
    },
  )
})

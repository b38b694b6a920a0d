/**
 * The big screens left on a venue TV for days (the fair's three days): the sign-in wall and the
 * draw stage (BUILT, real Chromium at 1920×1080, the real relay on SQLite in this process) on a
 * fake page clock that jumps six hours at a time, each step 60 first scans and one draw (72 h:
 * twelve steps, 720 check-ins, 12 draws). Each jump also drops the page's stream (silence past
 * two heartbeats), so every step is a reconnect too. Reported, after a forced collection (CDP): the page's JS heap, DOM nodes and
 * event listeners after the first step (start; the wall's 60 tiles full) and after the last,
 * and the growth per simulated hour. Each page is its own client behind a proxy
 * (X-Forwarded-For, a fresh address each step) so the hourly reconnects never meet the screens' per-address rate.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { z } from 'zod'
import { makeDraw } from '../relay/draws/draw-service'
import { startRelay } from '../relay/server'
import { launchChromium, waitForPage } from '../test/e2e/browser'
import { assertConsoleBuilt, CONSOLE_DIR } from '../test/e2e/fake-console-relay'
import { assignBooth, BENCH_CAMPAIGN, postPush, scanXml, silent, TOKEN } from './env'
import { ratio, round, type Metric, type Results } from './result'

const BOOTH = 'tv-booth'
const CAMPAIGN = 'c-benchtv000000000000'
const KEY = 'bench-tv-screen-key-0123456789abcdef01234567'
const HOUR = 3_600_000
/** Hours per step: 72 h is twelve steps. */
const STEP_HOURS = 6
/** A full wall (60 tiles) already after the first step, so its cap is not read as growth. */
const SCANS_PER_STEP = 60
const LIVE = `document.querySelector('main')?.dataset.state === 'live'`
const metricsSchema = z.object({
  metrics: z.array(z.object({ name: z.string(), value: z.number() })),
})

export interface Sample {
  heapMb: number
  nodes: number
  listeners: number
}

/** The page's JS heap (MB), DOM nodes and event listeners after two forced collections. */
export async function sample(page: Page): Promise<Sample> {
  const cdp = await page.context().newCDPSession(page)
  try {
    await cdp.send('HeapProfiler.collectGarbage')
    await cdp.send('HeapProfiler.collectGarbage')
    await cdp.send('Performance.enable')
    const { metrics } = metricsSchema.parse(await cdp.send('Performance.getMetrics'))
    const of = (name: string): number => metrics.find((m) => m.name === name)?.value ?? NaN
    return {
      heapMb: of('JSHeapUsedSize') / 1024 / 1024,
      nodes: of('Nodes'),
      listeners: of('JSEventListeners'),
    }
  } finally {
    await cdp.detach()
  }
}

export async function benchScreenLongRun(quick: boolean): Promise<Results> {
  assertConsoleBuilt()
  const steps = quick ? 4 : 12
  const dir = mkdtempSync(join(tmpdir(), 'bench-screen-tv-'))
  const relay = await startRelay(
    {
      port: 0,
      host: '127.0.0.1',
      data: dir,
      wechat: { token: TOKEN },
      consoleDir: CONSOLE_DIR,
      trustProxyHops: 1,
    },
    { log: silent },
  )
  const browser = await launchChromium()
  try {
    await relay.store.campaigns.createCampaign(
      { ...BENCH_CAMPAIGN, id: CAMPAIGN, screenKey: KEY, name: '三天展会 签到' },
      Date.now(),
    )
    await relay.addKiosk(BOOTH)
    await assignBooth(relay.store, BOOTH, CAMPAIGN)

    let address = 0
    const tv = (): Record<string, string> => ({ 'X-Forwarded-For': `198.51.100.${++address}` })
    const contexts: BrowserContext[] = []
    const open = async (kind: 'wall' | 'draw'): Promise<Page> => {
      const context = await browser.newContext({
        viewport: { width: 1920, height: 1080 },
        extraHTTPHeaders: tv(),
      })
      contexts.push(context)
      await context.clock.install()
      const page = await context.newPage()
      await page.goto(`${relay.url}/screen/${CAMPAIGN}/${kind}?key=${KEY}`)
      await waitForPage(page, LIVE)
      return page
    }
    const wall = await open('wall')
    const draw = await open('draw')

    let scanned = 0
    const step = async (): Promise<void> => {
      for (let i = 0; i < SCANS_PER_STEP; i += 10) {
        const statuses = await Promise.all(
          Array.from({ length: 10 }, () => {
            const n = scanned++
            return postPush(
              relay.url,
              scanXml(`oBenchTv${String(n).padStart(20, '0')}`, `${BOOTH}:s${n}`),
            )
          }),
        )
        if (statuses.some((s) => s !== 200)) throw new Error(`push refused: ${statuses.join()}`)
      }
      const made = await makeDraw(
        relay.store.draws,
        CAMPAIGN,
        { prize: '整点抽奖', count: 1, excludeWinners: true, rosterOnly: false },
        { organizer: 'bench', clock: Date.now },
      )
      if (!made.ok) throw new Error(made.message)
      const number = made.record.winners[0]?.number ?? 0
      await waitForPage(
        wall,
        `document.querySelector('[data-testid="wall-count"]')?.textContent.replace(/\\D/g, '') === '${scanned}'`,
        30_000,
      )
      await waitForPage(
        draw,
        `document.querySelector('[data-testid="draw-stage"]')?.dataset.phase === 'done' && document.querySelector('.winner[data-number="${number}"]') !== null`,
        30_000,
      )
      // Six hours later on both TVs, each from a fresh address: the stream dropped and back.
      for (const context of contexts) {
        await context.setExtraHTTPHeaders(tv())
        await context.clock.fastForward(STEP_HOURS * HOUR)
      }
      for (const page of [wall, draw]) await waitForPage(page, LIVE, 30_000)
    }

    await step()
    const start = [await sample(wall), await sample(draw)] as const
    const t0 = Date.now()
    const half = steps / 2
    for (let h = 1; h < half; h++) await step()
    const mid = [await sample(wall), await sample(draw)] as const
    for (let h = half; h < steps; h++) await step()
    const runSeconds = (Date.now() - t0) / 1000
    const end = [await sample(wall), await sample(draw)] as const

    const results: Results = {}
    const simulated = (steps - 1) * STEP_HOURS
    for (const [i, kind] of (['wall', 'draw'] as const).entries()) {
      const a = start[i]
      const m = mid[i]
      const b = end[i]
      if (a === undefined || m === undefined || b === undefined) continue
      const note = `hour ${STEP_HOURS} → hour ${steps * STEP_HOURS} (every ${STEP_HOURS} h: ${SCANS_PER_STEP} scans, 1 draw, a dropped stream; ${round(runSeconds, 1)} s)`
      const entry = (value: number, unit: string, extra: Partial<Metric> = {}): Metric => ({
        value: round(value, 3),
        unit,
        ...extra,
      })
      results[`screen-tv.${kind}.heap-start`] = entry(a.heapMb, 'MB', { note: 'JS heap after GC' })
      results[`screen-tv.${kind}.heap-end`] = entry(b.heapMb, 'MB', {
        compare: { against: 'heap at start', ratio: ratio(b.heapMb, a.heapMb) },
        note,
      })
      results[`screen-tv.${kind}.heap-growth-per-hour`] = entry(
        ((b.heapMb - a.heapMb) * 1024) / simulated,
        'KB/h',
        { goal: '< 50 KB/h', met: ((b.heapMb - a.heapMb) * 1024) / simulated < 50 },
      )
      // The first half's growth includes the page's warm-up (code compiled, caches filled);
      // the second half's is what a leak would add hour after hour.
      const steady = ((b.heapMb - m.heapMb) * 1024) / ((steps - half) * STEP_HOURS)
      results[`screen-tv.${kind}.heap-growth-per-hour-second-half`] = entry(steady, 'KB/h', {
        goal: '< 10 KB/h',
        met: steady < 10,
        note: `hour ${half * STEP_HOURS} → hour ${steps * STEP_HOURS}: past the warm-up`,
      })
      results[`screen-tv.${kind}.nodes-start`] = entry(a.nodes, 'nodes')
      results[`screen-tv.${kind}.nodes-end`] = entry(b.nodes, 'nodes', {
        compare: { against: 'nodes at start', ratio: ratio(b.nodes, a.nodes) },
      })
      results[`screen-tv.${kind}.nodes-growth-per-hour`] = entry(
        (b.nodes - a.nodes) / simulated,
        'nodes/h',
      )
      results[`screen-tv.${kind}.listeners-start`] = entry(a.listeners, 'listeners')
      results[`screen-tv.${kind}.listeners-end`] = entry(b.listeners, 'listeners', {
        compare: { against: 'listeners at start', ratio: ratio(b.listeners, a.listeners) },
      })
    }
    return results
  } finally {
    await browser.close()
    await relay.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

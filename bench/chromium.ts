/**
 * Metric 5 in a real Chromium: `kiosk web` (demo mode, built renderer and CLI) from process
 * spawn to the first QR code painted, and a phone scan (sandbox → relay → kiosk) to the
 * greeting painted.
 * Paint time is the page's next animation frame after the element appears, in wall-clock ms.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { z } from 'zod'
import type { Browser, Page } from 'playwright-core'
import { launchChromium, readScreenCode, waitForSteadyCode } from '../test/e2e/browser'
import {
  assertCliBuilt,
  assertRendererBuilt,
  startKioskProcess,
  type KioskProcess,
} from '../test/e2e/kiosk-process'
import { phoneScan } from '../test/e2e/phone'
import { percentile, round, type Results } from './result'

// In-page source text (this file is type-checked for Node, the browser runs it).
// Besides the paint, it notes when each greeting's server-sent event reached the page (and the
// kiosk's own time in it, the greeting's `at`: when the kiosk began storing the scan's batch,
// whose greeting goes out before the COMMIT) and when the greeting's
// element entered the DOM, so the bench can split the path (issue 22 item 4).
const WATCH_GREETINGS = `(() => {
  const now = () => performance.timeOrigin + performance.now()
  window.__greetPaint = {}
  window.__greetTrace = {}
  window.__greetOpacity = {}
  const Source = window.EventSource
  window.EventSource = class extends Source {
    constructor(url, init) {
      super(url, init)
      this.addEventListener('greeting', (e) => {
        try {
          const p = JSON.parse(e.data)
          window.__greetTrace[p.eventId] = { sse: now(), emitted: p.at, dom: 0 }
        } catch {}
      })
    }
  }
  const note = () => {
    const el = document.querySelector('[data-testid="greeting"]')
    const id = el && el.dataset.eventId
    if (!id || window.__greetPaint[id] !== undefined) return
    window.__greetPaint[id] = 0
    if (window.__greetTrace[id]) window.__greetTrace[id].dom = now()
    requestAnimationFrame(() => {
      window.__greetPaint[id] = now()
      window.__greetOpacity[id] = Number(getComputedStyle(el).opacity)
      if (window.__greetWaiter) window.__greetWaiter()
    })
  }
  new MutationObserver(note).observe(document, { childList: true, subtree: true })
})()`

const QR_PAINTED = `new Promise((resolve) => {
  const check = () => {
    if (document.querySelector('[data-testid="qr-card"] svg path')) {
      requestAnimationFrame(() => resolve(performance.timeOrigin + performance.now()))
    } else setTimeout(check, 5)
  }
  check()
})`

setFlagsFromString('--expose-gc')
const collectGarbage = runInNewContext('gc') as () => void

const traceSchema = z.object({ sse: z.number(), emitted: z.number(), dom: z.number() })
type Trace = z.infer<typeof traceSchema>
const nextPaintSchema = z
  .object({
    id: z.string(),
    painted: z.number(),
    trace: traceSchema.nullable(),
    opacity: z.number().nullable(),
  })
  .nullable()

/**
 * The next greeting painted that is not in `known`, with its trace; null after `timeoutMs`.
 * One call that the page answers when it paints: polling it (an evaluate every 10 ms) kept
 * Chromium's renderer busy with the bench's own requests while it was being measured.
 */
async function greetingPaint(
  page: Page,
  known: Set<string>,
  timeoutMs: number,
): Promise<{ painted: number; trace: Trace | null; opacity: number | null } | null> {
  const found = nextPaintSchema.parse(
    await page.evaluate(`new Promise((resolve) => {
      const known = new Set(${JSON.stringify([...known])})
      const take = () => {
        for (const [id, t] of Object.entries(window.__greetPaint)) {
          if (!known.has(id) && t > 0) {
            window.__greetWaiter = null
            resolve({ id, painted: t, trace: window.__greetTrace[id] ?? null, opacity: window.__greetOpacity[id] ?? null })
            return
          }
        }
      }
      window.__greetWaiter = take
      take()
      setTimeout(() => resolve(null), ${timeoutMs})
    })`),
  )
  if (found === null) return null
  known.add(found.id)
  return { painted: found.painted, trace: found.trace, opacity: found.opacity }
}

export async function benchChromium(quick: boolean): Promise<Results> {
  assertRendererBuilt()
  assertCliBuilt()
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-web-'))
  const browser = await launchChromium()
  try {
    // The kiosk's CSP forbids eval; playwright's string predicates need it (bench only).
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 }, bypassCSP: true })
    await page.addInitScript({ content: WATCH_GREETINGS })
    const t0 = performance.timeOrigin + performance.now()
    // BENCH_WEB_TRACE=1: each scan's split printed (and the kiosk's output lines with " ms: ",
    // such as V8's --trace-gc, when BENCH_WEB_NODE_OPTIONS gives the kiosk process a preload).
    const tracing = process.env.BENCH_WEB_TRACE === '1'
    const nodeOptions = process.env.BENCH_WEB_NODE_OPTIONS
    const kiosk = await startKioskProcess(
      ['--port', '0', '--data', dataDir],
      nodeOptions === undefined ? {} : { NODE_OPTIONS: nodeOptions },
    )
    try {
      await page.goto(kiosk.kioskUrl)
      const painted = z.number().parse(await page.evaluate(QR_PAINTED))
      const startMs = painted - t0
      const sandbox = kiosk.sandboxUrl
      if (sandbox === null) throw new Error('demo mode printed no sandbox line')
      const lat: number[] = []
      // Scan → the sandbox's answer, which comes once the relay answered its push 200: the
      // part of scan → greeting spent before the kiosk's side (relay → kiosk → paint).
      const answered: number[] = []
      // The greeting's opacity in that painted frame: how much of it the visitor saw.
      const opacities: number[] = []
      const known = new Set<string>()
      // The path split per scan: sent → the kiosk began storing the scan (sandbox, relay,
      // frame), → its event reached the page (its rows written), → its element in the DOM (Vue),
      // → painted (the next animation frame).
      const split: Record<'toEmitted' | 'toSse' | 'toDom' | 'toPaint', number[]> = {
        toEmitted: [],
        toSse: [],
        toDom: [],
        toPaint: [],
      }
      const scans = Number(process.env.BENCH_WEB_SCANS ?? (quick ? 5 : 20))
      // The phone's HTTP client (fetch, in this process) set up before any clock starts: its
      // first request cost ~10 ms of set-up that is the stand-in phone's, not the kiosk's.
      await (await fetch(`${sandbox}/sandbox/faults`)).text()
      // Scan 0 is the first visitor after start: every part's first run (the sandbox's, the
      // relay's and the kiosk's code paths, the page's first greeting) is in it. It is
      // reported on its own (`.first`), and the series is the `scans` after it.
      let first: number | null = null
      for (let i = 0; i <= scans; i++) {
        const url = await readScreenCode(page, 'bench-scan')
        // Reading the code decodes a screenshot here: its garbage, collected during the next
        // scan, stalled this process's event loop (and the phone's request in it) for up to
        // 33 ms (monitorEventLoopDelay, 20 scans). Collected now, before the clock starts.
        collectGarbage()
        await new Promise((resolve) => setTimeout(resolve, 20))
        const sent = performance.timeOrigin + performance.now()
        let answeredAt = NaN
        const scan = phoneScan(sandbox, url, `oBench_visitor_${String(i).padStart(4, '0')}`).then(
          () => (answeredAt = performance.timeOrigin + performance.now()),
        )
        const t = await greetingPaint(page, known, 15_000)
        await scan
        if (i === 0) {
          first = t === null ? null : t.painted - sent
        } else if (t !== null) {
          lat.push(t.painted - sent)
          if (t.opacity !== null) opacities.push(t.opacity)
          if (t.trace && t.trace.dom > 0) {
            split.toEmitted.push(t.trace.emitted - sent)
            split.toSse.push(t.trace.sse - t.trace.emitted)
            split.toDom.push(t.trace.dom - t.trace.sse)
            split.toPaint.push(t.painted - t.trace.dom)
          }
        }
        if (i > 0) answered.push(answeredAt - sent)
        if (tracing && t !== null && t.trace !== null) {
          const r = (n: number) => round(n, 1)
          console.log(
            `scan ${i} at ${r(sent - t0)} ms (${sent.toFixed(2)}): painted ${r(t.painted - sent)}, emitted ${r(t.trace.emitted - sent)} (${t.trace.emitted}), sse ${r(t.trace.sse - t.trace.emitted)}, dom ${r(t.trace.dom - t.trace.sse)}, paint ${r(t.painted - t.trace.dom)}, push 200 ${r(answeredAt - sent)}`,
          )
        }
        await waitForSteadyCode(page, 30_000)
      }
      // The page above stays quiet meanwhile: closed, so it paints no greeting of theirs.
      await page.close()
      const throttled = await throttledMetrics(browser, kiosk, sandbox, quick)
      const s = [...lat].sort((a, b) => a - b)
      const a = [...answered].sort((x, y) => x - y)
      const p99 = percentile(s, 99)
      return {
        'kiosk.web.start-to-first-qr': {
          value: round(startMs, 0),
          unit: 'ms',
          goal: '< 1500 ms',
          met: startMs < 1500,
          note: 'spawn of `node --enable-source-maps out/cli/cli.mjs web` (demo) to first QR painted; builds excluded',
        },
        'kiosk.web.scan-to-greeting.first': {
          value: first === null ? null : round(first, 1),
          unit: 'ms',
          note: 'the first scan after start (every part cold), not in the p50/p99 series',
        },
        'kiosk.web.scan-to-greeting.p50': { value: round(percentile(s, 50), 1), unit: 'ms' },
        'kiosk.web.scan-to-greeting.p99': {
          value: round(p99, 1),
          unit: 'ms',
          // Issue 22 item 4: the kiosk's commit plus two frames at 60 Hz, on a quiet machine
          // (the first goal, < 100 ms, is in the note).
          goal: '<= 35 ms',
          met: p99 <= 35,
          note: `${lat.length}/${scans} greetings seen after the first; sandbox push → relay → kiosk → paint (< 100 ms: ${p99 < 100 ? 'yes' : 'no'})`,
        },
        'kiosk.web.greeting.first-frame-opacity': {
          value: opacities.length > 0 ? round(Math.min(...opacities), 2) : null,
          unit: '',
          goal: '>= 0.5',
          met: opacities.length > 0 && Math.min(...opacities) >= 0.5,
          note: 'the lowest opacity of the greeting in the frame its paint time counts to (0: that frame showed nothing)',
        },
        'kiosk.web.scan-to-push-200.p50': {
          value: round(percentile(a, 50), 1),
          unit: 'ms',
          note: 'phone scan POSTed to the sandbox → its answer (after the relay answered the push 200)',
        },
        'kiosk.web.scan-to-push-200.p99': { value: round(percentile(a, 99), 1), unit: 'ms' },
        ...splitMetrics(split),
        ...throttled,
      }
    } finally {
      if (tracing) {
        for (const l of kiosk.output().split('\n')) if (/ ms: /.test(l)) console.log(`kiosk ${l}`)
      }
      await kiosk.stop()
    }
  } finally {
    await browser.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

const SPLIT_NOTES = {
  toEmitted:
    "scan sent → the kiosk began storing the batch (the greeting's `at`: sandbox, relay + its commit, frame)",
  toSse:
    'the kiosk began storing it → its server-sent event reached the page (rows written, the event sent before the COMMIT)',
  toDom: 'the event reached the page → the greeting element in the DOM (the store, Vue)',
  toPaint: 'the element in the DOM → the next animation frame (paint)',
} as const

/** `kiosk.web.split.<part>.p50|p99`: where scan → greeting painted goes, part by part. */
function splitMetrics(split: Record<keyof typeof SPLIT_NOTES, number[]>): Results {
  const out: Results = {}
  for (const part of Object.keys(SPLIT_NOTES) as (keyof typeof SPLIT_NOTES)[]) {
    const s = [...split[part]].sort((x, y) => x - y)
    out[`kiosk.web.split.${part}.p50`] = {
      value: round(percentile(s, 50), 1),
      unit: 'ms',
      note: SPLIT_NOTES[part],
    }
    out[`kiosk.web.split.${part}.p99`] = { value: round(percentile(s, 99), 1), unit: 'ms' }
  }
  return out
}

/**
 * Cheap booth hardware: Chromium's CPU slowed `rate` times (DevTools'
 * Emulation.setCPUThrottlingRate; the browser already runs without a GPU) at a laptop's
 * 1366×768 and a portrait 1080×1920 screen. Quick mode: 1366×768 only.
 */
const THROTTLED = [4, 6] as const
const THROTTLED_SCREENS = [
  { width: 1366, height: 768 },
  { width: 1080, height: 1920 },
] as const
/** A burst at the booth: this many visitors, one scan every BURST_GAP_MS (10 in 2 s). */
const BURST = 10
const BURST_GAP_MS = 200

/**
 * `kiosk.web.cpu<rate>x.<w>x<h>.*` on the running demo kiosk, one fresh page each: page load →
 * first code painted; scan → greeting painted; and a burst of BURST scans of one code within
 * 2 s: how many greetings were painted, and the shortest time one stayed up before the next.
 */
async function throttledMetrics(
  browser: Browser,
  kiosk: KioskProcess,
  sandbox: string,
  quick: boolean,
): Promise<Results> {
  const out: Results = {}
  const screens = quick ? THROTTLED_SCREENS.slice(0, 1) : THROTTLED_SCREENS
  const scans = quick ? 3 : 10
  let visitor = 0
  for (const rate of THROTTLED) {
    for (const viewport of screens) {
      const name = `kiosk.web.cpu${rate}x.${viewport.width}x${viewport.height}`
      const page = await browser.newPage({ viewport, bypassCSP: true })
      try {
        const cdp = await page.context().newCDPSession(page)
        await cdp.send('Emulation.setCPUThrottlingRate', { rate })
        await page.addInitScript({ content: WATCH_GREETINGS })
        const t0 = performance.timeOrigin + performance.now()
        await page.goto(kiosk.kioskUrl)
        const firstQr = z.number().parse(await page.evaluate(QR_PAINTED)) - t0
        const known = new Set<string>()
        const lat: number[] = []
        for (let i = 0; i < scans; i++) {
          const url = await readScreenCode(page, 'bench-throttled')
          collectGarbage()
          const sent = performance.timeOrigin + performance.now()
          const scan = phoneScan(sandbox, url, `oSlow_${String(visitor++).padStart(5, '0')}`)
          const t = await greetingPaint(page, known, 30_000)
          await scan
          if (t !== null) lat.push(t.painted - sent)
          await waitForSteadyCode(page, 30_000)
        }
        const url = await readScreenCode(page, 'bench-throttled')
        const sends: Promise<unknown>[] = []
        for (let i = 0; i < BURST; i++) {
          sends.push(phoneScan(sandbox, url, `oSlow_${String(visitor++).padStart(5, '0')}`))
          await new Promise((resolve) => setTimeout(resolve, BURST_GAP_MS))
        }
        await Promise.all(sends)
        const painted: number[] = []
        // Each waits for the next greeting painted; the last of the burst is up about
        // BURST × 2.5 s after the first (GREETING_BUSY_MS each).
        for (let i = 0; i < BURST; i++) {
          const t = await greetingPaint(page, known, 15_000)
          if (t === null) break
          painted.push(t.painted)
        }
        await waitForSteadyCode(page, 30_000)
        const gaps = painted.slice(1).map((p, i) => p - (painted[i] ?? p))
        const s = [...lat].sort((a, b) => a - b)
        out[`${name}.first-qr`] = {
          value: round(firstQr, 0),
          unit: 'ms',
          note: 'page load (kiosk running) → first code painted',
        }
        out[`${name}.scan-to-greeting.p50`] = {
          value: round(percentile(s, 50), 1),
          unit: 'ms',
          note: `${lat.length}/${scans} greetings painted`,
        }
        out[`${name}.scan-to-greeting.p99`] = { value: round(percentile(s, 99), 1), unit: 'ms' }
        out[`${name}.burst.greeted`] = {
          value: painted.length,
          unit: `of ${BURST}`,
          goal: `${BURST}`,
          met: painted.length === BURST,
          note: `${BURST} visitors' scans of one code within ${(BURST * BURST_GAP_MS) / 1000} s, each greeting painted`,
        }
        out[`${name}.burst.shown-min`] = {
          value: gaps.length > 0 ? round(Math.min(...gaps), 0) : null,
          unit: 'ms',
          note: 'shortest time a burst greeting was painted before the next one (GREETING_BUSY_MS 2500)',
        }
      } finally {
        await page.close()
      }
    }
  }
  return out
}

/**
 * The console over a venue's bad Wi-Fi or a phone's weak 4G (`npm run bench -- --only
 * console-compression`, or alone: `tsx bench/console-compression.ts [out.json]`):
 * - the console's first load (the sign-in page: index.html, its script and style) against a
 *   real relay, in real Chromium: bytes over the wire (CDP's encoded lengths) and the time from
 *   navigation to the sign-in form painted under CDP network emulation (1.6 Mbit/s down,
 *   750 kbit/s up, 150 ms RTT), served plain (a copy of out/console without its .br/.gz, as
 *   every load was before) and compressed (out/console as built);
 * - the attendance CSV of 100,000 rows (20,000 quick) from a relay in a child process (the
 *   attendance bench's): bytes, wall time on loopback and the relay's CPU for the download,
 *   plain and gzip.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import type { Browser } from 'playwright-core'
import { startRelay } from '../relay/server'
import { TOKEN } from '../test/relay/harness'
import { launchChromium } from '../test/e2e/browser'
import { assertConsoleBuilt, CONSOLE_DIR } from '../test/e2e/fake-console-relay'
import { Child } from './child'
import { printTable, ratio, round, type Results } from './result'

/** The slow link: what DevTools calls "Fast 3G", close to a crowded venue's Wi-Fi or weak 4G. */
export const SLOW_LINK = {
  offline: false,
  latency: 150,
  downloadThroughput: 1_600_000 / 8,
  uploadThroughput: 750_000 / 8,
}

interface Load {
  bytes: number
  ms: number
}

/** One cold load of /console/ (cache off) to the sign-in form painted, on `link` or none. */
async function firstLoad(browser: Browser, url: string, slow: boolean): Promise<Load> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  try {
    const page = await context.newPage()
    const cdp = await context.newCDPSession(page)
    await cdp.send('Network.enable')
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true })
    if (slow) await cdp.send('Network.emulateNetworkConditions', SLOW_LINK)
    let bytes = 0
    cdp.on('Network.loadingFinished', (e) => (bytes += e.encodedDataLength))
    const t0 = performance.now()
    await page.goto(`${url}/console/`)
    await page.locator('#sign-in-name').waitFor()
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => r(null)))')
    const ms = performance.now() - t0
    // Every response finished (a favicon, late chunks) before the bytes are read.
    await page.waitForLoadState('networkidle')
    return { bytes, ms }
  } finally {
    await context.close()
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? NaN
}

async function benchFirstLoad(quick: boolean, results: Results): Promise<void> {
  assertConsoleBuilt()
  const root = mkdtempSync(join(tmpdir(), 'bench-coding-'))
  // The console as every relay served it before: no compressed copies beside its files.
  const plainDir = join(root, 'plain')
  cpSync(CONSOLE_DIR, plainDir, {
    recursive: true,
    filter: (src) => !/\.(br|gz)$/.test(src),
  })
  const start = (consoleDir: string, data: string) =>
    startRelay({
      port: 0,
      host: '127.0.0.1',
      data: join(root, data),
      wechat: { token: TOKEN },
      consoleDir,
    })
  const plain = await start(plainDir, 'd1')
  const packed = await start(CONSOLE_DIR, 'd2')
  const browser = await launchChromium()
  try {
    const runs = quick ? 1 : 3
    const measure = async (url: string) => {
      const wire = await firstLoad(browser, url, false)
      const slow: number[] = []
      for (let i = 0; i < runs; i++) slow.push((await firstLoad(browser, url, true)).ms)
      return { bytes: wire.bytes, ms: median(slow) }
    }
    const before = await measure(plain.url)
    const after = await measure(packed.url)
    results['console.first-load.bytes-plain'] = {
      value: round(before.bytes / 1024, 1),
      unit: 'KiB',
      note: 'sign-in page, scripts and styles, as served before (no Accept-Encoding honoured)',
    }
    results['console.first-load.bytes-compressed'] = {
      value: round(after.bytes / 1024, 1),
      unit: 'KiB',
      compare: { against: 'plain', ratio: ratio(after.bytes, before.bytes) },
      note: "Chromium's Accept-Encoding, the build's .br/.gz copies",
    }
    results['console.first-load.slow-link-plain'] = {
      value: round(before.ms, 0),
      unit: 'ms',
      note: `to the sign-in form painted, 1.6 Mbit/s down 150 ms RTT, median of ${runs}`,
    }
    results['console.first-load.slow-link-compressed'] = {
      value: round(after.ms, 0),
      unit: 'ms',
      compare: { against: 'plain', ratio: ratio(after.ms, before.ms) },
      note: `same link, median of ${runs}`,
    }
  } finally {
    await browser.close()
    await plain.close()
    await packed.close()
    rmSync(root, { recursive: true, force: true })
  }
}

/** GET `url` with `headers`: the body's bytes and the wall time, ms. */
function download(url: string, headers: Record<string, string>): Promise<Load> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const req = request(url, { headers }, (res) => {
      let bytes = 0
      res.on('data', (c: Buffer) => (bytes += c.length))
      res.on('end', () => resolve({ bytes, ms: performance.now() - t0 }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

async function benchExport(quick: boolean, results: Results): Promise<void> {
  const rows = quick ? 20_000 : 100_000
  const child = new Child('attendance-child.ts')
  try {
    const { url } = z
      .object({ url: z.string() })
      .parse(
        await child.call({ cmd: 'start', backend: 'sqlite', kiosks: 20, rows, attendance: true }),
      )
    const cpu = async () =>
      z.object({ micros: z.number() }).parse(await child.call({ cmd: 'cpu' })).micros
    const sheet = `${url}/console/api/attendance?format=csv`
    const measure = async (headers: Record<string, string>) => {
      const best = { bytes: 0, ms: Infinity, cpuMs: Infinity }
      // The first download warms the store's pages; the least of the rest.
      await download(sheet, headers)
      for (let i = 0; i < (quick ? 2 : 3); i++) {
        const c0 = await cpu()
        const got = await download(sheet, headers)
        const cpuMs = ((await cpu()) - c0) / 1000
        best.bytes = got.bytes
        best.ms = Math.min(best.ms, got.ms)
        best.cpuMs = Math.min(best.cpuMs, cpuMs)
      }
      return best
    }
    const plain = await measure({})
    const gzip = await measure({ 'Accept-Encoding': 'gzip, deflate, br' })
    const label = `${rows / 1000}k`
    results[`console.export-csv-${label}.bytes-plain`] = {
      value: round(plain.bytes / 1e6, 2),
      unit: 'MB',
    }
    results[`console.export-csv-${label}.bytes-gzip`] = {
      value: round(gzip.bytes / 1e6, 2),
      unit: 'MB',
      compare: { against: 'plain', ratio: ratio(gzip.bytes, plain.bytes) },
    }
    results[`console.export-csv-${label}.relay-cpu-plain`] = {
      value: round(plain.cpuMs, 0),
      unit: 'ms',
      note: `loopback download ${round(plain.ms, 0)} ms`,
    }
    results[`console.export-csv-${label}.relay-cpu-gzip`] = {
      value: round(gzip.cpuMs, 0),
      unit: 'ms',
      compare: { against: 'plain', ratio: ratio(gzip.cpuMs, plain.cpuMs) },
      note: `loopback download ${round(gzip.ms, 0)} ms; at 1.6 Mbit/s: ${round((plain.bytes * 8) / 1.6e6, 0)} s plain, ${round((gzip.bytes * 8) / 1.6e6, 0)} s gzip`,
    }
  } finally {
    await child.stop()
  }
}

export async function benchConsoleCompression(quick: boolean): Promise<Results> {
  const results: Results = {}
  await benchFirstLoad(quick, results)
  await benchExport(quick, results)
  return results
}

async function main(): Promise<void> {
  const out = process.argv[2]
  const results = await benchConsoleCompression(process.argv.includes('--quick'))
  printTable(results)
  if (out !== undefined && out !== '--quick') writeFileSync(out, JSON.stringify(results, null, 2))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err)
    process.exitCode = 1
  })
}

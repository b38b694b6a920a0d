/**
 * `tsx bench/e2e-profile.ts <sqlite|redis> <rate> [seconds] [relay|kiosk]`: one end-to-end run
 * of the e2e bench (a signed push → the scan committed in a kiosk core's SQLite) at a fixed
 * open-loop rate, with the relay (or the kiosk) under `node --cpu-prof`, and where its CPU went
 * by self time while the load ran.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { z } from 'zod'
import { Child } from './child'
import { printSelfTime, takeProfile } from './cpu-profile'
import { runOnNewKiosk, WARM_UP } from './e2e'

const [backend = 'sqlite', rateArg = '1000', secondsArg = '10', which = 'relay'] =
  process.argv.slice(2)
if (which !== 'relay' && which !== 'kiosk') throw new Error('profile the relay or the kiosk')
const rate = Number(rateArg)
const count = Math.round(rate * Number(secondsArg))
const dir = mkdtempSync(join(tmpdir(), 'e2e-prof-'))
const profiled = (make: () => Child): Child => {
  process.env.BENCH_RELAY_PROF = dir
  try {
    return make()
  } finally {
    delete process.env.BENCH_RELAY_PROF
  }
}
const relay = which === 'relay' ? profiled(() => new Child()) : new Child()
const kiosk =
  which === 'kiosk'
    ? profiled(() => new Child('kiosk-sink-child.ts'))
    : new Child('kiosk-sink-child.ts')
const { url } = z.object({ url: z.string() }).parse(await relay.call({ cmd: 'start', backend }))
const on = { relay, kiosk, url }
const warm = Number(process.env.BENCH_E2E_WARM_UP ?? WARM_UP.count)
await runOnNewKiosk(on, 1, warm === WARM_UP.count ? WARM_UP.rate : rate, warm)
// The child's profile clock is its own hrtime in µs; monotonic like ours.
const from = Number(process.hrtime.bigint() / 1000n)
const r = await runOnNewKiosk(on, 2, rate, count)
const to = Number(process.hrtime.bigint() / 1000n)
await Promise.all([relay.stop(), kiosk.stop()])
console.log(
  `${backend} at ${rate}/s × ${count}: p50 ${r.p50} ms, p99 ${r.p99} ms, POST → 200 p50 ` +
    `${r.answer50} ms; CPU µs/push relay ${r.relayCpu}, kiosk ${r.kioskCpu}; ${which} profiled`,
)
printSelfTime(takeProfile(dir), from, to, 40)

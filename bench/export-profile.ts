/**
 * `tsx bench/export-profile.ts [rows] [csv|xlsx]`: seeds a SQLite relay store in a child process
 * (attendance-child.ts) with `rows` scans over 200 kiosks, then downloads the consolidated export
 * once under `node --cpu-prof` and prints where the serving process's CPU went during the
 * download, by self time (areas and top functions), beside the read floor.
 */
import { mkdtempSync } from 'node:fs'
import { get } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { z } from 'zod'
import { Child } from './child'
import { round } from './result'
import { printSelfTime, takeProfile } from './cpu-profile'

const [rowsArg = '300000', format = 'csv'] = process.argv.slice(2)
const dir = mkdtempSync(join(tmpdir(), 'export-prof-'))
process.env.BENCH_RELAY_PROF = dir
const child = new Child('attendance-child.ts')
const { url } = z.object({ url: z.string() }).parse(
  await child.call({
    cmd: 'start',
    backend: 'sqlite',
    kiosks: 200,
    rows: Number(rowsArg),
    attendance: true,
  }),
)
const floor = z.object({ ms: z.number() }).parse(await child.call({ cmd: 'read-floor' }))
const from = Number(process.hrtime.bigint() / 1000n)
const t0 = performance.now()
const bytes = await new Promise<number>((resolve, reject) => {
  get(`${url}/console/api/attendance?format=${format}`, (res) => {
    let n = 0
    res.on('data', (c: Buffer) => (n += c.length))
    res.on('end', () => resolve(n))
  }).on('error', reject)
})
const ms = performance.now() - t0
const to = Number(process.hrtime.bigint() / 1000n)
await child.stop()
const raw = takeProfile(dir)
console.log(
  `${format} of ${rowsArg} rows: ${round(ms, 0)} ms, ${round(bytes / 1e6, 1)} MB; read floor ${round(floor.ms, 0)} ms`,
)
printSelfTime(raw, from, to)

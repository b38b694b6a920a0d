/**
 * `npm run fuzz [-- --requests 100000 --seed 1 --concurrency 8]`: seeded fuzzing of the relay's
 * push endpoint (XML, query strings, encodings, sizes, encrypted payloads with flipped bits)
 * against a relay with an on-disk SQLite store. Prints a summary; exits 1 on any failure.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { runPushFuzz, startFuzzRelay } from '../test/reliability/push-fuzz-run'

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '8' },
  },
})
const requests = Number(values.requests)
const seed = Number(values.seed)
const concurrency = Number(values.concurrency)
if (![requests, seed, concurrency].every((n) => Number.isInteger(n) && n > 0)) {
  console.error('usage: npm run fuzz -- [--requests N] [--seed N] [--concurrency N]')
  process.exit(2)
}

const dir = mkdtempSync(join(tmpdir(), 'scandesk-fuzz-'))
const relay = await startFuzzRelay(dir)
const started = Date.now()
try {
  const report = await runPushFuzz(relay, {
    seed,
    requests,
    concurrency,
    onProgress: (n) => {
      const mb = Math.round(process.memoryUsage().heapUsed / 1e6)
      console.log(`${n} requests, heap ${mb} MB, ${Math.round((Date.now() - started) / 1000)} s`)
    },
  })
  const summary = {
    seed,
    requests: report.requests,
    seconds: Math.round((Date.now() - started) / 1000),
    byStatus: report.byStatus,
    byKind: report.byKind,
    storedEvents: report.stored,
    heapSamplesMb: report.heapSamplesMb,
    failures: report.failures,
  }
  console.log(JSON.stringify(summary, null, 2))
  process.exitCode = report.failures.length === 0 ? 0 : 1
} finally {
  await relay.close()
  rmSync(dir, { recursive: true, force: true })
}

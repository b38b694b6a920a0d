// Bounded version of `npm run fuzz`: seeded generated and mutated pushes against a real relay.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RelayHandle } from '../../relay/server'
import { runPushFuzz, startFuzzRelay } from './push-fuzz-run'

let relay: RelayHandle

beforeAll(async () => {
  relay = await startFuzzRelay()
})
afterAll(() => relay.close())

describe('push endpoint fuzz (2,000 requests)', () => {
  it('never answers 5xx or hangs, refuses bad input with 4xx and stores nothing for it', async () => {
    const report = await runPushFuzz(relay, { seed: 9, requests: 2000, concurrency: 8 })
    expect(report.failures).toEqual([])
    expect(report.requests).toBe(2000)
    // The generator must actually reach every class of answer, or the test proves little.
    expect(report.byStatus['200']).toBeGreaterThan(50)
    expect(report.byStatus['400']).toBeGreaterThan(50)
    expect(report.byStatus['401']).toBeGreaterThan(50)
    expect(report.byStatus['413']).toBeGreaterThan(20)
    expect(report.byKind['flipped-encrypt:400']).toBeGreaterThan(20)
    // The relay is still healthy and serves a valid push afterwards.
    const health = await fetch(`${relay.url}/healthz`)
    expect(health.status).toBe(200)
  })
})

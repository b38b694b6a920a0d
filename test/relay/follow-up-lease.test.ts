/**
 * Two follow-up workers on one store (the relay's own and a second one, as a second relay
 * instance would run) while WeChat answers slower than the lease: a batch of texts outlasts
 * the lease, on each store. Every text reaches its visitor exactly once (counted at the
 * sandbox) and the report says each was sent — the other worker neither sends again a text in
 * flight nor leaves it reported failed.
 */
import { describe, expect, it } from 'vitest'
import { relayTestBed } from './campaign-helpers'
import {
  report,
  scanAll,
  textsPerVisitor,
  twoWorkersOneStore,
  visitors,
  waitFor,
} from './follow-up-helpers'

const bed = relayTestBed()
/** Shorter than one chunk of 20 texts on 4 lanes at LATENCY_MS a call. */
const LEASE_MS = 300
const LATENCY_MS = 250
/**
 * No renewal while a round runs (leaseRenewMs 0): the lease lapses mid-batch, as it did before
 * the heartbeat and still can when a renewal is late, so the claim alone must keep the two
 * workers from sending a text twice (follow-up-heartbeat tests the renewal).
 */
const TUNING = {
  tickMs: 50,
  backoffMs: 100,
  maxBackoffMs: 400,
  leaseTtlMs: LEASE_MS,
  leaseRenewMs: 0,
}

describe.each(['sqlite', 'redis'] as const)('follow-up lease outlasted on %s', (backend) => {
  it('two workers, WeChat slower than the lease: each text sent once and reported sent', async () => {
    const { sandbox, c, campaignId, codes, second } = await twoWorkersOneStore(
      bed,
      backend,
      TUNING,
      LATENCY_MS,
    )

    const openids = visitors(60)
    await scanAll(sandbox, codes, openids)
    await waitFor(
      'all settled',
      async () => {
        const r = await report(c, campaignId)
        return r.counts.messagePending === 0 && r.counts.sent + r.counts.messageFailed === 60
      },
      60_000,
    )
    // Settled: a result still in flight would land within a few calls' time.
    await new Promise((r) => setTimeout(r, 6 * LATENCY_MS))

    const perVisitor = textsPerVisitor(sandbox)
    const twice = [...perVisitor].filter(([, n]) => n > 1).map(([o]) => o)
    expect(twice).toEqual([])
    expect(new Set(perVisitor.keys())).toEqual(new Set(openids))
    const r = await report(c, campaignId)
    expect(r.counts).toMatchObject({ sent: 60, messageFailed: 0, messagePending: 0 })
    expect(r.failures).toEqual([])
    // Both worked: the lease did lapse mid-batch, so the claim is what kept each text single.
    expect(second.stats.messageCalls).toBeGreaterThan(0)
    expect(second.stats.messageCalls).toBeLessThan(60)
  }, 90_000)
})

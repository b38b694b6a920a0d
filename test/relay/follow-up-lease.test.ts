/**
 * Two follow-up workers on one store (the relay's own and a second one, as a second relay
 * instance would run) while WeChat answers slower than the lease: a batch of texts outlasts
 * the lease, on each store. Every text reaches its visitor exactly once (counted at the
 * sandbox) and the report says each was sent — the other worker neither sends again a text in
 * flight nor leaves it reported failed.
 */
import { describe, expect, it } from 'vitest'
import { CampaignDirectory } from '../../relay/campaign-directory'
import { FollowUpWorker } from '../../relay/follow-up/worker'
import { silentLogger } from '../../shared/server/log'
import { WechatClient } from '../../shared/wechat'
import type { Sandbox } from '../../sandbox/server'
import { assign, createCampaign, relayTestBed, signIn } from './campaign-helpers'
import { startOn } from './console-helpers'
import {
  boothCodes,
  followUpSandbox,
  report,
  scanAll,
  visitors,
  waitFor,
  wechatOf,
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

/** A client that waits out the slow sandbox (the relay's own gives up after 5 s). */
function slowClient(sandbox: Sandbox): WechatClient {
  const o = sandbox.options
  return new WechatClient({
    appId: o.appId,
    appSecret: o.appSecret,
    apiBase: sandbox.url,
    busyRetries: 0,
    timeoutMs: 5000,
  })
}

describe.each(['sqlite', 'redis'] as const)('follow-up lease outlasted on %s', (backend) => {
  it('two workers, WeChat slower than the lease: each text sent once and reported sent', async () => {
    const sandbox = await followUpSandbox()
    bed.cleanups.push(() => sandbox.close())
    const relay = await startOn(
      bed.placeFor(backend),
      { followUp: { ...TUNING, client: slowClient(sandbox) } },
      { wechat: wechatOf(sandbox), followUp: { batchWindowMs: 300 } },
    )
    bed.cleanups.push(() => relay.close())
    // The second instance: its own worker (own lease owner) on the same store.
    const second = new FollowUpWorker({
      store: relay.store,
      campaigns: new CampaignDirectory(relay.store, Date.now),
      client: slowClient(sandbox),
      log: silentLogger,
      now: Date.now,
      batchWindowMs: 300,
      windowMs: 60_000,
      ...TUNING,
    })
    bed.cleanups.push(() => second.stop())
    sandbox.setPushUrl(`${relay.url}/wechat`)
    const c = await signIn(relay)
    const campaign = await createCampaign(c, { followUp: 'hi {number}' })
    await relay.addKiosk('booth-a')
    await assign(c, 'booth-a', campaign.id)
    const codes = await boothCodes(sandbox, ['booth-a'])
    sandbox.setFaults({ latencyMs: LATENCY_MS })
    second.start()

    const openids = visitors(60)
    await scanAll(sandbox, codes, openids)
    await waitFor(
      'all settled',
      async () => {
        const r = await report(c, campaign.id)
        return r.counts.messagePending === 0 && r.counts.sent + r.counts.messageFailed === 60
      },
      60_000,
    )
    // Settled: a result still in flight would land within a few calls' time.
    await new Promise((r) => setTimeout(r, 6 * LATENCY_MS))

    const perVisitor = new Map<string, number>()
    for (const m of sandbox.users.messages()) {
      perVisitor.set(m.openid, (perVisitor.get(m.openid) ?? 0) + 1)
    }
    const twice = [...perVisitor].filter(([, n]) => n > 1).map(([o]) => o)
    expect(twice).toEqual([])
    expect(new Set(perVisitor.keys())).toEqual(new Set(openids))
    const r = await report(c, campaign.id)
    expect(r.counts).toMatchObject({ sent: 60, messageFailed: 0, messagePending: 0 })
    expect(r.failures).toEqual([])
    // Both worked: the lease did lapse mid-batch, so the claim is what kept each text single.
    expect(second.stats.messageCalls).toBeGreaterThan(0)
    expect(second.stats.messageCalls).toBeLessThan(60)
  }, 90_000)
})

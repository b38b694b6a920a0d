/**
 * Two follow-up workers on one store while WeChat answers slower than the lease (a batch of
 * 20 texts takes several lease lifetimes): the worker holding the lease keeps it through the
 * batch (a heartbeat renews it while the calls are in flight), so the other one never takes
 * it, never sends, and never reports the texts in flight as failed ("maybe sent") — polled
 * all along, on each store. Every text reaches its visitor exactly once.
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
/** Shorter than one chunk of 20 texts on 4 lanes at LATENCY_MS a call (5 × 250 ms). */
const LEASE_MS = 300
const LATENCY_MS = 250
const TUNING = { tickMs: 50, backoffMs: 100, maxBackoffMs: 400, leaseTtlMs: LEASE_MS }

/** A client that waits out the slow sandbox and counts its customer-service sends. */
class CountingClient extends WechatClient {
  sends = 0
  constructor(sandbox: Sandbox) {
    const o = sandbox.options
    super({
      appId: o.appId,
      appSecret: o.appSecret,
      apiBase: sandbox.url,
      busyRetries: 0,
      timeoutMs: 5000,
    })
  }
  override callApi(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    if (path === 'cgi-bin/message/custom/send') this.sends++
    return super.callApi(method, path, body)
  }
}

describe.each(['sqlite', 'redis'] as const)('follow-up lease heartbeat on %s', (backend) => {
  it('the lease holder keeps it through slow batches: one sender, nothing shown failed', async () => {
    const sandbox = await followUpSandbox()
    bed.cleanups.push(() => sandbox.close())
    const firstClient = new CountingClient(sandbox)
    const relay = await startOn(
      bed.placeFor(backend),
      { followUp: { ...TUNING, client: firstClient } },
      { wechat: wechatOf(sandbox), followUp: { batchWindowMs: 300 } },
    )
    bed.cleanups.push(() => relay.close())
    // The second instance: its own worker (own lease owner) on the same store.
    const secondClient = new CountingClient(sandbox)
    const second = new FollowUpWorker({
      store: relay.store,
      campaigns: new CampaignDirectory(relay.store, Date.now),
      client: secondClient,
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
    // Polled every 50 ms all along: a text in flight shown "maybe sent" would be seen here.
    let mostFailed = 0
    const shownFailed = new Set<string>()
    await waitFor(
      'all sent',
      async () => {
        const r = await report(c, campaign.id)
        mostFailed = Math.max(mostFailed, r.counts.messageFailed)
        for (const f of r.failures) shownFailed.add(f.openid)
        return r.counts.messagePending === 0 && r.counts.sent + r.counts.messageFailed === 60
      },
      60_000,
    )
    // Settled: a result still in flight would land within a few calls' time.
    await new Promise((r) => setTimeout(r, 6 * LATENCY_MS))

    expect({ mostFailed, shownFailed: [...shownFailed] }).toEqual({
      mostFailed: 0,
      shownFailed: [],
    })
    // One worker held the lease all along (the relay's, started first): it alone sent.
    expect({ first: firstClient.sends, second: secondClient.sends }).toEqual({
      first: 60,
      second: 0,
    })
    const perVisitor = new Map<string, number>()
    for (const m of sandbox.users.messages()) {
      perVisitor.set(m.openid, (perVisitor.get(m.openid) ?? 0) + 1)
    }
    expect([...perVisitor].filter(([, n]) => n > 1)).toEqual([])
    expect(new Set(perVisitor.keys())).toEqual(new Set(openids))
    const r = await report(c, campaign.id)
    expect(r.counts).toMatchObject({ sent: 60, messageFailed: 0, messagePending: 0 })
    expect(r.failures).toEqual([])
  }, 90_000)
})

/**
 * FollowUpWorker.stop waits for the backlog read in flight (follow_up_waiting) and starts none
 * after: a lease renewal sent while the last round ran and answered after `stop` returned used
 * to start a read of the store (its campaign list, then each campaign's counters) that nothing
 * waited for, on a store the relay closes right after stopping the worker.
 */
import { describe, expect, it, vi } from 'vitest'
import { CampaignDirectory } from '../../relay/campaign-directory'
import { FollowUpWorker } from '../../relay/follow-up/worker'
import { silentLogger } from '../../relay/log'
import type { LeaseAnswer } from '../../relay/store/follow-up-types'
import { openSqliteStore } from '../../relay/store/sqlite/store'
import { WechatClient } from '../../shared/wechat'

describe('follow-up backlog read at stop', () => {
  it('a renewal answered after stop starts no read of the store', async () => {
    const store = openSqliteStore({ data: ':memory:' })
    // Reads of the campaigns (the version, then the list): what a backlog read starts with.
    let reads = 0
    let openGate: () => void = () => undefined
    const gate = new Promise<void>((go) => (openGate = go))
    const { campaigns, followUp } = store
    const clock = campaigns.clock.bind(campaigns)
    const list = campaigns.listCampaigns.bind(campaigns)
    vi.spyOn(campaigns, 'clock').mockImplementation(async () => {
      reads++
      return clock()
    })
    vi.spyOn(campaigns, 'listCampaigns').mockImplementation(async () => {
      reads++
      await gate
      return list()
    })
    // The round's lease at once; the heartbeat's renewal answered when the test says.
    let leases = 0
    let answerRenewal: (got: LeaseAnswer) => void = () => undefined
    const renewal = new Promise<LeaseAnswer>((answer) => (answerRenewal = answer))
    const lease = followUp.lease.bind(followUp)
    vi.spyOn(followUp, 'lease').mockImplementation(async (...args) =>
      ++leases === 2 ? renewal : lease(...args),
    )
    const worker = new FollowUpWorker({
      store,
      campaigns: new CampaignDirectory(store, Date.now),
      client: new WechatClient({ appId: 'wx0', appSecret: 'secret' }),
      log: silentLogger,
      now: Date.now,
      batchWindowMs: 1000,
      windowMs: 60_000,
      tickMs: 60_000,
      leaseRenewMs: 5,
      backlogRefreshMs: 0,
    })
    try {
      worker.start()
      // The round holds the lease, reads the backlog and its campaigns; the heartbeat renews.
      await until(() => leases >= 2)
      expect(reads).toBeGreaterThan(0)
      openGate()
      await worker.stop()
      const atStop = reads
      answerRenewal('renewed')
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r))
      expect(reads).toBe(atStop)
    } finally {
      await store.close()
    }
  })
})

async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((r) => setTimeout(r, 1))
}

describe('follow-up backlog staleness', () => {
  it('keeps the last read while it is younger than four lease renewals, with a long lease', async () => {
    // A round held on slow calls reads the backlog again only on renewals: with a lease of 10
    // minutes (renewed every 200 s) a cut-off of four 15 s refreshes emptied the gauge.
    const store = openSqliteStore({ data: ':memory:' })
    let clock = 1_000_000
    const worker = new FollowUpWorker({
      store,
      campaigns: new CampaignDirectory(store, () => clock),
      client: new WechatClient({ appId: 'wx0', appSecret: 'secret' }),
      log: silentLogger,
      now: () => clock,
      batchWindowMs: 1000,
      windowMs: 60_000,
      tickMs: 60_000,
      leaseTtlMs: 600_000,
      backlogRefreshMs: 15_000,
    })
    worker.start()
    try {
      await until(() => worker.backlog !== null)
      clock += 120_000
      expect(worker.backlog).toMatchObject({ tag: 0, message: 0 })
      clock += 700_000
      expect(worker.backlog).toBeNull()
    } finally {
      await worker.stop()
      await store.close()
    }
  })
})

/**
 * The follow-up worker reads the rows of the kiosks the change feed named, not every kiosk's
 * queue head each round (one read per booth, 200 ms apart, at 1,000 booths), and still never
 * misses a scan: a booth added, revoked or moved to another campaign while it runs, a worker
 * started after the scans, another instance holding the lease while they came, a resync after
 * the feed lost them, and a lost message with no resync (the periodic sweep). On each store.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { CampaignDirectory } from '../../relay/campaign-directory'
import { FollowUpWorker, type FollowUpWorkerOptions } from '../../relay/follow-up/worker'
import type { NewEvent, RelayStore, StoreChange } from '../../relay/store/types'
import { silentLogger } from '../../shared/server/log'
import { campaignBody } from './campaign-helpers'
import { unusedWechat } from './follow-up-helpers'
import { storeBackends } from './store-backends'

const backends = storeBackends('follow-up-heard')
const SWEEP_MS = 60_000
const HOUR = 3_600_000

interface Bed {
  store: RelayStore
  directory: CampaignDirectory
  /** The workers' clock (the lease on Redis keeps its own). */
  clock: { now: number }
  worker(tuning?: Partial<FollowUpWorkerOptions>): FollowUpWorker
  /** A scan at `kioskId` counted in `campaignId`; resolves once the directory heard it. */
  scan(kioskId: string, openid: string, campaignId: string | null): Promise<void>
  /** The same, its change message lost on the way (as to a subscriber away from Redis). */
  lostScan(kioskId: string, openid: string, campaignId: string | null): Promise<void>
  /** The openids of `campaignId` waiting for their tag. */
  waiting(campaignId: string): Promise<string[]>
  addBooth(kioskId: string): Promise<void>
  /** Rounds of `w` until one holds the lease (the clock moved past the other's lease first). */
  takeOver(w: FollowUpWorker): Promise<void>
}

const open: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close()
})

async function bed(openStore: () => Promise<RelayStore>): Promise<Bed> {
  const store = await openStore()
  const clock = { now: Date.now() }
  const directory = new CampaignDirectory(store, () => clock.now)
  const workers: FollowUpWorker[] = []
  open.push(async () => {
    for (const w of workers) await w.stop()
    directory.close()
    await store.close()
  })
  // Heard in the same call as the workers' watchers hear it (added later: after this one).
  const heard: StoreChange[] = []
  directory.watch((c) => heard.push(c))
  const heardEvent = (kioskId: string, seq: number) =>
    vi.waitFor(
      () => {
        const got = heard.some((c) => c.type === 'event' && c.kioskId === kioskId && c.seq === seq)
        if (!got) throw new Error(`not heard yet: ${kioskId} ${seq}`)
      },
      { timeout: 10_000, interval: 5 },
    )
  for (const id of ['spring', 'autumn']) {
    await store.campaigns.createCampaign(
      { ...campaignBody({ tag: id }), id, screenKey: 'k'.repeat(43) },
      clock.now,
    )
  }
  let n = 0
  const append = async (kioskId: string, openid: string, campaignId: string | null) => {
    const i = n++
    const e: NewEvent = {
      id: `ev-${kioskId}-${i}`,
      event: 'scan',
      openid,
      scene: `${kioskId}:${i}`,
      ticket: 't',
      createTime: 1_700_000_000,
      receivedAt: clock.now,
    }
    const r = await store.appendEvent(kioskId, e, campaignId)
    if (r.status !== 'stored') throw new Error(`scan not stored: ${r.status}`)
    // SQLite builds the row the worker reads after the push's commit, and a round waits only
    // 200 ms for it (a row not in yet is read next round, by design); on a loaded machine one
    // round was not enough. The rows are in first, as they are within moments at a venue: these
    // tests are about which kiosks a round reads, not how soon a row is built.
    await store.attendance.settled()
    return r.seq
  }
  const b: Bed = {
    store,
    directory,
    clock,
    worker(tuning = {}) {
      const w = new FollowUpWorker({
        store,
        campaigns: directory,
        client: unusedWechat(),
        log: silentLogger,
        now: () => clock.now,
        // Visitors wait for their batch: nothing is sent, they stay pending.
        batchWindowMs: HOUR,
        windowMs: 60_000,
        sweepMs: SWEEP_MS,
        backlogRefreshMs: HOUR,
        ...tuning,
      })
      workers.push(w)
      return w
    },
    async scan(kioskId, openid, campaignId) {
      await heardEvent(kioskId, await append(kioskId, openid, campaignId))
    },
    async lostScan(kioskId, openid, campaignId) {
      // Dropped before the directory and its watchers hear it; `heard` still sees it go by.
      const forget = directory.forget.bind(directory)
      const lose = vi.spyOn(directory, 'forget').mockImplementation((c) => {
        if (c.type === 'event') heard.push(c)
        else forget(c)
      })
      try {
        await heardEvent(kioskId, await append(kioskId, openid, campaignId))
      } finally {
        lose.mockRestore()
      }
    },
    async takeOver(w) {
      const rounds = w.stats.rounds
      clock.now += 20_000
      await vi.waitFor(
        async () => {
          await w.round()
          if (w.stats.rounds === rounds) throw new Error('lease not taken over yet')
        },
        { timeout: 15_000, interval: 50 },
      )
    },
    async waiting(campaignId) {
      const due = await store.followUp.dueTags(campaignId, clock.now + HOUR, 100)
      return due.map((v) => v.openid).sort()
    },
    async addBooth(kioskId) {
      await store.putKiosk({
        kioskId,
        tokenHash: 'h',
        ticketProxy: true,
        sceneRanges: [],
        now: clock.now,
      })
    },
  }
  for (let i = 0; i < 5; i++) await b.addBooth(`booth-${i}`)
  return b
}

describe.each(backends)('follow-up worker reads the kiosks it heard of on $name', ({ open }) => {
  it('an idle round lists no kiosk; a scan is read from its booth alone', async () => {
    const b = await bed(open)
    const worker = b.worker()
    const list = vi.spyOn(b.store, 'listKiosks')
    const rowsAfter = vi.spyOn(b.store.followUp, 'rowsAfter')
    await worker.round()
    expect(list).toHaveBeenCalledTimes(1)
    list.mockClear()
    rowsAfter.mockClear()

    await worker.round()
    await worker.round()
    expect(list).not.toHaveBeenCalled()
    expect(rowsAfter).not.toHaveBeenCalled()

    await b.scan('booth-3', 'o-a', 'spring')
    await worker.round()
    expect(list).not.toHaveBeenCalled()
    expect(rowsAfter.mock.calls.map((c) => c[0])).toEqual(['booth-3'])
    expect(await b.waiting('spring')).toEqual(['o-a'])
  })

  it('misses no scan at a booth added, revoked or moved while the worker runs', async () => {
    const b = await bed(open)
    const worker = b.worker()
    await worker.round()

    await b.addBooth('booth-new')
    await b.scan('booth-new', 'o-new', 'spring')
    await b.scan('booth-1', 'o-revoked', 'spring')
    await b.store.revokeKiosk('booth-1', b.clock.now)
    await b.scan('booth-2', 'o-moved', 'spring')
    await b.store.campaigns.assignKiosk('booth-2', 'autumn')
    await b.scan('booth-2', 'o-after', 'autumn')
    await worker.round()

    expect(await b.waiting('spring')).toEqual(['o-moved', 'o-new', 'o-revoked'])
    expect(await b.waiting('autumn')).toEqual(['o-after'])
  })

  it('a worker started after the scans reads them', async () => {
    const b = await bed(open)
    await b.scan('booth-0', 'o-early', 'spring')
    const worker = b.worker()
    await worker.round()
    expect(await b.waiting('spring')).toEqual(['o-early'])
  })

  it('reads every kiosk once it takes the lease back from another instance', async () => {
    const b = await bed(open)
    const first = b.worker({ leaseTtlMs: 2000 })
    const second = b.worker({ leaseTtlMs: 2000 })
    await b.takeOver(second)
    await b.takeOver(first)
    // The first holds the lease: the second hears the scan but may not work on it.
    await b.scan('booth-4', 'o-meanwhile', 'spring')
    const rounds = second.stats.rounds
    await second.round()
    expect(second.stats.rounds).toBe(rounds)
    // The first stops before reading it; once its lease lapses the second takes it back.
    await first.stop()
    await b.takeOver(second)
    expect(await b.waiting('spring')).toEqual(['o-meanwhile'])
  })

  it('takes a lease back as a takeover after its own lease calls failed all the while another held it', async () => {
    const b = await bed(open)
    const first = b.worker({ leaseTtlMs: 2000 })
    const second = b.worker({ leaseTtlMs: 2000 })
    // The first instance's lease calls throw (its way to the store broken) when told: every
    // one ('down'), or every one that does not get the lease ('until-granted': it never hears
    // that another holds it, only the call that takes it back answers).
    const failing = new Map<string, 'down' | 'until-granted'>()
    const lease = b.store.followUp.lease.bind(b.store.followUp)
    const leases = vi
      .spyOn(b.store.followUp, 'lease')
      .mockImplementation(async (owner, now, ttlMs) => {
        const mode = failing.get(owner)
        if (mode === 'down') throw new Error('store unreachable (test)')
        const got = await lease(owner, now, ttlMs)
        if (mode === 'until-granted' && got === false) throw new Error('store unreachable (test)')
        return got
      })
    await b.takeOver(first)
    const firstOwner = leases.mock.calls.at(-1)?.[0] ?? ''
    failing.set(firstOwner, 'down')
    await expect(first.round()).rejects.toThrow('store unreachable')
    // The second takes the lapsed lease, works, and stops; the first never hears of it.
    await b.takeOver(second)
    await second.stop()
    failing.set(firstOwner, 'until-granted')
    // Back: it settles the texts the second may have left "sending", and reads every kiosk.
    const settle = vi.spyOn(b.store.followUp, 'sendingMessages')
    const list = vi.spyOn(b.store, 'listKiosks')
    await b.takeOver(first)
    expect(settle).toHaveBeenCalled()
    expect(list).toHaveBeenCalled()
    // Renewed while it runs: no takeover again.
    settle.mockClear()
    await first.round()
    expect(settle).not.toHaveBeenCalled()
  })

  it('stops hearing the change feed when stopped, and reads what it missed once started again', async () => {
    const b = await bed(open)
    // The directory's listeners the worker holds (the worker's own and its campaign list's).
    const active = new Set<(change: StoreChange) => void>()
    const watch = b.directory.watch.bind(b.directory)
    vi.spyOn(b.directory, 'watch').mockImplementation((listener) => {
      const off = watch(listener)
      active.add(listener)
      return () => {
        active.delete(listener)
        off()
      }
    })
    const worker = b.worker({ tickMs: HOUR, leaseTtlMs: 2 * HOUR })
    expect(active.size).toBe(2)
    const roundsDone = async (n: number) =>
      vi.waitFor(
        () => {
          if (worker.stats.rounds < n) throw new Error('round not run yet')
        },
        { timeout: 10_000, interval: 5 },
      )
    worker.start()
    await roundsDone(1)
    await worker.stop()
    expect(active.size).toBe(0)
    // Stored while it is stopped: no listener of the worker's hears it.
    await b.scan('booth-3', 'o-stopped', 'spring')
    worker.start()
    expect(active.size).toBe(2)
    await roundsDone(2)
    await worker.stop()
    expect(await b.waiting('spring')).toEqual(['o-stopped'])
    expect(active.size).toBe(0)
  })

  it('reads every kiosk after a resync, and on the sweep when a message was lost', async () => {
    const b = await bed(open)
    // A lease outliving the clock's jumps: one lapsed would be taken back afresh (every kiosk read).
    const worker = b.worker({ leaseTtlMs: 2 * SWEEP_MS })
    await worker.round()
    const list = vi.spyOn(b.store, 'listKiosks')

    // The feed loses a scan's message (as a subscriber away from Redis would)...
    await b.lostScan('booth-0', 'o-lost', 'spring')
    await worker.round()
    expect(await b.waiting('spring')).toEqual([])
    // ...and says so: the next round reads every kiosk.
    b.directory.forget({ type: 'resync' })
    await worker.round()
    expect(list).toHaveBeenCalledTimes(1)
    expect(await b.waiting('spring')).toEqual(['o-lost'])

    // Lost with no resync: found by the sweep, once SWEEP_MS has passed.
    await b.lostScan('booth-1', 'o-unheard', 'spring')
    b.clock.now += SWEEP_MS - 1
    await worker.round()
    expect(await b.waiting('spring')).toEqual(['o-lost'])
    b.clock.now += 1
    await worker.round()
    expect(list).toHaveBeenCalledTimes(2)
    expect(await b.waiting('spring')).toEqual(['o-lost', 'o-unheard'])
  })

  it('reads a kiosk again next round while its row is not in yet', async () => {
    const b = await bed(open)
    const worker = b.worker()
    await worker.round()
    await b.scan('booth-2', 'o-late', 'spring')
    // The read comes back without it (SQLite: the row built after the read's 200 ms wait).
    vi.spyOn(b.store.followUp, 'rowsAfter').mockResolvedValueOnce([])
    await worker.round()
    expect(await b.waiting('spring')).toEqual([])
    await worker.round()
    expect(await b.waiting('spring')).toEqual(['o-late'])
  })

  it('reads a kiosk again next round while its rows fill more than one read', async () => {
    const b = await bed(open)
    const worker = b.worker({ readLimit: 2 })
    await worker.round()
    for (const o of ['o1', 'o2', 'o3', 'o4', 'o5']) await b.scan('booth-0', o, 'spring')
    await worker.round()
    expect(await b.waiting('spring')).toEqual(['o1', 'o2'])
    await worker.round()
    await worker.round()
    expect(await b.waiting('spring')).toEqual(['o1', 'o2', 'o3', 'o4', 'o5'])
  })

  it('stops reading a booth once its rows filled the last read exactly', async () => {
    const b = await bed(open)
    const worker = b.worker({ readLimit: 2 })
    await worker.round()
    for (const o of ['o1', 'o2', 'o3', 'o4']) await b.scan('booth-0', o, 'spring')
    await worker.round()
    await worker.round()
    expect(await b.waiting('spring')).toEqual(['o1', 'o2', 'o3', 'o4'])
    // Every row read and no scan since: idle rounds read no booth.
    const rowsAfter = vi.spyOn(b.store.followUp, 'rowsAfter')
    await worker.round()
    await worker.round()
    expect(rowsAfter).not.toHaveBeenCalled()
    await b.scan('booth-0', 'o5', 'spring')
    await worker.round()
    expect(await b.waiting('spring')).toEqual(['o1', 'o2', 'o3', 'o4', 'o5'])
  })
})

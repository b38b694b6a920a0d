/**
 * Tag results are written only over a pending tag, like the message outcomes over their
 * claim: a late retry from a stale instance (its batchtagging call failed while another
 * instance tagged the same visitors) no longer sets a tagged visitor back to pending, which
 * cost an extra batchtagging call and showed as "retagged". On each store.
 */
import { describe, expect, it } from 'vitest'
import { relayTestBed } from './campaign-helpers'
import { startOn } from './console-helpers'

const bed = relayTestBed()

describe.each(['sqlite', 'redis'] as const)('follow-up tag writes on %s', (backend) => {
  it('a stale retry or failure does not undo a visitor already tagged', async () => {
    const relay = await startOn(bed.placeFor(backend))
    bed.cleanups.push(() => relay.close())
    await relay.addKiosk('booth-a')
    const store = relay.store.followUp
    const visitor = (openid: string) => ({
      campaignId: 'c1',
      openid,
      kioskId: 'booth-a',
      number: 1,
      scannedAt: Date.now(),
      tag: 'pending' as const,
      message: null,
    })
    await store.record('booth-a', 1, [visitor('o1'), visitor('o2')])
    const pending = ['pending' as const]
    // Instance B tags both; instance A, stale, then writes its retry and its failure.
    await store.updateTags('c1', ['o1', 'o2'], { state: 'tagged', attempted: true, from: pending })
    await store.updateTags('c1', ['o1'], {
      state: 'pending',
      dueAt: Date.now() + 1000,
      attempted: true,
      from: pending,
    })
    await store.updateTags('c1', ['o2'], {
      state: 'failed',
      errcode: 45159,
      attempted: true,
      from: pending,
    })
    expect(await store.counts('c1')).toMatchObject({
      tagged: 2,
      pending: 0,
      failed: 0,
      retagged: 0,
    })
    expect(await store.dueTags('c1', Date.now() + 5000, 10)).toEqual([])
    // Without `from`, a write applies as before (and over a pending tag with it).
    await store.updateTags('c1', ['o1'], { state: 'pending', from: undefined })
    expect(await store.counts('c1')).toMatchObject({ tagged: 1, pending: 1 })
  }, 30_000)
})

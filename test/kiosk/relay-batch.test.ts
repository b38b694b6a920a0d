// The relay link stores the scan frames that arrive together in one `onScans` call (one
// transaction, one fsync) and acks the highest seq once, strictly after that returned; a batch
// that fails is retried one scan at a time so the scans before the failing one still count.
import type { Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { WebSocket } from 'ws'
import { z } from 'zod'
import { RelayLink, type ScanDelivery } from '../../electron/core/scans/relay-link'
import type { RelayCursor } from '../../electron/core/scans/relay-cursor'
import {
  attendanceRows,
  cleanup,
  kioskOn,
  onCleanup,
  startCore,
  startPlatform,
  waitFor,
} from './helpers'
import { scanFrame } from './fake-v2-relay'
import { relayStandIn } from './relay-stand-in'

afterEach(cleanup)

const ackSchema = z.object({ type: z.literal('ack'), seq: z.number() })

interface FakeRelay {
  url: string
  acks: number[]
  /** Sends welcome then `seqs` as scan frames in ONE socket write (they arrive together). */
  onHello(fn: (send: (seqs: number[]) => void) => void): void
}

/** A bare websocket server standing in for the relay: corks the socket so frames share a write. */
async function fakeRelay(headSeq: number): Promise<FakeRelay> {
  const acks: number[] = []
  let hello: (send: (seqs: number[]) => void) => void = () => {}
  const url = await relayStandIn((wss, req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      ws.on('message', (data) => {
        const text = Array.isArray(data)
          ? Buffer.concat(data)
          : Buffer.isBuffer(data)
            ? data
            : Buffer.from(new Uint8Array(data))
        const msg: unknown = JSON.parse(text.toString('utf8'))
        const ack = ackSchema.safeParse(msg)
        if (ack.success) return void acks.push(ack.data.seq)
        const tcp = socket as Socket
        hello((seqs) => {
          tcp.cork()
          ws.send(JSON.stringify({ type: 'welcome', epoch: 'ep1', headSeq }))
          for (const s of seqs) ws.send(JSON.stringify(scanFrame(s, { scene: `k1:s${s}` })))
          process.nextTick(() => tcp.uncork())
        })
      })
    })
  })
  return { url, acks, onHello: (fn) => (hello = fn) }
}

function link(
  relayUrl: string,
  onScans: (batch: readonly ScanDelivery[]) => (() => void) | void,
): RelayLink {
  let cursor: RelayCursor = { epoch: null, lastSeq: 0 }
  const l = new RelayLink({
    relayUrl,
    kioskId: 'k1',
    token: 'tok',
    cursor: { current: () => cursor, reset: (epoch) => (cursor = { epoch, lastSeq: 0 }) },
    // As RelayCursorStore.commit does: the cursor moves only once the batch is stored.
    onScans: (batch) => {
      const after = onScans(batch)
      const last = batch.at(-1)
      if (last) cursor = { epoch: cursor.epoch, lastSeq: last.frame.seq }
      return after
    },
    onState: () => {},
    backoffBaseMs: 20,
    backoffMaxMs: 50,
  })
  onCleanup(() => l.stop())
  return l
}

describe('relay link batching', () => {
  it('stores frames that arrive together in one call and acks the highest seq after it', async () => {
    const relay = await fakeRelay(0)
    relay.onHello((send) => send(Array.from({ length: 50 }, (_, i) => i + 1)))
    const batches: number[][] = []
    let committed = 0
    const order: string[] = []
    const l = link(relay.url, (batch) => {
      // An ack may only reach the relay for what is committed.
      expect(Math.max(0, ...relay.acks)).toBeLessThanOrEqual(committed)
      batches.push(batch.map((d) => d.frame.seq))
      committed = batch.at(-1)?.frame.seq ?? committed
      return () => order.push(...batch.map((d) => `after ${d.frame.seq}`))
    })
    l.start()
    await waitFor(() => relay.acks.at(-1) === 50, 'ack of the last seq')
    // One write, so one batch (a regression to a commit per frame would make 50).
    expect(batches).toHaveLength(1)
    expect(batches.flat()).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
    expect(relay.acks).toEqual([50])
    // Announced per scan, in order, once the batch is stored.
    expect(order).toEqual(Array.from({ length: 50 }, (_, i) => `after ${i + 1}`))
    expect(l.diagnostics().lastAckedSeq).toBe(50)
  })

  it('a batch that fails is stored one scan at a time: the scans before the bad one are acked', async () => {
    const relay = await fakeRelay(0)
    let round = 0
    relay.onHello((send) => {
      round++
      // First connection: 1..10 together; after the failure the relay replays from its ack.
      const from = round === 1 ? 1 : Math.max(0, ...relay.acks) + 1
      send(Array.from({ length: 10 - from + 1 }, (_, i) => from + i))
    })
    const stored: number[] = []
    const calls: number[][] = []
    const l = link(relay.url, (batch) => {
      calls.push(batch.map((d) => d.frame.seq))
      // The "disk" refuses scan 7 on the first connection only; a failed call stores nothing.
      if (round === 1 && batch.some((d) => d.frame.seq === 7)) throw new Error('disk I/O error')
      stored.push(...batch.map((d) => d.frame.seq))
    })
    l.start()
    await waitFor(() => relay.acks.includes(6), 'scans before the failing one acked')
    await waitFor(() => relay.acks.at(-1) === 10, 'the rest after the replay')
    expect(calls[0]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(calls.slice(1)).toEqual([[1], [2], [3], [4], [5], [6], [7], [7, 8, 9, 10]])
    expect(stored).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(relay.acks).toEqual([6, 10])
  })

  it('skips frames at or below what is stored or queued (a replay overlap)', async () => {
    const relay = await fakeRelay(0)
    relay.onHello((send) => send([1, 2, 3, 2, 3, 4]))
    const seen: number[] = []
    const l = link(relay.url, (batch) => void seen.push(...batch.map((d) => d.frame.seq)))
    l.start()
    await waitFor(() => relay.acks.at(-1) === 4, 'ack of 4')
    expect(seen).toEqual([1, 2, 3, 4])
  })

  it('a new relay epoch the disk cannot record drops the link, not the kiosk, and is retried', async () => {
    const relay = await fakeRelay(0)
    let hellos = 0
    relay.onHello((send) => {
      hellos++
      send([1, 2])
    })
    // The kiosk holds a cursor of another relay store; recording the new epoch fails once
    // (SQLITE_FULL), as a full disk does until something is freed.
    let cursor: RelayCursor = { epoch: 'old-store', lastSeq: 40 }
    let full = true
    const l = new RelayLink({
      relayUrl: relay.url,
      kioskId: 'k1',
      token: 'tok',
      cursor: {
        current: () => cursor,
        reset: (epoch) => {
          if (full) {
            full = false
            throw new Error('database or disk is full')
          }
          cursor = { epoch, lastSeq: 0 }
        },
      },
      onScans: (batch) => {
        const last = batch.at(-1)
        if (last) cursor = { epoch: cursor.epoch, lastSeq: last.frame.seq }
      },
      onState: () => {},
      backoffBaseMs: 20,
      backoffMaxMs: 50,
    })
    onCleanup(() => l.stop())
    l.start()
    await waitFor(() => relay.acks.at(-1) === 2, 'the scans of the new store, after a retry')
    expect(hellos).toBe(2)
    expect(cursor).toEqual({ epoch: 'ep1', lastSeq: 2 })
  })

  it('a store failure no longer shows once the disk records again, with no scan to store', async () => {
    const relay = await fakeRelay(0)
    let hellos = 0
    relay.onHello((send) => {
      hellos++
      send([])
    })
    let cursor: RelayCursor = { epoch: 'old-store', lastSeq: 40 }
    let full = true
    const l = new RelayLink({
      relayUrl: relay.url,
      kioskId: 'k1',
      token: 'tok',
      cursor: {
        current: () => cursor,
        reset: (epoch) => {
          if (full) throw new Error('database or disk is full')
          cursor = { epoch, lastSeq: 0 }
        },
      },
      onScans: () => {},
      onState: () => {},
      backoffBaseMs: 20,
      backoffMaxMs: 50,
    })
    onCleanup(() => l.stop())
    l.start()
    await waitFor(() => l.status().lastError?.code === 'store_failed', 'store_failed')
    // Space freed: the next welcome's epoch is recorded. Nobody scans at this booth now, and
    // the corner must not keep saying the kiosk cannot save.
    full = false
    await waitFor(() => cursor.epoch === 'ep1', 'the epoch recorded')
    await waitFor(() => l.status().state === 'connected', 'connected')
    expect(l.status().lastError).toBeNull()
    expect(l.diagnostics().lastError).toBeNull()
    expect(hellos).toBeGreaterThanOrEqual(2)
  })

  it('kiosk core: a replayed backlog is stored in batches and greeted once per scan, in order', async () => {
    const p = await startPlatform()
    const first = await kioskOn(p)
    await waitFor(() => first.core.status().relay.state === 'connected', 'link')
    const shown = await waitFor(() => first.core.pool.current() ?? undefined, 'code')
    await first.core.stop()
    const openids = Array.from({ length: 30 }, (_, i) => `o_b_${String(i).padStart(2, '0')}`)
    for (const openid of openids) await p.sandbox.scan(shown.url, openid)

    const second = startCore(first.dataDir, first.vault)
    const attended: string[] = []
    const greeted: string[] = []
    second.on('attendance', (row) => attended.push(row.openid))
    second.on('greeting', (g) => greeted.push(g.eventId))
    // Count commits: each batch is one transaction around the relay cursor's write.
    let cursorWrites = 0
    second.db.function('count_cursor_write', () => ++cursorWrites)
    second.db.exec(`CREATE TEMP TRIGGER cursor_writes AFTER UPDATE ON meta
      WHEN NEW.key LIKE 'relay.cursor:%' BEGIN SELECT count_cursor_write(); END`)
    await waitFor(
      async () => (await p.relay.store.getKiosk('booth-1'))?.ackedSeq === 30,
      'backlog acked',
    )
    await waitFor(() => attended.length === 30, 'every scan announced')
    expect(attended).toEqual(openids)
    const rows = attendanceRows(second)
    expect(rows.map((r) => r.openid)).toEqual(openids)
    expect(greeted).toEqual(rows.map((r) => r.event_id))
    // Fewer commits than scans: the replay arrives in a few socket reads, not 30.
    expect(cursorWrites).toBeGreaterThan(0)
    expect(cursorWrites).toBeLessThan(30)
  })
})

/**
 * What a group commit of the SQLite store writes on the event loop's thread: each page once,
 * into the WAL. Not a second copy of the pages into a savepoint journal file (each push's
 * savepoint), nor the WAL copied into the database by a checkpoint inside the commit (a worker
 * thread checkpoints). And the worker's checkpoints do happen, and the WAL goes at close.
 */
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openSqliteStore } from '../../relay/store/sqlite/store'
import type { NewEvent, RelayStore } from '../../relay/store/types'
import { tempDir } from './harness'

const KIOSKS = 200
const kioskId = (i: number) => `booth-${String(i).padStart(3, '0')}`
/** Bytes this thread has passed to write(2) and friends (Linux). */
const threadIo = `/proc/self/task/${process.pid}/io`
const writtenByThisThread = () => Number(/wchar: (\d+)/.exec(readFileSync(threadIo, 'utf8'))?.[1])

let dir: string
let store: RelayStore | null = null
afterEach(async () => {
  n = 0
  await store?.close()
  store = null
  rmSync(dir, { recursive: true, force: true })
})

let n = 0
const event = (i: number): NewEvent => ({
  id: `ev-${i}-${Math.random().toString(36).slice(2)}`,
  event: i % 7 === 0 ? 'subscribe' : 'scan',
  openid: `o-visitor-${(i * 7919) % 5000}`,
  scene: `${kioskId(i % KIOSKS)}:${Math.random().toString(36).slice(2, 10)}`,
  ticket: `gQ${'t'.repeat(94)}`,
  createTime: 1_700_000_000,
  receivedAt: Date.now(),
})
/** 256 pushes over the 200 kiosks in one event-loop turn: one group commit. */
async function commit(s: RelayStore): Promise<void> {
  const results = await Promise.all(
    Array.from({ length: 256 }, () => {
      const i = n++
      return s.appendEvent(kioskId(i % KIOSKS), event(i))
    }),
  )
  expect(results.every((r) => r.status === 'stored')).toBe(true)
}

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('SQLite store: what a commit writes', () => {
  it.skipIf(!existsSync(threadIo))(
    'writes each page of a commit once on the event loop, with the attendance',
    async () => {
      dir = tempDir('relay-bytes-')
      const s = (store = openSqliteStore({ data: dir }))
      for (let i = 0; i < KIOSKS; i++) {
        await s.putKiosk({
          kioskId: kioskId(i),
          tokenHash: 'h',
          ticketProxy: true,
          sceneRanges: [],
          now: 1,
        })
      }
      for (let b = 0; b < 40; b++) await commit(s)
      const before = writtenByThisThread()
      const commits = 10
      for (let b = 0; b < commits; b++) await commit(s)
      const perPush = (writtenByThisThread() - before) / (commits * 256)
      // Measured: ~20 KB a push (the row, its two index entries and the queue's, ~5 pages of
      // 4 KiB over 256 pushes into 200 kiosks, each page once). A savepoint journal spilled to
      // a file wrote the pages twice, and a checkpoint in the commit copied them again: ~75 KB;
      // the checkpoint alone, ~40 KB.
      expect(perPush).toBeLessThan(30_000)
    },
  )

  it('checkpoints the WAL into the database in the background, and removes it at close', async () => {
    dir = tempDir('relay-ckpt-')
    const s = (store = openSqliteStore({ data: dir }))
    for (let i = 0; i < KIOSKS; i++) {
      await s.putKiosk({
        kioskId: kioskId(i),
        tokenHash: 'h',
        ticketProxy: true,
        sceneRanges: [],
        now: 1,
      })
    }
    const file = join(dir, 'relay.sqlite')
    const initial = statSync(file).size
    for (let b = 0; b < 20; b++) await commit(s)
    // Nothing in the commits copies the WAL: the worker's checkpoints grow the file.
    await until('a checkpoint', () => statSync(file).size > initial)
    await s.close()
    store = null
    expect(existsSync(`${file}-wal`)).toBe(false)
    const again = (store = openSqliteStore({ data: dir }))
    const q = await again.queueState(kioskId(7))
    expect(q?.headSeq).toBe(Math.ceil((20 * 256 - 7) / KIOSKS))
  })
})

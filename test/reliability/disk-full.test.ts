// The relay's disk really full (a small tmpfs as its data folder, filled by another file), not a
// mocked SQLITE_FULL: pushes are answered 503, never 200 for one not stored; /healthz says so;
// once space is freed the same process stores WeChat's retries, with no restart, and the kiosk
// gets every push answered 200 exactly once. Redis filling up to its maxmemory (noeviction)
// the same: each push stored whole or refused with 5xx, then stored once from WeChat's retries.
import { execFileSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, rmSync, rmdirSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { RelayHandle } from '../../relay/server'
import { startRedis } from '../helpers/redis'
import {
  KioskClient,
  TOKEN,
  postPush,
  scanXml,
  signedQuery,
  startTestRelay,
} from '../relay/harness'
import { ConsoleClient, organizer } from '../relay/console-helpers'

const cleanups: Array<() => Promise<unknown> | void> = []
afterEach(async () => {
  // Each one runs even if one before it throws: the mount must not outlive the test.
  const errors: unknown[] = []
  for (const c of cleanups.splice(0).reverse()) {
    try {
      await c()
    } catch (err) {
      errors.push(err)
    }
  }
  if (errors.length > 0) throw errors[0]
})

/**
 * Whether this machine lets us mount a tmpfs: root, and allowed to mount (a container without
 * CAP_SYS_ADMIN is root but may not). Tried once on a scratch folder.
 */
function canMountTmpfs(): boolean {
  if (process.getuid?.() !== 0) return false
  const dir = mkdtempSync(join(tmpdir(), 'relay-full-probe-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'ignore' })
    execFileSync('umount', [dir], { stdio: 'ignore' })
    return true
  } catch {
    return false
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** A tmpfs of `size` mounted on a fresh folder, unmounted (and removed) by the test's cleanup. */
function smallDisk(size: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'relay-full-'))
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir])
  cleanups.push(() => {
    execFileSync('umount', ['-l', dir])
    rmdirSync(dir)
  })
  return dir
}

/** Writes a file until the disk refuses another byte; returns its path. */
function fillDisk(dir: string): string {
  const file = join(dir, 'filler')
  const fd = openSync(file, 'w')
  try {
    for (const size of [65_536, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size, 1)
      for (;;) {
        try {
          writeSync(fd, chunk)
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break
          throw err
        }
      }
    }
  } finally {
    closeSync(fd)
  }
  return file
}

async function health(r: RelayHandle): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${r.url}/healthz`)
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

const push = (i: number) => scanXml(`o_full_${i}`, `k1:n${i}`, 1_700_000_000 + i)

/** WeChat's pushes `ids`, 8 at a time, each answer's status kept in `status`. */
async function send(relay: RelayHandle, ids: number[], status: Map<number, number>) {
  let next = 0
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < ids.length) {
        const i = ids[next++] ?? 0
        status.set(i, (await postPush(relay.url, push(i), signedQuery(TOKEN))).status)
      }
    }),
  )
}

/** The pushes answered other than 200; each must have been a 503 (WeChat retries those). */
function refusedOf(status: Map<number, number>): number[] {
  const refused = [...status].filter(([, s]) => s !== 200).map(([i]) => i)
  for (const i of refused) expect(status.get(i), `push ${i}`).toBe(503)
  return refused
}

/** Every push answered 200 is in the store (read straight from it), once. */
async function expectStored(relay: RelayHandle, status: Map<number, number>): Promise<void> {
  const openids = (await relay.store.readEvents('k1', 0, 10_000)).map((e) => e.openid)
  expect(new Set(openids).size).toBe(openids.length)
  const stored = new Set(openids)
  for (const [i, s] of status)
    if (s === 200) expect(stored.has(`o_full_${i}`), `push ${i}`).toBe(true)
}

/** The kiosk, acking as it goes, gets pushes 0..total-1 each exactly once. */
async function expectKioskGetsEach(kiosk: KioskClient, total: number): Promise<string[]> {
  let acked = 0
  for (let round = 0; round < 10 && acked < total; round++) {
    await kiosk.waitForScans(Math.min(total, acked + 100), 10_000)
    acked = kiosk.scans.at(-1)?.seq ?? acked
    kiosk.ack(acked)
  }
  const got = kiosk.scans.map((s) => s.openid)
  expect([...got].sort()).toEqual(Array.from({ length: total }, (_, i) => `o_full_${i}`).sort())
  expect(new Set(kiosk.scans.map((s) => s.id)).size).toBe(total)
  return got
}

describe.skipIf(!canMountTmpfs())('relay disk full (a real full file system)', () => {
  it('answers 503 while full, 200 only for stored pushes, and recovers without a restart', async () => {
    // Room enough once the filler goes: a burst of one-push commits grows the WAL ~1.5 MB
    // between two checkpoints.
    const data = smallDisk('16m')
    const relay = await startTestRelay('sqlite', null, { data })
    cleanups.push(() => relay.close())
    const token = await relay.addKiosk('k1')

    const TOTAL = 240
    const status = new Map<number, number>()
    await send(
      relay,
      Array.from({ length: 20 }, (_, i) => i),
      status,
    )
    expect([...status.values()].every((s) => s === 200)).toBe(true)

    const filler = fillDisk(data)
    await send(
      relay,
      Array.from({ length: TOTAL - 20 }, (_, i) => i + 20),
      status,
    )
    let refused = refusedOf(status)
    expect(refused.length).toBeGreaterThan(0)
    // /healthz says 503 after a push the store refused. A push stored in between (a checkpoint
    // freed room in the WAL; 8 at a time, the last answered may be one) rightly ends that sign,
    // so it is asked right after a refusal: WeChat's retries, one at a time, till one is refused.
    let down = await health(relay)
    for (let round = 0; down.status !== 503 && round < 20; round++) {
      const i = refused[0]
      if (i === undefined) break
      const answer = (await postPush(relay.url, push(i), signedQuery(TOKEN))).status
      status.set(i, answer)
      refused = refusedOf(status)
      if (answer !== 200) down = await health(relay)
    }
    expect(down.status).toBe(503)
    expect(String(down.body.error)).toMatch(/full|space/i)

    // Every 200 is stored, even while the disk is full.
    await expectStored(relay, status)

    // Space comes back: the same process stores WeChat's retries.
    rmSync(filler)
    for (const i of refused) {
      expect((await postPush(relay.url, push(i), signedQuery(TOKEN))).status, `retry ${i}`).toBe(
        200,
      )
    }
    expect((await health(relay)).status).toBe(200)

    const kiosk = await KioskClient.hello(relay.url, token, { kioskId: 'k1' })
    cleanups.push(() => kiosk.close())
    const got = await expectKioskGetsEach(kiosk, TOTAL)

    // The consolidated attendance too (built after each push's commit, so the full disk may
    // have left rows pending): every push once.
    await vi.waitFor(
      async () => {
        const openids: string[] = []
        for await (const page of relay.store.attendance.rows({ kioskIds: null }, 100)) {
          openids.push(...page.map((r) => r.openid))
        }
        expect(openids.sort()).toEqual([...got].sort())
      },
      { timeout: 10_000, interval: 100 },
    )
  }, 60_000)
  it('refuses a console roster upload while full, naming it, and keeps the roster it had', async () => {
    const data = smallDisk('16m')
    const relay = await startTestRelay('sqlite', null, { data })
    cleanups.push(() => relay.close())
    const c = new ConsoleClient(relay.url)
    expect((await c.login('alice', await organizer(relay, 'alice'))).status).toBe(200)
    const created = await c.call('POST', '/console/api/campaigns', { name: 'Expo' })
    const path = `/console/api/campaigns/${(created.json as { id: string }).id}/roster`
    const upload = (csv: string) =>
      fetch(`${relay.url}${path}`, {
        method: 'POST',
        headers: { origin: relay.url, cookie: c.cookie ?? '', 'content-type': 'text/csv' },
        body: csv,
      })
    expect((await upload('name,phone\nAnn,13800000000\n')).status).toBe(200)

    // More rows than the WAL's free room (a small write still fits in it on a full disk).
    const rows = Array.from(
      { length: 20_000 },
      (_, i) => `Visitor ${i} ${'x'.repeat(60)},139${String(i).padStart(8, '0')}`,
    )
    const big = `name,phone\n${rows.join('\n')}\n`
    const filler = fillDisk(data)
    const refused = await upload(big)
    expect(refused.status).toBe(503)
    expect(await refused.text()).toMatch(/disk is full.*nothing was saved/)
    const kept = (await c.call('GET', path)).json as { total: number }
    expect(kept.total).toBe(1)

    rmSync(filler)
    expect((await upload(big)).status).toBe(200)
    expect(((await c.call('GET', path)).json as { total: number }).total).toBe(20_000)
  }, 30_000)
})

describe('Redis filling up to its maxmemory (noeviction)', () => {
  it('answers 200 only for stored pushes while it fills, then stores the retries once', async () => {
    const redis = await startRedis()
    cleanups.push(() => redis.stop())
    const relay = await startTestRelay('redis', redis.url)
    cleanups.push(() => relay.close())
    const token = await relay.addKiosk('k1')
    // Connected throughout: it is sent each push as it is stored, before and after the fill.
    const kiosk = await KioskClient.hello(relay.url, token, { kioskId: 'k1' })
    cleanups.push(() => kiosk.close())
    const admin = new Redis({ path: redis.url })
    cleanups.push(() => void admin.disconnect())

    // Room for some of the pushes, not all: each refused whole (OOM) once it is reached.
    const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1])
    expect(used).toBeGreaterThan(0)
    await admin.config('SET', 'maxmemory-policy', 'noeviction')
    await admin.config('SET', 'maxmemory', String(used + 256 * 1024))
    const TOTAL = 400
    const status = new Map<number, number>()
    const all = Array.from({ length: TOTAL }, (_, i) => i)
    await send(relay, all, status)
    // Every 200 first: a push answered 200 and not stored is lost for good.
    await expectStored(relay, status)
    const refused = refusedOf(status)
    expect(refused.length).toBeGreaterThan(0)
    expect(refused.length).toBeLessThan(TOTAL)

    // Room again: WeChat re-sends each push not answered 200, a few times at most.
    await admin.config('SET', 'maxmemory', '0')
    let left = refused
    for (let attempt = 0; attempt < 5 && left.length > 0; attempt++) {
      await send(relay, left, status)
      left = left.filter((i) => status.get(i) !== 200)
    }
    expect(left).toEqual([])
    await expectStored(relay, status)
    expect(await relay.store.readEvents('k1', 0, 10_000)).toHaveLength(TOTAL)
    await expectKioskGetsEach(kiosk, TOTAL)
  }, 60_000)
})

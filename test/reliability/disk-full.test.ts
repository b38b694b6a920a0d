// The relay's disk really full (a small tmpfs as its data folder, filled by another file), not a
// mocked SQLITE_FULL: pushes are answered 503, never 200 for one not stored; /healthz says so;
// once space is freed the same process stores WeChat's retries, with no restart, and the kiosk
// gets every push answered 200 exactly once.
import { execFileSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, rmSync, rmdirSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { RelayHandle } from '../../relay/server'
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
    const send = async (ids: number[]) => {
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
    await send(Array.from({ length: 20 }, (_, i) => i))
    expect([...status.values()].every((s) => s === 200)).toBe(true)

    const filler = fillDisk(data)
    await send(Array.from({ length: TOTAL - 20 }, (_, i) => i + 20))
    const refused = [...status].filter(([, s]) => s !== 200).map(([i]) => i)
    for (const i of refused) expect(status.get(i), `push ${i}`).toBe(503)
    expect(refused.length).toBeGreaterThan(0)
    const down = await health(relay)
    expect(down.status).toBe(503)
    expect(String(down.body.error)).toMatch(/full|space/i)

    // Every 200 is stored, even while the disk is full.
    const storedWhileFull = new Set(
      (await relay.store.readEvents('k1', 0, 10_000)).map((e) => e.openid),
    )
    for (const [i, s] of status)
      if (s === 200) expect(storedWhileFull.has(`o_full_${i}`)).toBe(true)

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
    let acked = 0
    for (let round = 0; round < 10 && acked < TOTAL; round++) {
      await kiosk.waitForScans(Math.min(TOTAL, acked + 100), 10_000)
      acked = kiosk.scans.at(-1)?.seq ?? acked
      kiosk.ack(acked)
    }
    const got = kiosk.scans.map((s) => s.openid)
    expect([...got].sort()).toEqual(Array.from({ length: TOTAL }, (_, i) => `o_full_${i}`).sort())
    expect(new Set(kiosk.scans.map((s) => s.id)).size).toBe(TOTAL)

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

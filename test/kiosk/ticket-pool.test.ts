// The ticket pool's rules with an injected clock and a scripted ticket source.
import { afterEach, describe, expect, it } from 'vitest'
import type { Campaign, ScreenTicket } from '../../shared/domain'
import { openKioskDb, type KioskDb } from '../../electron/core/db/db'
import { TicketPool } from '../../electron/core/tickets/ticket-pool'
import {
  TicketSourceError,
  type CreatedTicket,
  type TicketSource,
} from '../../electron/core/tickets/ticket-source'
import { cleanup, onCleanup, tempDir, testCampaign } from './helpers'
import { join } from 'node:path'
import { MetaTable } from '../../electron/core/db/meta-table'
import { TicketRepo } from '../../electron/core/tickets/ticket-repo'

afterEach(cleanup)

/** Beijing 10:00 on a fixed day. */
const T0 = Date.UTC(2025, 5, 1, 2, 0, 0)

class ScriptedSource implements TicketSource {
  readonly kind = 'proxy' as const
  calls = 0
  /** How many tickets each call asked for. */
  counts: number[] = []
  concurrent = 0
  maxConcurrent = 0
  fail: TicketSourceError | null = null
  private n = 0
  private waiting: Array<() => void> = []
  hold = false

  constructor(readonly maxBatch = 1) {}

  async create(count: number, expireSeconds: number): Promise<CreatedTicket[]> {
    this.calls++
    this.counts.push(count)
    this.concurrent++
    this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent)
    try {
      if (this.hold) await new Promise<void>((r) => this.waiting.push(r))
      else await Promise.resolve()
      if (this.fail) throw this.fail
      return Array.from({ length: count }, () => {
        const i = ++this.n
        return {
          ticket: `T${i}`,
          url: `http://weixin.qq.com/q/${i}`,
          scene: `k1:n${i}`,
          expireSeconds,
        }
      })
    } finally {
      this.concurrent--
    }
  }

  release(): void {
    for (const r of this.waiting.splice(0)) r()
  }
}

function setup(
  opts: {
    campaign?: Campaign
    target?: number
    maxInFlight?: number
    db?: KioskDb
    source?: ScriptedSource
    /** The backoff's jitter (default 0.5: whole-millisecond waits). */
    random?: () => number
  } = {},
) {
  let t = T0
  const clock = { now: () => t, advance: (ms: number) => (t += ms) }
  const db = opts.db ?? openKioskDb(join(tempDir(), 'kiosk.db'))
  if (!opts.db)
    onCleanup(() => {
      db.close()
    })
  const source = opts.source ?? new ScriptedSource()
  let campaign: Campaign | null =
    opts.campaign ?? testCampaign({ rotationSeconds: 60, ticketLifetimeSeconds: 600 })
  const shown: Array<ScreenTicket | null> = []
  const pool = new TicketPool({
    tickets: new TicketRepo(db, new MetaTable(db)),
    now: clock.now,
    random: opts.random ?? (() => 0.5),
    settings: () => ({
      target: opts.target ?? 3,
      marginSeconds: 30,
      maxInFlight: opts.maxInFlight ?? 2,
    }),
    campaign: () => campaign,
    onTicket: (x) => shown.push(x),
    onStatus: () => {},
  })
  return {
    pool,
    db,
    clock,
    source,
    shown,
    setCampaign: (c: Campaign | null) => (campaign = c),
  }
}

async function settle(pool: TicketPool, rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    pool.tick()
    await pool.whenIdle()
  }
}

describe('ticket pool', () => {
  it('fills to the target with bounded concurrency and stores tickets in SQLite', async () => {
    const s = setup({ target: 5, maxInFlight: 2 })
    s.source.hold = true
    s.pool.setSource(s.source, 'c1')
    s.pool.tick()
    s.pool.tick()
    expect(s.source.concurrent).toBe(2)
    s.source.hold = false
    s.source.release()
    await settle(s.pool)
    expect(s.source.maxConcurrent).toBe(2)
    // 5 ready plus the one on screen.
    expect(s.pool.status().available).toBe(5)
    expect(s.source.calls).toBe(6)
    const rows = s.db.prepare('SELECT count(*) AS n FROM tickets').get() as { n: number }
    expect(rows.n).toBe(6)
    expect(s.pool.status().createdToday).toBe(6)
    expect(s.pool.api().state).toBe('ok')
  })

  it('asks the proxy for several tickets per request', async () => {
    const s = setup({ target: 5, source: new ScriptedSource(20) })
    s.pool.setSource(s.source, 'c1')
    await settle(s.pool)
    expect(s.pool.status().available).toBe(5)
    expect(s.source.calls).toBeLessThanOrEqual(2)
  })

  it('a blank screen asks for its code alone first, then for the pool', async () => {
    const s = setup({ target: 5, source: new ScriptedSource(20) })
    s.source.hold = true
    s.pool.setSource(s.source, 'c1')
    expect(s.source.counts).toEqual([1, 5])
    s.source.hold = false
    s.source.release()
    await settle(s.pool)
    expect(s.pool.current()).not.toBeNull()
    expect(s.pool.status().available).toBe(5)
    // Nothing more once the pool is full; a rotation later asks for batches again.
    expect(s.source.counts).toEqual([1, 5])
  })

  it('rotates on the timer and on a scan of the code on screen, not of another code', async () => {
    const s = setup()
    s.pool.setSource(s.source, 'c1')
    await settle(s.pool)
    const a = s.pool.current()
    if (!a) throw new Error('no code')
    s.pool.scanned('k1:some-other-scene')
    expect(s.pool.current()?.id).toBe(a.id)
    s.pool.scanned(a.scene)
    const b = s.pool.current()
    expect(b?.id).not.toBe(a.id)
    s.clock.advance(59_000)
    s.pool.tick()
    expect(s.pool.current()?.id).toBe(b?.id)
    s.clock.advance(1_000)
    s.pool.tick()
    const c = s.pool.current()
    expect(c?.id).not.toBe(b?.id)
    expect(new Set([a.id, b?.id, c?.id]).size).toBe(3)
  })

  it('never shows a code within the margin of its expiry', async () => {
    const s = setup({
      campaign: testCampaign({ rotationSeconds: 600, ticketLifetimeSeconds: 300 }),
    })
    s.pool.setSource(s.source, 'c1')
    await settle(s.pool)
    s.source.fail = new TicketSourceError('unreachable', 'down') // no fresh codes from now on
    const margin = 30_000
    for (let i = 0; i < 40; i++) {
      s.clock.advance(10_000)
      s.pool.tick()
      await s.pool.whenIdle()
      const t = s.pool.current()
      if (t) {
        expect(t.expiresAt - s.clock.now()).toBeGreaterThan(margin)
        expect(t.rotateAt).toBeLessThanOrEqual(t.expiresAt - margin)
      }
    }
    // Every code has run out by now: the screen is empty rather than showing a dead code.
    expect(s.pool.current()).toBeNull()
  })

  it('on 45009 stops asking, warns, and lives on what it has until the quota day turns', async () => {
    const s = setup({ target: 3 })
    s.pool.setSource(s.source, 'c1')
    await settle(s.pool)
    const callsBefore = s.source.calls
    s.source.fail = new TicketSourceError('quota', 'WeChat daily quota reached (45009)', {
      errcode: 45009,
    })
    // Visitors use up the pool.
    for (let i = 0; i < 3; i++) {
      const t = s.pool.current()
      if (t) s.pool.scanned(t.scene)
      await s.pool.whenIdle()
    }
    expect(s.pool.status().quotaExhausted).toBe(true)
    // As data for the status corner to word: the code and WeChat's errcode, no English.
    expect(s.pool.api().lastError).toEqual({ code: 'quota', params: { errcode: 45009 } })
    const callsAtQuota = s.source.calls
    expect(callsAtQuota).toBe(callsBefore + 1)
    for (let i = 0; i < 20; i++) {
      s.clock.advance(20_000)
      const t = s.pool.current()
      if (t) s.pool.scanned(t.scene)
      s.pool.tick()
      await s.pool.whenIdle()
      // Keeps a code up (re-using one) rather than going blank, while any lives.
      expect(s.pool.current()).not.toBeNull()
    }
    expect(s.source.calls).toBe(callsAtQuota)
    expect(s.pool.api().state).toBe('degraded')

    // Midnight in Beijing: the quota is back.
    s.source.fail = null
    s.clock.advance(Date.UTC(2025, 5, 1, 16, 0, 1) - s.clock.now())
    await settle(s.pool)
    expect(s.pool.status().quotaExhausted).toBe(false)
    expect(s.source.calls).toBeGreaterThan(callsAtQuota)
    expect(s.pool.api().state).toBe('ok')
  })

  it('backs off during an outage and keeps serving from stock', async () => {
    const s = setup({ target: 3 })
    s.pool.setSource(s.source, 'c1')
    await settle(s.pool)
    s.source.fail = new TicketSourceError('unreachable', 'relay unreachable')
    const t = s.pool.current()
    if (t) s.pool.scanned(t.scene)
    await s.pool.whenIdle()
    const afterFirstFailure = s.source.calls
    // Ticking every 100 ms for 2 s must not hammer the source.
    for (let i = 0; i < 20; i++) {
      s.clock.advance(100)
      s.pool.tick()
      await s.pool.whenIdle()
    }
    expect(s.source.calls - afterFirstFailure).toBeLessThanOrEqual(2)
    expect(s.pool.current()).not.toBeNull()
    expect(s.pool.api()).toMatchObject({ state: 'degraded', lastError: { code: 'unreachable' } })
    s.source.fail = null
    s.clock.advance(120_000)
    await settle(s.pool)
    expect(s.pool.api().state).toBe('ok')
    expect(s.pool.status().available).toBe(3)
  })

  it('a backoff holds from the millisecond it is set, whatever its fraction of a millisecond', async () => {
    // Jitter makes waits such as 788.607832 ms; read back from the clock (until − now) one came
    // out a hair longer than the wait, was taken for a wait begun before the clock was set back,
    // and ended at once: the next tick in that millisecond asked again.
    const s = setup({ target: 3, maxInFlight: 1, random: () => 0.577215664 })
    s.source.fail = new TicketSourceError('unreachable', 'relay unreachable')
    s.pool.setSource(s.source, 'c1')
    await s.pool.whenIdle()
    expect(s.source.calls).toBe(1)
    for (let i = 0; i < 5; i++) {
      s.pool.tick()
      await s.pool.whenIdle()
    }
    expect(s.source.calls).toBe(1)
    // The wait (under a second after one failure) runs out as before.
    s.clock.advance(1000)
    s.pool.tick()
    await s.pool.whenIdle()
    expect(s.source.calls).toBe(2)
  })

  it('a clock set back during an outage does not hold the next request back for hours', async () => {
    const s = setup({ target: 3 })
    s.source.fail = new TicketSourceError('unreachable', 'venue Wi-Fi down')
    s.pool.setSource(s.source, 'c1')
    await settle(s.pool)
    expect(s.pool.current()).toBeNull()
    // The Wi-Fi comes back, and NTP with it corrects a clock that ran 8 hours ahead.
    s.source.fail = null
    s.clock.advance(-8 * 3_600_000)
    // The longest backoff (60 s) later, codes are coming again.
    s.clock.advance(60_000)
    await settle(s.pool)
    expect(s.pool.current()).not.toBeNull()
    expect(s.pool.api().state).toBe('ok')
  })

  it('a clock set back (NTP correcting a clock hours ahead) does not keep a dead code on screen', async () => {
    // A machine whose hardware clock holds local time read as UTC runs 8 hours ahead until NTP
    // corrects it. Codes made meanwhile were stamped with the wrong clock: their real expiry is
    // 8 hours sooner than the one stored.
    const s = setup({ target: 3 })
    const ahead = 8 * 3_600_000
    s.clock.advance(ahead)
    s.pool.setSource(s.source, 'c1')
    await settle(s.pool)
    const before = s.pool.current()
    if (!before) throw new Error('no code')
    const madeBefore = new Set(
      s.db
        .prepare<[], { scene: string }>('SELECT scene FROM tickets')
        .all()
        .map((r) => r.scene),
    )
    s.clock.advance(-ahead)
    // Eleven minutes of the real clock: every code made before the jump (600 s) has expired.
    for (let i = 0; i < 66; i++) {
      s.clock.advance(10_000)
      await settle(s.pool, 1)
    }
    const now = s.pool.current()
    expect(now).not.toBeNull()
    expect(madeBefore.has(now?.scene ?? '')).toBe(false)
    expect(now?.issuedAt ?? Infinity).toBeLessThanOrEqual(s.clock.now())
  })

  it('survives a restart with its stock, and ignores codes of another connection', async () => {
    const first = setup({ target: 3 })
    first.pool.setSource(first.source, 'c1')
    await settle(first.pool)
    const onScreen = first.pool.current()
    first.pool.stop()

    const dead = new ScriptedSource()
    dead.fail = new TicketSourceError('unreachable', 'offline')
    const second = setup({ db: first.db, source: dead })
    second.clock.advance(1000)
    second.pool.setSource(dead, 'c1')
    const t = second.pool.current()
    expect(t).not.toBeNull()
    expect(t?.id).not.toBe(onScreen?.id) // a code once shown is not shown again

    const third = setup({ db: first.db, source: dead })
    third.pool.setSource(dead, 'c2')
    expect(third.pool.current()).toBeNull()
    expect(third.pool.status().available).toBe(0)
  })
})

// The booth's permanent fallback code: fetched once and kept, on screen whenever the pool has
// no fresh code (and off again as soon as it has), its scans recorded once per visitor and
// flagged in attendance, stats, diagnostics and both exports.
import { createWriteStream, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'csv-parse/sync'
import { afterEach, describe, expect, it } from 'vitest'
import type { Greeting, ScreenTicket, Stats } from '../../shared/domain'
import type { Diagnostics } from '../../shared/ipc'
import { kioskEvents, kioskMethods } from '../../shared/ipc'
import { openKioskDb } from '../../electron/core/db/db'
import { exportAttendance } from '../../electron/core/export/export'
import { FallbackCodes, type FallbackCodeRow } from '../../electron/core/tickets/fallback-code'
import {
  makeFallbackSource,
  type FallbackSource,
} from '../../electron/core/tickets/fallback-source'
import { defaultSettings } from '../../electron/core/config/settings'
import { FALLBACK_GRACE_MS, TicketPool } from '../../electron/core/tickets/ticket-pool'
import {
  TicketSourceError,
  type CreatedTicket,
  type TicketSource,
} from '../../electron/core/tickets/ticket-source'
import { MemoryVault } from '../../electron/core/config/vault'
import { Workbook } from '../../shared/roster/xlsx'
import {
  cleanup,
  onCleanup,
  provisionDir,
  startCore,
  startCutProxy,
  startPlatform,
  tempDir,
  testCampaign,
  TEST_PIN,
  waitFor,
} from './helpers'
import { MetaTable } from '../../electron/core/db/meta-table'
import { TicketRepo } from '../../electron/core/tickets/ticket-repo'

afterEach(cleanup)

const T0 = Date.UTC(2025, 5, 1, 2, 0, 0)

/** Tickets on demand, or failures; `hold` keeps requests in flight until `release`. */
class Source implements TicketSource {
  readonly kind = 'proxy' as const
  readonly maxBatch = 5
  fail: TicketSourceError | null = null
  hold = false
  private n = 0
  private waiting: Array<() => void> = []

  async create(count: number, expireSeconds: number): Promise<CreatedTicket[]> {
    if (this.hold) await new Promise<void>((r) => this.waiting.push(r))
    if (this.fail) throw this.fail
    return Array.from({ length: count }, () => {
      const i = ++this.n
      return {
        ticket: `T${i}`,
        url: `http://weixin.qq.com/q/t${i}`,
        scene: `k1:n${i}`,
        expireSeconds,
      }
    })
  }

  release(): void {
    for (const r of this.waiting.splice(0)) r()
  }
}

const FALLBACK: FallbackCodeRow = {
  scene: 'k1:fallback',
  ticket: 'FB',
  url: 'http://weixin.qq.com/q/fallback1',
  createdAt: T0 - 1000,
  lastShownAt: null,
}

function poolSetup(fallback: FallbackCodeRow | null = FALLBACK) {
  let t = T0
  const clock = { now: () => t, advance: (ms: number) => (t += ms) }
  const db = openKioskDb(join(tempDir(), 'kiosk.db'))
  onCleanup(() => {
    db.close()
  })
  const source = new Source()
  const shown: Array<ScreenTicket | null> = []
  const fallbackShown: boolean[] = []
  const pool = new TicketPool({
    tickets: new TicketRepo(db, new MetaTable(db)),
    now: clock.now,
    random: () => 0.5,
    settings: () => ({ target: 2, marginSeconds: 30, maxInFlight: 1 }),
    campaign: () => testCampaign({ rotationSeconds: 60, ticketLifetimeSeconds: 600 }),
    onTicket: (x) => shown.push(x),
    onStatus: () => {},
    fallback: () => fallback,
    onFallbackShown: (on) => fallbackShown.push(on),
  })
  onCleanup(() => pool.stop())
  return { pool, clock, source, shown, fallbackShown }
}

async function settle(pool: TicketPool, rounds = 6): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    pool.tick()
    await pool.whenIdle()
  }
}

describe('ticket pool with a fallback code', () => {
  it('shows the fallback code once no fresh code is left, and fresh codes again once they come', async () => {
    const s = poolSetup()
    s.pool.setSource(s.source, 'c1')
    await settle(s.pool)
    expect(s.pool.current()?.fallback).toBeUndefined()
    expect(s.pool.current()?.scene).toMatch(/^k1:n/)

    // The network goes: no new tickets, and the ones in the pool run out of time.
    s.source.fail = new TicketSourceError('unreachable', 'down')
    s.clock.advance(600_000)
    await settle(s.pool)
    const fb = s.pool.current()
    expect(fb).toMatchObject({ fallback: true, url: FALLBACK.url, scene: 'k1:fallback' })
    expect(kioskEvents.ticket.safeParse(fb).success).toBe(true)
    expect(s.shown.at(-1)).toEqual(fb)
    expect(s.fallbackShown).toEqual([true])
    expect(s.pool.api().state).toBe('degraded')
    // Scans of it do not move the screen on: everyone scans the same code.
    s.pool.scanned('k1:fallback')
    expect(s.pool.current()).toEqual(fb)

    // Back: the first fresh code replaces it at once, without waiting for a rotation.
    s.source.fail = null
    s.clock.advance(120_000)
    await settle(s.pool)
    const fresh = s.pool.current()
    expect(fresh?.fallback).toBeUndefined()
    expect(fresh?.scene).toMatch(/^k1:n/)
    expect(s.fallbackShown).toEqual([true, false])
  })

  it('waits a moment for a first code in flight before putting the fallback up', async () => {
    const s = poolSetup()
    s.source.hold = true
    s.pool.setSource(s.source, 'c1')
    s.pool.tick()
    expect(s.pool.current()).toBeNull()
    s.clock.advance(FALLBACK_GRACE_MS)
    s.pool.tick()
    expect(s.pool.current()?.fallback).toBe(true)
    s.source.hold = false
    s.source.release()
    await settle(s.pool)
    expect(s.pool.current()?.fallback).toBeUndefined()
  })

  it('shows it at once when the quota is spent, and stays blank without one', async () => {
    const s = poolSetup()
    s.source.fail = new TicketSourceError('quota', '45009')
    s.pool.setSource(s.source, 'c1')
    await settle(s.pool)
    expect(s.pool.current()?.fallback).toBe(true)
    expect(s.pool.status().quotaExhausted).toBe(true)

    const none = poolSetup(null)
    none.source.fail = new TicketSourceError('unreachable', 'down')
    none.pool.setSource(none.source, 'c1')
    await settle(none.pool)
    expect(none.pool.current()).toBeNull()
  })

  it('is not used in desk mode', async () => {
    let t = T0
    const db = openKioskDb(join(tempDir(), 'kiosk.db'))
    onCleanup(() => {
      db.close()
    })
    const source = new Source()
    source.fail = new TicketSourceError('unreachable', 'down')
    const pool = new TicketPool({
      tickets: new TicketRepo(db, new MetaTable(db)),
      now: () => (t += 1000),
      settings: () => ({ target: 2, marginSeconds: 30, maxInFlight: 1 }),
      campaign: () => testCampaign({ mode: 'desk' }),
      onTicket: () => {},
      onStatus: () => {},
      fallback: () => FALLBACK,
    })
    pool.setSource(source, 'c1')
    await settle(pool)
    expect(pool.current()).toBeNull()
  })
})

describe('keeping the fallback code', () => {
  it('asks once per connection, retries with backoff after failures, and records when it was shown', async () => {
    let t = T0
    const db = openKioskDb(join(tempDir(), 'kiosk.db'))
    onCleanup(() => {
      db.close()
    })
    let calls = 0
    let down = true
    const source: FallbackSource = {
      kind: 'proxy',
      create: () => {
        calls++
        return down
          ? Promise.reject(new TicketSourceError('unreachable', 'relay unreachable'))
          : Promise.resolve({
              ticket: 'FB',
              url: 'http://weixin.qq.com/q/fb',
              scene: 'k1:fallback',
            })
      },
    }
    let ready = 0
    const codes = new FallbackCodes({ db, now: () => t, random: () => 1, onReady: () => ready++ })
    codes.setSource(source, 'c1')
    await codes.whenIdle()
    expect(codes.code()).toBeNull()
    expect(codes.status()).toMatchObject({ state: 'pending', lastError: { code: 'unreachable' } })
    codes.ensure()
    await codes.whenIdle()
    expect(calls).toBe(1) // backing off
    down = false
    t += 1000
    codes.ensure()
    await codes.whenIdle()
    expect(calls).toBe(2)
    expect(ready).toBe(1)
    expect(codes.code()).toMatchObject({ url: 'http://weixin.qq.com/q/fb', lastShownAt: null })

    codes.shown(true)
    expect(codes.status()).toMatchObject({ state: 'ready', onScreen: true, lastShownAt: t })
    t += 5000
    codes.shown(false)
    expect(codes.status()).toMatchObject({ onScreen: false, lastShownAt: t })

    // Kept in the database: a restart on the same connection asks no more.
    const again = new FallbackCodes({ db, now: () => t, onReady: () => {} })
    again.setSource(source, 'c1')
    await again.whenIdle()
    expect(calls).toBe(2)
    expect(again.code()?.url).toBe('http://weixin.qq.com/q/fb')
    expect(again.code()?.lastShownAt).toBe(t)
    // Another account or relay: another code.
    again.setSource(source, 'c2')
    await again.whenIdle()
    expect(calls).toBe(3)
  })

  it('waits as long as the relay’s 429 Retry-After says before asking again', async () => {
    let t = T0
    const db = openKioskDb(join(tempDir(), 'kiosk.db'))
    onCleanup(() => {
      db.close()
    })
    let calls = 0
    const source: FallbackSource = {
      kind: 'proxy',
      create: () => {
        calls++
        return Promise.reject(
          new TicketSourceError('rate_limited', 'relay rate limit', { retryAfterMs: 60_000 }),
        )
      },
    }
    const codes = new FallbackCodes({ db, now: () => t, random: () => 1, onReady: () => {} })
    codes.setSource(source, 'c1')
    await codes.whenIdle()
    expect(calls).toBe(1)
    // Its own backoff after one failure is a second; the relay asked for a minute.
    for (let i = 0; i < 59; i++) {
      t += 1000
      codes.ensure()
      await codes.whenIdle()
    }
    expect(calls).toBe(1)
    t += 1000
    codes.ensure()
    await codes.whenIdle()
    expect(calls).toBe(2)
  })

  it('creates it directly with the AppSecret as a permanent QR_LIMIT_STR_SCENE code', async () => {
    const p = await startPlatform()
    const creds = p.sandbox.credentials()
    const vault = new MemoryVault()
    vault.set('appSecret', creds.appSecret)
    const source = makeFallbackSource(
      {
        ...defaultSettings(),
        kioskId: 'booth-d',
        ticketSource: 'direct',
        appId: creds.appId,
        apiBase: creds.apiBase,
      },
      vault,
    )
    const first = await source?.create()
    expect(first?.scene).toBe('booth-d:fallback')
    // Permanent: the sandbox hands out the same code for the same scene, and it never expires.
    expect(await source?.create()).toEqual(first)
    if (!first) throw new Error('no code')
    const scan = await p.sandbox.scan(first.url, 'o_direct')
    expect(scan.event).toBe('subscribe')
  })
})

/** A kiosk whose clock the test can move forward (so the pool's codes expire at once). */
function kioskWithClock(relayUrl: string, token: string, kioskId: string) {
  let offset = 0
  const dataDir = tempDir()
  const vault = new MemoryVault()
  provisionDir(dataDir, vault, { relayUrl, kioskId, token, campaign: testCampaign() })
  const core = startCore(dataDir, vault, { now: () => Date.now() + offset })
  const greetings: Greeting[] = []
  core.on('greeting', (g) => greetings.push(g))
  return { core, greetings, skip: (ms: number) => (offset += ms) }
}

function fallbackRows(core: { db: ReturnType<typeof openKioskDb> }) {
  return core.db
    .prepare<[], { openid: string; fallback: number; unknown_ticket: number; scene: string }>(
      'SELECT openid, fallback, unknown_ticket, scene FROM attendance ORDER BY id',
    )
    .all()
}

describe('a kiosk showing its fallback code', () => {
  it('records fallback scans made while cut off once each, flagged, and returns to fresh codes', async () => {
    const p = await startPlatform()
    const proxy = await startCutProxy(p.relay.url)
    const token = await p.relay.addKiosk('booth-f')
    const k = kioskWithClock(proxy.url, token, 'booth-f')
    const code = await waitFor(() => k.core.fallback.code() ?? undefined, 'the fallback code')
    expect(await p.relay.store.fallbackCode('booth-f')).toMatchObject({ url: code.url })
    await waitFor(() => k.core.pool.current() ?? undefined, 'a fresh code')
    expect(k.core.pool.current()?.fallback).toBeUndefined()

    proxy.cut()
    k.skip(3_600_000) // every pooled code has expired
    const fb = await waitFor(
      () => k.core.pool.current()?.fallback && k.core.pool.current(),
      'fallback',
    )
    expect(fb?.url).toBe(code.url)
    for (const openid of ['o_fb_1', 'o_fb_2', 'o_fb_3']) {
      expect((await p.sandbox.scan(code.url, openid)).event).toBe('subscribe')
    }
    proxy.restore()
    await waitFor(() => fallbackRows(k.core).length === 3, 'three replayed scans')
    await waitFor(() => !k.core.pool.current()?.fallback && k.core.pool.current(), 'a fresh code')
    expect(fallbackRows(k.core)).toEqual(
      ['o_fb_1', 'o_fb_2', 'o_fb_3'].map((openid) => ({
        openid,
        fallback: 1,
        unknown_ticket: 0,
        scene: 'booth-f:fallback',
      })),
    )
    // The kiosk's clock jumped an hour, but the scans are seconds old by the relay's, which
    // stamped them (docs/DESIGN.md "The kiosk"): the visitors may still be there, so greeted.
    await waitFor(() => k.greetings.length === 3 || undefined, 'three greetings')
    expect(k.greetings).toHaveLength(3)

    await k.core.call('unlockAdmin', { pin: TEST_PIN })
    const d: Diagnostics = kioskMethods.getDiagnostics.output.parse(
      await k.core.call('getDiagnostics', undefined),
    )
    expect(d.fallbackCode).toMatchObject({ state: 'ready', url: code.url, onScreen: false })
    expect(d.fallbackCode.lastShownAt).not.toBeNull()
    expect(d.lastEvents.filter((e) => e.fallback)).toHaveLength(3)
  })

  it('goes up when the quota is spent; its scans count, flagged, in stats and both exports', async () => {
    const p = await startPlatform()
    const token = await p.relay.addKiosk('booth-q')
    const k = kioskWithClock(p.relay.url, token, 'booth-q')
    const code = await waitFor(() => k.core.fallback.code() ?? undefined, 'the fallback code')
    await waitFor(() => k.core.status().relay.state === 'connected', 'relay link')
    const fresh = await waitFor(() => k.core.pool.current() ?? undefined, 'a fresh code')

    p.sandbox.setFaults({ quotaAfter: 0 })
    k.skip(3_600_000)
    await waitFor(() => k.core.pool.current()?.fallback, 'fallback on screen')
    await waitFor(() => k.core.status().pool.quotaExhausted, 'the quota flag')
    for (const openid of ['o_q_1', 'o_q_2', 'o_q_3']) await p.sandbox.scan(code.url, openid)
    // A visitor scanning it twice is one visitor with two scans.
    await p.sandbox.scan(code.url, 'o_q_1')
    // And a scan of an earlier per-visitor code is no fallback scan.
    await p.sandbox.scan(fresh.url, 'o_q_4')
    await waitFor(() => fallbackRows(k.core).length === 5, 'five scans')
    // Live scans are greeted as usual.
    await waitFor(() => k.greetings.length === 5, 'greetings')
    expect(fallbackRows(k.core).map((r) => [r.openid, r.fallback])).toEqual([
      ['o_q_1', 1],
      ['o_q_2', 1],
      ['o_q_3', 1],
      ['o_q_1', 1],
      ['o_q_4', 0],
    ])

    await k.core.call('unlockAdmin', { pin: TEST_PIN })
    const stats = (await k.core.call('getStats', { campaignId: 'expo' })) as Stats
    expect(stats).toMatchObject({ total: 5, uniqueVisitors: 4, fallbackScans: 4 })

    const dir = tempDir()
    for (const locale of ['en', 'zh-CN'] as const) {
      const file = join(dir, `${locale}.csv`)
      await exportAttendance({
        db: k.core.db,
        campaignId: 'expo',
        format: 'csv',
        out: createWriteStream(file),
        locale,
      })
      const rows = parse<Record<string, string>>(
        readFileSync(file, 'utf8').replace(/^\uFEFF/, ''),
        { columns: true },
      )
      const column = locale === 'en' ? 'Fallback code' : '备用码'
      const yes = locale === 'en' ? 'yes' : '是'
      const no = locale === 'en' ? 'no' : '否'
      expect(rows.map((r) => r[column])).toEqual([yes, yes, yes, yes, no])
    }
    const xlsx = join(dir, 'out.xlsx')
    await exportAttendance({
      db: k.core.db,
      campaignId: 'expo',
      format: 'xlsx',
      out: createWriteStream(xlsx),
      locale: 'en',
    })
    const wb = new Workbook()
    await wb.xlsx.readFile(xlsx)
    const sheet = wb.worksheets[0]
    const header = (sheet?.getRow(1).values as unknown[]) ?? []
    const col = header.indexOf('Fallback code')
    expect(col).toBeGreaterThan(0)
    const values = [2, 3, 4, 5, 6].map((r) => sheet?.getRow(r).getCell(col).value)
    expect(values).toEqual(['yes', 'yes', 'yes', 'yes', 'no'])
  })

  it('fetches a missing fallback code later when the relay was unreachable at start', async () => {
    const p = await startPlatform()
    const proxy = await startCutProxy(p.relay.url)
    const token = await p.relay.addKiosk('booth-l')
    proxy.cut()
    const k = kioskWithClock(proxy.url, token, 'booth-l')
    await waitFor(
      () => k.core.fallback.status().lastError?.code === 'unreachable',
      'a failed first try',
    )
    expect(k.core.fallback.code()).toBeNull()
    proxy.restore()
    const code = await waitFor(
      () => k.core.fallback.code() ?? undefined,
      'the fallback code',
      15_000,
    )
    expect(code.scene).toBe('booth-l:fallback')
  })
})

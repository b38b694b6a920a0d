/**
 * `/healthz` tells whether the relay can store a push now: 503 with the reason while the
 * store refuses writes (a lock held elsewhere, a full disk, Redis gone), 200 once it takes
 * them again. `/metrics` keeps the counts.
 */
import Database from 'better-sqlite3'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { localDay } from '../../relay/attendance/routes'
import { jsonLogger } from '../../relay/log'
import type { RelayHandle, StartRelayOptions } from '../../relay/server'
import { startRedis } from '../helpers/redis'
import { campaignBody, signIn } from './campaign-helpers'
import { RelayCloseCode } from '../../shared/relay-protocol'
import {
  KioskClient,
  TOKEN,
  postPush,
  scanXml,
  settle,
  signedQuery,
  startTestRelay,
  tempDir,
} from './harness'
import { UNDER_LOAD } from '../helpers/wait'

const cleanups: Array<() => Promise<unknown> | void> = []
afterEach(async () => {
  vi.restoreAllMocks()
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function health(r: RelayHandle): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${r.url}/healthz`)
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

/** A relay on Redis with booth k1 linked, its log kept, and a client to empty that Redis. */
async function relayWithBoothOnRedis(opts: StartRelayOptions = {}) {
  const redis = await startRedis()
  cleanups.push(() => redis.stop())
  const lines: string[] = []
  const log = jsonLogger((l) => lines.push(l))
  const r = await startTestRelay('redis', redis.url, {}, { log, ...opts })
  cleanups.push(() => r.close())
  const token = await r.addKiosk('k1')
  const kiosk = await KioskClient.hello(r.url, token, { kioskId: 'k1' })
  cleanups.push(() => kiosk.close())
  const admin = new Redis({ path: redis.url })
  cleanups.push(() => void admin.disconnect())
  const probeFailures = (): Array<Record<string, unknown>> =>
    lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'store health probe failed')
  return { r, token, kiosk, admin, probeFailures, redis }
}

/** Settles to 'hung' after `ms`: a safety limit, so a request held forever fails the test. */
function orHung<T>(p: Promise<T>, ms = 15_000): Promise<T | 'hung'> {
  return Promise.race([p, new Promise<'hung'>((r) => setTimeout(() => r('hung'), ms).unref())])
}

/** A relay on SQLite on a clock the test moves (`clock.now`), and the log lines it wrote. */
async function relayOnAClock(config: { data?: string } = {}) {
  const lines: string[] = []
  const clock = { now: Date.now() }
  const log = jsonLogger((l) => lines.push(l))
  const r = await startTestRelay('sqlite', null, config, { now: () => clock.now, log })
  cleanups.push(() => r.close())
  /** Every line logged so far, parsed; only those of `msg` when given. */
  const logged = (msg?: string): Array<Record<string, unknown>> =>
    lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => msg === undefined || l.msg === msg)
  return { r, clock, logged }
}

describe('/healthz', () => {
  it('answers 503 while the SQLite store cannot commit (locked elsewhere), 200 after', async () => {
    const data = tempDir()
    const r = await startTestRelay('sqlite', null, { data })
    cleanups.push(() => r.close())
    await r.addKiosk('k1')
    expect((await health(r)).status).toBe(200)

    const locker = new Database(`${data}/relay.sqlite`)
    locker.pragma('busy_timeout = 0')
    locker.exec('BEGIN EXCLUSIVE')
    const body = scanXml('o_locked', 'k1:a')
    expect((await postPush(r.url, body, signedQuery(TOKEN))).status).toBe(503)
    const down = await health(r)
    expect(down.status).toBe(503)
    expect(down.body).toMatchObject({ status: 'unavailable', store: 'sqlite' })
    expect(String(down.body.error)).toMatch(/locked|busy/i)

    locker.exec('ROLLBACK')
    locker.close()
    expect((await postPush(r.url, body, signedQuery(TOKEN))).status).toBe(200)
    expect(await health(r)).toMatchObject({ status: 200, body: { status: 'ok' } })
    const metrics = await (await fetch(`${r.url}/metrics`)).text()
    expect(metrics).toMatch(/scandesk_relay_store_errors_total [1-9]/)
    expect(metrics).toContain('scandesk_relay_store_healthy 1')
  })

  it('answers 503 after a push could not be stored (disk full), even if a tiny write works', async () => {
    const r = await startTestRelay('sqlite', null)
    cleanups.push(() => r.close())
    await r.addKiosk('k1')
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })
    vi.spyOn(r.store, 'appendEvent').mockRejectedValueOnce(full)
    const body = scanXml('o_full', 'k1:b')
    expect((await postPush(r.url, body, signedQuery(TOKEN))).status).toBe(503)
    const down = await health(r)
    expect(down).toMatchObject({
      status: 503,
      body: { reason: 'store_write_failed', error: 'database or disk is full' },
    })
    expect((await postPush(r.url, body, signedQuery(TOKEN))).status).toBe(200)
    expect((await health(r)).status).toBe(200)
  })

  it('shows a push the store refused in /metrics at once, without anyone asking /healthz', async () => {
    // Prometheus scrapes /metrics alone: store_healthy stayed 1 through a full disk until
    // something (a Docker healthcheck) asked /healthz.
    const r = await startTestRelay('sqlite', null)
    cleanups.push(() => r.close())
    await r.addKiosk('k1')
    const gauge = async () =>
      /scandesk_relay_store_healthy (\d)/.exec(await (await fetch(`${r.url}/metrics`)).text())?.[1]
    expect(await gauge()).toBe('1')
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })
    vi.spyOn(r.store, 'appendEvent').mockRejectedValueOnce(full)
    const body = scanXml('o_full', 'k1:b')
    expect((await postPush(r.url, body, signedQuery(TOKEN))).status).toBe(503)
    expect(await gauge()).toBe('0')
    expect((await postPush(r.url, body, signedQuery(TOKEN))).status).toBe(200)
    expect(await gauge()).toBe('1')
  })

  // The log line an operator reads at 2 a.m. said only "storing push failed: database or disk
  // is full": not that WeChat retries it, nor what to do.
  it.each<[{ code?: string; message?: string }, string, RegExp]>([
    [
      { code: 'SQLITE_FULL' },
      'database or disk is full',
      /free space on the disk of the data folder/,
    ],
    [{ code: 'SQLITE_BUSY' }, 'database is locked', /another program holds the relay database/],
    [
      { code: 'SQLITE_READONLY' },
      'store is read-only',
      /must belong to the user the relay runs as/,
    ],
    [{ message: 'OOM command not allowed' }, 'store is out of memory', /maxmemory/],
  ])('logs a refused push with its cause and what to do (%o)', async (fields, cause, action) => {
    const lines: string[] = []
    const r = await startTestRelay('sqlite', null, {}, { log: jsonLogger((l) => lines.push(l)) })
    cleanups.push(() => r.close())
    await r.addKiosk('k1')
    const err = Object.assign(new Error(fields.message ?? 'refused'), fields)
    vi.spyOn(r.store, 'appendEvent').mockRejectedValueOnce(err)
    expect((await postPush(r.url, scanXml('o_x', 'k1:b'), signedQuery(TOKEN))).status).toBe(503)
    const line = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'storing push failed')
    expect(line).toMatchObject({ level: 'error', cause })
    expect(String(line?.action)).toMatch(action)
    expect(String(line?.action)).toMatch(/answered 503; WeChat retries it/)
  })

  // While the store cannot be read, every booth's reconnect (10,000 booths every few seconds)
  // and anyone's upgrade with any token wrote an error line, past journald's 10,000 in 30 s.
  it('logs kiosk connections it cannot check once a minute with a count, saying what it means', async () => {
    const { r, clock, logged } = await relayOnAClock()
    const token = await r.addKiosk('k1')
    vi.spyOn(r.store, 'getKiosk').mockRejectedValue(new Error('database is locked'))
    const refused = async (times: number): Promise<void> => {
      for (let i = 0; i < times; i++) {
        await expect(KioskClient.connect(r.url, token)).rejects.toThrow('HTTP 503')
      }
    }
    const failed = (): Record<string, unknown>[] =>
      logged().filter((l) => l.msg === 'kiosk auth failed')
    await refused(20)
    expect(failed()).toHaveLength(1)
    expect(failed()[0]).toMatchObject({ level: 'error', error: 'database is locked' })
    expect(String(failed()[0]?.action)).toMatch(/503.*retr.*\/healthz/)
    clock.now += 60_000
    await refused(1)
    expect(failed().map((l) => l.unlogged)).toEqual([undefined, 19])
  })

  // After a Redis reconnect (a resync) with the store still away, every connected booth's token
  // check was retried each second, each failure an error line: 10,000 booths, 10,000 a second.
  it('logs the checks of connected booths it cannot make after a resync once a minute, saying what it means', async () => {
    const lines: string[] = []
    const r = await startTestRelay('sqlite', null, {}, { log: jsonLogger((l) => lines.push(l)) })
    cleanups.push(() => r.close())
    for (let i = 0; i < 20; i++) {
      const kiosk = await KioskClient.hello(r.url, await r.addKiosk(`k${i}`), { kioskId: `k${i}` })
      cleanups.push(() => kiosk.close())
    }
    const down = new Error('database is locked')
    const checks = vi.spyOn(r.store, 'getKiosk').mockRejectedValue(down)
    const reads = vi.spyOn(r.store, 'connectionGeneration').mockRejectedValue(down)
    await r.store.announce({ type: 'resync' })
    await vi.waitFor(() => {
      expect(checks.mock.calls.length).toBeGreaterThanOrEqual(20)
      expect(reads.mock.calls.length).toBeGreaterThanOrEqual(20)
    }, UNDER_LOAD)
    await settle()
    const logged = (msg: string): Record<string, unknown>[] =>
      lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === msg)
    for (const msg of ['checking kiosk token failed', 'reading connection generation failed']) {
      expect(logged(msg), msg).toHaveLength(1)
      expect(logged(msg)[0], msg).toMatchObject({ level: 'error', error: 'database is locked' })
      expect(String(logged(msg)[0]?.action), msg).toMatch(/tried again.*\/healthz/)
    }
  })

  // Announcements to the other instances (Redis pub/sub) failing while booths connected wrote a
  // warning per connection, none saying what it meant for the console.
  it('logs connections it cannot announce or record once a minute with a count, saying what it means', async () => {
    const { r, clock, logged } = await relayOnAClock()
    const token = await r.addKiosk('k1')
    vi.spyOn(r.store, 'announce').mockRejectedValue(new Error('connection lost'))
    vi.spyOn(r.store.console, 'noteKioskReplaced').mockRejectedValue(new Error('connection lost'))
    const messages = [
      'announcing connection failed',
      'recording a replaced connection failed',
      'announcing a replaced connection failed',
    ]
    // Each link replaces the last: the booth on bad Wi-Fi reconnecting.
    const links = async (times: number): Promise<void> => {
      for (let i = 0; i < times; i++) {
        const kiosk = await KioskClient.hello(r.url, token, { kioskId: 'k1' })
        cleanups.push(() => kiosk.close())
      }
      await vi.waitFor(() => {
        for (const msg of messages) expect(logged(msg).length, msg).toBeGreaterThan(0)
      }, UNDER_LOAD)
      await settle()
    }
    await links(20)
    for (const msg of messages) {
      expect(logged(msg), msg).toHaveLength(1)
      expect(logged(msg)[0], msg).toMatchObject({ level: 'warn', kioskId: 'k1' })
      expect(String(logged(msg)[0]?.action), msg).toMatch(/scans are not affected/)
    }
    expect(String(logged('announcing connection failed')[0]?.action)).toMatch(/other relay/)
    expect(String(logged('recording a replaced connection failed')[0]?.action)).toMatch(/console/)
    clock.now += 60_000
    await links(1)
    expect(logged('announcing connection failed').map((l) => l.unlogged)).toEqual([undefined, 19])
  })

  it('says what a failed retention prune means: nothing lost, the store keeps growing', async () => {
    const lines: string[] = []
    const r = await startTestRelay(
      'sqlite',
      null,
      {},
      { pruneIntervalMs: 10, log: jsonLogger((l) => lines.push(l)) },
    )
    cleanups.push(() => r.close())
    vi.spyOn(r.store, 'prune').mockRejectedValue(new Error('database is locked'))
    const failed = (): Record<string, unknown>[] =>
      lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.msg === 'retention failed')
    await vi.waitFor(() => expect(failed().length).toBeGreaterThan(0), UNDER_LOAD)
    expect(failed()[0]).toMatchObject({ level: 'error', error: 'database is locked' })
    expect(String(failed()[0]?.action)).toMatch(/nothing is lost.*\/healthz/)
  })

  it('runs one retention prune at a time: a round due while one runs is skipped', async () => {
    // A big store's first prune outlasting the interval: the timer started a second over the
    // same rows while the first was still deleting its chunks.
    const lines: string[] = []
    const r = await startTestRelay(
      'sqlite',
      null,
      {},
      { pruneIntervalMs: 10, log: jsonLogger((l) => lines.push(l), 'debug') },
    )
    cleanups.push(() => r.close())
    let release = (): void => {}
    const held = new Promise<number>((resolve) => {
      release = () => resolve(0)
    })
    const prune = vi.spyOn(r.store, 'prune').mockReturnValue(held)
    // The held one started (the start's own prune, real, may have been running till then).
    await vi.waitFor(() => expect(prune).toHaveBeenCalled(), UNDER_LOAD)
    lines.length = 0
    const skipped = (): boolean => lines.some((l) => l.includes('retention prune still running'))
    await vi.waitFor(() => expect(skipped() || prune.mock.calls.length > 1).toBe(true), UNDER_LOAD)
    expect(prune).toHaveBeenCalledTimes(1)
    // Once it is done, the next round prunes again.
    prune.mockResolvedValue(0)
    release()
    await vi.waitFor(() => expect(prune.mock.calls.length).toBeGreaterThan(1), UNDER_LOAD)
  })

  // A backup tool or an sqlite3 shell holding the write lock: the attendance rows could not be
  // moved into the console's table, retried every second, an error line each: 86,400 a day.
  it('logs attendance rows it cannot move once a minute with a count, saying what it means', async () => {
    const data = tempDir()
    const { r, clock, logged } = await relayOnAClock({ data })
    await r.addKiosk('k1')
    expect(
      (await postPush(r.url, scanXml('o_a', 'k1:a'), signedQuery(TOKEN, clock.now))).status,
    ).toBe(200)
    await r.store.attendance.settled()
    // Its row pending again (counted once when moved), then another connection's write lock.
    const locker = new Database(`${data}/relay.sqlite`)
    cleanups.push(() => void locker.close())
    locker.pragma('busy_timeout = 0')
    locker.exec(`INSERT INTO attendance_pending (kiosk_id, seq, campaign_id, fallback, received_at)
      SELECT kiosk_id, seq, NULL, 0, 1 FROM attendance`)
    locker.exec('BEGIN IMMEDIATE')
    const failed = () => logged('attendance rows not moved')
    // Each try waits out the busy timeout, then is tried again a second later.
    const notMoved = async (times: number): Promise<void> => {
      for (let i = 0; i < times; i++) {
        await expect(r.store.attendance.settled()).rejects.toThrow(/locked|busy/i)
        clock.now += 1_000
      }
    }
    await notMoved(3)
    expect(failed()).toHaveLength(1)
    expect(failed()[0]).toMatchObject({ level: 'error', error: 'database is locked' })
    expect(String(failed()[0]?.action)).toMatch(
      /console.*behind.*pending.*nothing is lost.*\/healthz/,
    )
    clock.now += 60_000
    await notMoved(1)
    expect(failed().map((l) => l.unlogged)).toEqual([undefined, 2])
    // Moved once the lock is gone: nothing lost, nothing counted twice.
    locker.exec('ROLLBACK')
    await r.store.attendance.settled()
    expect((await r.store.attendance.stats({ kioskIds: null }, localDay(clock.now))).scans).toBe(1)
  }, 30_000)

  // Pending rows whose queue entry is gone are deleted, not moved: the line for a failed chunk
  // ("nothing is lost", retried) was untrue for them.
  it('logs pending rows dropped for want of their event as their own line, saying they are not counted', async () => {
    const data = tempDir()
    const { r, clock, logged } = await relayOnAClock({ data })
    await r.addKiosk('k1')
    const db = new Database(`${data}/relay.sqlite`)
    cleanups.push(() => void db.close())
    db.exec(`INSERT INTO attendance_pending (kiosk_id, seq, campaign_id, fallback, received_at)
      VALUES ('k1', 98, NULL, 0, 1), ('k1', 99, NULL, 0, 1)`)
    expect(
      (await postPush(r.url, scanXml('o_a', 'k1:a'), signedQuery(TOKEN, clock.now))).status,
    ).toBe(200)
    await r.store.attendance.settled()
    expect((await r.store.attendance.stats({ kioskIds: null }, localDay(clock.now))).scans).toBe(1)
    expect(logged('attendance rows not moved')).toEqual([])
    const dropped = logged('attendance rows dropped')
    expect(dropped).toHaveLength(1)
    expect(dropped[0]).toMatchObject({ level: 'error', rows: 2 })
    const action = String(dropped[0]?.action)
    expect(action).toMatch(/not counted/)
    expect(action).toMatch(/not tried again/)
    expect(action).not.toMatch(/nothing is lost|tried again every/)
  })

  // A monitor asking /healthz and Prometheus scraping /metrics every few seconds while the store
  // could not be read wrote a warning each, saying nothing of what to do.
  it('logs /healthz and /metrics reads the store cannot answer once a minute with a count, saying what to do', async () => {
    const { r, clock, logged } = await relayOnAClock()
    vi.spyOn(r.store, 'countUnrouted').mockRejectedValue(new Error('database is locked'))
    const asked = async (times: number): Promise<void> => {
      for (let i = 0; i < times; i++) {
        expect((await health(r)).status).toBe(503)
        const metrics = await fetch(`${r.url}/metrics`)
        expect(metrics.status).toBe(200)
        expect(await metrics.text()).toContain('scandesk_relay_store_healthy')
      }
    }
    await asked(20)
    for (const msg of ['health check read failed', 'metrics without store gauges']) {
      expect(logged(msg), msg).toHaveLength(1)
      expect(logged(msg)[0], msg).toMatchObject({ level: 'warn', error: 'database is locked' })
      expect(String(logged(msg)[0]?.action), msg).toMatch(/\/healthz/)
    }
    expect(String(logged('metrics without store gauges')[0]?.action)).toMatch(/every counter/)
    clock.now += 60_000
    await asked(1)
    expect(logged('health check read failed').map((l) => l.unlogged)).toEqual([undefined, 19])
    expect(logged('metrics without store gauges').map((l) => l.unlogged)).toEqual([undefined, 19])
  })

  // A full disk refused 162 pushes in the disk-full test and the relay wrote 162 error lines and
  // 162 'push refused' lines, onto logs that may share the full disk, burying everything else.
  it('logs refused pushes once a minute per cause with a count, and once more when the store accepts again', async () => {
    const { r, clock, logged } = await relayOnAClock()
    await r.addKiosk('k1')
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })
    const locked = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' })
    const append = vi.spyOn(r.store, 'appendEvent')
    let n = 0
    const refusedWith = async (err: Error, times: number): Promise<void> => {
      append.mockRejectedValue(err)
      for (let i = 0; i < times; i++) {
        const body = scanXml(`o_r${n}`, `k1:r${n++}`)
        expect((await postPush(r.url, body, signedQuery(TOKEN, clock.now))).status).toBe(503)
      }
    }
    const failed = () => logged().filter((l) => l.msg === 'storing push failed')

    await refusedWith(full, 30)
    await refusedWith(locked, 5)
    expect(failed().map((l) => [l.cause, l.unlogged])).toEqual([
      ['database or disk is full', undefined],
      ['database is locked', undefined],
    ])
    // Each refused push is answered 503 and counted, logged or not; no line per push.
    expect(logged().filter((l) => l.msg === 'push refused')).toEqual([])
    const metrics = await (await fetch(`${r.url}/metrics`)).text()
    expect(metrics).toContain('scandesk_relay_pushes_total{outcome="store_error"} 35')

    clock.now += 59_000
    await refusedWith(full, 1)
    expect(failed()).toHaveLength(2)
    clock.now += 1_000
    await refusedWith(full, 1)
    expect(failed().map((l) => [l.cause, l.unlogged])).toEqual([
      ['database or disk is full', undefined],
      ['database is locked', undefined],
      ['database or disk is full', 30],
    ])

    append.mockRestore()
    for (let i = 0; i < 2; i++) {
      const body = scanXml(`o_ok${i}`, `k1:ok${i}`)
      expect((await postPush(r.url, body, signedQuery(TOKEN, clock.now))).status).toBe(200)
    }
    const again = logged().filter((l) => String(l.msg).startsWith('store accepting pushes again'))
    expect(again.map((l) => [l.level, l.msg, l.refused])).toEqual([
      ['info', 'store accepting pushes again after 37 refused', 37],
    ])
  })

  it('answers 503 when Redis is gone', async () => {
    const redis = await startRedis()
    cleanups.push(() => redis.stop())
    const r = await startTestRelay('redis', redis.url)
    cleanups.push(() => r.close())
    expect((await health(r)).status).toBe(200)
    await redis.stop()
    const down = await health(r)
    expect(down.status).toBe(503)
    expect(down.body).toMatchObject({ status: 'unavailable', store: 'redis' })
    // /metrics keeps the counters while the store is away.
    const metrics = await fetch(`${r.url}/metrics`)
    expect(metrics.status).toBe(200)
    expect(await metrics.text()).toContain('scandesk_relay_store_healthy 0')
  })

  it('answers pushes, console reads and /healthz while Redis stops answering; loses nothing after', async () => {
    const { r, kiosk, redis, token } = await relayWithBoothOnRedis()
    const c = await signIn(r)
    expect((await postPush(r.url, scanXml('o_before', 'k1:a', 1))).status).toBe(200)
    await kiosk.waitForScans(1)
    // A paused redis-server keeps its connections open and answers nothing, as across a
    // network partition: commands sent now wait for a reply that does not come.
    process.kill(redis.pid, 'SIGSTOP')
    let paused = true
    cleanups.push(() => {
      if (paused) process.kill(redis.pid, 'SIGCONT')
    })
    const stalled = scanXml('o_stalled', 'k1:b', 2)
    // WeChat waits 5 s, then retries: the relay must answer, not hold the request.
    const push = await orHung(postPush(r.url, stalled))
    expect(push === 'hung' ? 'hung' : push.status).toBe(503)
    const down = await orHung(health(r))
    expect(down === 'hung' ? 'hung' : down.status).toBe(503)
    const page = await orHung(c.call('GET', '/console/api/campaigns'))
    // The organizer is told the store is unavailable (503), not left waiting.
    expect(page === 'hung' ? 'hung' : page.status).toBe(503)
    // A booth reconnecting now is turned away (its token cannot be checked), not left hanging.
    const booth = await orHung(
      KioskClient.connect(r.url, token).then(
        (k) => `open: ${k.ws.readyState}`,
        (err: unknown) => (err instanceof Error ? err.message : String(err)),
      ),
    )
    expect(booth).toMatch(/^HTTP 5\d\d$/)

    process.kill(redis.pid, 'SIGCONT')
    paused = false
    // Pushes are answered 503 at once until the relay hears from Redis again (its breaker's
    // probe, relay/store-breaker.ts); /healthz says when that is.
    await vi.waitFor(async () => expect((await health(r)).status).toBe(200), {
      timeout: 15_000,
      interval: 50,
    })
    // WeChat's retry of the push answered 503, and a new one: both stored, the booth gets each once.
    expect((await postPush(r.url, stalled)).status).toBe(200)
    expect((await postPush(r.url, scanXml('o_after', 'k1:c', 3))).status).toBe(200)
    await kiosk.waitForScans(3, 15_000)
    expect(kiosk.scans.map((f) => f.openid)).toEqual(['o_before', 'o_stalled', 'o_after'])
    expect((await health(r)).status).toBe(200)
    expect((await c.call('GET', '/console/api/campaigns')).status).toBe(200)
  }, 90_000)

  it('never tells an organizer "nothing was saved" for a Redis write that timed out (it may still land)', async () => {
    const { r } = await relayWithBoothOnRedis()
    const c = await signIn(r)
    // What ioredis rejects with after commandTimeout: the command was sent and may still run.
    vi.spyOn(r.store.campaigns, 'createCampaign').mockRejectedValue(new Error('Command timed out'))
    const made = await c.call('POST', '/console/api/campaigns', campaignBody())
    expect(made.status, made.text).toBeGreaterThanOrEqual(500)
    expect(made.text).not.toMatch(/nothing was saved/)
    // A read that timed out changed nothing: the store is named as the cause.
    vi.spyOn(r.store.campaigns, 'listCampaigns').mockRejectedValue(new Error('Command timed out'))
    const list = await c.call('GET', '/console/api/campaigns')
    expect(list.status).toBe(503)
    expect(list.text).toContain('store did not answer in time')
  })

  it('says when Redis refuses writes for its memory limit: pushes 503, then stored once it has room', async () => {
    const redis = await startRedis()
    cleanups.push(() => redis.stop())
    const r = await startTestRelay('redis', redis.url)
    cleanups.push(() => r.close())
    await r.addKiosk('k1')
    const admin = new Redis({ path: redis.url })
    cleanups.push(() => void admin.disconnect())
    // A server past its maxmemory with noeviction refuses every write with OOM.
    await admin.config('SET', 'maxmemory-policy', 'noeviction')
    await admin.config('SET', 'maxmemory', '1')
    const body = scanXml('o_oom', 'k1:a')
    expect((await postPush(r.url, body, signedQuery(TOKEN))).status).toBe(503)
    const down = await health(r)
    expect(down.status).toBe(503)
    expect(down.body.error).toBe('store is out of memory')

    await admin.config('SET', 'maxmemory', '0')
    expect((await postPush(r.url, body, signedQuery(TOKEN))).status).toBe(200)
    expect((await health(r)).status).toBe(200)
  })

  it("says when Redis lost the relay's data under it (restarted without persistence): 503, the log names it", async () => {
    const { r, token, kiosk, admin, probeFailures } = await relayWithBoothOnRedis()
    expect((await postPush(r.url, scanXml('o_before', 'k1:a'), signedQuery(TOKEN))).status).toBe(
      200,
    )
    // What a Redis restarted without appendonly/save looks like to the relay: every key gone.
    await admin.flushall()
    const down = await health(r)
    expect(down).toMatchObject({
      status: 503,
      body: { status: 'unavailable', store: 'redis', reason: 'probe_failed', error: 'store error' },
    })
    expect(await (await fetch(`${r.url}/metrics`)).text()).toContain(
      'scandesk_relay_store_healthy 0',
    )
    const probe = probeFailures()
    expect(probe.length).toBeGreaterThan(0)
    expect(String(probe[0]?.error)).toMatch(/lost the relay's data/)
    // The booth linked before is told at once (its token is gone with the data): it shows the
    // link refused instead of online with no scans coming, and a reconnect is refused 401.
    expect((await kiosk.closed).code).toBe(RelayCloseCode.revoked)
    await expect(KioskClient.connect(r.url, token)).rejects.toThrow('HTTP 401')
    // A push is still kept (as unrouted: Redis no longer knows the booth), and storing it does
    // not clear the verdict, nor does the probe's own write: only a restart of the relay does.
    expect((await postPush(r.url, scanXml('o_after', 'k1:b'), signedQuery(TOKEN))).status).toBe(200)
    expect(await r.store.countUnrouted()).toBe(1)
    // Nor does it for /metrics alone: a scrape between two health checks (a push every few
    // seconds, a health check every 30 s) would read the store healthy almost all the time.
    expect(await (await fetch(`${r.url}/metrics`)).text()).toContain(
      'scandesk_relay_store_healthy 0',
    )
    expect((await health(r)).status).toBe(503)
  })

  it("notices by itself that Redis lost the relay's data, with nothing asking /healthz", async () => {
    // Without an outside checker (no Docker HEALTHCHECK, no monitor), the relay learnt of the
    // loss only when something asked /healthz: booths stayed online with no scans coming, the
    // gauge read 1. It probes the store itself on a timer (here every 50 ms, 30 s by default),
    // with the same probe and verdict.
    const { r, kiosk, admin, probeFailures } = await relayWithBoothOnRedis({
      storeProbeIntervalMs: 50,
    })
    await admin.flushall()
    const closed = await Promise.race([kiosk.closed, settle(10_000).then(() => null)])
    expect(closed?.code, 'the booth was not told').toBe(RelayCloseCode.revoked)
    expect(String(probeFailures()[0]?.error)).toMatch(/lost the relay's data/)
    expect(await (await fetch(`${r.url}/metrics`)).text()).toContain(
      'scandesk_relay_store_healthy 0',
    )
    expect(await health(r)).toMatchObject({ status: 503, body: { reason: 'probe_failed' } })
  })

  it("tells the relay's listeners once that Redis lost its data, not at every probe until a restart", async () => {
    // Each failed probe (every 30 s, each /healthz) emitted a resync: every booth's token
    // checked again, the draws caught up, the caches dropped, for as long as the relay ran.
    // Once on the loss, once more on the data coming back (a restore: changed unheard), and
    // once again on a second loss.
    const { r, kiosk, admin } = await relayWithBoothOnRedis()
    let resyncs = 0
    cleanups.push(r.store.subscribe((c) => void (c.type === 'resync' && resyncs++)))
    const [idKey] = await admin.keys('*:store-id')
    const id = idKey === undefined ? null : await admin.get(idKey)
    expect(id).not.toBeNull()
    const probes = async (n: number): Promise<string[]> => {
      const out: string[] = []
      for (let i = 0; i < n; i++) {
        out.push(
          await r.store.probeWrite(Date.now()).then(
            () => 'ok',
            (err: unknown) => (err as Error).name,
          ),
        )
      }
      return out
    }
    expect(await probes(2)).toEqual(['ok', 'ok'])
    expect(resyncs).toBe(0)
    await admin.flushall()
    expect(await probes(4)).toEqual(Array(4).fill('StoreLostError'))
    expect(resyncs).toBe(1)
    // That one resync closed the booth linked here (its token went with the data).
    expect((await kiosk.closed).code).toBe(RelayCloseCode.revoked)
    expect((await health(r)).status).toBe(503)
    expect(resyncs).toBe(1)
    // The backup restored (its store id with it): the probe passes, the listeners re-read.
    await admin.set(idKey as string, id as string)
    expect(await probes(3)).toEqual(['ok', 'ok', 'ok'])
    expect(resyncs).toBe(2)
    await admin.flushall()
    expect(await probes(3)).toEqual(Array(3).fill('StoreLostError'))
    expect(resyncs).toBe(3)
  })

  it('probes the SQLite store by itself too, one cheap write a round, and stops with the relay', async () => {
    const r = await startTestRelay('sqlite', null, {}, { storeProbeIntervalMs: 50 })
    let closed = false
    cleanups.push(() => (closed ? undefined : r.close()))
    const probe = vi.spyOn(r.store, 'probeWrite')
    // A store refusing writes shows in the gauge with nothing asking /healthz.
    probe.mockRejectedValue(Object.assign(new Error('disk full'), { code: 'SQLITE_FULL' }))
    const gauge = async (): Promise<string> =>
      /scandesk_relay_store_healthy (\d)/.exec(
        await (await fetch(`${r.url}/metrics`)).text(),
      )?.[1] ?? ''
    for (let i = 0; i < 200 && (await gauge()) !== '0'; i++) await settle(50)
    expect(await gauge()).toBe('0')
    // Taking writes again: back to 1 at its next round, one probe write each.
    probe.mockRestore()
    const rounds = vi.spyOn(r.store, 'probeWrite')
    for (let i = 0; i < 200 && (await gauge()) !== '1'; i++) await settle(50)
    expect(await gauge()).toBe('1')
    expect(rounds.mock.calls.length).toBeGreaterThan(0)
    await r.close()
    closed = true
    const after = rounds.mock.calls.length
    await settle(300)
    expect(rounds.mock.calls.length).toBe(after)
  })

  it("keeps 200 for a Redis that still holds the relay's data, on every instance sharing it", async () => {
    const redis = await startRedis()
    cleanups.push(() => redis.stop())
    const a = await startTestRelay('redis', redis.url, {}, { redisPrefix: 'shared:' })
    cleanups.push(() => a.close())
    const b = await startTestRelay('redis', redis.url, {}, { redisPrefix: 'shared:' })
    cleanups.push(() => b.close())
    expect((await health(a)).status).toBe(200)
    expect((await health(b)).status).toBe(200)
  })

  it('names a Redis that stopped taking writes after a failed snapshot (MISCONF)', async () => {
    const r = await startTestRelay('sqlite', null)
    cleanups.push(() => r.close())
    const misconf = new Error(
      'MISCONF Redis is configured to save RDB snapshots, but it is currently not able to persist on disk.',
    )
    vi.spyOn(r.store, 'probeWrite').mockRejectedValue(misconf)
    expect(await health(r)).toMatchObject({
      status: 503,
      body: { reason: 'probe_failed', error: 'store cannot save to disk' },
    })
  })

  it('says why in a short stable text, never the store error itself (paths, hosts); the log has it', async () => {
    const lines: string[] = []
    const log = jsonLogger((l) => lines.push(l))
    const r = await startTestRelay('sqlite', null, {}, { log })
    cleanups.push(() => r.close())
    await r.addKiosk('k1')
    const secret = 'redis://:s3cretPW@10.1.2.3:6379'
    const why = new Error(`connect ECONNREFUSED 10.1.2.3:6379 (${secret}) /var/lib/scandesk/x`)
    Object.assign(why, { code: 'ECONNREFUSED' })
    vi.spyOn(r.store, 'probeWrite').mockRejectedValue(why)
    const down = await health(r)
    expect(down).toMatchObject({
      status: 503,
      body: { status: 'unavailable', store: 'sqlite', reason: 'probe_failed' },
    })
    expect(down.body.error).toBe('store unreachable')
    const metrics = await (await fetch(`${r.url}/metrics`)).text()
    for (const shown of [JSON.stringify(down.body), metrics]) {
      expect(shown).not.toContain('s3cretPW')
      expect(shown).not.toContain('10.1.2.3')
      expect(shown).not.toContain('/var/lib')
    }
    // The operator still gets the whole error in the relay's log (once a minute for each error).
    expect(
      lines.some((l) => l.includes('store health probe failed') && l.includes('/var/lib')),
    ).toBe(true)
  })
})

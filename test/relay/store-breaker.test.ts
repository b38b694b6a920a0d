/**
 * The push breaker (relay/store-breaker.ts): once the store stops answering, pushes are
 * answered 503 at once (WeChat retries them) instead of each held for the Redis client's command
 * timeout; at most `maxHeld` wait for the store at any moment; the breaker closes as soon as the
 * store answers again, and no push answered 200 is lost.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { jsonLogger } from '../../relay/log'
import { StoreBreaker } from '../../relay/store-breaker'
import { storeErrorText } from '../../relay/store-health'
import { startRedis } from '../helpers/redis'
import { campaignBody, signIn } from './campaign-helpers'
import { KioskClient, postPush, scanXml, startTestRelay } from './harness'
import { UNDER_LOAD } from '../helpers/wait'

const cleanups: Array<() => Promise<unknown> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A promise and the functions that settle it. */
function deferred<T>() {
  let resolve: (v: T) => void = () => {}
  let reject: (e: unknown) => void = () => {}
  const promise = new Promise<T>((ok, no) => {
    resolve = ok
    reject = no
  })
  return { promise, resolve, reject }
}

describe('StoreBreaker', () => {
  it('holds at most maxHeld, lets them all go when one stalls, refuses until the probe is answered', async () => {
    const probes: Array<ReturnType<typeof deferred<void>>> = []
    const changes: boolean[] = []
    const breaker = new StoreBreaker(
      () => {
        const p = deferred<void>()
        probes.push(p)
        return p.promise
      },
      { stallMs: 40, maxHeld: 3, probeRetryMs: 10 },
      (answering) => changes.push(answering),
    )
    cleanups.push(() => breaker.stop())
    const stalled = deferred<string>()
    const held = [1, 2, 3].map(() => breaker.run(() => stalled.promise))
    const sent: string[] = []
    // A fourth while three wait: refused without its step being run.
    await expect(breaker.run(() => Promise.resolve(sent.push('fourth')))).rejects.toThrow(
      /already wait/,
    )
    expect(breaker.heldCount).toBe(3)
    // All three are let go once the oldest has waited stallMs.
    for (const h of held) {
      const err = await h.catch((e: unknown) => e)
      expect(storeErrorText(err)).toBe('store did not answer in time')
    }
    expect(breaker.heldCount).toBe(0)
    expect(breaker.state().open).toBe(true)
    expect(changes).toEqual([false])
    await expect(breaker.run(() => Promise.resolve(sent.push('while open')))).rejects.toThrow(
      /not answering/,
    )
    expect(sent).toEqual([])
    // The probe waits; once it is answered the breaker closes and pushes run again.
    await vi.waitFor(() => expect(probes).toHaveLength(1), UNDER_LOAD)
    probes[0]?.resolve()
    await vi.waitFor(() => expect(breaker.state().open).toBe(false), UNDER_LOAD)
    expect(changes).toEqual([false, true])
    expect(await breaker.run(() => Promise.resolve('stored'))).toBe('stored')
    expect(breaker.peakHeld).toBe(3)
  })

  it('closes on a late answer of a push it let go, and probes again after a probe timed out', async () => {
    const probes: Array<ReturnType<typeof deferred<void>>> = []
    const breaker = new StoreBreaker(
      () => {
        const p = deferred<void>()
        probes.push(p)
        return p.promise
      },
      { stallMs: 30, probeRetryMs: 5 },
    )
    cleanups.push(() => breaker.stop())
    const stalled = deferred<string>()
    const held = breaker.run(() => stalled.promise)
    await expect(held).rejects.toThrow(/did not answer within 30 ms/)
    await vi.waitFor(() => expect(probes).toHaveLength(1), UNDER_LOAD)
    // The Redis client's command timeout: no answer, so probe again.
    probes[0]?.reject(new Error('Command timed out'))
    await vi.waitFor(() => expect(probes).toHaveLength(2), UNDER_LOAD)
    expect(breaker.state().open).toBe(true)
    // The let-go push's command is answered at last: the store answers again.
    stalled.resolve('late')
    await vi.waitFor(() => expect(breaker.state().open).toBe(false), UNDER_LOAD)
    // The probe still waiting is answered too (stop() waits for it), and probes no more.
    probes[1]?.resolve()
    await breaker.stop()
    expect(probes).toHaveLength(2)
  })
})

describe('pushes while Redis stops answering (SIGSTOP)', () => {
  it('answers 503 at once, holds at most maxHeld, says so on /healthz, and loses no push after SIGCONT', async () => {
    const redis = await startRedis()
    cleanups.push(() => redis.stop())
    const lines: string[] = []
    const log = jsonLogger((l) => lines.push(l))
    const logged = (msg: RegExp) =>
      lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => msg.test(String(l.msg)))
    const r = await startTestRelay(
      'redis',
      redis.url,
      {},
      { log, storeBreaker: { stallMs: 500, maxHeld: 10 } },
    )
    cleanups.push(() => r.close())
    const token = await r.addKiosk('k1')
    const kiosk = await KioskClient.hello(r.url, token, { kioskId: 'k1' })
    cleanups.push(() => kiosk.close())
    const c = await signIn(r)
    const scan = (i: number) => scanXml(`o_${i}`, `k1:s${i}`, 1_700_000_000 + i)
    expect((await postPush(r.url, scan(0))).status).toBe(200)
    await kiosk.waitForScans(1)

    process.kill(redis.pid, 'SIGSTOP')
    let paused = true
    cleanups.push(() => {
      if (paused) process.kill(redis.pid, 'SIGCONT')
    })
    // 30 at once: 10 wait for Redis, the other 20 are refused on arrival; all get 503.
    const during = Array.from({ length: 30 }, (_, i) => i + 1)
    const answers = await Promise.all(during.map((i) => postPush(r.url, scan(i))))
    expect(answers.map((a) => a.status)).toEqual(during.map(() => 503))
    const opened = logged(/^store stopped answering/)
    expect(opened).toHaveLength(1)
    expect(opened[0]?.released).toBeLessThanOrEqual(10)
    // /healthz says so without waiting for a probe of its own.
    const down = await fetch(`${r.url}/healthz`)
    expect(down.status).toBe(503)
    expect(await down.json()).toMatchObject({
      reason: 'store_not_answering',
      error: 'store did not answer in time',
    })
    // Refused on arrival: nothing of it is sent, so it is not stored when Redis is back.
    expect((await postPush(r.url, scan(100))).status).toBe(503)
    // The console is told why at once: a read, and a write that saved nothing.
    const read = await c.call('GET', '/console/api/campaigns')
    expect([read.status, read.text]).toEqual([
      503,
      expect.stringContaining('did not answer in time'),
    ])
    const made = await c.call('POST', '/console/api/campaigns', campaignBody({ name: 'never' }))
    expect(made.status).toBe(503)
    expect(made.text).toMatch(/did not answer in time\): nothing was saved/)

    process.kill(redis.pid, 'SIGCONT')
    paused = false
    await vi.waitFor(async () => expect((await fetch(`${r.url}/healthz`)).status).toBe(200), {
      timeout: 15_000,
      interval: 50,
    })
    expect(logged(/^store answering again/)).toHaveLength(1)
    // A new push is stored; then WeChat's retries of every push answered 503 are too.
    expect((await postPush(r.url, scan(200))).status).toBe(200)
    for (const i of during) expect((await postPush(r.url, scan(i))).status).toBe(200)
    await kiosk.waitForScans(32, 15_000)
    const openids = kiosk.scans.map((f) => f.openid)
    // Each once: the pushes let go while waiting may have landed when Redis answered, and their
    // retries are then duplicates; the one refused on arrival (o_100) was never sent.
    expect(openids.slice(0, 1)).toEqual(['o_0'])
    expect([...openids].sort()).toEqual(['o_0', 'o_200', ...during.map((i) => `o_${i}`)].sort())
    expect(openids).not.toContain('o_100')
    const campaigns = await c.call('GET', '/console/api/campaigns')
    expect(campaigns.status).toBe(200)
    expect(campaigns.text).not.toContain('never')
  }, 90_000)
})

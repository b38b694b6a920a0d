// The relay's Redis connections cut again and again (CLIENT KILL, as a proxy or a Redis restart
// of its clients would) while pushes flow and a kiosk is connected and acking: no push is
// answered 200 unless it is stored, never a 4xx for a good push, and the kiosk gets every 200
// exactly once, in order. A cut can land after Redis ran the push's script and before its
// reply: ioredis then re-sends it, or the push is answered 503 and WeChat retries.
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { startRedis } from '../helpers/redis'
import type { RelayHandle } from '../../relay/server'
import { KioskClient, postPush, scanXml, startTestRelay } from '../relay/harness'

const cleanups: Array<() => Promise<unknown> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** WeChat: three tries; returns whether one got 200. A 4xx for a good push fails the test. */
async function wechatPush(relay: RelayHandle, openid: string, n: number): Promise<boolean> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const r = await postPush(relay.url, scanXml(openid, `k1:${n}`, 1_700_000_000 + n))
      if (r.status === 200) return true
      expect(r.status, `push ${n}`).toBeGreaterThanOrEqual(500)
    } catch {
      // a transport error counts as a failed try
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return false
}

describe('Redis connection blips while pushes flow', () => {
  it('answers 200 only for stored pushes, and the kiosk gets each once', async () => {
    const redis = await startRedis()
    cleanups.push(() => redis.stop())
    const relay = await startTestRelay('redis', redis.url)
    cleanups.push(() => relay.close())
    const token = await relay.addKiosk('k1')
    const admin = new Redis(redis.url)
    admin.on('error', () => {})
    cleanups.push(() => admin.quit())

    // A kiosk connected throughout, acking what it gets (acks and replays cross the cuts too).
    const kiosk = await KioskClient.hello(relay.url, token, { kioskId: 'k1' })
    cleanups.push(() => kiosk.close())
    let acking = true
    const acker = (async () => {
      while (acking) {
        await new Promise((r) => setTimeout(r, 20))
        const last = kiosk.scans.at(-1)
        if (last) kiosk.ack(last.seq)
      }
    })()

    const TOTAL = 150
    const answered: string[] = []
    let next = 0
    let done = false
    const worker = async () => {
      while (next < TOTAL) {
        const n = next++
        const openid = `o_blip_${n}`
        if (await wechatPush(relay, openid, n)) answered.push(openid)
      }
    }
    let kills = 0
    const killer = (async () => {
      while (!done) {
        await new Promise((r) => setTimeout(r, 15 + (kills % 5) * 10))
        // Every normal client but this one: the relay's command connection (not its subscriber).
        kills += Number(await admin.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes'))
      }
    })()
    await Promise.all([worker(), worker(), worker(), worker()])
    done = true
    await killer
    expect(kills).toBeGreaterThan(5)
    expect(answered.length).toBeGreaterThan(TOTAL / 2)

    // Every 200 is stored (read straight from the store, after the cuts).
    const stored = (await relay.store.readEvents('k1', 0, 10_000)).map((e) => e.openid)
    expect(new Set(stored).size).toBe(stored.length)
    for (const o of answered) expect(stored).toContain(o)

    await kiosk.waitForScans(stored.length, 20_000).catch(async () => {
      // The socket may have been dropped by a failed read: the next hello replays.
    })
    acking = false
    await acker
    let got = kiosk.scans
    if (got.length < stored.length) {
      await kiosk.close()
      const again = await KioskClient.hello(relay.url, token, {
        kioskId: 'k1',
        lastSeq: got.at(-1)?.seq ?? 0,
      })
      cleanups.push(() => again.close())
      await again.waitForScans(stored.length - got.length, 20_000)
      got = [...got, ...again.scans]
    }
    const seqs = got.map((s) => s.seq)
    expect(seqs).toEqual(Array.from({ length: stored.length }, (_, i) => i + 1))
    expect(new Set(got.map((s) => s.id)).size).toBe(got.length)
    expect([...got.map((s) => s.openid)].sort()).toEqual([...stored].sort())
  }, 60_000)
})

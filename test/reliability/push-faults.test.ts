// Push-side faults at the relay: store locked or full (5xx, then recovery on WeChat's retry),
// visitors in the same second, a visitor scanning twice, and clock skew around the window.
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { RelayHandle } from '../../relay/server'
import { TOKEN, postPush, scanXml, signedQuery, startTestRelay, tempDir } from '../relay/harness'

let relay: RelayHandle | null = null
afterEach(async () => {
  vi.restoreAllMocks()
  await relay?.close()
  relay = null
})

const T0 = 1_800_000_000_000
async function start(data?: string, clock: () => number = () => T0): Promise<RelayHandle> {
  relay = await startTestRelay('sqlite', null, data === undefined ? {} : { data }, { now: clock })
  await relay.addKiosk('k1')
  return relay
}

const openidsOf = async (r: RelayHandle) =>
  (await r.store.readEvents('k1', 0, 1000)).map((e) => e.openid)

describe('store failures answer 5xx, and WeChat’s retry is then stored once', () => {
  it('SQLite locked by another process', async () => {
    const data = tempDir()
    const r = await start(data)
    const locker = new Database(`${data}/relay.sqlite`)
    locker.pragma('busy_timeout = 0')
    locker.exec('BEGIN EXCLUSIVE')
    const body = scanXml('o_locked', 'k1:a', T0 / 1000)
    const first = await postPush(r.url, body, signedQuery(TOKEN, T0))
    expect(first.status).toBeGreaterThanOrEqual(500)
    locker.exec('ROLLBACK')
    locker.close()
    const retry = await postPush(r.url, body, signedQuery(TOKEN, T0))
    expect(retry).toEqual({ status: 200, body: 'success' })
    const again = await postPush(r.url, body, signedQuery(TOKEN, T0))
    expect(again.status).toBe(200)
    expect(await openidsOf(r)).toEqual(['o_locked'])
  })

  it('disk full while appending', async () => {
    const r = await start()
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })
    vi.spyOn(r.store, 'appendEvent').mockRejectedValueOnce(full)
    const body = scanXml('o_full', 'k1:b', T0 / 1000)
    expect((await postPush(r.url, body, signedQuery(TOKEN, T0))).status).toBe(503)
    expect(await openidsOf(r)).toEqual([])
    expect((await postPush(r.url, body, signedQuery(TOKEN, T0))).status).toBe(200)
    expect(await openidsOf(r)).toEqual(['o_full'])
  })
})

describe('visitors and seconds', () => {
  it('two visitors in the same second are two events; one visitor scanning twice too', async () => {
    const r = await start()
    const sec = T0 / 1000
    const pushes = [
      scanXml('o_a', 'k1:1', sec),
      scanXml('o_b', 'k1:1', sec), // same code, same second, another visitor
      scanXml('o_a', 'k1:2', sec), // same visitor, same second, the next code on screen
      scanXml('o_a', 'k1:3', sec + 40), // same visitor again later
    ]
    const answers = await Promise.all(pushes.map((b) => postPush(r.url, b, signedQuery(TOKEN, T0))))
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200])
    expect((await openidsOf(r)).sort()).toEqual(['o_a', 'o_a', 'o_a', 'o_b'])
  })

  it('WeChat’s retries racing the first attempt: 20 copies, all 200, stored once', async () => {
    const r = await start()
    const body = scanXml('o_retry', 'k1:r', T0 / 1000)
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => postPush(r.url, body, signedQuery(TOKEN, T0))),
    )
    expect(answers.every((a) => a.status === 200)).toBe(true)
    expect(await openidsOf(r)).toEqual(['o_retry'])
  })
})

describe('clock skew between WeChat and the relay (window 300 s)', () => {
  it('accepts skew inside the window either way and refuses skew beyond it', async () => {
    const r = await start()
    const at = (skewS: number, openid: string) =>
      postPush(
        r.url,
        scanXml(openid, `k1:${openid}`, T0 / 1000),
        signedQuery(TOKEN, T0 + skewS * 1000),
      )
    expect((await at(-290, 'o_behind')).status).toBe(200)
    expect((await at(290, 'o_ahead')).status).toBe(200)
    expect((await at(-310, 'o_stale')).status).toBe(401)
    expect((await at(310, 'o_future')).status).toBe(401)
    expect((await openidsOf(r)).sort()).toEqual(['o_ahead', 'o_behind'])
  })
})

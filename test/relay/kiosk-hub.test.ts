import { randomUUID } from 'node:crypto'
import { readFileSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { RelayCloseCode } from '../../shared/relay-protocol'
import { startRelay, type RelayHandle, type StartRelayOptions } from '../../relay/server'
import { startRedis, type TestRedis } from '../helpers/redis'
import { UNDER_LOAD } from '../helpers/wait'
import {
  KioskClient,
  TOKEN,
  postPush,
  scanXml,
  settle,
  signedQuery,
  startTestRelay,
  tempDir,
  type Backend,
} from './harness'

let redis: TestRedis
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await redis?.stop()
})

describe.each<Backend>(['sqlite', 'redis'])('kiosk websocket on %s', (backend) => {
  const relays: RelayHandle[] = []
  const clients: KioskClient[] = []

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()))
    await Promise.all(relays.splice(0).map((r) => r.close()))
  })

  async function start(opts: StartRelayOptions = {}, config = {}): Promise<RelayHandle> {
    const r = await startTestRelay(backend, redis.url, config, opts)
    relays.push(r)
    return r
  }
  async function hello(r: RelayHandle, token: string, kioskId: string, more = {}) {
    const c = await KioskClient.hello(r.url, token, { kioskId, ...more })
    clients.push(c)
    return c
  }
  async function connect(r: RelayHandle, token: string | null) {
    const c = await KioskClient.connect(r.url, token)
    clients.push(c)
    return c
  }
  let createTime = 1_700_000_000
  async function scan(r: RelayHandle, scene: string, openid = `o${createTime}`) {
    const res = await postPush(r.url, scanXml(openid, scene, ++createTime), signedQuery(TOKEN))
    expect(res.status).toBe(200)
  }

  it('refuses the upgrade without a valid, current token', async () => {
    const r = await start()
    const token = await r.addKiosk('k1')
    await expect(connect(r, null)).rejects.toThrow('HTTP 401')
    await expect(connect(r, 'k1.not-the-right-secret')).rejects.toThrow('HTTP 401')
    await expect(connect(r, token.replace('k1.', 'k2.'))).rejects.toThrow('HTTP 401')
    await r.revokeKiosk('k1')
    await expect(connect(r, token)).rejects.toThrow('HTTP 401')
    const again = await r.addKiosk('k1')
    await expect(connect(r, token)).rejects.toThrow('HTTP 401')
    await expect(connect(r, again)).resolves.toBeInstanceOf(KioskClient)
    // The auth scheme is case-insensitive (RFC 9110 §11.1); the token itself is not.
    const lower = await KioskClient.connect(r.url, null, {
      headers: { Authorization: `bearer ${again}` },
    })
    clients.push(lower)
    await expect(
      KioskClient.connect(r.url, null, {
        headers: { Authorization: `bearer ${again.toUpperCase()}` },
      }),
    ).rejects.toThrow('HTTP 401')
  })

  it('takes the scheme and token apart by one or more spaces, as RFC 6750 writes it (1*SP)', async () => {
    const r = await start()
    const token = await r.addKiosk('k1')
    for (const authorization of [`Bearer  ${token}`, `BEARER   ${token}`]) {
      const c = await KioskClient.connect(r.url, null, {
        headers: { Authorization: authorization },
      })
      clients.push(c)
      c.send({ type: 'hello', kioskId: 'k1' })
      await c.waitFor((f) => f.type === 'welcome')
    }
    // Still no token without the space, nor one split by a tab or holding a space.
    for (const authorization of [`Bearer${token}`, `Bearer\t${token}`, `Bearer ${token} x`]) {
      await expect(
        KioskClient.connect(r.url, null, { headers: { Authorization: authorization } }),
        JSON.stringify(authorization),
      ).rejects.toThrow('HTTP 401')
    }
  })

  it('closes with 4400 on garbage, a binary frame or an unknown frame type', async () => {
    const r = await start()
    const token = await r.addKiosk('k1')
    for (const garbage of ['{not json', JSON.stringify({ type: 'hello' }), '{"type":"nope"}']) {
      const c = await connect(r, token)
      c.send(garbage)
      expect((await c.closed).code).toBe(RelayCloseCode.badFrame)
    }
    const b = await connect(r, token)
    b.ws.send(Buffer.from([1, 2, 3]))
    expect((await b.closed).code).toBe(RelayCloseCode.badFrame)
    const extra = await connect(r, token)
    extra.send({ type: 'hello', kioskId: 'k1', sneaky: true })
    expect((await extra.closed).code).toBe(RelayCloseCode.badFrame)
    // The version is shown in the organizer's console: one line, no text-direction controls.
    for (const version of ['1.0\u202e0.2', '1.0\n<b>', '1.0\u0000']) {
      const shown = await connect(r, token)
      shown.send({ type: 'hello', kioskId: 'k1', version })
      expect((await shown.closed).code, JSON.stringify(version)).toBe(RelayCloseCode.badFrame)
    }
    // Frames over maxPayload are cut off by ws itself (1009 "message too big").
    const huge = await connect(r, token)
    huge.send(JSON.stringify({ type: 'hello', kioskId: 'k1', pad: 'x'.repeat(64 * 1024) }))
    expect((await huge.closed).code).toBe(1009)
  })

  it('enforces the protocol: hello for another kiosk, second hello, early or future ack, no hello', async () => {
    const r = await start({ helloTimeoutMs: 150 })
    const token = await r.addKiosk('k1')
    await r.addKiosk('k2')
    const other = await connect(r, token)
    other.send({ type: 'hello', kioskId: 'k2' })
    expect((await other.closed).code).toBe(RelayCloseCode.forbidden)

    const twice = await hello(r, token, 'k1')
    twice.send({ type: 'hello', kioskId: 'k1' })
    expect((await twice.closed).code).toBe(RelayCloseCode.protocolError)

    const early = await connect(r, token)
    early.ack(1)
    expect((await early.closed).code).toBe(RelayCloseCode.protocolError)

    const future = await hello(r, token, 'k1')
    future.ack(5)
    expect((await future.closed).code).toBe(RelayCloseCode.protocolError)

    const silent = await connect(r, token)
    expect((await silent.closed).code).toBe(RelayCloseCode.helloTimeout)
  })

  it('delivers only a kiosk’s own events', async () => {
    const r = await start()
    const [ta, tb] = [await r.addKiosk('kiosk-a'), await r.addKiosk('kiosk-b')]
    const a = await hello(r, ta, 'kiosk-a')
    const b = await hello(r, tb, 'kiosk-b')
    for (let i = 0; i < 4; i++) await scan(r, `kiosk-b:n${i}`)
    // A scene whose prefix merely starts like kiosk-a's id is not kiosk-a's.
    await scan(r, 'kiosk-ab:n')
    await scan(r, 'kiosk-a:mine')
    await b.waitForScans(4)
    await a.waitForScans(1)
    await settle()
    expect(a.scans.map((s) => s.scene)).toEqual(['kiosk-a:mine'])
    expect(b.scans.every((s) => s.scene.startsWith('kiosk-b:'))).toBe(true)
    // Hello with a huge lastSeq cannot reach into another kiosk's queue either.
    expect(b.scans).toHaveLength(4)
  })

  it('resumes after a disconnect in order, with no gap and no duplicate', async () => {
    const r = await start()
    const token = await r.addKiosk('k1')
    const first = await hello(r, token, 'k1')
    expect(first.welcome.headSeq).toBe(0)
    for (let i = 1; i <= 3; i++) await scan(r, `k1:a${i}`)
    await first.waitForScans(3)
    first.ack(2) // seq 3 received but not committed when the link drops
    await first.close()

    for (let i = 1; i <= 4; i++) await scan(r, `k1:b${i}`)
    const { epoch } = first.welcome
    const second = await hello(r, token, 'k1', { epoch, lastSeq: 2 })
    expect(second.welcome).toEqual({ type: 'welcome', epoch, headSeq: 7 })
    await second.waitForScans(5)
    await scan(r, 'k1:live')
    await second.waitForScans(6)
    expect(second.scans.map((s) => [s.seq, s.scene])).toEqual([
      [3, 'k1:a3'],
      [4, 'k1:b1'],
      [5, 'k1:b2'],
      [6, 'k1:b3'],
      [7, 'k1:b4'],
      [8, 'k1:live'],
    ])
    // Ids are stable across deliveries: seq 3 has the id it had the first time.
    expect(second.scans[0]?.id).toBe(first.scans[2]?.id)
    second.ack(8)
    await second.close()
    const third = await hello(r, token, 'k1', { epoch, lastSeq: 8 })
    await scan(r, 'k1:after')
    await third.waitForScans(1)
    expect(third.scans.map((s) => s.seq)).toEqual([9])
  })

  it('a hello one below the acknowledged seq, and that seq acked again, move nothing back', async () => {
    // A kiosk says hello below what it acknowledged (any client may; a kiosk replaying from the
    // oldest kept event after DEPLOY's restore step acks events the store had as acknowledged),
    // is sent that event again and acks it again.
    const r = await start()
    const token = await r.addKiosk('k1')
    const first = await hello(r, token, 'k1')
    for (let i = 1; i <= 3; i++) await scan(r, `k1:a${i}`)
    await first.waitForScans(3)
    first.ack(3)
    const lagCount = async () => {
      const text = await (await fetch(`${r.url}/metrics`)).text()
      return /^scandesk_relay_delivery_lag_seconds_count (\d+)$/m.exec(text)?.[1]
    }
    await vi.waitFor(async () => {
      expect((await r.store.queueState('k1'))?.ackedSeq).toBe(3)
      expect(await lagCount()).toBe('3')
    }, UNDER_LOAD)
    await first.close()

    const { epoch } = first.welcome
    const back = await hello(r, token, 'k1', { epoch, lastSeq: 2 })
    expect(back.welcome).toEqual({ type: 'welcome', epoch, headSeq: 3 })
    // Every event after lastSeq: seq 3 first, the one the kiosk stored, with its id.
    await back.waitForScans(1)
    expect(back.scans.map((s) => [s.seq, s.id])).toEqual([[3, first.scans[2]?.id]])
    expect((await r.store.queueState('k1'))?.ackedSeq).toBe(3)
    back.ack(3)
    await scan(r, 'k1:b1')
    await back.waitForScans(2)
    back.ack(4)
    await vi.waitFor(async () => {
      expect((await r.store.queueState('k1'))?.ackedSeq).toBe(4)
      const text = await (await fetch(`${r.url}/metrics`)).text()
      expect(text).toContain('scandesk_relay_unacked_events{kiosk="k1"} 0')
    }, UNDER_LOAD)
    // Seq 3's delivery was counted when first acked; only seq 4's is new (a stale one would
    // read as a visitor waiting since seq 3 was pushed: the delivery-lag alert).
    expect(await lagCount()).toBe('4')
  })

  it('replays from the oldest kept event when the kiosk’s epoch is not the relay’s', async () => {
    const r = await start()
    const token = await r.addKiosk('k1')
    for (let i = 1; i <= 3; i++) await scan(r, `k1:e${i}`)
    const stale = await hello(r, token, 'k1', { epoch: 'some-other-epoch', lastSeq: 2 })
    await stale.waitForScans(3)
    expect(stale.scans.map((s) => s.seq)).toEqual([1, 2, 3])
    const { epoch } = stale.welcome
    await stale.close()

    // A kiosk claiming seqs the store never issued (store restored from an old backup):
    // the relay starts a new epoch so the kiosk drops its position.
    const ahead = await hello(r, token, 'k1', { epoch, lastSeq: 99 })
    expect(ahead.welcome.epoch).not.toBe(epoch)
    expect(ahead.welcome.headSeq).toBe(3)
    await ahead.waitForScans(3)
    expect(ahead.scans.map((s) => s.seq)).toEqual([1, 2, 3])
  })

  it('after a restore from a backup and docs/DEPLOY.md step 8, a kiosk gets every new scan', async () => {
    // A backup taken while k1 had acked seq 2; k1 then acks 3..5. Restored, the relay numbers
    // the next scans 3..5 again, and as many arrive before k1 is back as it saw since the
    // backup: its lastSeq 5 is no longer ahead of the head, so without the documented step
    // the relay starts after 5 and k1 never hears of the three visitors.
    const dir = tempDir()
    const prefix = `t-${randomUUID()}:`
    const at = () =>
      startRelay(
        {
          port: 0,
          data: dir,
          redis: backend === 'redis' ? redis.url : null,
          wechat: { token: TOKEN },
        },
        { redisPrefix: prefix, storePollMs: 50 },
      )
    const db = new Redis(redis.url)
    const dumps = new Map<string, Buffer>()
    try {
      let r = await at()
      relays.push(r)
      const token = await r.addKiosk('k1')
      for (let i = 1; i <= 2; i++) await scan(r, `k1:before${i}`)
      const first = await hello(r, token, 'k1')
      await first.waitForScans(2)
      first.ack(2)
      await settle()
      if (backend === 'sqlite') {
        const live = new Database(join(dir, 'relay.sqlite'), { fileMustExist: true })
        await live.backup(join(dir, 'backup.sqlite'))
        live.close()
      } else {
        for (const key of await db.keys(`*${prefix}*`)) {
          const dumped = await db.dumpBuffer(key)
          if (dumped !== null) dumps.set(key, dumped)
        }
      }
      for (let i = 1; i <= 3; i++) await scan(r, `k1:after${i}`)
      await first.waitForScans(5)
      first.ack(5)
      const { epoch } = first.welcome
      await first.close()
      await r.close()
      relays.splice(relays.indexOf(r), 1)

      const doc = readFileSync(join(__dirname, '../../docs/DEPLOY.md'), 'utf8')
      if (backend === 'sqlite') {
        renameSync(join(dir, 'backup.sqlite'), join(dir, 'relay.sqlite'))
        for (const f of ['relay.sqlite-wal', 'relay.sqlite-shm'])
          rmSync(join(dir, f), { force: true })
        const sql = [...doc.matchAll(/relay\.sqlite "(UPDATE kiosks SET epoch[^"]*)"/g)]
        expect(sql.map((m) => m[1])).toHaveLength(2)
        const restored = new Database(join(dir, 'relay.sqlite'), { fileMustExist: true })
        restored.exec(sql[0]?.[1] ?? '')
        restored.close()
      } else {
        await db.del(...(await db.keys(`*${prefix}*`)))
        for (const [key, dumped] of dumps) await db.restore(key, 0, dumped)
        const lua = [...doc.matchAll(/redis-cli EVAL "([^"]*)" 0 "([^"]*)"/g)]
        expect(lua).toHaveLength(2)
        const script = (lua[0]?.[1] ?? '').replace('{scandesk:', `{${prefix}`)
        await db.eval(script, 0, 'restored-1')
      }
      r = await at()
      relays.push(r)
      for (let i = 1; i <= 3; i++) await scan(r, `k1:restored${i}`)
      const back = await hello(r, token, 'k1', { epoch, lastSeq: 5 })
      expect(back.welcome.epoch).not.toBe(epoch)
      await back.waitForScans(5)
      expect(back.scans.map((s) => s.scene)).toEqual([
        'k1:before1',
        'k1:before2',
        'k1:restored1',
        'k1:restored2',
        'k1:restored3',
      ])
    } finally {
      db.disconnect()
      await Promise.all(relays.splice(0).map((x) => x.close()))
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('holds at most `window` unacknowledged events in flight', async () => {
    const r = await start({ limits: { window: 3, batch: 2 } })
    const token = await r.addKiosk('k1')
    for (let i = 1; i <= 8; i++) await scan(r, `k1:w${i}`)
    const c = await hello(r, token, 'k1')
    await c.waitForScans(3)
    await settle()
    expect(c.scans.map((s) => s.seq)).toEqual([1, 2, 3])
    c.ack(2)
    await c.waitForScans(5)
    await settle()
    expect(c.scans.map((s) => s.seq)).toEqual([1, 2, 3, 4, 5])
    c.ack(5)
    await c.waitForScans(8)
    expect(c.scans.map((s) => s.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    // Live events respect the window too: 6..8 are still in flight.
    for (let i = 1; i <= 4; i++) await scan(r, `k1:live${i}`)
    await settle()
    expect(c.scans).toHaveLength(8)
    c.ack(8)
    await c.waitForScans(11)
    await settle()
    expect(c.scans).toHaveLength(11)
    c.ack(11)
    await c.waitForScans(12)
    expect((await r.store.queueState('k1'))?.ackedSeq).toBe(11)
  })

  it('lets a newer connection replace the older one (4409) and revocation end it (4410)', async () => {
    const r = await start()
    const token = await r.addKiosk('k1')
    const old = await hello(r, token, 'k1')
    const newer = await hello(r, token, 'k1')
    expect((await old.closed).code).toBe(RelayCloseCode.replaced)
    await scan(r, 'k1:x')
    await newer.waitForScans(1)
    await r.revokeKiosk('k1')
    expect((await newer.closed).code).toBe(RelayCloseCode.revoked)
  })

  it('closes a revoked kiosk’s socket though the token check fails once (a store blip)', async () => {
    const r = await start()
    const token = await r.addKiosk('k1')
    const c = await hello(r, token, 'k1')
    // The revocation reaches the hub by the change feed, which does not repeat it; the check
    // it triggers fails once (Redis reconnecting, SQLite locked by a backup).
    const getKiosk = r.store.getKiosk.bind(r.store)
    let refused = 0
    const spy = vi.spyOn(r.store, 'getKiosk').mockImplementation(async (kioskId) => {
      if (refused++ === 0) throw new Error('Connection is closed.')
      return getKiosk(kioskId)
    })
    try {
      await r.revokeKiosk('k1')
      expect((await c.closed).code).toBe(RelayCloseCode.revoked)
      expect(refused).toBeGreaterThan(1)
    } finally {
      spy.mockRestore()
    }
  })

  it('closes a socket when its kiosk gets a new token', async () => {
    const r = await start()
    const token = await r.addKiosk('k1')
    const c = await hello(r, token, 'k1')
    await r.addKiosk('k1')
    expect((await c.closed).code).toBe(RelayCloseCode.revoked)
  })

  it('terminates sockets that stop answering pings', async () => {
    const r = await start({ pingIntervalMs: 60 })
    const token = await r.addKiosk('k1')
    const c = await KioskClient.connect(r.url, token, { autoPong: false })
    clients.push(c)
    c.send({ type: 'hello', kioskId: 'k1' })
    // Terminated, not closed: the close frame never comes (1006 on the client).
    expect((await c.closed).code).toBe(1006)
    const healthy = await hello(r, token, 'k1')
    await settle(200)
    expect(healthy.ws.readyState).toBe(healthy.ws.OPEN)
  })

  it('closes kiosk sockets with 1012 (service restart: reconnect elsewhere) on shutdown', async () => {
    const r = await start()
    const token = await r.addKiosk('k1')
    const c = await hello(r, token, 'k1')
    await r.close()
    expect((await c.closed).code).toBe(RelayCloseCode.serviceRestart)
  })

  it('reports connections and unacked events in /metrics and /healthz', async () => {
    const r = await start()
    const token = await r.addKiosk('k1')
    const c = await hello(r, token, 'k1')
    await scan(r, 'k1:m1')
    await scan(r, 'k1:m2')
    await c.waitForScans(2)
    c.ack(1)
    // Waited for, not slept on: the ack and the attendance rows land after their own turns
    // (beside a busy CPU, later than any fixed pause).
    await vi.waitFor(async () => {
      const text = await (await fetch(`${r.url}/metrics`)).text()
      expect(text).toContain('scandesk_relay_connected_kiosks 1')
      expect(text).toContain('scandesk_relay_unacked_events{kiosk="k1"} 1')
      expect(text).toContain('scandesk_relay_pushes_total{outcome="stored"} 2')
      expect(text).toContain('scandesk_relay_delivery_lag_seconds_count 1')
      // Both scans' attendance rows are in (SQLite builds them after the push, at once when idle).
      expect(text).toContain('scandesk_relay_attendance_pending_rows 0')
    }, UNDER_LOAD)
    const health = (await (await fetch(`${r.url}/healthz`)).json()) as Record<string, unknown>
    expect(health).toMatchObject({ status: 'ok', store: backend, connectedKiosks: 1 })
  })
})

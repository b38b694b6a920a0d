// Relay security as tests: websocket frame fuzz (a kiosk never sees another kiosk's scans,
// strangers get nothing), tokens hashed at rest, revocation at once, no secrets or openids in
// info-level logs during a scan flow.
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import WebSocket from 'ws'
import { jsonLogger, type RelayHandle } from '../../relay/server'
import {
  KioskClient,
  TOKEN,
  postPush,
  scanXml,
  settle,
  signedQuery,
  startTestRelay,
  tempDir,
} from '../relay/harness'
import { prng } from './push-fuzz-gen'

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function relayWith(data?: string, logLines?: string[]): Promise<RelayHandle> {
  const log = logLines ? jsonLogger((l) => logLines.push(l), 'info') : undefined
  const r = await startTestRelay('sqlite', null, data ? { data } : {}, { log })
  cleanups.push(() => r.close())
  return r
}

/** Frames a confused or hostile kiosk might send, from a seed. */
function hostileFrame(rnd: () => number): string | Buffer {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)] as T
  const n = () => pick([0, 1, -1, 2 ** 53, 1e308, Number.NaN, 3.5, 99])
  const frames: Array<() => string | Buffer> = [
    () =>
      JSON.stringify({
        type: 'hello',
        kioskId: pick(['kiosk-b', 'kiosk-a', 'KIOSK-A', '', 'a'.repeat(300)]),
      }),
    () =>
      JSON.stringify({
        type: 'hello',
        kioskId: 'kiosk-a',
        epoch: pick(['x', '', 7]),
        lastSeq: n(),
      }),
    () => JSON.stringify({ type: 'ack', seq: n() }),
    () =>
      JSON.stringify({
        type: pick(['scan', 'welcome', 'subscribe', '__proto__']),
        kioskId: 'kiosk-b',
      }),
    () => `{"type":"hello","kioskId":"kiosk-a","__proto__":{"kioskId":"kiosk-b"}}`,
    () => Buffer.from([0, 1, 2, 255]),
    () => '{'.repeat(Math.floor(rnd() * 5000)),
    () => 'x'.repeat(Math.floor(rnd() * 200_000)),
  ]
  return pick(frames)()
}

describe('relay websocket fuzz', () => {
  it('hostile frames from kiosk A: A never sees B’s scans, strangers are refused, B gets all', async () => {
    const r = await relayWith()
    const tokenA = await r.addKiosk('kiosk-a')
    const tokenB = await r.addKiosk('kiosk-b')
    for (let i = 0; i < 10; i++) {
      const res = await postPush(r.url, scanXml(`o_b${i}`, `kiosk-b:${i}`, 1_700_000_000 + i))
      expect(res.status).toBe(200)
    }
    for (let i = 0; i < 3; i++) {
      await postPush(r.url, scanXml(`o_a${i}`, `kiosk-a:${i}`, 1_700_000_100 + i))
    }
    const rnd = prng(7)
    const seenByA: string[] = []
    for (let c = 0; c < 60; c++) {
      const client = await KioskClient.connect(r.url, tokenA)
      for (let f = 0; f < 1 + Math.floor(rnd() * 4); f++) {
        if (client.ws.readyState !== WebSocket.OPEN) break
        client.send(hostileFrame(rnd))
        await settle(5)
      }
      await settle(20)
      for (const s of client.scans) seenByA.push(s.scene)
      client.ws.terminate()
    }
    expect(seenByA.filter((s) => !s.startsWith('kiosk-a:'))).toEqual([])
    // After all that (the fuzz may have acked some of A's scans), a well-behaved A still gets
    // scans pushed now, and only its own.
    for (let i = 10; i < 13; i++) {
      await postPush(r.url, scanXml(`o_a${i}`, `kiosk-a:${i}`, 1_700_000_100 + i))
    }
    const a = await KioskClient.hello(r.url, tokenA, { kioskId: 'kiosk-a' })
    await vi.waitFor(
      () =>
        expect(a.scans.map((s) => s.openid)).toEqual(
          expect.arrayContaining(['o_a10', 'o_a11', 'o_a12']),
        ),
      { timeout: 20_000, interval: 20 },
    )
    expect(a.scans.filter((s) => !s.scene.startsWith('kiosk-a:'))).toEqual([])
    await a.close()

    // Strangers: no token, a garbage token, B's token with one character changed.
    const tampered = tokenB.slice(0, -1) + (tokenB.endsWith('A') ? 'B' : 'A')
    for (const t of [null, 'garbage', tampered, tokenB.slice(0, -1)]) {
      await expect(KioskClient.connect(r.url, t)).rejects.toThrow('HTTP 401')
    }
    const b = await KioskClient.hello(r.url, tokenB, { kioskId: 'kiosk-b' })
    await b.waitForScans(10)
    expect(b.scans.map((s) => s.openid)).toEqual(Array.from({ length: 10 }, (_, i) => `o_b${i}`))
    await b.close()
  })
})

describe('kiosk tokens', () => {
  it('are stored only as hashes, and revocation takes effect at once', async () => {
    const data = tempDir()
    const r = await relayWith(data)
    const token = await r.addKiosk('kiosk-a', { ticketProxy: true })
    const live = await KioskClient.hello(r.url, token, { kioskId: 'kiosk-a' })

    // Every byte the store wrote: the token must not be there, its SHA-256 is.
    const bytes = readdirSync(data)
      .map((f) => readFileSync(join(data, f)).toString('latin1'))
      .join('')
    expect(bytes).not.toContain(token)
    const secretPart = token.split('.').at(-1) ?? token
    expect(bytes).not.toContain(secretPart)
    expect(bytes).toContain(createHash('sha256').update(token).digest('hex'))

    expect(await r.revokeKiosk('kiosk-a')).toBe(true)
    expect((await live.closed).code).toBe(4410)
    await expect(KioskClient.connect(r.url, token)).rejects.toThrow('HTTP 401')
    const tickets = await fetch(`${r.url}/api/tickets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    })
    expect(tickets.status).toBe(401)
  })
})

describe('logs at info level', () => {
  it('carry no openid, token or secret through a push, a delivery and an ack', async () => {
    const lines: string[] = []
    const r = await relayWith(undefined, lines)
    const token = await r.addKiosk('kiosk-a')
    const k = await KioskClient.hello(r.url, token, { kioskId: 'kiosk-a' })
    const openid = 'oSecretVisitor_4kP9x'
    expect((await postPush(r.url, scanXml(openid, 'kiosk-a:n1'), signedQuery(TOKEN))).status).toBe(
      200,
    )
    await k.waitForScans(1)
    k.ack(1)
    // And some refusals, which log too.
    await postPush(r.url, scanXml(openid, 'kiosk-a:n2'), signedQuery('wrong-token'))
    await postPush(r.url, '<xml>broken', signedQuery(TOKEN))
    await settle()
    await k.close()
    expect(lines.length).toBeGreaterThan(2) // the flow did log something
    const all = lines.join('\n')
    for (const secret of [openid, token, TOKEN, token.split('.').at(-1) ?? token]) {
      expect(all).not.toContain(secret)
    }
  })
})

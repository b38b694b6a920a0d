/**
 * Metric 7, pairing — `pairing.*`: what pairing a kiosk with a code costs the kiosk, against a
 * loopback stand-in that answers `POST /api/pair` at once (a real relay's lookup is not in it).
 * `pairing.pair-to-stored`: `pairWithRelay` on a running core with a file vault, from the call
 * to the token in the vault, settings saved and the relay link restarted; compared with its
 * floor, a bare `fetch` of the same request plus `applySetup` with a typed token (the v1 path
 * pairing ends in). The difference is the kiosk's own checks before it spends the code.
 * `pairing.flood-60k.req-per-s`: the relay's `POST /api/pair` handler, called in process, under
 * 60,000 requests from 60,000 distinct /64s, each in a /48 of its own (each spends one try;
 * none refills in the run, the clock held still), then 20,000 more cycling through them: what
 * the per-address limiter's bookkeeping lets the endpoint answer while its books hold 60,000
 * addresses and 60,000 /48s. (Until the /48 counts, the /64s were of one /48: that flood is now
 * refused at its /48 after a few hundred tries, and holds a few hundred entries.)
 */
import { createServer, IncomingMessage, ServerResponse } from 'node:http'
import { Socket, type AddressInfo } from 'node:net'
import { rmSync } from 'node:fs'
import { createKioskCore } from '../electron/core/kiosk-core'
import { pairWithRelay } from '../electron/core/config/pairing'
import { applySetup } from '../electron/core/config/setup'
import { openFileKeyVault } from '../electron/core/config/vault'
import { silentLogger } from '../relay/log'
import { createPairEndpoint } from '../relay/pairing'
import type { RelayStore } from '../relay/store/types'
import { tempDir } from './env'
import { percentile, ratio, round, type Results } from './result'

const TOKEN = 'booth-7.BenchPairingToken0123456789abcdefghijklmn'

async function timed(runs: number, once: () => Promise<unknown>): Promise<number[]> {
  const ms: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    await once()
    ms.push(performance.now() - t0)
  }
  return ms.sort((a, b) => a - b)
}

/** Requests a second the pairing endpoint answers through a flood of distinct /64s and /48s. */
export async function pairingFloodRate(addresses: number, more: number): Promise<number> {
  const handle = createPairEndpoint({
    config: { trustProxyHops: 1 },
    store: {} as RelayStore, // never reached: an empty body is answered 400 before any lookup
    log: silentLogger,
    now: () => 1_000_000,
  })
  const once = async (i: number): Promise<void> => {
    const req = new IncomingMessage(new Socket())
    req.method = 'POST'
    const n = i % addresses
    // The n-th /48 of 2001:db8::/32 (and of 2001:db9:: past 65,536).
    const net = `2001:${(0xdb8 + Math.floor(n / 65_536)).toString(16)}:${(n % 65_536).toString(16)}`
    req.headers = { 'x-forwarded-for': `${net}:1::1` }
    req.push(null)
    await handle(req, new ServerResponse(req))
  }
  const t0 = performance.now()
  for (let i = 0; i < addresses + more; i++) await once(i)
  return ((addresses + more) * 1000) / (performance.now() - t0)
}

export async function benchPairing(quick: boolean): Promise<Results> {
  const floodRate = await pairingFloodRate(60_000, 20_000)
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ kioskId: 'booth-7', token: TOKEN })),
    )
  })
  // The link the kiosk restarts after each pairing: refused at once, as by a busy relay.
  server.on('upgrade', (_req, socket) => socket.destroy())
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const relayUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const dataDir = tempDir('bench-pairing-')
  const core = createKioskCore({
    dataDir,
    vault: openFileKeyVault(dataDir),
    tickMs: 0,
    initialPin: '2468',
    relayLink: { backoffBaseMs: 60_000, backoffMaxMs: 60_000 },
  })
  core.start()
  const runs = quick ? 30 : 200
  try {
    const input = { ticketSource: 'proxy' as const, relayUrl, code: 'ACDE-FGHJ' }
    const setup = { ticketSource: 'proxy' as const, relayUrl, kioskId: 'booth-7' }
    const pairOnce = () => pairWithRelay(core.setup, input)
    const fetchOnce = async () => {
      const res = await fetch(`${relayUrl}/api/pair`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"code":"ACDEFGHJ"}',
      })
      await res.text()
    }
    const typeOnce = () => applySetup(core.setup, { ...setup, relayToken: TOKEN })
    await pairOnce() // warm-up: connections, JIT
    await fetchOnce()
    await typeOnce()
    // Interleaved, so that a busy moment of the machine falls on all three alike.
    const paired: number[] = []
    const fetchOnly: number[] = []
    const typed: number[] = []
    for (let i = 0; i < runs; i++) {
      paired.push(...(await timed(1, pairOnce)))
      fetchOnly.push(...(await timed(1, fetchOnce)))
      typed.push(...(await timed(1, typeOnce)))
    }
    for (const list of [paired, fetchOnly, typed]) list.sort((x, y) => x - y)
    const p50 = percentile(paired, 50)
    const floor = percentile(fetchOnly, 50) + percentile(typed, 50)
    return {
      'pairing.pair-to-stored.p50': {
        value: round(p50, 2),
        unit: 'ms',
        compare: { against: 'fetch + applySetup (floor)', ratio: ratio(p50, floor) },
        note: `${runs} pairings, loopback stand-in relay`,
      },
      'pairing.pair-to-stored.p99': { value: round(percentile(paired, 99), 2), unit: 'ms' },
      'pairing.fetch-floor.p50': { value: round(percentile(fetchOnly, 50), 2), unit: 'ms' },
      'pairing.apply-setup.p50': { value: round(percentile(typed, 50), 2), unit: 'ms' },
      'pairing.flood-60k.req-per-s': {
        value: Math.round(floodRate),
        unit: 'req/s',
        note: '80,000 requests from 60,000 /64s in as many /48s, handler in process',
      },
    }
  } finally {
    await core.stop()
    server.closeAllConnections()
    await new Promise<void>((r) => server.close(() => r()))
    rmSync(dataDir, { recursive: true, force: true })
  }
}

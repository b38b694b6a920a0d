// A tiny relay stand-in for pairing tests: `POST /api/pair` as contract v2 has it (200 once per
// code, then 410; unknown → 404), an override for other answers, and a record of every request
// and of the bearer token each `/kiosk` websocket upgrade carries.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { onCleanup } from './helpers'

export interface PairStub {
  url: string
  /** Bodies of the `/api/pair` requests received, in order. */
  pairRequests: string[]
  /** The Authorization header of each `/kiosk` upgrade. */
  upgrades: string[]
  /** Codes the stub knows: code → what it hands out once. */
  codes: Map<string, { kioskId: string; token: string; used: boolean }>
  /** Answer `/api/pair` this way instead of by the contract (return true when answered). */
  override: ((req: IncomingMessage, res: ServerResponse) => boolean | void) | null
}

export const PAIR_TOKEN = 'booth-7.V2pairedTokenFromTheRelay0123456789abcdefghij'

export async function startPairStub(): Promise<PairStub> {
  const stub: PairStub = {
    url: '',
    pairRequests: [],
    upgrades: [],
    codes: new Map([['ACDEFGHJ', { kioskId: 'booth-7', token: PAIR_TOKEN, used: false }]]),
    override: null,
  }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/api/pair') {
        res.writeHead(404).end()
        return
      }
      const body = Buffer.concat(chunks).toString('utf8')
      stub.pairRequests.push(body)
      if (stub.override?.(req, res) === true) return
      const json = (status: number, value: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value))
      let code: string
      try {
        code = String((JSON.parse(body) as { code?: unknown }).code)
      } catch {
        return json(400, { error: { code: 'bad_request', message: 'not JSON' } })
      }
      const entry = stub.codes.get(code)
      if (!entry) return json(404, { error: { code: 'not_found', message: 'no such code' } })
      if (entry.used) return json(410, { error: { code: 'gone', message: 'code used' } })
      entry.used = true
      json(200, { kioskId: entry.kioskId, token: entry.token })
    })
  })
  server.on('upgrade', (req, socket) => {
    stub.upgrades.push(req.headers.authorization ?? '')
    socket.on('error', () => {})
    socket.destroy()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  stub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  return stub
}

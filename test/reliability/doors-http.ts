/**
 * Raw requests for the property tests of the relay's doors (relay-doors-*.test.ts): any method,
 * path, headers and body bytes, with a deadline, so a hang fails the property instead of the
 * whole file's timeout. `status` -1 is a transport failure (reset, or no answer in time).
 */
import type { IncomingHttpHeaders } from 'node:http'
import { rawHttp } from '../helpers/raw-http'

export interface DoorAnswer {
  status: number
  body: string
  headers: IncomingHttpHeaders
}

export function door(
  port: number,
  o: { method: string; path: string; headers?: Record<string, string>; body?: Buffer | string },
  timeoutMs = 10_000,
): Promise<DoorAnswer> {
  const headers = { ...o.headers }
  if (o.body !== undefined) headers['content-length'] = String(Buffer.byteLength(o.body))
  return rawHttp(`http://127.0.0.1:${port}`, { ...o, headers, timeoutMs, agent: false }).catch(
    (err: unknown) => ({
      status: -1,
      body: err instanceof Error ? err.message : String(err),
      headers: {},
    }),
  )
}

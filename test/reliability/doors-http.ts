/**
 * Raw requests for the property tests of the relay's doors (relay-doors-*.test.ts): any method,
 * path, headers and body bytes, with a deadline, so a hang fails the property instead of the
 * whole file's timeout. `status` -1 is a transport failure (reset, or no answer in time).
 */
import { request } from 'node:http'

export interface DoorAnswer {
  status: number
  body: string
  headers: Record<string, string | string[] | undefined>
}

export function door(
  port: number,
  o: { method: string; path: string; headers?: Record<string, string>; body?: Buffer | string },
  timeoutMs = 10_000,
): Promise<DoorAnswer> {
  return new Promise((resolve) => {
    const body = o.body === undefined ? undefined : Buffer.from(o.body)
    const headers: Record<string, string | number> = { ...o.headers }
    if (body !== undefined) headers['content-length'] = body.length
    const req = request(
      { host: '127.0.0.1', port, path: o.path, method: o.method, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (d: Buffer) => chunks.push(d))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
          }),
        )
        res.on('error', (err) => resolve({ status: -1, body: err.message, headers: {} }))
      },
    )
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)))
    req.on('error', (err) => resolve({ status: -1, body: err.message, headers: {} }))
    req.end(body)
  })
}

/** Plain node:http requests for tests that look at the bytes on the wire (no fetch decoding). */
import { request, type IncomingHttpHeaders } from 'node:http'

export interface RawAnswer {
  status: number
  headers: IncomingHttpHeaders
  /** The body as sent: not decompressed. */
  body: Buffer
}

/** The raw answer from the server at `origin`, the path sent as given (not normalised). */
export function rawRequest(
  origin: string,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<RawAnswer> {
  const { hostname, port } = new URL(origin)
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      )
    })
    req.on('error', reject)
    req.end()
  })
}

/**
 * Takes `bytes` of the answer at `url` and then drops the connection, as a browser whose
 * download is cancelled; resolves with the answer's headers then. Rejects if the whole answer
 * came first.
 */
export function abandonAfter(
  url: string,
  bytes: number,
  headers: Record<string, string> = {},
): Promise<IncomingHttpHeaders> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let taken = 0
      res.on('data', (chunk: Buffer) => {
        taken += chunk.length
        if (taken >= bytes) {
          req.destroy()
          resolve(res.headers)
        }
      })
      res.on('end', () => reject(new Error('the whole answer came')))
    })
    req.on('error', () => {})
    req.end()
  })
}

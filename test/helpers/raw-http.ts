import { request, type IncomingHttpHeaders } from 'node:http'

/**
 * Raw HTTP, so tests can send the Host and Origin headers a browser or attacker would (fetch
 * sets Host itself and refuses to send some headers). Resolves with the status, the answer's
 * headers and its text body.
 */
export function rawHttp(
  url: string,
  o: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: o.method ?? 'GET', headers: o.headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end(o.body)
  })
}

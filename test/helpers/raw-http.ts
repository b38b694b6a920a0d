import { request, type IncomingHttpHeaders } from 'node:http'

/**
 * Raw HTTP, so tests can send the Host and Origin headers a browser or attacker would (fetch
 * sets Host itself and refuses to send some headers). Resolves with the status, the answer's
 * headers and its text body. `path` is sent as given (not normalized as `url` is); with
 * `timeoutMs` a request not answered in time fails instead of hanging; `agent: false` gives the
 * request a connection of its own.
 */
export function rawHttp(
  url: string,
  o: {
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: Buffer | string
    timeoutMs?: number
    agent?: false
  } = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const options = {
      method: o.method ?? 'GET',
      headers: o.headers,
      ...(o.path !== undefined && { path: o.path }),
      ...(o.agent !== undefined && { agent: o.agent }),
    }
    const req = request(url, options, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      res.on('error', reject)
    })
    const { timeoutMs } = o
    if (timeoutMs !== undefined) {
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)))
    }
    req.on('error', reject)
    req.end(o.body)
  })
}

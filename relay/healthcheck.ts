/**
 * `relay healthcheck`: asks this host's relay for `/healthz`, with the same config (env vars)
 * as the relay itself. The container's HEALTHCHECK runs it: slim images have no curl, and a
 * port or host changed by env var is followed without repeating it in the Dockerfile.
 */
import { get } from 'node:http'
import { hostPort } from '../shared/net-address'
import type { RelayConfig } from './config'
import { errorCode } from '../shared/error-code'

export class HealthcheckError extends Error {
  override name = 'HealthcheckError'
}

/** The URL of `/healthz` on the relay `config` describes; a wildcard host means loopback. */
export function healthzUrl(config: Pick<RelayConfig, 'host' | 'port'>): string {
  const wildcard = config.host === '0.0.0.0' || config.host === '::'
  const host = wildcard ? '127.0.0.1' : config.host
  return `http://${hostPort(host, config.port)}/healthz`
}

/**
 * Resolves with the body of a 200 answer; anything else (or no answer in time) throws. Plain
 * node:http, not fetch: fetch refuses the ports browsers block ("bad port": 6000, 6666, 10080
 * …), and a relay on one of them was reported unhealthy on every check.
 */
export async function checkHealth(
  config: Pick<RelayConfig, 'host' | 'port'>,
  timeoutMs = 3000,
): Promise<string> {
  const url = healthzUrl(config)
  const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = get(url, { timeout: timeoutMs }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        if (body.length < 2000) body += chunk
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.slice(0, 2000) }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new TimeoutError()))
    req.on('error', reject)
  }).catch((err: unknown) => {
    throw new HealthcheckError(`${url}: ${unreachable(err)}`)
  })
  if (answer.status !== 200) throw new HealthcheckError(`${url}: ${answer.status} ${answer.body}`)
  return answer.body
}

class TimeoutError extends Error {
  override name = 'TimeoutError'
}

/** Why no answer came, in our words: the socket's code (ECONNREFUSED, ENOTFOUND) or a timeout. */
function unreachable(err: unknown): string {
  if (err instanceof TimeoutError) {
    return 'no answer in time: the relay is there but does not answer'
  }
  const code = errorCode(err) ?? ''
  const why = code !== '' ? code : err instanceof Error ? err.message : String(err)
  return (
    `no relay answers there (${why}): is it running, on this host and port ` +
    '(--port, SCANDESK_RELAY_PORT; --host, SCANDESK_RELAY_HOST)?'
  )
}

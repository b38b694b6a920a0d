/**
 * `relay healthcheck`: asks this host's relay for `/healthz`, with the same config (env vars)
 * as the relay itself. The container's HEALTHCHECK runs it: slim images have no curl, and a
 * port or host changed by env var is followed without repeating it in the Dockerfile.
 */
import type { RelayConfig } from './config'

export class HealthcheckError extends Error {
  override name = 'HealthcheckError'
}

/** The URL of `/healthz` on the relay `config` describes; a wildcard host means loopback. */
export function healthzUrl(config: Pick<RelayConfig, 'host' | 'port'>): string {
  const wildcard = config.host === '0.0.0.0' || config.host === '::'
  const host = wildcard ? '127.0.0.1' : config.host
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.port}/healthz`
}

/** Resolves with the body of a 200 answer; anything else (or no answer in time) throws. */
export async function checkHealth(
  config: Pick<RelayConfig, 'host' | 'port'>,
  timeoutMs = 3000,
): Promise<string> {
  const url = healthzUrl(config)
  let res: Response
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
  } catch (err) {
    throw new HealthcheckError(`${url}: ${err instanceof Error ? err.message : String(err)}`)
  }
  const body = (await res.text()).slice(0, 2000)
  if (res.status !== 200) throw new HealthcheckError(`${url}: ${res.status} ${body}`)
  return body
}

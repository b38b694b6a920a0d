/**
 * The `redis` setting's Cluster form, `redis-cluster://[user:password@]host:port,host:port`
 * (`rediss-cluster://…` over TLS to every node): the seed nodes the client asks for the
 * cluster's layout (one reachable seed is enough; list a few). Parsed here without ioredis, so
 * the config check needs no Redis client.
 */
import { portFromText, splitHostPort } from '../../../shared/net-address'

export const REDIS_CLUSTER_SCHEME = 'redis-cluster://'
export const REDIS_CLUSTER_TLS_SCHEME = 'rediss-cluster://'

export interface ClusterSeed {
  host: string
  port: number
}

export interface RedisClusterUrl {
  seeds: ClusterSeed[]
  username?: string
  password?: string
  /** `rediss-cluster://`: every node (and the change feed's subscriber) over TLS. */
  tls: boolean
}

/**
 * `host:port` or `[v6]:port`, the port as typed: z.coerce read `h:0x1F90` as port 8080 and
 * `h:1e3` as 1000, a slip that silently reached another server.
 */
function seedOf(node: string): ClusterSeed | null {
  const parts = splitHostPort(node)
  if (parts === null || parts.port === null || parts.host.length > 253) return null
  const host = parts.ipv6 ? /^[0-9a-fA-F:.]+$/ : /^[A-Za-z0-9.-]+$/
  const port = portFromText(parts.port, { min: 1 })
  return host.test(parts.host) && port !== null ? { host: parts.host, port } : null
}

export function isRedisClusterUrl(url: string): boolean {
  const lower = url.toLowerCase()
  return lower.startsWith(REDIS_CLUSTER_SCHEME) || lower.startsWith(REDIS_CLUSTER_TLS_SCHEME)
}

/** The `redis` setting asks for TLS: `rediss://` (one Redis) or `rediss-cluster://`. */
export function isRedisTlsUrl(url: string): boolean {
  const lower = url.toLowerCase()
  return lower.startsWith('rediss://') || lower.startsWith(REDIS_CLUSTER_TLS_SCHEME)
}

/** A URL's user or password with a % that encodes nothing (ioredis threw "URI malformed"). */
export const BAD_PERCENT_ENCODING =
  'user or password is not valid percent-encoding (write % as %25)'

/** Throws a RangeError saying what is wrong (the config check shows its message). */
export function parseRedisClusterUrl(url: string): RedisClusterUrl {
  if (!isRedisClusterUrl(url)) {
    throw new RangeError(`must start with ${REDIS_CLUSTER_SCHEME} or ${REDIS_CLUSTER_TLS_SCHEME}`)
  }
  const tls = url.toLowerCase().startsWith(REDIS_CLUSTER_TLS_SCHEME)
  const scheme = tls ? REDIS_CLUSTER_TLS_SCHEME : REDIS_CLUSTER_SCHEME
  let rest = url.slice(scheme.length).replace(/\/$/, '')
  const out: RedisClusterUrl = { seeds: [], tls }
  const at = rest.lastIndexOf('@')
  if (at >= 0) {
    const auth = rest.slice(0, at)
    rest = rest.slice(at + 1)
    const colon = auth.indexOf(':')
    let user: string
    let password: string
    try {
      user = decodeURIComponent(colon < 0 ? '' : auth.slice(0, colon))
      password = decodeURIComponent(colon < 0 ? auth : auth.slice(colon + 1))
    } catch {
      // Was URIError "URI malformed": say which part, never its text.
      throw new RangeError(BAD_PERCENT_ENCODING)
    }
    if (user !== '') out.username = user
    if (password !== '') out.password = password
  }
  if (rest === '') throw new RangeError(`names no node (${scheme}host:port,host:port)`)
  for (const [i, node] of rest.split(',').entries()) {
    const seed = seedOf(node)
    if (seed === null) {
      // By its place, not its text: a mistyped URL can leave part of the password in a node.
      throw new RangeError(`node ${i + 1} is not host:port (port 1 to 65535)`)
    }
    out.seeds.push(seed)
  }
  if (out.seeds.length > 64) throw new RangeError('names more than 64 seed nodes')
  return out
}

/**
 * Opens the Redis store's two connections, for a single Redis (`redis://…`, `rediss://…` or a
 * socket path) or a Redis Cluster (`redis-cluster://host:port,…`, `rediss-cluster://…` over
 * TLS; ioredis's Cluster client): the command client, and the subscriber of the change
 * channel. The rest of the store does not know which.
 */
import { readFileSync } from 'node:fs'
import { createConnection, isIP, type Socket } from 'node:net'
import { connect as connectTls, type ConnectionOptions } from 'node:tls'
import { Cluster, Redis } from 'ioredis'
import { isRedisClusterUrl, parseRedisClusterUrl, type ClusterSeed } from './cluster-url'
import { errorCode } from '../../../shared/error-code'
import { settleAll } from './settle-all'

/** What the store sends commands through: both clients take the same commands. */
export type RedisClient = Redis | Cluster

export interface RedisConnections {
  client: RedisClient
  /** One plain connection, subscribed to the change channel (never the Cluster client). */
  sub: Redis
  cluster: boolean
}

/**
 * Commands issued in the same event-loop turn (concurrent pushes, a stats call's reads) go
 * out as one write and come back in one read: ioredis's auto-pipelining. Only on the command
 * client; the subscriber sends nothing but (UN)SUBSCRIBE.
 */
const AUTO_PIPELINING = { enableAutoPipelining: true }

/**
 * How long a command may wait for Redis's reply before it is rejected (ioredis
 * `commandTimeout`), unless the store asks for longer (a WAIT for replicas takes up to its own
 * timeout). A Redis that stops answering (paused, cut off by the network, stuck in a slow
 * command) keeps its connection open, so without it every push, console request and kiosk
 * hello would wait for ever: with it they fail within seconds (pushes 503, which WeChat
 * retries) and all is answered again once Redis is back (relay/README.md "Stores").
 */
export const REDIS_COMMAND_TIMEOUT_MS = 4000

export interface ConnectOptions {
  /** The PEM CAs a `rediss://` or `rediss-cluster://` server's certificate must chain to. */
  tlsCaFile?: string
  /** REDIS_COMMAND_TIMEOUT_MS unless given. */
  commandTimeoutMs?: number
}

/**
 * A write answered READONLY: the connection reaches a replica. On a managed Redis that is the
 * old primary after a failover (its endpoint's name now leads to the promoted replica, but a
 * connection already open stays where it was, and the demoted node answers every write so),
 * so the client connects again, through the endpoint, to whatever it names now. The write is
 * refused as it was (nothing was written: a push answered 503, which WeChat sends again); the
 * ones after it reach the new primary. A URL naming a replica itself goes on refusing, so
 * `/healthz` still says "store is read-only".
 */
export function reconnectOnReadOnly(err: Error): 1 | false {
  return /^READONLY\b/.test(err.message) ? 1 : false
}

/** Quietly: failures surface as rejected commands (so as 503s to WeChat). */
function quiet<T extends Redis | Cluster>(c: T): T {
  c.on('error', () => {})
  return c
}

/**
 * TLS options for a TLS URL: the certificates checked against `caFile`'s CAs (the config
 * checked it at start), else the system's. Never without verification.
 */
function tlsOptions(caFile: string | undefined): ConnectionOptions {
  if (caFile === undefined) return {}
  try {
    return { ca: readFileSync(caFile, 'utf8') }
  } catch (err) {
    const code = errorCode(err) ?? 'error'
    throw new Error(`cannot read the Redis CA file ${caFile} (${code})`, { cause: err })
  }
}

export async function connectRedis(
  url: string,
  opts: ConnectOptions = {},
): Promise<RedisConnections> {
  const { tlsCaFile } = opts
  // Only on the command client: the subscriber's (UN)SUBSCRIBE is answered when Redis is back.
  const commandTimeout = opts.commandTimeoutMs ?? REDIS_COMMAND_TIMEOUT_MS
  if (!isRedisClusterUrl(url)) {
    // rediss:// turns TLS on by itself (with the system's CAs); a CA file is given on top.
    const caTls = tlsCaFile === undefined ? {} : { tls: tlsOptions(tlsCaFile) }
    const client = quiet(
      new Redis(url, {
        lazyConnect: true,
        maxRetriesPerRequest: 3,
        commandTimeout,
        reconnectOnError: reconnectOnReadOnly,
        ...caTls,
        ...AUTO_PIPELINING,
      }),
    )
    const sub = quiet(client.duplicate({ enableAutoPipelining: false, commandTimeout: undefined }))
    const { tls, path, host, port, connectTimeout } = client.options
    const probe =
      (path ?? '') !== '' || host === undefined || port === undefined
        ? null
        : { host, port, tls: tls !== undefined, cluster: false, waitMs: connectTimeout }
    await connectNamingScheme(client, sub, probe)
    await selectDatabase(client, sub)
    return { client, sub, cluster: false }
  }
  const { seeds, username, password, tls } = parseRedisClusterUrl(url)
  const auth = {
    ...(username && { username }),
    ...(password && { password }),
    // Every node the cluster names is reached over TLS too: its certificate must name the
    // address the node announces (relay/README.md "Redis Cluster over TLS").
    ...(tls && { tls: tlsOptions(tlsCaFile) }),
  }
  const client = quiet(
    new Cluster(seeds, {
      lazyConnect: true,
      ...AUTO_PIPELINING,
      redisOptions: { ...auth, maxRetriesPerRequest: 3, commandTimeout },
      // Writes and the reads that follow them (a kiosk's replay) go to the slot's master.
      scaleReads: 'master',
    }),
  )
  const first = seeds[0] as ClusterSeed
  const sub = quiet(new Redis({ ...first, ...auth, lazyConnect: true }))
  // A node's PUBLISH reaches every node of the cluster, so the subscriber may listen on any
  // one. Should that node go, each reconnect tries the next node the command client knows
  // (else the next seed); the store's 'ready' handler then re-subscribes and resyncs.
  let turn = 0
  sub.options.retryStrategy = (times) => {
    const known = client.nodes('all').map((n) => ({ host: n.options.host, port: n.options.port }))
    const nodes = known.length > 0 ? known : seeds
    const next = nodes[turn++ % nodes.length]
    if (next?.host !== undefined && next.port !== undefined) {
      sub.options.host = next.host
      sub.options.port = next.port
    }
    return Math.min(times * 50, 1000)
  }
  await connectNamingScheme(client, sub, { ...first, tls, cluster: true })
  return { client, sub, cluster: true }
}

/** Where to ask which protocol a TCP Redis address speaks, and what the URL said. */
interface SchemeProbe {
  host: string
  port: number
  /** The URL asked for TLS (rediss://, rediss-cluster://). */
  tls: boolean
  cluster: boolean
  /** How long a probe may wait for an answer (the connect timeout). */
  waitMs?: number | undefined
}

/**
 * connectAll, naming the scheme to use when the address speaks the other protocol. A TLS URL at
 * a plain port (its Redis reads the TLS ClientHello as an unfinished command and answers
 * nothing) waited out the whole connect timeout, then said only "connect ETIMEDOUT" (a Cluster:
 * "Failed to refresh slots cache."): a plain PING beside the connect refuses it at once. A plain
 * URL at a TLS port fails fast but said only "read ECONNRESET": after such a reset a TLS
 * handshake asks whether the port speaks TLS. For a Cluster, the first seed is asked.
 */
async function connectNamingScheme(
  client: RedisClient,
  sub: Redis,
  probe: SchemeProbe | null,
): Promise<void> {
  const connecting = connectAll(client, sub)
  if (probe === null) return connecting
  const { host, port, tls, cluster } = probe
  const waitMs = probe.waitMs ?? 10_000
  const use = (secure: boolean): string =>
    `${secure ? 'rediss' : 'redis'}${cluster ? '-cluster' : ''}://`
  if (!tls) {
    try {
      return await connecting
    } catch (err) {
      // Only a connection the server cut (a TLS Redis resets the plain bytes): a refused, silent
      // or wrong-password Redis is reported as it was, without a probe's wait.
      const reasons = err instanceof RedisConnectError ? err.reasons : []
      if (!reasons.some((r) => CUT_OFF.test(errorCode(r) ?? ''))) throw err
      if (!(await speaksTls(host, port, waitMs))) throw err
      throw new Error(
        `cannot connect to Redis: ${host}:${port} speaks TLS, not plain Redis: use ${use(true)} ` +
          'in the redis setting (--redis, SCANDESK_RELAY_REDIS), or the plain port for ' +
          use(false),
        { cause: err },
      )
    }
  }
  const plain = speaksPlainRedis(host, port, waitMs)
  const settled = connecting.then(
    () => false,
    () => false,
  )
  if (await Promise.race([plain, settled])) {
    client.disconnect()
    sub.disconnect()
    await settled
    throw new Error(
      `cannot connect to Redis: ${host}:${port} speaks plain Redis, not TLS: use ${use(false)} ` +
        `in the redis setting (--redis, SCANDESK_RELAY_REDIS), or the TLS port for ${use(true)}`,
    )
  }
  return connecting
}

/**
 * One probe on its own socket: `listen` wires the socket's events to `done`; `waitMs` of silence,
 * or the socket closing first, is false. The probe never holds the relay's process open.
 */
function probeSocket<S extends Socket>(
  socket: S,
  waitMs: number,
  listen: (socket: S, done: (yes: boolean) => void) => void,
): Promise<boolean> {
  return new Promise((resolve) => {
    socket.unref()
    const done = (yes: boolean): void => {
      clearTimeout(timer)
      socket.destroy()
      resolve(yes)
    }
    const timer = setTimeout(() => done(false), waitMs)
    timer.unref()
    listen(socket, done)
    socket.once('close', () => done(false))
  })
}

/**
 * Whether `host:port` answers a plain-text PING as a Redis does (`+PONG`, `-NOAUTH …`). A TLS
 * port closes on the plain bytes or sends an alert: false, as is a failure or `waitMs` of
 * silence.
 */
function speaksPlainRedis(host: string, port: number, waitMs: number): Promise<boolean> {
  return probeSocket(createConnection({ host, port }), waitMs, (socket, done) => {
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (d: Buffer) => done(/^[+-]/.test(d.toString('latin1'))))
    socket.on('error', () => done(false))
  })
}

/**
 * Whether `host:port` answers a TLS handshake: a certificate came back, trusted or not (the
 * handshake is checked as the connect checks it, and nothing is sent over it). A plain port
 * answers the ClientHello with nothing or a Redis error: false, as is `waitMs` of silence.
 */
function speaksTls(host: string, port: number, waitMs: number): Promise<boolean> {
  const socket = connectTls({ host, port, servername: isIP(host) === 0 ? host : undefined })
  return probeSocket(socket, waitMs, (tls, done) => {
    tls.once('secureConnect', () => done(true))
    tls.on('error', (err) => done(CERTIFICATE_REFUSED.test(errorCode(err) ?? '')))
  })
}

/**
 * The database the URL names (`…/3`), confirmed: ioredis sends SELECT once connected and reports
 * a refusal (an index past the server's `databases`) only on the 'error' event, then goes on in
 * database 0, where another relay or application may keep its keys. Pub/sub spans databases,
 * so the subscriber needs no check.
 */
async function selectDatabase(client: Redis, sub: Redis): Promise<void> {
  const db = client.options.db ?? 0
  if (db === 0) return
  try {
    await client.select(db)
  } catch (err) {
    client.disconnect()
    sub.disconnect()
    const why = err instanceof Error ? err.message : String(err)
    throw new Error(
      `cannot use Redis database ${db}: ${why}; check the redis setting ` +
        "(--redis, SCANDESK_RELAY_REDIS) and the server's databases setting",
      { cause: err },
    )
  }
}

/**
 * Node's codes for a TLS server certificate the relay does not trust: signed by a CA it was
 * not given (a managed Redis's own CA, a self-signed one).
 */
const UNTRUSTED_CERT =
  /^(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_UNTRUSTED)$/

/** A certificate (the server's or one in its chain) outside its dates: no CA file helps. */
const CERT_OUT_OF_DATE = /^(CERT_HAS_EXPIRED|CERT_NOT_YET_VALID)$/

/** A handshake that got as far as the server's certificate, which was not accepted. */
const CERTIFICATE_REFUSED = new RegExp(
  `${UNTRUSTED_CERT.source}|${CERT_OUT_OF_DATE.source}|^ERR_TLS_CERT_ALTNAME_INVALID$`,
)

/** What to check after a failed connect, by the first error's code: the setting to change. */
export function connectAdvice(err: Error | null): string {
  const code = errorCode(err) ?? ''
  if (UNTRUSTED_CERT.test(code)) {
    return (
      "the Redis server's TLS certificate is not signed by a CA the relay trusts: give the CA " +
      'certificate (PEM) with --redis-tls-ca-file (SCANDESK_RELAY_REDIS_TLS_CA_FILE); the relay ' +
      'never skips the check'
    )
  }
  if (CERT_OUT_OF_DATE.test(code)) {
    return (
      "the Redis server's TLS certificate (or one in its chain) has expired or is not valid " +
      "yet: renew it on the Redis side, and check this machine's clock; the relay never skips " +
      'the check'
    )
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return (
      "the Redis server's TLS certificate does not name the host in the redis setting (--redis, " +
      'SCANDESK_RELAY_REDIS): use the name or address the certificate was made for'
    )
  }
  return 'check the redis setting (--redis, SCANDESK_RELAY_REDIS) and that Redis is running there'
}

/** How a server that speaks TLS ends a plain client's connection. */
const CUT_OFF = /^(ECONNRESET|EPIPE)$/

/**
 * A failed connect, with every error the clients reported (why, with its code), first first: a
 * Cluster may report its own "Failed to refresh slots cache." before the subscriber's reset.
 */
class RedisConnectError extends Error {
  constructor(
    message: string,
    readonly reasons: readonly Error[],
    options: ErrorOptions,
  ) {
    super(message, options)
  }
}

/**
 * Connects both clients. ioredis rejects a failed connect with only "Connection is closed.";
 * why (refused, no such socket, a wrong password) comes on the 'error' event, which `quiet`
 * drops: the first one is kept here for the error thrown. Its text names host and port or
 * the socket path (never the URL, which may hold a password).
 */
async function connectAll(client: RedisClient, sub: Redis): Promise<void> {
  const reported: Error[] = []
  const note = (err: Error): void => {
    reported.push(err)
    // A Cluster's own error carries the node's (ioredis's lastNodeError): a reset, say.
    if ('lastNodeError' in err && err.lastNodeError instanceof Error)
      reported.push(err.lastNodeError)
  }
  client.on('error', note)
  sub.on('error', note)
  try {
    // Both settle before either is closed: one refused (a TLS certificate) while the other was
    // mid-handshake and closed under it got a late TLS alert on a socket ioredis no longer
    // listened on, an uncaught exception (seen in CI).
    await settleAll([client.connect(), sub.connect()])
  } catch (err) {
    client.disconnect()
    sub.disconnect()
    const first = reported[0] ?? null
    const why = first?.message ?? (err instanceof Error ? err.message : String(err))
    // Which setting chose the address: the relay and its one-off commands read it alike.
    throw new RedisConnectError(
      `cannot connect to Redis: ${why}; ${connectAdvice(first)}`,
      reported,
      { cause: err },
    )
  } finally {
    client.off('error', note)
    sub.off('error', note)
  }
}

/**
 * Relay configuration (contract v1): a JSON file, then `SCANDESK_RELAY_<FIELD>` environment
 * variables, then command-line flags, each overriding the one before. Every error names the
 * field and where its value came from.
 */
import { X509Certificate } from 'node:crypto'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { z } from 'zod'
import { jsonErrorPlace } from '../shared/json-place'
import { isEncodingAESKey } from '../shared/wechat/crypto'
import { portFromText, splitHostPort } from '../shared/net-address'
import { INSECURE_HTTP_MESSAGE, isInsecureRemoteUrl } from '../shared/url-rule'
import { MAX_REPLY_BYTES } from '../shared/stamp-reply'
import { isXmlText, XML_TEXT_MESSAGE } from '../shared/xml-text'
import { DEFAULT_ENDED_REPLY, DEFAULT_TAKEN_REPLY } from './scan-rules'
import {
  BAD_PERCENT_ENCODING,
  isRedisClusterUrl,
  isRedisTlsUrl,
  parseRedisClusterUrl,
} from './store/redis/cluster-url'
import { errorCode } from '../shared/error-code'

/**
 * A previous value equal to the current one: refused, as the rotation it is set for would not
 * happen (the new value is in neither setting, and WeChat's check of it would fail on submit).
 */
const SAME_AS_CURRENT = (current: string, what: string): string =>
  `is the same as ${current}: put the new ${what} in ${current} and the one WeChat uses until ` +
  'you submit the new one in its admin here, or leave this empty'

export const wechatModeSchema = z.enum(['plain', 'compat', 'safe'])
export type WechatMode = z.infer<typeof wechatModeSchema>

/**
 * WeChat's AppID, AppSecret and Token are letters and digits. Whitespace in one is a copying
 * slip (an env file saved with CRLF line endings leaves '\r' on every value) that would fail
 * each signature or API call without a word: refused at start, the value never shown.
 */
const credential = (max: number) =>
  z
    .string()
    .max(max)
    .refine(
      (v) => !/\s/.test(v),
      'must not contain spaces or line breaks (an env file saved with CRLF line endings leaves a carriage return on each value)',
    )
    .default('')

const wechatSchema = z
  .object({
    // The AppSecret and access tokens go there: plain http only to this machine (a stand-in).
    apiBase: z
      .url({ protocol: /^https?$/ })
      .refine((u) => !isInsecureRemoteUrl(u), INSECURE_HTTP_MESSAGE)
      .default('https://api.weixin.qq.com'),
    appId: credential(64),
    appSecret: credential(128),
    token: credential(128),
    encodingAESKey: z.string().default(''),
    mode: wechatModeSchema.default('plain'),
    /**
     * While the Token or EncodingAESKey is changed (docs/DEPLOY.md): the one WeChat still uses
     * until the new one is submitted in its admin, accepted beside the new. Empty: none.
     */
    previousToken: credential(128),
    previousEncodingAESKey: z.string().default(''),
  })
  .strict()

/**
 * A passive reply text for a booth in no campaign: one XML can carry, within WeChat's bytes
 * (docs/WECHAT.md "Passive replies"), with words in it. Counted in UTF-8 bytes, not
 * characters: 2048 Chinese characters are 6144 bytes, a reply the visitor would not get whole.
 */
const replyText = z
  .string()
  .max(MAX_REPLY_BYTES)
  .refine(isXmlText, XML_TEXT_MESSAGE)
  // Not empty, so sent: the visitor would get a blank message. An empty reply in an env file
  // saved with CRLF is '\r'.
  .refine(
    (text) => text === '' || text.trim() !== '',
    'holds only spaces or line breaks: leave it empty ("") for no reply, or write the text',
  )
  .refine(
    (text) => new TextEncoder().encode(text).length <= MAX_REPLY_BYTES,
    `must be at most ${MAX_REPLY_BYTES} bytes of UTF-8 (WeChat's limit for a passive reply; ` +
      'a Chinese character is 3 bytes, an emoji 4)',
  )
  .default('')

/**
 * `subscribe`, `scan`: for a booth in no campaign (and scans routed to no booth). `taken`,
 * `ended`: for a scan that does not count (relay/scan-rules.ts), whatever the booth's campaign.
 */
const replySchema = z
  .object({
    subscribe: replyText,
    scan: replyText,
    taken: replyText.default(DEFAULT_TAKEN_REPLY),
    ended: replyText.default(DEFAULT_ENDED_REPLY),
  })
  .strict()

/**
 * A single Redis is a `redis://` or `rediss://` URL, a socket path or `host:port`. Another
 * scheme (`http://…`) was taken for a socket path ("connect ENOENT //host:6379") and a URL
 * that does not parse failed with "Invalid URL": refused here, never echoing the value (it
 * may hold a password).
 */
function singleRedisProblem(value: string): string | null {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(value)?.[1]?.toLowerCase()
  const forms =
    'redis://[user:password@]host:port[/db], rediss:// (TLS), redis-cluster://host:port,…, ' +
    'rediss-cluster:// (TLS) or a socket path'
  if (scheme === undefined) {
    // What ioredis takes without a scheme: an absolute socket path, a port, or host[:port].
    // Anything else failed only on connecting, as "Invalid URL" or taken for a socket path.
    if (value.startsWith('/') && !value.startsWith('//')) {
      const query = value.indexOf('?')
      if (query === -1) return null
      return redisQueryProblem(new URLSearchParams(value.slice(query + 1)), false, false)
    }
    const parts = splitHostPort(value)
    const host = parts?.ipv6 ? /^[0-9A-Fa-f:.]+$/ : /^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/
    const port = /^[0-9]+$/.test(value)
      ? portFromText(value, { min: 1 })
      : portFromText(parts?.port ?? '6379', { min: 1 })
    const fits = parts !== null && host.test(parts.host) && port !== null
    return fits ? null : `is not a Redis address: must be ${forms} (absolute), or host:port`
  }
  if (scheme !== 'redis' && scheme !== 'rediss') return `must be ${forms}, not ${scheme}://`
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return `is not a valid ${scheme}:// URL (${forms})`
  }
  // ioredis decodes them when it connects, where a bare % threw URIError "URI malformed".
  try {
    decodeURIComponent(url.username)
    decodeURIComponent(url.password)
  } catch {
    return BAD_PERCENT_ENCODING
  }
  const path = url.pathname
  // ioredis reads the database off the path loosely (`/abc` as NaN: database 0, `/1.5` as 1).
  if (path !== '' && path !== '/' && !/^\/[0-9]{1,9}$/.test(path)) {
    return `names no database: the path after host:port is /<number> (e.g. /0) or nothing`
  }
  if (url.hash !== '') {
    return 'has a # part, which ioredis ignores (a # in a password is written %23)'
  }
  const hasDb = path !== '' && path !== '/'
  return redisQueryProblem(url.searchParams, hasDb, url.username !== '' || url.password !== '')
}

/** The query options the relay takes on a single Redis's URL (relay/README.md "Stores"). */
const REDIS_QUERY_OPTIONS: ReadonlySet<string> = new Set(['db', 'username', 'password', 'family'])

/**
 * What is wrong with a single Redis URL's `?…` query, or null. ioredis reads every query item
 * as a client option of its own, as text, and under what the URL itself says: `/0?db=3` runs
 * in database 0, `?password=` beside `user@` is dropped, and `?enableAutoPipelining=false`,
 * `?tls=…` or `?lazyConnect=…` override the relay's own client options (relay/store/redis/
 * connect.ts), `?keyPrefix=` moves every key. Only the four that say something the URL's
 * other parts do not are taken. An unknown option is named by its place, not its text (a
 * mistyped URL can leave a password there).
 */
function redisQueryProblem(
  query: URLSearchParams,
  hasDb: boolean,
  hasAuth: boolean,
): string | null {
  const keys = [...query.keys()]
  for (const [i, key] of keys.entries()) {
    if (!REDIS_QUERY_OPTIONS.has(key)) {
      return (
        `query option ${i + 1} is not one the relay takes (db, username, password, family): ` +
        'ioredis would read it as a client option of its own'
      )
    }
    if (keys.indexOf(key) !== i) return `gives ?${key}= twice`
    const v = query.get(key) ?? ''
    if (key === 'db' && hasDb) return 'names its database twice (the path /<number> and ?db=)'
    if (key === 'db' && !/^[0-9]{1,9}$/.test(v)) return '?db= must be a whole number'
    if (key === 'family' && v !== '4' && v !== '6') return '?family= must be 4 or 6 (IPv4 or IPv6)'
    if ((key === 'username' || key === 'password') && hasAuth) {
      return (
        `gives ?${key}= beside a user or password before @, and ioredis takes only what is ` +
        'before @: write redis://user:password@host'
      )
    }
  }
  return null
}

/**
 * A file or folder setting starting with `~`: only a shell expands it (and not in
 * `--data=~/x`); JSON, env files and systemd leave it, and the relay made a folder named `~`.
 */
const pathSetting = () =>
  z
    .string()
    .min(1)
    .refine(
      (v) => !v.startsWith('~'),
      'starts with ~, which is not expanded here (only a shell does that): write the full path',
    )

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----/g
const MAX_CA_FILE_BYTES = 1024 * 1024

/**
 * What is wrong with `path` as the CA bundle Redis's TLS certificates are checked against
 * (redisTlsCaFile), or null: a readable file of at most 1 MiB holding PEM certificates, every
 * one of which parses. Said in our words; the file's text is never shown.
 */
function caFileProblem(path: string): string | null {
  let text: string
  try {
    const stat = statSync(path)
    if (!stat.isFile()) return `${path} is not a file`
    if (stat.size > MAX_CA_FILE_BYTES) return `${path} is larger than 1 MiB (not a CA bundle)`
    text = readFileSync(path, 'utf8')
  } catch (err) {
    return `${path} cannot be read (${errorCode(err) ?? 'error'})`
  }
  const certs = text.match(PEM_CERTIFICATE) ?? []
  if (certs.length === 0) {
    return `${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`
  }
  for (const [i, pem] of certs.entries()) {
    try {
      new X509Certificate(pem)
    } catch {
      return `${path}: certificate ${i + 1} does not parse`
    }
  }
  return null
}

export const relayConfigSchema = z
  .object({
    port: z.number().int().min(0).max(65535).default(8787),
    /** Loopback by default: a public relay normally sits behind an HTTPS reverse proxy. */
    host: z.string().min(1).default('127.0.0.1'),
    /** Directory of the SQLite store, or `:memory:` for a throw-away store. */
    data: pathSetting().default('./relay-data'),
    /**
     * Redis URL (or unix socket path), or a Redis Cluster's seed nodes
     * (`redis-cluster://host:port,host:port`); when set, Redis is the store instead of SQLite.
     */
    redis: z.string().min(1).nullable().default(null),
    /**
     * PEM file of the CA(s) that signed the Redis servers' TLS certificates, for `rediss://` and
     * `rediss-cluster://` when they are not signed by a CA the system trusts; null: the
     * system's. Checked at start (readable, PEM certificates that parse).
     */
    redisTlsCaFile: pathSetting().nullable().default(null),
    /**
     * Replicas a push's write must reach (Redis `WAIT`) before WeChat gets its 200, and how long
     * to wait for them (relay/README.md "Running on a Redis Cluster"). 0: do not wait.
     */
    redisWaitReplicas: z.number().int().min(0).max(16).default(0),
    redisWaitTimeoutMs: z.number().int().min(1).max(4000).default(1000),
    timestampWindowSeconds: z.number().int().min(1).max(86_400).default(300),
    ackedRetentionDays: z.number().min(0).max(365).default(7),
    /** Unacknowledged events are kept until acknowledged, but never longer than 30 days. */
    unackedRetentionDays: z.number().min(1).max(30).default(30),
    /**
     * Ticket proxy limits per kiosk (relay/README.md, "Ticket proxy limits"): sustained tickets a
     * minute, the burst a kiosk may take at once, and requests in flight at once.
     */
    ticketRatePerMinute: z.number().min(1).max(6000).default(30),
    ticketBurst: z.number().int().min(1).max(10_000).default(40),
    ticketConcurrency: z.number().int().min(1).max(64).default(4),
    /**
     * Tickets one kiosk may have created in a quota day (midnight to midnight Beijing time),
     * counted in the store across instances and restarts (relay/README.md "Ticket proxy
     * limits"). 0: no daily budget.
     */
    ticketDailyBudget: z.number().int().min(0).max(100_000).default(10_000),
    /** Longest lifetime the proxy asks of WeChat; kiosks asking for more get this. */
    maxTicketExpireSeconds: z.number().int().min(60).max(2_592_000).default(14_400),
    /** On SIGTERM: how long pushes in flight may take before the process exits regardless. */
    shutdownTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
    /**
     * HTTP connections (relay/README.md "Connections"): a request's headers must arrive
     * within headersTimeoutMs of connecting (an idle or slowloris socket is closed then),
     * its body within requestTimeoutMs; a file upload (a roster) may take up to
     * uploadTimeoutMs as long as it keeps coming (no gap of uploadIdleTimeoutMs, 4 KiB/s on
     * average); a kept-alive connection closes after keepAliveTimeoutMs without a request, any
     * HTTP connection after idleTimeoutMs without a byte either way. Kiosk websockets are
     * exempt: their ping/pong decides.
     */
    headersTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
    requestTimeoutMs: z.number().int().min(100).max(600_000).default(15_000),
    uploadIdleTimeoutMs: z.number().int().min(100).max(600_000).default(60_000),
    uploadTimeoutMs: z.number().int().min(100).max(7_200_000).default(3_600_000),
    keepAliveTimeoutMs: z.number().int().min(100).max(600_000).default(5_000),
    idleTimeoutMs: z.number().int().min(100).max(3_600_000).default(30_000),
    /** Open connections (kiosk websockets included); lowered to fit the open-file limit. */
    maxConnections: z.number().int().min(1).max(1_000_000).default(10_000),
    /**
     * Reverse proxies in front of the relay whose X-Forwarded-For / X-Forwarded-Proto to
     * believe (relay/README.md "Console"): 0 trusts none (the socket's address, plain http);
     * 1 for Caddy in compose.yaml. Decides the lockout's client address and Secure cookies.
     */
    trustProxyHops: z.number().int().min(0).max(10).default(0),
    /** The built console app (`out/console`); null: beside the relay (relay/console/static-console.ts). */
    consoleDir: pathSetting().nullable().default(null),
    /**
     * Which scans count (docs/DESIGN.md "Which scans count"), both off by default so the relay
     * keeps the published contract (every scan of a kiosk's code reaches it): one visitor per
     * code keeps another openid's later scan of a per-visitor code (a photo passed round) as
     * unrouted `scene-taken`; stopAfterEndsAt keeps a scan after its campaign's endsAt day as
     * unrouted `campaign-ended`. Each answers with its own reply (reply.taken, reply.ended).
     */
    oneVisitorPerCode: z.boolean().default(false),
    stopAfterEndsAt: z.boolean().default(false),
    wechat: wechatSchema.prefault({}),
    reply: replySchema.prefault({}),
    /** Campaign tags and follow-up messages (relay/follow-up/worker.ts). */
    followUp: z
      .object({
        /** Visitors to tag are gathered this long (or until 50) before one batchtagging call. */
        batchWindowMs: z.number().int().min(0).max(60_000).default(1000),
        /** A follow-up is sent only this long after the scan (WeChat: 3 messages in 1 minute). */
        windowSeconds: z.number().int().min(1).max(172_800).default(60),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.redis !== null && isRedisClusterUrl(c.redis)) {
      try {
        parseRedisClusterUrl(c.redis)
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['redis'], message: (err as Error).message })
      }
    } else if (c.redis !== null) {
      const problem = singleRedisProblem(c.redis)
      if (problem !== null) ctx.addIssue({ code: 'custom', path: ['redis'], message: problem })
    }
    if (c.redisTlsCaFile !== null) {
      const notTls = c.redis === null || !isRedisTlsUrl(c.redis)
      const problem = notTls
        ? 'needs a TLS Redis (redis: rediss://… or rediss-cluster://…)'
        : caFileProblem(c.redisTlsCaFile)
      if (problem !== null) {
        const params = notTls ? { related: ['redis'] } : {}
        ctx.addIssue({ code: 'custom', path: ['redisTlsCaFile'], message: problem, params })
      }
    }
    if (c.redisWaitReplicas > 0 && c.redis === null) {
      ctx.addIssue({
        code: 'custom',
        path: ['redisWaitReplicas'],
        message: 'needs a Redis store (redis)',
      })
    }
    if (c.headersTimeoutMs > c.requestTimeoutMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['headersTimeoutMs'],
        message: 'must not exceed requestTimeoutMs',
        params: { related: ['requestTimeoutMs'] },
      })
    }
    if (c.wechat.previousToken !== '' && c.wechat.previousToken === c.wechat.token) {
      ctx.addIssue({
        code: 'custom',
        path: ['wechat', 'previousToken'],
        message: SAME_AS_CURRENT('wechat.token', 'Token'),
        params: { related: ['wechat.token'] },
      })
    }
    if (c.wechat.mode === 'plain') return
    for (const field of ['encodingAESKey', 'previousEncodingAESKey'] as const) {
      const key = c.wechat[field]
      // The previous key is optional; the current one is not.
      if (field === 'previousEncodingAESKey' && key === '') continue
      if (key.length !== 43) {
        ctx.addIssue({
          code: 'custom',
          path: ['wechat', field],
          message: `must be 43 characters in ${c.wechat.mode} mode`,
        })
      } else if (!isEncodingAESKey(key)) {
        // As the cipher (shared/wechat/crypto.ts) takes it, checked here to name field and source.
        ctx.addIssue({
          code: 'custom',
          path: ['wechat', field],
          message: 'must be base64 characters (A-Z a-z 0-9 + /)',
        })
      }
    }
    const { previousEncodingAESKey: previousKey } = c.wechat
    if (previousKey !== '' && previousKey === c.wechat.encodingAESKey) {
      ctx.addIssue({
        code: 'custom',
        path: ['wechat', 'previousEncodingAESKey'],
        message: SAME_AS_CURRENT('wechat.encodingAESKey', 'EncodingAESKey'),
        params: { related: ['wechat.encodingAESKey'] },
      })
    }
    if (c.wechat.appId === '') {
      ctx.addIssue({
        code: 'custom',
        path: ['wechat', 'appId'],
        message: `is required in ${c.wechat.mode} mode`,
      })
    }
  })

export type RelayConfig = z.infer<typeof relayConfigSchema>
export type RelayConfigInput = z.input<typeof relayConfigSchema>

/**
 * Whether the relay may call WeChat's API (the ticket proxy, fallback codes, tags and
 * follow-ups): it needs both the AppID and the AppSecret.
 */
export const hasWechatCredentials = (wechat: RelayConfig['wechat']): boolean =>
  wechat.appId !== '' && wechat.appSecret !== ''

export class RelayConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
    /**
     * A file that is not there (yet) rather than a setting refused: the relay exits 1, which
     * systemd's Restart=on-failure tries again, not 2, which it does not (a mount still coming up).
     */
    readonly notThereYet = false,
  ) {
    super(`relay config: ${field} ${message}`)
    this.name = 'RelayConfigError'
  }
}

/**
 * Read errors a file on a mount that is not up yet gives, or one that is going away: missing
 * (the empty mount point), a device or server not answering. Not EACCES, EISDIR: a fix is due.
 */
const NOT_THERE_YET: ReadonlySet<string> = new Set([
  'ENOENT',
  'ENOTDIR',
  'ENODEV',
  'ENXIO',
  'EIO',
  'ESTALE',
  'ETIMEDOUT',
  'ENOTCONN',
  'EHOSTDOWN',
  'EAGAIN',
])

type FieldKind = 'int' | 'number' | 'string' | 'nullable' | 'boolean'
/** Every settable leaf field and how a string from env or argv becomes its value. */
const FIELDS: ReadonlyArray<readonly [path: string, kind: FieldKind]> = [
  ['port', 'int'],
  ['host', 'string'],
  ['data', 'string'],
  ['redis', 'nullable'],
  ['redisTlsCaFile', 'nullable'],
  ['redisWaitReplicas', 'int'],
  ['redisWaitTimeoutMs', 'int'],
  ['timestampWindowSeconds', 'int'],
  ['ackedRetentionDays', 'number'],
  ['unackedRetentionDays', 'number'],
  ['ticketRatePerMinute', 'number'],
  ['ticketBurst', 'int'],
  ['ticketConcurrency', 'int'],
  ['ticketDailyBudget', 'int'],
  ['maxTicketExpireSeconds', 'int'],
  ['shutdownTimeoutMs', 'int'],
  ['headersTimeoutMs', 'int'],
  ['requestTimeoutMs', 'int'],
  ['uploadIdleTimeoutMs', 'int'],
  ['uploadTimeoutMs', 'int'],
  ['keepAliveTimeoutMs', 'int'],
  ['idleTimeoutMs', 'int'],
  ['maxConnections', 'int'],
  ['trustProxyHops', 'int'],
  ['consoleDir', 'nullable'],
  ['oneVisitorPerCode', 'boolean'],
  ['stopAfterEndsAt', 'boolean'],
  ['wechat.apiBase', 'string'],
  ['wechat.appId', 'string'],
  ['wechat.appSecret', 'string'],
  ['wechat.token', 'string'],
  ['wechat.encodingAESKey', 'string'],
  ['wechat.mode', 'string'],
  ['wechat.previousToken', 'string'],
  ['wechat.previousEncodingAESKey', 'string'],
  ['reply.subscribe', 'string'],
  ['reply.scan', 'string'],
  ['reply.taken', 'string'],
  ['reply.ended', 'string'],
  ['followUp.batchWindowMs', 'int'],
  ['followUp.windowSeconds', 'int'],
]

function words(path: string): string[] {
  return path
    .split('.')
    .flatMap((part) =>
      part
        .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
        .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
        .split(' '),
    )
    .map((w) => w.toLowerCase())
}

/** `wechat.encodingAESKey` → `SCANDESK_RELAY_WECHAT_ENCODING_AES_KEY`. */
export function envNameOf(path: string): string {
  return `SCANDESK_RELAY_${words(path).join('_').toUpperCase()}`
}

/** `wechat.encodingAESKey` → `wechat-encoding-aes-key` (used as `--wechat-encoding-aes-key`). */
export function flagNameOf(path: string): string {
  return words(path).join('-')
}

/** Every settable field's path (`port`, `wechat.appId`), as the config file writes it. */
export const CONFIG_FIELD_PATHS: readonly string[] = FIELDS.map(([p]) => p)

/** Flag names that set config fields, plus `config` itself. */
export const CONFIG_FLAGS: ReadonlySet<string> = new Set([
  'config',
  ...FIELDS.map(([p]) => flagNameOf(p)),
])

/** Env var names that set config fields, plus `SCANDESK_RELAY_CONFIG` (deploy files are checked against it). */
export const CONFIG_ENV_NAMES: ReadonlySet<string> = new Set([
  'SCANDESK_RELAY_CONFIG',
  ...FIELDS.map(([p]) => envNameOf(p)),
])

/**
 * What Kubernetes sets in every pod for a Service named `scandesk-relay` (its "service
 * links"): `SCANDESK_RELAY_SERVICE_HOST`, `_SERVICE_PORT[_<NAME>]`, `_PORT_<n>_TCP[_PROTO|_PORT|_ADDR]`.
 */
const KUBERNETES_SERVICE_VAR =
  /^SCANDESK_RELAY_(?:SERVICE_(?:HOST|PORT(?:_[A-Z0-9_]+)?)|PORT_[0-9]+_(?:TCP|UDP|SCTP)(?:_(?:PROTO|PORT|ADDR))?)$/

/** `SCANDESK_RELAY_PORT=tcp://10.0.0.11:8787`, as Kubernetes sets it beside the others. */
const KUBERNETES_PORT_LINK = /^(?:tcp|udp|sctp):\/\/[^/\s]+:[0-9]+$/

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const next = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      next[j] = Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + cost)
    }
    row = next
  }
  return row[b.length] ?? 0
}

/**
 * Whether `short` is `long` with letters left out, in order, and most of it still there (a
 * short name is in order inside too many long ones to say anything).
 */
function wordsLeftOut(short: string, long: string): boolean {
  if (short.length >= long.length || short.length * 5 < long.length * 3) return false
  let at = 0
  for (const c of long) if (c === short[at]) at++
  return at === short.length
}

/**
 * `SCANDESK_RELAY_*` variables that set nothing (a typo such as `SCANDESK_RELAY_APPSECRET`),
 * each with the known name closest to it, sorted; Kubernetes' service-link variables are not
 * counted. Names only: a value may be a secret.
 */
export function unknownEnvNames(
  env: Readonly<Record<string, string | undefined>>,
): Array<{ name: string; closest: string }> {
  const known = [...CONFIG_ENV_NAMES]
  // Compared without the prefix and underscores; a name inside the other (APPSECRET in
  // WECHATAPPSECRET, DATA in DATADIR) comes first, then a slip of a letter or two, then a name
  // the typed one is with a word left out (WECHAT_PREVIOUS_AES_KEY: _PREVIOUS_ENCODING_AES_KEY,
  // not the nearer _PREVIOUS_TOKEN), then any edit distance.
  const bare = (n: string): string => n.slice('SCANDESK_RELAY_'.length).replaceAll('_', '')
  return Object.keys(env)
    .filter((name) => name.startsWith('SCANDESK_RELAY_') && env[name] !== undefined)
    .filter((name) => !CONFIG_ENV_NAMES.has(name) && !KUBERNETES_SERVICE_VAR.test(name))
    .sort()
    .map((name) => {
      const b = bare(name)
      const score = (k: string): number => {
        const bk = bare(k)
        const distance = editDistance(b, bk)
        const rank =
          bk.includes(b) || b.includes(bk)
            ? 0
            : distance <= 2
              ? 100
              : wordsLeftOut(b, bk)
                ? 500
                : 1000
        return rank + distance
      }
      const closest = known.reduce((best, k) => (score(k) < score(best) ? k : best))
      return { name, closest }
    })
}

/**
 * Why WeChat could never send pushes signed with this Token, or null. WeChat's server
 * configuration (设置与开发 → 基本配置 → 服务器配置) takes 3–32 letters or digits, so any other
 * Token cannot be the one WeChat signs with and every push would fail its signature. Said at
 * start, not refused: the relay has always taken such Tokens (tests, stand-ins for WeChat).
 */
export function wechatTokenWarning(token: string, field = 'wechat.token'): string | null {
  if (token === '' || /^[A-Za-z0-9]{3,32}$/.test(token)) return null
  return (
    `${field} is not 3–32 letters or digits (A-Z a-z 0-9), which WeChat's server ` +
    'configuration requires: pushes from WeChat itself will not verify (401) unless the Token ' +
    'there is the same'
  )
}

/**
 * Why a plain-mode `wechat.encodingAESKey` would stop the relay in compat or safe mode, or null.
 * Plain mode does not use it, so it is not refused there (deploy samples carry placeholders), but
 * said at start: otherwise it fails only on the day someone switches the mode. Never the key.
 */
export function wechatAesKeyWarning(wechat: {
  mode: WechatMode
  encodingAESKey: string
}): string | null {
  const key = wechat.encodingAESKey
  if (wechat.mode !== 'plain' || key === '' || isEncodingAESKey(key)) return null
  return (
    'wechat.encodingAESKey is not 43 base64 characters (A-Z a-z 0-9 + /), as WeChat gives it: ' +
    'unused in plain mode, but the relay will refuse to start in compat or safe mode until it is ' +
    "the EncodingAESKey from WeChat's server configuration"
  )
}

/**
 * What is said at start of a previous Token or EncodingAESKey (docs/DEPLOY.md step 5,
 * changing the Token or EncodingAESKey): that pushes under it are still accepted, so it is not left set
 * once WeChat has switched (a leaked value stays usable while it is), and a previous Token
 * WeChat could not have used. A previous key in plain mode is unused, said as such. Names the
 * settings, never the values.
 */
export function wechatPreviousWarnings(wechat: {
  mode: WechatMode
  previousToken: string
  previousEncodingAESKey: string
}): string[] {
  const out: string[] = []
  const tokenVar = envNameOf('wechat.previousToken')
  const keyVar = envNameOf('wechat.previousEncodingAESKey')
  if (wechat.previousToken !== '') {
    out.push(
      `wechat.previousToken is set: pushes signed with the previous Token are still accepted ` +
        `beside the new one. Once WeChat signs with the new one (the log says so), remove ` +
        `${tokenVar} and restart`,
    )
    const form = wechatTokenWarning(wechat.previousToken, 'wechat.previousToken')
    if (form !== null) out.push(form)
  }
  if (wechat.previousEncodingAESKey !== '') {
    out.push(
      wechat.mode === 'plain'
        ? `wechat.previousEncodingAESKey is set but unused in plain mode: remove ${keyVar}`
        : `wechat.previousEncodingAESKey is set: pushes encrypted with the previous ` +
            `EncodingAESKey are still accepted beside the new one. Once WeChat encrypts with the ` +
            `new one (the log says so), remove ${keyVar} and restart`,
    )
  }
  return out
}

/**
 * `--config` and `SCANDESK_RELAY_CONFIG` naming two files: `--config` wins and the variable's
 * file is not read (relay/README.md "Run"), which was said nowhere. Names both, never contents.
 */
export function ignoredConfigWarning(
  flags: Readonly<Record<string, string>>,
  env: Readonly<Record<string, string | undefined>>,
): string | null {
  const flag = flags.config
  const variable = env.SCANDESK_RELAY_CONFIG
  if (flag === undefined || variable === undefined || variable === '') return null
  if (resolve(flag) === resolve(variable)) return null
  return `SCANDESK_RELAY_CONFIG=${variable} is ignored: --config ${flag} wins, and only it is read`
}

/** Each unknown variable as `NAME (did you mean KNOWN?)`, for one warning at start. */
export function unknownEnvWarnings(env: Readonly<Record<string, string | undefined>>): string[] {
  return unknownEnvNames(env).map((u) => `${u.name} (did you mean ${u.closest}?)`)
}

function coerce(path: string, kind: FieldKind, raw: string, source: string): unknown {
  if (kind === 'nullable') return raw === '' || raw === 'null' ? null : raw
  if (kind === 'string') return raw
  const got = `(got ${JSON.stringify(raw)} from ${source})`
  // Words only: '1', 'yes' or 'on' would be a guess at what was meant.
  if (kind === 'boolean') {
    if (raw === 'true' || raw === 'false') return raw === 'true'
    throw new RelayConfigError(path, `must be true or false ${got}`)
  }
  // Number() reads ' 8080 ' as 8080 (and ' ' as 0): a value with stray spaces is refused as
  // typed, as the kiosk's and the sandbox's --port are (shared/net-address.ts).
  if (raw !== raw.trim() && raw.trim() !== '') {
    throw new RelayConfigError(path, `${numberRule(path)}, with no spaces around it ${got}`)
  }
  // Decimal only: Number() also reads '0x50', '0b1000' and '1e3', which no one means as a port.
  const n = Number(raw)
  if (!/^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/.test(raw) || !Number.isFinite(n)) {
    throw new RelayConfigError(path, `must be a number ${got}`)
  }
  // '8080.0' is not how anyone writes a port or a count: a whole number is digits alone.
  if (kind === 'int' && !/^-?[0-9]+$/.test(raw)) {
    throw new RelayConfigError(path, `${numberRule(path)} ${got}`)
  }
  return n
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.')
  let node = target
  for (const part of parts.slice(0, -1)) {
    const next = node[part]
    if (typeof next === 'object' && next !== null && !Array.isArray(next)) {
      node = next as Record<string, unknown>
    } else {
      const created: Record<string, unknown> = {}
      node[part] = created
      node = created
    }
  }
  node[parts[parts.length - 1] ?? path] = value
}

/** The schema of the setting at `path` (`wechat.mode`), its default and nullable wrappers taken off. */
function settingSchema(path: ReadonlyArray<PropertyKey>): { schema: z.ZodType; nullable: boolean } {
  let schema: z.ZodType = relayConfigSchema
  let nullable = false
  const unwrap = () => {
    for (;;) {
      if (schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault) {
        schema = schema.unwrap() as z.ZodType
      } else if (schema instanceof z.ZodNullable) {
        nullable = true
        schema = schema.unwrap() as z.ZodType
      } else return
    }
  }
  for (const key of path) {
    unwrap()
    if (!(schema instanceof z.ZodObject)) break
    const next: unknown = (schema.shape as Record<string, unknown>)[String(key)]
    if (!(next instanceof z.ZodType)) break
    schema = next
  }
  unwrap()
  return { schema, nullable }
}

/** What a number setting takes: `must be a whole number from 0 to 65535`. */
function numberSchemaRule(schema: z.ZodNumber): string {
  const kind = schema.isInt ? 'a whole number' : 'a number'
  const { minValue: min, maxValue: max } = schema
  const finite = (n: number | null): n is number => n !== null && Number.isFinite(n)
  if (finite(min) && finite(max)) return `must be ${kind} from ${min} to ${max}`
  if (finite(min)) return `must be ${kind} of at least ${min}`
  if (finite(max)) return `must be ${kind} of at most ${max}`
  return `must be ${kind}`
}

/** The same for the setting at `path` (`followUp.windowSeconds`), by its schema. */
function numberRule(path: string): string {
  const { schema } = settingSchema(path.split('.'))
  return schema instanceof z.ZodNumber ? numberSchemaRule(schema) : 'must be a number'
}

/**
 * A bad value in our words: what the setting takes (its range, length or form), never Zod's
 * own English ("Too big: expected number to be <=65535") and never the value (it may be a
 * secret). Our own refinements (`custom`) keep their message.
 */
function settingProblem(issue: z.core.$ZodIssue): string {
  if (issue.code === 'custom') return issue.message
  const { schema, nullable } = settingSchema(issue.path)
  if (schema instanceof z.ZodNumber) return numberSchemaRule(schema)
  if (schema instanceof z.ZodEnum) return `must be one of ${schema.options.join(', ')}`
  if (schema instanceof z.ZodBoolean) return 'must be true or false'
  if (schema instanceof z.ZodObject) return 'must be an object'
  if (issue.code === 'invalid_format' && issue.format === 'url')
    return 'must be an http:// or https:// URL'
  if (issue.code === 'invalid_type') return nullable ? 'must be text or null' : 'must be text'
  if (issue.code === 'too_small' && issue.origin === 'string')
    return Number(issue.minimum) <= 1
      ? 'must not be empty'
      : `must be at least ${issue.minimum} characters`
  if (issue.code === 'too_big' && issue.origin === 'string')
    return `must be at most ${issue.maximum} characters`
  return 'is invalid'
}

/** Parses a complete or partial config object; errors name the first bad field. */
export function parseRelayConfig(
  input: unknown,
  sources: ReadonlyMap<string, string> = new Map(),
  file?: string,
): RelayConfig {
  const result = relayConfigSchema.safeParse(input ?? {})
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const keys = issue && issue.code === 'unrecognized_keys' ? issue.keys : []
  const path = [...(issue?.path ?? []), ...keys.slice(0, 1)].map(String).join('.') || '(root)'
  // A whole group (`"wechat": "x"`) comes from where its fields came from.
  const source =
    sources.get(path) ?? [...sources].find(([field]) => field.startsWith(`${path}.`))?.[1]
  if (keys.length > 0) {
    // Only a config file has fields of its own choosing: say which file, and the field meant.
    const closest = closestField(path)
    const from = source ?? file
    const where = [from ? `in ${from}` : '', closest ? `did you mean ${closest}?` : '']
      .filter((w) => w !== '')
      .join('; ')
    throw new RelayConfigError(path, `is not a known field${where ? ` (${where})` : ''}`)
  }
  const message = issue ? settingProblem(issue) : 'is invalid'
  // A setting refused for another's value (a header timeout past the request timeout): where
  // that one came from too, as it may be the one the deployer wrote.
  const also = (issue ? relatedFields(issue) : [])
    .flatMap((field) => {
      const from = sources.get(field)
      return from !== undefined ? [`${field} from ${from}`] : []
    })
    .join('; ')
  if (source)
    throw new RelayConfigError(
      path,
      `${message} (from ${[source, also].filter((w) => w !== '').join('; ')})`,
    )
  // Missing, not mistyped (the AppID in safe mode): say how it is set, in a container by env,
  // and in the config file when there is one.
  const settable = FIELDS.some(([p]) => p === path)
  const inFile = file !== undefined ? `, or ${path} in ${file}` : ''
  const howToSet = `set ${envNameOf(path)} or --${flagNameOf(path)}${inFile}`
  if (settable && also !== '') {
    throw new RelayConfigError(path, `${message} (${also}; ${path} is its default: ${howToSet})`)
  }
  throw new RelayConfigError(path, settable ? `${message} (${howToSet})` : message)
}

/** The other settings a cross-field refinement names in its `params.related`. */
function relatedFields(issue: z.core.$ZodIssue): string[] {
  const related: unknown = issue.code === 'custom' ? issue.params?.related : undefined
  return Array.isArray(related) ? related.filter((f): f is string => typeof f === 'string') : []
}

/** Every key path a parsed config file sets (`wechat`, `wechat.mode`, …), groups included. */
function filePaths(value: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(value).flatMap(([key, inner]) => {
    const path = `${prefix}${key}`
    const nested =
      typeof inner === 'object' && inner !== null && !Array.isArray(inner)
        ? filePaths(inner as Record<string, unknown>, `${path}.`)
        : []
    return [path, ...nested]
  })
}

/** The groups of fields a config file may hold (`wechat`, `reply`, `followUp`). */
const GROUPS: readonly string[] = [
  ...new Set(FIELDS.map(([p]) => p.split('.').slice(0, -1).join('.')).filter((g) => g !== '')),
]

/**
 * The known field or group an unknown one most likely meant, or null: a field in the wrong
 * place (`appSecret` at the top, `wechat.port`) by its name, else a few slips away (`prot`,
 * `wechat.appSecrte`, `wechatt`, `followup`).
 */
function closestField(path: string): string | null {
  const squash = (p: string): string => p.toLowerCase().replaceAll(/[._-]/g, '')
  const leaf = (p: string): string => squash(p.slice(p.lastIndexOf('.') + 1))
  const moved = FIELDS.find(([known]) => leaf(known) === leaf(path))
  if (moved !== undefined && squash(moved[0]) !== squash(path)) return moved[0]
  let best: { path: string; distance: number } | null = null
  for (const known of [...FIELDS.map(([p]) => p), ...GROUPS]) {
    const distance = editDistance(squash(path), squash(known))
    if (best === null || distance < best.distance) best = { path: known, distance }
  }
  // A few slips, not a different word.
  return best !== null && best.distance <= Math.max(2, Math.floor(path.length / 4))
    ? best.path
    : null
}

/** Why a file could not be read, in a few words and its code, never Node's whole sentence. */
function unreadable(err: unknown): string {
  const code = errorCode(err) ?? ''
  const words: Readonly<Record<string, string>> = {
    ENOENT: 'no such file',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EISDIR: 'a directory, not a file',
    ENOTDIR: 'a folder on the way is a file',
  }
  const said = words[code]
  if (said !== undefined) return `${said}, ${code}`
  return code !== '' ? code : err instanceof Error ? err.message : String(err)
}

/**
 * The settings that name a file or folder. In a config file a relative one is read from the
 * file's folder (relay/README.md "Run"), as docker compose and systemd's own files do: the
 * relay may be started from anywhere (`/` under an init system). Flags and env vars are typed
 * where the relay starts, so theirs stay relative to the working directory.
 */
const PATH_FIELDS: ReadonlySet<string> = new Set(['data', 'redisTlsCaFile', 'consoleDir'])

function resolveFilePaths(fromFile: Record<string, unknown>, file: string): void {
  for (const key of PATH_FIELDS) {
    const value = fromFile[key]
    // `:memory:` is no folder; anything not text is left for the schema to refuse.
    if (typeof value !== 'string' || value === '' || isAbsolute(value)) continue
    // Refused as it stands (pathSetting), not hidden as /etc/scandesk/~/x.
    if (value.startsWith('~')) continue
    if (key === 'data' && value === ':memory:') continue
    fromFile[key] = resolve(dirname(file), value)
    if (key === 'data') upgradedDataProblem(value, fromFile[key] as string, file)
  }
}

/**
 * A relay upgraded from before config files' paths were the file's own (dd27cc8) would start
 * on a new, empty store beside the file while its scans sit in the folder it read from the
 * working directory: refused, naming both, rather than silently showing organizers nothing.
 */
function upgradedDataProblem(value: string, besideFile: string, file: string): void {
  const fromCwd = resolve(value)
  const holds = (dir: string): boolean => existsSync(join(dir, 'relay.sqlite'))
  if (fromCwd === besideFile || !holds(fromCwd) || holds(besideFile)) return
  throw new RelayConfigError(
    'data',
    `"${value}" in ${file} is read from the file's folder (${besideFile}), which holds no ` +
      `relay store, while ${fromCwd} (where relays before 2026-12-05 read it, from the working ` +
      `directory) holds one: write the folder you mean as an absolute path in ${file}`,
  )
}

export interface LoadConfigOptions {
  /** Parsed flags without the leading dashes, e.g. `{ port: '0', 'wechat-token': 't' }`. */
  flags?: Readonly<Record<string, string>>
  env?: Readonly<Record<string, string | undefined>>
  readFile?: (path: string) => string
}

/** Config file (from `--config` or `SCANDESK_RELAY_CONFIG`), then env, then flags. */
export function loadRelayConfig(opts: LoadConfigOptions = {}): RelayConfig {
  return loadRelayConfigWithSources(opts).config
}

/**
 * The config as `loadRelayConfig` reads it, and where each field set came from: `--<flag>`, a
 * `SCANDESK_RELAY_*` variable, or the config file's path (a field none of them sets is absent:
 * its default).
 */
export function loadRelayConfigWithSources(opts: LoadConfigOptions = {}): {
  config: RelayConfig
  sources: ReadonlyMap<string, string>
} {
  const flags = opts.flags ?? {}
  const env = opts.env ?? {}
  const read = opts.readFile ?? ((p: string) => readFileSync(p, 'utf8'))
  const sources = new Map<string, string>()
  let merged: Record<string, unknown> = {}

  const file = flags.config ?? env.SCANDESK_RELAY_CONFIG
  if (file !== undefined) {
    const fileSource = flags.config !== undefined ? '--config' : 'SCANDESK_RELAY_CONFIG'
    // Not "cannot read  (ENOENT…)" for a name that is missing altogether.
    if (file === '') throw new RelayConfigError('config', `must not be empty (from ${fileSource})`)
    let text: string
    try {
      // RFC 8259 lets a parser ignore a byte order mark; Windows editors still write one.
      text = read(file).replace(/^\uFEFF/, '')
    } catch (err) {
      throw new RelayConfigError(
        'config',
        `cannot read ${file} (${unreadable(err)}; from ${fileSource})`,
        NOT_THERE_YET.has(errorCode(err) ?? ''),
      )
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (err) {
      throw new RelayConfigError('config', `${file} is not valid JSON${jsonErrorPlace(err, text)}`)
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new RelayConfigError('config', `${file} must hold a JSON object`)
    }
    merged = parsed as Record<string, unknown>
    resolveFilePaths(merged, file)
    // Only what the file holds comes from it: a field it lacks is missing, not the file's.
    for (const path of filePaths(merged)) sources.set(path, file)
  }
  for (const [path, kind] of FIELDS) {
    const name = envNameOf(path)
    const raw = env[name]
    if (raw === undefined) continue
    // Kubernetes' service link for a Service named scandesk-relay, not a port: left alone,
    // as its SCANDESK_RELAY_SERVICE_* siblings are (unknownEnvNames).
    if (name === 'SCANDESK_RELAY_PORT' && KUBERNETES_PORT_LINK.test(raw)) continue
    setPath(merged, path, coerce(path, kind, raw, name))
    sources.set(path, name)
  }
  for (const [path, kind] of FIELDS) {
    const name = flagNameOf(path)
    const raw = flags[name]
    if (raw === undefined) continue
    setPath(merged, path, coerce(path, kind, raw, `--${name}`))
    sources.set(path, `--${name}`)
  }
  return { config: parseRelayConfig(merged, sources, file), sources }
}

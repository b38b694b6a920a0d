/**
 * `/wechat`: the URL check (GET) and WeChat's pushes (POST). A push is answered 200 only
 * after it is durably stored (or is a retry of one that is), so WeChat's own retries cover
 * every failure before that point: store trouble answers 503 and WeChat tries again.
 */
import { randomInt } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RelayCampaign } from '../shared/campaign'
import { kioskIdOfScene, scanFrameSchema } from '../shared/relay-protocol'
import { stampLine, stampReply } from '../shared/stamp-reply'
import {
  MAX_PUSH_BYTES,
  WechatCipher,
  WechatCryptoError,
  WechatXmlError,
  buildEncryptedReply,
  buildTextReply,
  dedupKey,
  parseEnvelope,
  parsePushXml,
  verifyMsgSignature,
  verifyPlainSignature,
  type PushEvent,
} from '../shared/wechat'
import type { CampaignDirectory } from './campaign-directory'
import { envNameOf, type RelayConfig } from './config'
import {
  BodyAbortedError,
  BodyTimeoutError,
  BodyTooLargeError,
  closeAfterResponse,
  readBody,
  sendText,
} from './http-util'
import { LogLimiter, errorMessage, type Logger } from './log'
import type { PushOutcome, RelayMetrics, WechatCredential } from './metrics'
import { claimTtlMs, signedQueryClaim, type SignedQueryClaim } from './replay-guard'
import { incompletePush, isIncomplete } from './incomplete-push'
import { routeScene } from './scene-router'
import type { StoreBreaker } from './store-breaker'
import { campaignEnded } from './scan-rules'
import { storeErrorAction, storeErrorText, type StoreHealth } from './store-health'
import { eventIdOf } from './store/store-util'
import type { CampaignRecord } from './store/campaign-types'
import type { Stamped } from './store/stamp-types'
import type { AppendResult, NewEvent, RelayStore, UnroutedEvent } from './store/types'

/** A stored event is a scan frame without `type` and `seq` (one shape from the wire to the row). */
const newEventFitsFrame = scanFrameSchema.omit({ type: true, seq: true })

export interface PushEndpointOptions {
  config: RelayConfig
  store: RelayStore
  log: Logger
  metrics: RelayMetrics
  now: () => number
  /** Told of each push's store write, so `/healthz` knows when pushes cannot be stored. */
  health?: StoreHealth
  /**
   * Each push's store steps run through it: a store that stopped answering gets pushes
   * answered 503 at once instead of held for the store client's timeout.
   */
  breaker?: StoreBreaker
  /** The kiosks' campaigns (cached): their numbers and passive replies. */
  campaigns?: CampaignDirectory
}

/** An answer to WeChat: status, body and the outcome counted in metrics. */
interface Answer {
  status: number
  body: string
  outcome?: PushOutcome
  contentType?: string
}

const SUCCESS = 'success'
/**
 * How far (seconds) a push's signed timestamp may be from this server's clock before an
 * accepted push is warned about: beyond NTP's error and a slow link's second or two, well within
 * the minute in which a booth still greets a scan.
 */
const CLOCK_OFF_WARN_SECONDS = 30
const reject = (status: number, outcome: PushOutcome, body: string): Answer => ({
  status,
  outcome,
  body,
})

type Query = Record<string, string | undefined>

/**
 * The query of a push URL (`url.search`), as `Object.fromEntries(url.searchParams)` gives it.
 * WeChat's queries are plain `name=value` pairs (hex, digits, openids), split directly here;
 * anything percent- or plus-encoded, and a `__proto__` name, take URLSearchParams instead.
 */
export function queryOf(search: string): Query {
  const s = search.charCodeAt(0) === 0x3f ? search.slice(1) : search
  if (s.includes('%') || s.includes('+')) return Object.fromEntries(new URLSearchParams(search))
  const q: Query = {}
  for (let start = 0; start <= s.length;) {
    let end = s.indexOf('&', start)
    if (end < 0) end = s.length
    if (end > start) {
      const eq = s.indexOf('=', start)
      const hasValue = eq >= 0 && eq < end
      const name = s.slice(start, hasValue ? eq : end)
      if (name === '__proto__') return Object.fromEntries(new URLSearchParams(search))
      q[name] = hasValue ? s.slice(eq + 1, end) : ''
    }
    start = end + 1
  }
  return q
}

export interface PushPipelineOptions {
  config: Pick<RelayConfig, 'wechat' | 'timestampWindowSeconds'> & {
    reply: Pick<RelayConfig['reply'], 'subscribe' | 'scan'>
  }
  now: () => number
  /** Hears of a passive reply left out (one XML cannot carry). */
  log?: Pick<Logger, 'warn'>
}

/** A push that is for a kiosk, ready to route and store. */
export interface KioskPush {
  e: PushEvent & { kind: 'scan' | 'subscribe-scene' }
  event: NewEvent
  /** Whether the event fits a kiosk frame (else it is kept as unrouted). */
  fits: boolean
}

/** Which of a credential's values verified a push: the current one, or the previous one. */
export type CredentialUsed = 'current' | 'previous'

/**
 * The Token and the EncodingAESKey that verified a push, while a previous one may be set
 * (docs/DEPLOY.md step 5); `key` is null for a plaintext push. Its reply is sealed with the same.
 */
export interface Via {
  token: CredentialUsed
  key: CredentialUsed | null
}

/** An authentic push: its plaintext XML, the signed query to claim in the store, and its credentials. */
export interface Authentic {
  xml: string | Buffer
  claim: SignedQueryClaim
  via: Via
}

/**
 * The per-push work that needs no store: signatures, the replay claim's key and body hash,
 * decryption, parsing, the event id and the reply. The endpoint below adds HTTP and storage
 * (where the claim is checked); the bench drives this.
 */
export function createPushPipeline(opts: PushPipelineOptions) {
  const { config, now } = opts
  const { mode } = config.wechat
  /** The Tokens pushes are verified with, the current first; the previous while one is set. */
  const tokens: ReadonlyArray<readonly [CredentialUsed, string]> = [
    ['current', config.wechat.token],
    ...(config.wechat.previousToken === ''
      ? []
      : [['previous', config.wechat.previousToken] as const]),
  ]
  const cipherOf = (encodingAESKey: string) =>
    new WechatCipher({ encodingAESKey, appId: config.wechat.appId })
  /** The same for the EncodingAESKeys (none in plain mode). */
  const ciphers: ReadonlyArray<readonly [CredentialUsed, WechatCipher]> =
    mode === 'plain'
      ? []
      : [
          ['current', cipherOf(config.wechat.encodingAESKey)],
          ...(config.wechat.previousEncodingAESKey === ''
            ? []
            : [['previous', cipherOf(config.wechat.previousEncodingAESKey)] as const]),
        ]
  const cipher = ciphers[0]?.[1] ?? null
  const windowMs = config.timestampWindowSeconds * 1000

  function fresh(q: Query): boolean {
    const ts = q.timestamp
    if (ts === undefined || !/^[0-9]{1,12}$/.test(ts)) return false
    return Math.abs(now() - Number(ts) * 1000) <= windowMs
  }

  /** Which Token the query's `signature` verifies with, or null (each compared in constant time). */
  function plainSignedBy(q: Query): CredentialUsed | null {
    for (const [used, token] of tokens) if (verifyPlainSignature(token, q)) return used
    return null
  }

  /** Which Token `msg_signature` over `encrypt` verifies with, or null. */
  function msgSignedBy(q: Query, encrypt: string): CredentialUsed | null {
    for (const [used, token] of tokens) if (verifyMsgSignature(token, q, encrypt)) return used
    return null
  }

  const tokenOf = (used: CredentialUsed): string =>
    (tokens.find(([u]) => u === used) ?? tokens[0])?.[1] ?? ''

  /**
   * Decrypts with the current EncodingAESKey, else the previous one: the AppID inside the
   * plaintext decides (a wrong key fails its padding, its length or that). Neither: the current
   * key's error, as with no previous key.
   */
  function decrypt(encrypted: string): { message: string; key: CredentialUsed } {
    let first: WechatCryptoError | undefined
    for (const [used, c] of ciphers) {
      try {
        return { message: c.decrypt(encrypted), key: used }
      } catch (err) {
        if (!(err instanceof WechatCryptoError)) throw err
        first ??= err
      }
    }
    throw first ?? new WechatCryptoError('bad_key', 'no EncodingAESKey in plain mode')
  }

  /**
   * The signature (contract v1: the echostr when it is valid, 401 otherwise), then the echostr.
   * The timestamp's age is not a condition here, as it is for pushes: a check whose signature
   * is valid is answered however old (the official vector too). Replaying one gains nothing: its
   * echostr is unsigned anyway, answered as text that is never sniffed, and a safe-mode one never
   * decrypts a push. An old one is answered with outcome `stale`, which the caller logs with the
   * skew: a relay whose clock is off passes WeChat's check but will refuse every push. With a
   * previous Token (or EncodingAESKey) set, a check under either is answered.
   */
  function urlCheck(q: Query): Answer {
    const answered = (body: string): Answer => ({
      status: 200,
      body,
      ...(!fresh(q) && { outcome: 'stale' as const }),
    })
    const echostr = q.echostr ?? ''
    const usable = echostr.length > 0 && echostr.length <= 1024
    // Safe-mode URL checks in the WXBizMsgCrypt style carry an encrypted echostr.
    if (cipher !== null && q.msg_signature !== undefined) {
      if (msgSignedBy(q, echostr) === null) return reject(401, 'bad_signature', 'bad signature')
      if (!usable) return reject(400, 'malformed', 'echostr missing')
      let plain: string
      try {
        plain = decrypt(echostr).message
      } catch {
        return reject(400, 'malformed', 'bad echostr')
      }
      // A check's echostr is a random token. Everything else this key encrypts, each push and
      // each passive reply, is an XML document whose query (or reply) carries a signature over
      // its <Encrypt> in the same form: echoing its decryption would hand whoever saw one push
      // (WeChat may push over plain http) its plaintext, the visitor's openid and all.
      if (plain.includes('<')) return reject(400, 'malformed', 'bad echostr')
      return answered(plain)
    }
    if (plainSignedBy(q) === null) return reject(401, 'bad_signature', 'bad signature')
    if (!usable) return reject(400, 'malformed', 'echostr missing')
    return answered(echostr)
  }

  /** Verifies the signatures and returns the push's plaintext XML, or the refusal. */
  function authenticate(q: Query, body: Buffer): Authentic | Answer {
    const encrypted = q.encrypt_type === 'aes'
    // Every push carries `signature` (safe and compat mode add msg_signature beside it), and it
    // needs only the query: checked, with the timestamp, before any XML is parsed, so a body
    // from no one never reaches the parser (64 KiB of crafted XML costs milliseconds a try).
    if (q.signature === undefined) return reject(401, 'bad_signature', 'signature required')
    const token = plainSignedBy(q)
    if (token === null) return reject(401, 'bad_signature', 'bad signature')
    if (!fresh(q)) return reject(401, 'stale', 'stale timestamp')
    if (!encrypted) {
      // WeChat encrypts every push in compat mode as in safe mode: a plaintext push there is
      // not WeChat's.
      if (mode !== 'plain') return reject(401, 'bad_signature', 'signature required')
      return { xml: body, claim: signedQueryClaim(q, body, false), via: { token, key: null } }
    }
    if (cipher === null)
      return reject(400, 'malformed', 'encrypted push but relay is in plain mode')
    const { encrypt } = parseEnvelope(body)
    if (encrypt === undefined) return reject(400, 'malformed', 'Encrypt missing')
    // WeChat signs both with one Token: msg_signature under the other one is not WeChat's.
    if (!verifyMsgSignature(tokenOf(token), q, encrypt))
      return reject(401, 'bad_signature', 'bad signature')
    // In compat mode the plaintext fields beside <Encrypt> are not covered by msg_signature:
    // only the decrypted copy is trusted.
    const { message, key } = decrypt(encrypt)
    return { xml: message, claim: signedQueryClaim(q, body, true), via: { token, key } }
  }

  /** The kiosk event in an authenticated push, or null for pushes a kiosk has no use for. */
  function kioskPush(xml: string | Buffer): KioskPush | null {
    const e = parsePushXml(xml)
    // Plain follows, unfollows and messages: nothing for a kiosk.
    if (e.kind !== 'scan' && e.kind !== 'subscribe-scene') return null
    const event: NewEvent = {
      id: eventIdOf(dedupKey(e)),
      event: e.kind === 'scan' ? 'scan' : 'subscribe',
      openid: e.openid,
      scene: e.scene,
      ticket: e.ticket,
      createTime: e.createTime,
      receivedAt: now(),
    }
    // The stored event becomes a scan frame as it is (plus type and seq): it must fit one.
    const fits = newEventFitsFrame.safeParse(event).success
    return { e, event, fits }
  }

  /**
   * `reply`: the texts of the campaign of the kiosk the scan went to, else (undefined) the
   * config's. `via`: the Token and key the push came with (its Authentic's), which seal an
   * encrypted reply; required, so a caller cannot seal with the current ones by leaving it out.
   */
  function replyFor(
    e: PushEvent,
    q: Query,
    kind: 'subscribe' | 'scan',
    reply: { subscribe: string; scan: string } | undefined,
    via: Via,
  ): Answer {
    const content = (reply ?? config.reply)[kind]
    if (content === '') return { status: 200, body: SUCCESS }
    const createTime = Math.floor(now() / 1000)
    let replyXml: string
    try {
      replyXml = buildTextReply({ toUser: e.openid, fromUser: e.toUser, content, createTime })
    } catch (err) {
      // The push is handled (stored or kept) by now: a reply that XML cannot carry (a text
      // saved before texts were checked, an openid with a control character) must not turn it
      // into a refusal WeChat retries and shows the visitor as "service unavailable".
      if (!(err instanceof WechatXmlError)) throw err
      opts.log?.warn('passive reply left out', { error: err.message })
      return { status: 200, body: SUCCESS }
    }
    if (q.encrypt_type !== 'aes' || cipher === null) {
      return { status: 200, body: replyXml, contentType: 'application/xml; charset=utf-8' }
    }
    const nonce = String(randomInt(100_000_000, 2_147_483_647))
    // Sealed as the push was: WeChat opens it with what it signed and encrypted that with.
    const sealer = ciphers.find(([used]) => used === via.key)?.[1] ?? cipher
    const body = buildEncryptedReply({
      cipher: sealer,
      token: tokenOf(via.token),
      replyXml,
      timestamp: createTime,
      nonce,
    })
    return { status: 200, body, contentType: 'application/xml; charset=utf-8' }
  }

  return { urlCheck, authenticate, kioskPush, replyFor, claimTtl: claimTtlMs(windowMs) }
}

export function createPushEndpoint(opts: PushEndpointOptions) {
  const { store, log, metrics } = opts
  const { urlCheck, authenticate, kioskPush, replyFor, claimTtl } = createPushPipeline(opts)
  /**
   * Lines a request can repeat, each kind at most once a minute with a count of the rest: a stale
   * URL check (a replay floods), a push the store refused for one cause (every push while the
   * disk is full, onto logs that may share that disk).
   */
  const limited = new LogLimiter(opts.now)
  /** Pushes the store refused since the line saying it accepts them again (or the start). */
  let refusedSinceAccepted = 0
  const { wechat } = opts.config
  /** The credentials with a previous value set, and whether the switch to the new one was said. */
  const rotating = new Map<WechatCredential, boolean>()
  if (wechat.previousToken !== '') rotating.set('token', false)
  if (wechat.mode !== 'plain' && wechat.previousEncodingAESKey !== '') {
    rotating.set('encoding_aes_key', false)
  }
  for (const credential of rotating.keys()) metrics.watchCredential(credential)

  /**
   * A push verified while a previous Token or EncodingAESKey is set, once its signed query's
   * claim has passed (a replay of a seen query with another body is never counted; WeChat's
   * retry, same query and body, is, as WeChat sent it): counted by which value verified it, and the first under the new one said once (WeChat has switched: the previous
   * one can go, once its count stops rising: WeChat's retries of older pushes may still use it).
   */
  function credentialsUsed(via: Via): void {
    if (rotating.size === 0) return
    const uses: Array<readonly [WechatCredential, CredentialUsed | null]> = [
      ['token', via.token],
      ['encoding_aes_key', via.key],
    ]
    for (const [credential, used] of uses) {
      const said = rotating.get(credential)
      if (said === undefined || used === null) continue
      metrics.countCredentialUse(credential, used)
      if (used !== 'current' || said) continue
      rotating.set(credential, true)
      const [what, setting] =
        credential === 'token'
          ? ['Token', 'wechat.previousToken']
          : ['EncodingAESKey', 'wechat.previousEncodingAESKey']
      log.warn(
        `WeChat has switched to the new ${what}; remove ${envNameOf(setting)} and restart once ` +
          `scandesk_relay_push_credentials_total{credential="${credential}",used="previous"} ` +
          'stops rising (until then it still accepts pushes under the old one)',
        { credential },
      )
    }
  }

  /**
   * A push's store write failed: answered 503 (WeChat retries it) and counted in /metrics every
   * time, but logged once a minute for each cause, with how many went unlogged in between.
   */
  function storeRefused(err: unknown): void {
    opts.health?.writeFailed(err)
    refusedSinceAccepted++
    const cause = storeErrorText(err)
    limited.log(
      log,
      'error',
      'storing push failed',
      { event: 'store_failed', error: errorMessage(err), cause, action: storeErrorAction(cause) },
      `store refused: ${cause}`,
    )
  }

  /** A push's store write succeeded: after refusals, one line says the store takes them again. */
  function storeAccepted(): void {
    opts.health?.writeSucceeded()
    if (refusedSinceAccepted === 0 || limited.take('store accepting') === null) return
    log.info(`store accepting pushes again after ${refusedSinceAccepted} refused`, {
      event: 'store_recovered',
      refused: refusedSinceAccepted,
    })
    refusedSinceAccepted = 0
  }

  /**
   * A line per push would be ~60 GB of log a day at 5,000 pushes a second (and past journald's
   * 10,000 lines in 30 s its warnings are dropped too), so each booth's pushes are logged at most
   * once a minute: its first at once (a test scan shows), then one with the count in between.
   * Booths are the store's, a bounded few; /metrics counts every push.
   */
  function logStored(kioskId: string, seq: number, outcome: PushOutcome, event: string): void {
    limited.log(log, 'info', 'push stored', { kioskId, seq, outcome, event }, `stored: ${kioskId}`)
  }

  /** `detail` names what was wrong (a field's name, never its value: it may be an openid). */
  async function keepUnrouted(e: UnroutedEvent, detail?: string): Promise<PushOutcome> {
    const r = await store.appendUnrouted(e)
    storeAccepted()
    if (r === 'stored') metrics.countUnrouted(e.reason)
    const outcome = r === 'stored' ? 'unrouted' : 'duplicate'
    // Once a minute for each reason and field, as logStored.
    limited.log(
      log,
      'info',
      'push kept as unrouted',
      { reason: e.reason, outcome, detail },
      `unrouted: ${e.reason} ${detail ?? ''}`,
    )
    return outcome
  }

  /**
   * Whether `event` comes after its booth's campaign's last day and so does not count: only
   * with config `stopAfterEndsAt` on (off, every scan of a booth in a campaign counts, as the
   * published contract has it). Judged by the push's CreateTime, as `notCounted` says.
   */
  const ended = (campaign: CampaignRecord | null, event: NewEvent): boolean =>
    opts.config.stopAfterEndsAt &&
    campaign !== null &&
    campaignEnded(campaign.campaign, event.createTime * 1000)

  /**
   * A scan that does not count (relay/scan-rules.ts): kept as unrouted, so nothing accepted is
   * lost, and answered with its own reply, never the campaign's. `reason` says which rule. The
   * end is judged by the push's CreateTime, not its arrival: WeChat's retries of a push sent
   * just before midnight take the way its first try took.
   */
  async function notCounted(
    e: PushEvent,
    q: Query,
    via: Via,
    event: NewEvent,
    reason: 'scene-taken' | 'campaign-ended',
  ): Promise<Answer> {
    const outcome = await keepUnrouted({ ...event, reason })
    const text = reason === 'scene-taken' ? opts.config.reply.taken : opts.config.reply.ended
    const answer = replyFor(e, q, event.event, { subscribe: text, scan: text }, via)
    answer.outcome = outcome
    return answer
  }

  /**
   * A rally booth's scan: the visitor's stamp, a store step of its own beside the append
   * (docs/DESIGN.md "Stamp rally"). That is safe because a stamp is a set add: a `duplicate`
   * append (WeChat's retry, a replay) stamps nothing new and reads the same progress, and a push
   * whose append fails is answered 503, so WeChat's retry makes the two agree.
   */
  function stampOf(campaign: RelayCampaign, kioskId: string, event: NewEvent): Promise<Stamped> {
    return store.stamps.stamp(campaign.id, event.openid, kioskId, campaign.stamps, event.receivedAt)
  }

  const rallyOf = (c: CampaignRecord | null, kioskId: string): CampaignRecord | null =>
    c !== null && c.campaign.stamps.includes(kioskId) ? c : null

  /**
   * The campaign the stored push counts in: the booth's current one (`current`), except for
   * WeChat's retry of a push stored before the booth moved to it, whose reply and stamp stay in
   * the campaign it was stored in (the visitor never scanned in the new one). A read of the
   * cached directory, only for such a retry.
   */
  async function campaignOfRow(
    r: AppendResult,
    current: CampaignRecord | null,
  ): Promise<CampaignRecord | null> {
    if (r.status !== 'duplicate' || r.campaignId === undefined) return current
    if (r.campaignId === (current?.campaign.id ?? null)) return current
    if (r.campaignId === null || opts.campaigns === undefined) return null
    return opts.campaigns.campaign(r.campaignId)
  }

  /**
   * The reply for a stored (or retried) push at `kioskId`: its campaign's, with the rally's
   * progress at a rally booth, stamped now unless `stamped` (what a stamp sent beside the append
   * read: null when it stamped nothing, the push being stored in another campaign) says.
   */
  async function replyOfRow(
    r: AppendResult,
    current: CampaignRecord | null,
    kioskId: string,
    event: NewEvent,
    stamped: Stamped | null = null,
  ): Promise<{ subscribe: string; scan: string } | undefined> {
    const campaign = await campaignOfRow(r, current)
    if (campaign === null) return undefined
    if (rallyOf(campaign, kioskId) === null) return campaign.campaign.reply
    // WeChat's retry of a push whose visitor was erased since (their number is gone): no
    // stamp, or the retry would give the erased visitor a stamp again.
    if (
      stamped === null &&
      r.status === 'duplicate' &&
      (await store.campaigns.checkinOf(campaign.campaign.id, event.openid)) === null
    ) {
      return campaign.campaign.reply
    }
    const stamps = stamped ?? (await stampOf(campaign.campaign, kioskId, event))
    return withProgress(campaign.campaign, stamps)
  }

  /** The campaign's reply with the rally's progress (or completion) on a line of its own. */
  function withProgress(
    campaign: RelayCampaign,
    stamped: Stamped,
  ): { subscribe: string; scan: string } {
    const line = stampLine(campaign, stamped)
    const { subscribe, scan } = campaign.reply
    return { subscribe: stampReply(subscribe, line), scan: stampReply(scan, line) }
  }

  /**
   * A scan for a string scene of a kiosk already known here, on a store that claims and
   * appends in one step (one Redis round trip): the claim, routing check and write together.
   * Null for anything else, which takes the steps of `push` in turn. `p`: the push, parsed.
   */
  async function pushInOneStep(
    q: Query,
    auth: Authentic,
    p: KioskPush | null,
  ): Promise<Answer | null> {
    if (store.appendClaimedEvent === undefined) return null
    const kioskId = p?.fits ? kioskIdOfScene(p.e.scene) : null
    if (p === null || kioskId === null) return null
    const known = opts.campaigns === undefined ? null : opts.campaigns.cachedCampaignOf(kioskId)
    if (known === undefined) return null
    const campaign = await known
    const { event } = p
    // A scan after the campaign's last day stores nothing of the kiosk's: the steps in turn.
    if (ended(campaign, event)) return null
    const claim = { ...auth.claim, ttlMs: claimTtl }
    const r = await store.appendClaimedEvent(claim, kioskId, event, campaign?.campaign.id ?? null)
    if (r.status === 'replayed') return reject(401, 'bad_signature', 'replayed')
    credentialsUsed(auth.via)
    if (r.status === 'taken') return notCounted(p.e, q, auth.via, event, 'scene-taken')
    let outcome: PushOutcome
    if (r.status === 'unknown-kiosk') {
      outcome = await keepUnrouted({ ...event, reason: 'unknown-kiosk' })
    } else {
      storeAccepted()
      outcome = r.status === 'stored' ? 'stored' : 'duplicate'
      logStored(kioskId, r.seq, outcome, event.event)
    }
    // The stamp only once the claim is known good (a replayed query with a forged body must
    // not stamp): one more round trip, for a rally booth's scans alone.
    const reply =
      r.status === 'unknown-kiosk' ? undefined : await replyOfRow(r, campaign, kioskId, event)
    const answer = replyFor(p.e, q, event.event, reply, auth.via)
    answer.outcome = outcome
    return answer
  }

  async function push(q: Query, body: Buffer): Promise<Answer> {
    const auth = authenticate(q, body)
    if (!('xml' in auth)) return auth
    // Parsed once for both ways; a push that does not parse is dealt with after its claim.
    let parsed: { p: KioskPush | null } | { err: unknown }
    try {
      parsed = { p: kioskPush(auth.xml) }
    } catch (err) {
      parsed = { err }
    }
    if ('p' in parsed) {
      const inOne = await pushInOneStep(q, auth, parsed.p)
      if (inOne !== null) return inOne
    }
    const { key, bodyHash } = auth.claim
    if (!(await store.claimSignedQuery(key, bodyHash, opts.now(), claimTtl))) {
      return reject(401, 'bad_signature', 'replayed')
    }
    credentialsUsed(auth.via)
    if ('err' in parsed) {
      const { err } = parsed
      // Authentic but incomplete: kept, and answered as a success so WeChat does not retry.
      if (!isIncomplete(err)) throw err
      const kept = incompletePush(auth.xml, err, opts.now())
      const outcome = await keepUnrouted(kept, err.message)
      return { status: 200, body: SUCCESS, outcome }
    }
    const { p } = parsed
    if (p === null) return { status: 200, body: SUCCESS, outcome: 'ignored' }
    const { e, event, fits } = p
    let outcome: PushOutcome
    const route = await routeScene(store, e.scene)
    let reply: { subscribe: string; scan: string } | undefined
    if (route.kioskId !== null && fits) {
      const kioskId = route.kioskId
      const campaign = (await opts.campaigns?.campaignOf(kioskId)) ?? null
      // WeChat's retry of a push stored before the organizer ended the campaign (or moved the
      // booth to one that has ended) counted: it goes on as a retry, answered in its campaign.
      if (ended(campaign, event) && (await store.storedPush(kioskId, event.id)) === null) {
        return notCounted(e, q, auth.via, event, 'campaign-ended')
      }
      const appended = store.appendEvent(kioskId, event, campaign?.campaign.id ?? null)
      // A store that orders a stamp after the append sent before it (SQLite's group commit)
      // takes both in one step (one fsync), the stamp checked there against the stored push's
      // campaign; any other stamps once the append has answered (replyOfRow).
      const rally = rallyOf(campaign, kioskId)?.campaign
      const stamped =
        rally === undefined || store.stamps.stampStored === undefined
          ? null
          : store.stamps.stampStored(
              event.id,
              rally.id,
              event.openid,
              kioskId,
              rally.stamps,
              event.receivedAt,
            )
      // Both settle before either is trusted: a failed stamp fails the push (503) too.
      const [r, stamps] = await Promise.all([appended, stamped])
      storeAccepted()
      // Another openid's code: nothing stored, so the stamp beside it found no push to stamp.
      if (r.status === 'taken') return notCounted(e, q, auth.via, event, 'scene-taken')
      outcome = r.status === 'stored' ? 'stored' : 'duplicate'
      logStored(kioskId, r.seq, outcome, event.event)
      reply = await replyOfRow(r, campaign, kioskId, event, stamps)
    } else {
      const reason = route.kioskId === null ? route.reason : 'unrepresentable'
      outcome = await keepUnrouted({ ...event, reason })
    }
    const answer = replyFor(e, q, event.event, reply, auth.via)
    answer.outcome = outcome
    return answer
  }

  async function answer(req: IncomingMessage, res: ServerResponse, q: Query): Promise<Answer> {
    // The route table lets only GET, HEAD (a GET without its body) and POST through.
    if (req.method === 'GET' || req.method === 'HEAD') return urlCheck(q)
    let body: Buffer
    try {
      body = await readBody(req, MAX_PUSH_BYTES)
    } catch (err) {
      if (err instanceof BodyTimeoutError) {
        // Not whole within requestTimeoutMs (WeChat gave up at 5 s): no push was received,
        // none is counted, and the rest of the body is not waited for.
        closeAfterResponse(res)
        return { status: 408, body: 'request timeout' }
      }
      if (!(err instanceof BodyTooLargeError)) throw err
      closeAfterResponse(res)
      return reject(413, 'too_large', 'body too large')
    }
    try {
      const { breaker } = opts
      return await (breaker === undefined ? push(q, body) : breaker.run(() => push(q, body)))
    } catch (err) {
      if (err instanceof WechatXmlError) {
        return err.code === 'too_large'
          ? reject(413, 'too_large', 'body too large')
          : reject(400, 'malformed', `malformed push: ${err.code}`)
      }
      if (err instanceof WechatCryptoError) {
        undecryptable(err)
        return reject(400, 'malformed', `bad Encrypt: ${err.code}`)
      }
      storeRefused(err)
      return reject(503, 'store_error', 'store unavailable')
    }
  }

  /**
   * A push whose signature is valid (so WeChat's, under our Token) that does not decrypt: the
   * EncodingAESKey was generated anew in the WeChat admin (or the AppID is another account's),
   * and every encrypted push is refused until the relay has the new one; WeChat gives each up
   * after its retries. The operator's to fix, so a warning naming the setting, once a minute.
   */
  function undecryptable(err: WechatCryptoError): void {
    if (err.code === 'bad_base64') return
    const message =
      err.code === 'appid_mismatch'
        ? 'signed push encrypted for another AppID: SCANDESK_RELAY_WECHAT_APP_ID is not the ' +
          "account's (WeChat admin 基本配置 → 开发者ID); every encrypted push is refused until it is"
        : 'signed push does not decrypt: the EncodingAESKey in the WeChat admin (服务器配置) is not ' +
          'SCANDESK_RELAY_WECHAT_ENCODING_AES_KEY (generated anew there?); set it and restart the ' +
          'relay: every encrypted push is refused until then, and WeChat gives each up after its retries'
    limited.log(
      log,
      'warn',
      message,
      { event: 'push_undecryptable', code: err.code },
      err.code === 'appid_mismatch' ? 'undecryptable: appid' : 'undecryptable: key',
    )
  }

  /**
   * A stale URL check is answered (urlCheck), and a warning is worth one line a minute: one
   * signed check seen once (an access log, plain http) can be replayed at will, and each replay
   * must not be another warn line.
   */
  function staleCheckAnswered(q: Query): void {
    limited.log(
      log,
      'warn',
      'URL check answered; its timestamp is outside the window (is this clock off?)',
      { clockSkewSeconds: clockSkewSeconds(q.timestamp) },
      'stale URL check',
    )
  }

  /**
   * An accepted push signed 30 s or more off this server's clock: fresh by the window, so
   * nothing was refused, but the booths read a push's lateness as its receipt less its
   * CreateTime (docs/DESIGN.md "The kiosk", greeting), and a relay a minute ahead of WeChat
   * would have them greet no one. Once a minute, as the stale check; WeChat's clock, which
   * signed the query, is the reference.
   */
  function clockOffFromWechat(q: Query): void {
    const skew = clockSkewSeconds(q.timestamp)
    if (skew === undefined || Math.abs(skew) < CLOCK_OFF_WARN_SECONDS) return
    limited.log(
      log,
      'warn',
      "push signed with WeChat's clock this far from this server's (clockSkewSeconds): booths " +
        'misjudge late pushes and greet visitors who have gone, or none; turn on time sync',
      { clockSkewSeconds: skew },
      'clock off',
    )
  }

  function clockSkewSeconds(timestamp: string | undefined): number | undefined {
    if (timestamp === undefined || !/^[0-9]{1,12}$/.test(timestamp)) return undefined
    return Number(timestamp) - Math.floor(opts.now() / 1000)
  }

  return async function handlePush(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
  ): Promise<void> {
    const q = queryOf(url.search)
    let a: Answer
    try {
      a = await answer(req, res, q)
    } catch (err) {
      if (err instanceof BodyAbortedError) {
        // The link to WeChat dropped before the body was in: no push was received (none is
        // counted, and none is malformed), nobody is left to answer, and WeChat retries it.
        res.destroy()
        limited.log(
          log,
          'info',
          'push cut off before its body was complete; WeChat retries it',
          {},
          'push cut off',
        )
        return
      }
      log.error('push failed', { error: errorMessage(err) })
      a = { status: 400, body: 'bad request', outcome: 'malformed' }
    }
    if (req.method === 'POST' && a.outcome !== undefined) metrics.countPush(a.outcome)
    if (req.method === 'POST' && a.status === 200) clockOffFromWechat(q)
    if (a.status === 200 && a.outcome === 'stale') {
      staleCheckAnswered(q)
    } else if (a.status >= 400 && a.outcome !== 'store_error') {
      // A store refusal has its own line, once a minute (storeRefused).
      // How far WeChat's clock (the signed timestamp) is from this server's, in seconds.
      const skew = a.outcome === 'stale' ? clockSkewSeconds(q.timestamp) : undefined
      // Anyone can post to /wechat: once a minute for each outcome, as logStored.
      limited.log(
        log,
        'info',
        'push refused',
        {
          event: 'push_refused',
          status: a.status,
          outcome: a.outcome,
          ...(a.outcome !== undefined &&
            REFUSED_ACTION[a.outcome] !== undefined && {
              action: REFUSED_ACTION[a.outcome],
            }),
          ...(skew !== undefined && { clockSkewSeconds: skew }),
        },
        `refused: ${a.status} ${a.outcome ?? ''}`,
      )
    }
    // RFC 9110 15.5.2: a 401 names how to authenticate. WeChat signs the query, so a scheme of
    // our own naming that (never Basic, which would have a browser ask for a password).
    if (a.status === 401) res.setHeader('WWW-Authenticate', WECHAT_SIGNATURE_CHALLENGE)
    sendText(res, a.status, a.body, a.contentType)
  }
}

/**
 * What the on-call developer does about a refused push, where it is theirs to fix: every push
 * refused alike means scans are not arriving; one now and then is someone else posting.
 */
const REFUSED_ACTION: Partial<Record<PushOutcome, string>> = {
  bad_signature:
    "if every push is refused, the Token in the WeChat admin (服务器配置) is not the relay's " +
    'SCANDESK_RELAY_WECHAT_TOKEN: set the same one (scans are not arriving); a few are someone else posting',
  stale:
    "if every push is refused so, this server's clock is clockSkewSeconds off WeChat's: turn on " +
    'time sync (timedatectl set-ntp true); a few are old pushes replayed',
}

/** The challenge on every /wechat 401 (bad or missing signature, stale timestamp, replay). */
export const WECHAT_SIGNATURE_CHALLENGE = 'WeChat-Signature realm="scandesk-wechat"'

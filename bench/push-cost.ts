/**
 * Metric 1: push handling cost, ours against the peer libraries, on identical pre-signed
 * pushes, one thread (so pushes/s here is pushes/s per core), no HTTP and no storage.
 *
 * Ours is the relay's own per-push code (`createPushPipeline` in relay/push-endpoint.ts:
 * signatures, freshness, the replay claim's body hash, decryption, parsing, the event id and
 * frame check, the reply) plus the replay claim and de-duplication by event id against
 * in-memory maps, where the relay asks its store. The peers run their own server/middleware
 * code (bench/push-peers.ts). Contestants take turns in short slices so that load from other
 * processes falls on all of them alike.
 */
import { randomBytes } from 'node:crypto'
import { WechatCipher, msgSignature, plainSignature } from '../shared/wechat'
import { createPushPipeline, queryOf } from '../relay/push-endpoint'
import { loadPeers, type PeerPush } from './push-peers'
import type { Metric, Results } from './result'
import { ratio, round } from './result'

const TOKEN = 'benchToken123'
const APP_ID = 'wxbench0000000001'
const AES_KEY = randomBytes(32).toString('base64').slice(0, 43)
const REPLY = 'Welcome'
const PEER_NAMES = ['node-easywechat', 'wechat'] as const
const GOAL = 3

type Mode = 'plain' | 'safe'
/** Handles one push and returns the response body; throws (or rejects) if it refused it. */
type Contestant = (p: PeerPush) => string | Promise<string>

function scanXml(i: number, ts: number): string {
  return (
    `<xml><ToUserName><![CDATA[gh_bench]]></ToUserName>` +
    `<FromUserName><![CDATA[o-bench-${i % 1000}]]></FromUserName>` +
    `<CreateTime>${ts}</CreateTime><MsgType><![CDATA[event]]></MsgType>` +
    `<Event><![CDATA[SCAN]]></Event><EventKey><![CDATA[k1:${i}]]></EventKey>` +
    `<Ticket><![CDATA[tk-${i}]]></Ticket></xml>`
  )
}

/** Pushes as WeChat signs them: distinct nonces and dedup keys, timestamps of now. */
function makePushes(n: number, mode: Mode, cipher: WechatCipher): PeerPush[] {
  const ts = String(Math.floor(Date.now() / 1000))
  const out: PeerPush[] = []
  for (let i = 0; i < n; i++) {
    const nonce = String(1_000_000 + i)
    const xml = scanXml(i, Number(ts))
    const query: Record<string, string> = {
      signature: plainSignature(TOKEN, ts, nonce),
      timestamp: ts,
      nonce,
    }
    let body = Buffer.from(xml)
    if (mode === 'safe') {
      const encrypt = cipher.encrypt(xml)
      query.encrypt_type = 'aes'
      query.msg_signature = msgSignature(TOKEN, ts, nonce, encrypt)
      body = Buffer.from(
        `<xml><ToUserName><![CDATA[gh_bench]]></ToUserName>` +
          `<Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`,
      )
    }
    const url = `/wechat?${new URLSearchParams(query).toString()}`
    out.push({ url, query, body })
  }
  return out
}

/** The relay's work per push minus HTTP and storage, from the URL it was requested with. */
function ours(mode: Mode): Contestant {
  const pipeline = createPushPipeline({
    config: {
      wechat: {
        apiBase: 'http://wechat.invalid',
        appId: APP_ID,
        appSecret: '',
        token: TOKEN,
        encodingAESKey: mode === 'safe' ? AES_KEY : '',
        mode,
        previousToken: '',
        previousEncodingAESKey: '',
      },
      reply: { subscribe: REPLY, scan: REPLY },
      timestampWindowSeconds: 300,
    },
    now: Date.now,
  })
  const stored = new Set<string>()
  const claims = new Map<string, string>()
  return (p) => {
    // The endpoint's own query parsing; relay/server.ts's routing (`new URL`) is left out,
    // as the peers get their request already routed (and `wechat` its query parsed).
    const q = queryOf(p.url.slice(p.url.indexOf('?')))
    const auth = pipeline.authenticate(q, p.body)
    if (!('xml' in auth)) throw new Error(`refused: ${auth.status} ${auth.body}`)
    // The store's replay claim: a signed query is accepted again only with the same body.
    const seen = claims.get(auth.claim.key)
    if (seen === undefined) claims.set(auth.claim.key, auth.claim.bodyHash)
    else if (seen !== auth.claim.bodyHash) throw new Error('replayed')
    const push = pipeline.kioskPush(auth.xml)
    if (push === null || !push.fits) throw new Error('not a kiosk scan')
    // The store's de-duplication: a retry is answered again but stored once.
    stored.add(push.event.id)
    return pipeline.replyFor(push.e, q, push.event.event, undefined, auth.via).body
  }
}

interface Tally {
  done: number
  /** CPU time of this process (user + system) spent on the slices, in microseconds. */
  cpuUs: number
}

/**
 * Runs a fresh instance over the pushes for about `sliceMs` of wall time, adding to the tally.
 * Fresh, so that within a slice every push is new to our replay guard and store, never a
 * retry of one already seen (a slice handles fewer pushes than there are).
 */
async function slice(make: () => Contestant, pushes: PeerPush[], sliceMs: number, t: Tally) {
  const fn = make()
  const deadline = Date.now() + sliceMs
  const cpu = process.cpuUsage()
  do {
    for (let i = 0; i < 200; i++) await fn(pushes[(t.done + i) % pushes.length]!)
    t.done += 200
  } while (Date.now() < deadline)
  const used = process.cpuUsage(cpu)
  t.cpuUs += used.user + used.system
}

/**
 * Every contestant in turn, `rounds` times: pushes per CPU-second for each. CPU time rather
 * than wall time: on a shared machine a descheduled process loses wall time but not CPU time,
 * and pushes per CPU-second is pushes per second per core. GC threads' time counts too.
 */
async function race(
  contestants: Map<string, () => Contestant>,
  pushes: PeerPush[],
  budgetMs: number,
  rounds: number,
): Promise<Map<string, number>> {
  const tallies = new Map<string, Tally>()
  for (const [name, make] of contestants) {
    const fn = make()
    // Warm-up: the JIT compiles each pipeline before its clock starts, and each reply is
    // checked to be a real answer, not a refusal.
    const reply = await fn(pushes[0]!)
    if (!reply.startsWith('<xml>')) throw new Error(`${name}: unexpected reply ${reply}`)
    for (let i = 0; i < 2000; i++) await fn(pushes[i % pushes.length]!)
    tallies.set(name, { done: 0, cpuUs: 0 })
  }
  const sliceMs = budgetMs / rounds
  for (let r = 0; r < rounds; r++) {
    for (const [name, make] of contestants) {
      await slice(make, pushes, sliceMs, tallies.get(name)!)
    }
  }
  const rates = new Map<string, number>()
  for (const [name, t] of tallies) rates.set(name, t.done / (t.cpuUs / 1e6))
  return rates
}

export async function benchPushCost(quick: boolean): Promise<Results> {
  const cipher = new WechatCipher({ encodingAESKey: AES_KEY, appId: APP_ID })
  const { peers, missing } = await loadPeers()
  const budget = quick ? 1500 : 5000
  const results: Results = {}
  for (const mode of ['plain', 'safe'] as const) {
    const safe = mode === 'safe'
    const pushes = makePushes(quick ? 50_000 : 100_000, mode, cipher)
    const contestants = new Map<string, () => Contestant>([['ours', () => ours(mode)]])
    const cfg = { token: TOKEN, appId: APP_ID, encodingAESKey: AES_KEY, replyText: REPLY }
    for (const peer of peers) contestants.set(peer.name, () => peer.create(cfg, safe))
    const rates = await race(contestants, pushes, budget, quick ? 5 : 10)

    let fastest: [string, number] | null = null
    for (const [name, rate] of rates) {
      if (name !== 'ours' && (fastest === null || rate > fastest[1])) fastest = [name, rate]
    }
    const own = rates.get('ours') ?? NaN
    const r = fastest === null ? null : ratio(own, fastest[1])
    const metric: Metric = {
      value: round(own, 0),
      unit: 'pushes/s/core',
      compare: {
        against: fastest === null ? 'fastest peer' : `${fastest[0]} (fastest peer)`,
        ratio: r,
      },
      goal: `>= ${GOAL}x fastest peer`,
    }
    if (r !== null) metric.met = r >= GOAL
    else metric.note = 'no peer measured'
    results[`push.${mode}.ours`] = metric
    for (const name of PEER_NAMES) {
      const rate = rates.get(name)
      results[`push.${mode}.${name}`] =
        rate === undefined
          ? { value: null, unit: 'pushes/s/core', note: missing[name] ?? 'not measured' }
          : { value: round(rate, 0), unit: 'pushes/s/core' }
    }
  }
  return results
}

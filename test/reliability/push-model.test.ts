// "Nothing accepted is ever lost", as a model: fast-check runs random sequences of WeChat pushes
// (a new visitor, the same visitor again, WeChat's retry of a push already sent, two tries of
// one push at once, a malformed push) mixed with faults (the kiosk's link cut, the kiosk
// offline for a while, an ack lost on the way back, the kiosk restarted on its data folder, the
// relay restarted on its store or stopped for a while, the booth moved to another campaign)
// against a real relay (SQLite, then Redis), a kiosk core, and a TCP proxy between them. The
// model is what WeChat was told: after each run, once everything settles, every push answered
// 200 is in the kiosk's attendance once and in the relay's consolidated attendance once, in the
// campaign the booth ran when it was first answered 200, with the same check-in number on both
// sides (one per visitor and campaign); a push never answered 200 is in neither; and the
// kiosk's cursor is the relay's epoch and head. Between steps nothing unanswered or doubled is
// at the kiosk. Seeds are fixed, so a failure replays; MODEL_SEED, MODEL_RUNS and MODEL_MAX
// (commands per run) explore further, MODEL_TRACE=1 prints the relay's log.
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { MemoryVault } from '../../electron/core/config/vault'
import type { KioskCore } from '../../electron/core/kiosk-core'
import { startRelay, type RelayHandle } from '../../relay/server'
import type { ExportRow } from '../../relay/store/attendance'
import { startSandbox, type Sandbox } from '../../sandbox/server'
import { newNonce, sealPush } from '../../sandbox/push-sender'
import { buildEventXml } from '../../sandbox/push-xml'
import { WechatCipher } from '../../shared/wechat'
import { lineLogger } from '../../shared/server/log'
import { rawHttp } from '../helpers/raw-http'
import { startRedis, type TestRedis } from '../helpers/redis'
import {
  cleanup,
  onCleanup,
  provisionDir,
  startCore,
  startCutProxy,
  tempDir,
  testCampaign,
  waitFor,
} from '../kiosk/helpers'
import type { ConsoleClient } from '../relay/console-helpers'
import { assign, createCampaign, signIn } from '../relay/campaign-helpers'

afterEach(cleanup)

const KIOSK = 'booth-1'

/** One push as WeChat built it: every try carries the same XML (same FromUserName + CreateTime). */
interface Sent {
  openid: string
  createTime: number
  xml: string
  /** The booth's campaign when a try was first answered 200; undefined: never answered 200. */
  acceptedIn?: string
}

interface Model {
  sent: Sent[]
  /** Pushes refused as malformed (their openids are never used again). */
  refused: string[]
  visitors: string[]
  campaign: string
  offline: boolean
  /** The relay stopped (WeChat's tries find nothing listening) until RelayStart. */
  relayDown: boolean
}

interface Real {
  sandbox: Sandbox
  relay: RelayHandle
  /** The relay's address, the same across restarts. */
  relayUrl: string
  stopRelay: () => Promise<void>
  startRelay: () => Promise<void>
  proxy: Awaited<ReturnType<typeof startCutProxy>>
  core: KioskCore
  restartKiosk: () => Promise<void>
  console: ConsoleClient
  campaigns: [string, string]
  scene: string
  ticket: string
  clock: { createTime: number; openids: number }
}

type Cmd = fc.AsyncCommand<Model, Real>

/** How a malformed push is broken; compat mode, so the body's <Encrypt> is signed. */
const DAMAGES = ['signature', 'stale', 'body', 'not-xml', 'truncated'] as const

/** Sends one try of `xml`, freshly signed as WeChat signs each try; the status it got. */
async function pushTry(
  r: Real,
  openid: string,
  xml: string,
  damage: 'none' | (typeof DAMAGES)[number] = 'none',
): Promise<number> {
  const creds = r.sandbox.credentials()
  const cipher = new WechatCipher({ encodingAESKey: creds.encodingAESKey, appId: creds.appId })
  const age = damage === 'stale' ? 3600 : 0
  const push = sealPush(
    { token: creds.token, mode: creds.mode, cipher },
    { xml, toUserName: r.sandbox.options.originalId, openid },
    { timestamp: String(Math.floor(Date.now() / 1000) - age), nonce: newNonce() },
  )
  let body = push.body
  if (damage === 'signature') {
    const s = push.query.signature ?? ''
    push.query.signature = `${s.slice(0, -1)}${s.endsWith('0') ? '1' : '0'}`
  }
  if (damage === 'body') body = body.replace(/<Encrypt><!\[CDATA\[(.)/, '<Encrypt><![CDATA[$1A')
  if (damage === 'not-xml') body = 'not xml at all'
  if (damage === 'truncated') body = body.slice(0, Math.floor(body.length / 2))
  const url = new URL(`${r.relayUrl}/wechat`)
  for (const [k, v] of Object.entries(push.query)) url.searchParams.set(k, v)
  // A connection of its own, as each of WeChat's tries: a kept-alive one from before a relay
  // restart could be found closed only once the push is on it (an answer that never came).
  const res = await rawHttp(url.toString(), {
    method: 'POST',
    headers: { 'content-type': 'text/xml' },
    body,
    agent: false,
  }).catch(() => null)
  // -1: no answer (nothing listening), which WeChat takes as a failed try.
  return res?.status ?? -1
}

/** What a valid push's try must get: 200 from a running relay, no answer from a stopped one. */
function expectAnswer(m: Model, status: number): void {
  expect(status, m.relayDown ? 'a try while the relay is stopped' : 'a valid push').toBe(
    m.relayDown ? -1 : 200,
  )
}

function scanXml(r: Real, openid: string, createTime: number, first: boolean): string {
  return buildEventXml({
    toUserName: r.sandbox.options.originalId,
    fromUserName: openid,
    createTime,
    event: first ? 'subscribe' : 'SCAN',
    eventKey: first ? `qrscene_${r.scene}` : r.scene,
    ticket: r.ticket,
  })
}

interface KioskRow {
  event_id: string
  openid: string
  create_time: number
  campaign_id: string
  check_in_number: number
}

function kioskRows(core: KioskCore): KioskRow[] {
  return core.db
    .prepare<[], KioskRow>(
      'SELECT event_id, openid, create_time, campaign_id, check_in_number FROM attendance ORDER BY id',
    )
    .all()
}

function kioskCursor(core: KioskCore): { epoch: string; lastSeq: number } | null {
  const row = core.db
    .prepare<[string], { value: string }>('SELECT value FROM meta WHERE key LIKE ?')
    .get('relay.cursor:%')
  if (!row) return null
  const [epoch = '', seq = '0'] = row.value.split('\n')
  return { epoch, lastSeq: Number(seq) }
}

const keyOf = (openid: string, createTime: number): string => `${openid}@${createTime}`

/** What holds after every step, settled or not: nothing unaccepted, nothing twice. */
function checkSoFar(m: Model, r: Real): void {
  const rows = kioskRows(r.core)
  const accepted = new Set(
    m.sent.filter((s) => s.acceptedIn !== undefined).map((s) => keyOf(s.openid, s.createTime)),
  )
  const keys = rows.map((x) => keyOf(x.openid, x.create_time))
  expect(new Set(keys).size, 'a scan recorded twice at the kiosk').toBe(keys.length)
  for (const k of keys) expect(accepted.has(k), `kiosk holds ${k}, never answered 200`).toBe(true)
}

// ---- Pushes ----

/** A scan never sent before, in the model (`first`: a new visitor's, a new openid). */
function newScan(m: Model, r: Real, first: boolean, openid = `o_v${r.clock.openids++}`): Sent {
  const createTime = r.clock.createTime++
  const s: Sent = { openid, createTime, xml: scanXml(r, openid, createTime, first) }
  m.sent.push(s)
  if (first) m.visitors.push(openid)
  return s
}

/** One try of `s`: the answer is what the model expects, and a 200 counts it where it landed. */
async function tryOnce(m: Model, r: Real, s: Sent): Promise<void> {
  const status = await pushTry(r, s.openid, s.xml)
  expectAnswer(m, status)
  if (status === 200) s.acceptedIn ??= m.campaign
  checkSoFar(m, r)
}

class NewVisitor implements Cmd {
  check = () => true
  toString = () => 'NewVisitor'
  async run(m: Model, r: Real): Promise<void> {
    await tryOnce(m, r, newScan(m, r, true))
  }
}

class SameVisitorAgain implements Cmd {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>) => m.visitors.length > 0
  toString = () => `SameVisitorAgain(${this.pick})`
  async run(m: Model, r: Real): Promise<void> {
    await tryOnce(m, r, newScan(m, r, false, m.visitors[this.pick % m.visitors.length] ?? ''))
  }
}

/** WeChat's retry: the same XML (same MsgId) signed afresh, answered 200 and counted once. */
class Retry implements Cmd {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>) => m.sent.length > 0
  toString = () => `Retry(${this.pick})`
  async run(m: Model, r: Real): Promise<void> {
    const s = m.sent[this.pick % m.sent.length]
    if (s === undefined) throw new Error('no push to retry')
    await tryOnce(m, r, s)
  }
}

/**
 * Two tries of one push at once (WeChat's retry sent while the first try is still being
 * stored): both answered 200, stored once.
 */
class OverlappingTries implements Cmd {
  check = (m: Readonly<Model>) => !m.relayDown
  toString = () => 'OverlappingTries'
  async run(m: Model, r: Real): Promise<void> {
    const s = newScan(m, r, true)
    const statuses = await Promise.all([pushTry(r, s.openid, s.xml), pushTry(r, s.openid, s.xml)])
    expect(statuses).toEqual([200, 200])
    s.acceptedIn = m.campaign
    checkSoFar(m, r)
  }
}

class Malformed implements Cmd {
  constructor(readonly damage: (typeof DAMAGES)[number]) {}
  check = () => true
  toString = () => `Malformed(${this.damage})`
  async run(m: Model, r: Real): Promise<void> {
    const openid = `o_bad${r.clock.openids++}`
    const xml = scanXml(r, openid, r.clock.createTime++, true)
    const status = await pushTry(r, openid, xml, this.damage)
    if (m.relayDown) expect(status).toBe(-1)
    else {
      expect(status, `a push with a bad ${this.damage}`).toBeGreaterThanOrEqual(400)
      expect(status).toBeLessThan(500)
    }
    m.refused.push(openid)
    checkSoFar(m, r)
  }
}

// ---- Faults ----

class LinkDrop implements Cmd {
  check = (m: Readonly<Model>) => !m.offline
  toString = () => 'LinkDrop'
  async run(m: Model, r: Real): Promise<void> {
    r.proxy.cut()
    // Noticed before the network is back (it cannot reconnect meanwhile), so a later step that
    // waits for 'connected' sees a new link, not the state of the cut one.
    await waitFor(() => r.core.status().relay.state !== 'connected', 'the cut noticed')
    r.proxy.restore()
    checkSoFar(m, r)
  }
}

class GoOffline implements Cmd {
  check = (m: Readonly<Model>) => !m.offline
  toString = () => 'GoOffline'
  async run(m: Model, r: Real): Promise<void> {
    r.proxy.cut()
    m.offline = true
    await waitFor(() => r.core.status().relay.state !== 'connected', 'the cut noticed')
  }
}

class BackOnline implements Cmd {
  check = (m: Readonly<Model>) => m.offline
  toString = () => 'BackOnline'
  async run(m: Model, r: Real): Promise<void> {
    r.proxy.restore()
    m.offline = false
    if (!m.relayDown) {
      await waitFor(() => r.core.status().relay.state === 'connected', 'the link back', 20_000)
    }
    checkSoFar(m, r)
  }
}

/**
 * A push delivered and stored at the kiosk whose ack never reaches the relay: the kiosk's
 * bytes are dropped from before the push until the link is cut.
 */
class AckLost implements Cmd {
  check = (m: Readonly<Model>) => !m.offline && !m.relayDown
  toString = () => 'AckLost'
  async run(m: Model, r: Real): Promise<void> {
    await waitFor(() => r.core.status().relay.state === 'connected', 'the link', 20_000)
    const head = (await r.relay.store.getKiosk(KIOSK))?.headSeq ?? 0
    // Whatever the kiosk still owes the relay is in first, so the one held back is this push's.
    await waitFor(
      async () => (await r.relay.store.getKiosk(KIOSK))?.ackedSeq === head,
      'the earlier acks',
      20_000,
    )
    r.proxy.holdUp(true)
    const s = newScan(m, r, true)
    const openid = s.openid
    const status = await pushTry(r, openid, s.xml)
    expect(status).toBe(200)
    s.acceptedIn = m.campaign
    await waitFor(
      () => kioskRows(r.core).some((x) => x.openid === openid),
      'the frame at the kiosk',
      20_000,
    )
    expect((await r.relay.store.getKiosk(KIOSK))?.ackedSeq).toBe(head)
    r.proxy.cut()
    await waitFor(() => r.core.status().relay.state !== 'connected', 'the cut noticed')
    r.proxy.restore()
    checkSoFar(m, r)
  }
}

class KioskRestart implements Cmd {
  check = () => true
  toString = () => 'KioskRestart'
  async run(m: Model, r: Real): Promise<void> {
    await r.restartKiosk()
    checkSoFar(m, r)
  }
}

class RelayRestart implements Cmd {
  check = (m: Readonly<Model>) => !m.relayDown
  toString = () => 'RelayRestart'
  async run(m: Model, r: Real): Promise<void> {
    await r.stopRelay()
    await r.startRelay()
    checkSoFar(m, r)
  }
}

/**
 * A push arriving while the relay restarts: answered 200 (stored before the drain ended), or
 * refused with an answer (503: not stored, WeChat will try again later; Retry may pick it), or
 * left without one, which WeChat retries at once here once the relay is back.
 */
class PushDuringRestart implements Cmd {
  /** Event-loop turns between sending the push and closing the relay: where it finds it. */
  constructor(readonly turns: number) {}
  check = (m: Readonly<Model>) => !m.relayDown
  toString = () => `PushDuringRestart(${this.turns})`
  async run(m: Model, r: Real): Promise<void> {
    const s = newScan(m, r, true)
    const openid = s.openid
    const stopped = async (): Promise<void> => {
      for (let i = 0; i < this.turns; i++) await new Promise((resolve) => setImmediate(resolve))
      await r.stopRelay()
    }
    const [status] = await Promise.all([pushTry(r, openid, s.xml), stopped()])
    if (status === 200) s.acceptedIn = m.campaign
    else expect([-1, 503]).toContain(status)
    await r.startRelay()
    if (status === -1) {
      expect(await pushTry(r, openid, s.xml), "WeChat's next try").toBe(200)
      s.acceptedIn = m.campaign
    }
    checkSoFar(m, r)
  }
}

/** The relay stopped for a while (its supervisor slow to bring it back): see RelayStart. */
class RelayStop implements Cmd {
  check = (m: Readonly<Model>) => !m.relayDown
  toString = () => 'RelayStop'
  async run(m: Model, r: Real): Promise<void> {
    await r.stopRelay()
    m.relayDown = true
    checkSoFar(m, r)
  }
}

class RelayStart implements Cmd {
  check = (m: Readonly<Model>) => m.relayDown
  toString = () => 'RelayStart'
  async run(m: Model, r: Real): Promise<void> {
    await r.startRelay()
    m.relayDown = false
    checkSoFar(m, r)
  }
}

class CampaignChange implements Cmd {
  check = (m: Readonly<Model>) => !m.relayDown
  toString = () => 'CampaignChange'
  async run(m: Model, r: Real): Promise<void> {
    const next = m.campaign === r.campaigns[0] ? r.campaigns[1] : r.campaigns[0]
    // The console's fetch keeps its connection alive: after a relay restart the first call may
    // find it closed only once the request is on it, which a browser retries (an idempotent
    // PUT); so does this.
    await assign(r.console, KIOSK, next).catch((err: unknown) => {
      if (err instanceof TypeError) return assign(r.console, KIOSK, next)
      throw err
    })
    m.campaign = next
    checkSoFar(m, r)
  }
}

const commands = [
  fc.constant(new NewVisitor()),
  fc.constant(new NewVisitor()),
  fc.nat(50).map((n) => new SameVisitorAgain(n)),
  fc.nat(50).map((n) => new Retry(n)),
  fc.constantFrom(...DAMAGES).map((d) => new Malformed(d)),
  fc.constant(new LinkDrop()),
  fc.constant(new GoOffline()),
  fc.constant(new BackOnline()),
  fc.constant(new AckLost()),
  fc.constant(new KioskRestart()),
  fc.constant(new RelayRestart()),
  fc.constant(new RelayStop()),
  fc.nat(12).map((n) => new PushDuringRestart(n)),
  fc.constant(new RelayStart()),
  fc.constant(new OverlappingTries()),
  fc.constant(new CampaignChange()),
]

/** MODEL_TRACE=1 prints the relay's log, to follow a failing case. */
const trace =
  process.env.MODEL_TRACE === '1'
    ? { log: lineLogger((line) => process.stderr.write(`relay: ${line}`)) }
    : {}

/** A sandbox, a relay on SQLite or Redis (same folder and port on a restart), a proxy, a kiosk. */
async function setUp(
  sandbox: Sandbox,
  redisUrl: string | null,
): Promise<{ model: Model; real: Real }> {
  const data = join(tempDir(), 'relay')
  // Each run its own keys on the file's Redis, kept across the relay's restarts.
  const redisPrefix = `model-${randomUUID()}:`
  let port = 0
  let relay: RelayHandle | null = null
  const start = async (): Promise<RelayHandle> => {
    const h = await startRelay(
      { port, host: '127.0.0.1', data, redis: redisUrl, wechat: sandbox.credentials() },
      { shutdownGraceMs: 200, storePollMs: 50, redisPrefix, ...trace },
    )
    port = h.port
    return h
  }
  relay = await start()
  onCleanup(() => relay?.close())
  const proxy = await startCutProxy(relay.url)
  const c = await signIn(relay)
  const a = await createCampaign(c, { startsAt: null, endsAt: null })
  const b = await createCampaign(c, { name: '秋季展', startsAt: null, endsAt: null })
  const token = await relay.addKiosk(KIOSK)
  await assign(c, KIOSK, a.id)

  const dataDir = tempDir()
  const vault = new MemoryVault()
  provisionDir(dataDir, vault, {
    relayUrl: proxy.url,
    kioskId: KIOSK,
    token,
    campaign: testCampaign(),
  })
  let core = startCore(dataDir, vault)
  await waitFor(() => core.status().relay.state === 'connected', 'link', 20_000)
  const shown = await waitFor(() => core.pool.current() ?? undefined, 'a code', 20_000)
  const code = core.db
    .prepare<[string], { scene: string; ticket: string }>(
      'SELECT scene, ticket FROM tickets WHERE url = ?',
    )
    .get(shown.url)
  if (!code) throw new Error('the shown code is not in the kiosk tickets table')

  const real: Real = {
    sandbox,
    get relay(): RelayHandle {
      if (relay === null) throw new Error('relay down')
      return relay
    },
    relayUrl: relay.url,
    stopRelay: async () => {
      await relay?.close()
      relay = null
      // Noticed while the relay is down (it cannot reconnect meanwhile): see LinkDrop.
      await waitFor(() => core.status().relay.state !== 'connected', 'the relay gone')
    },
    startRelay: async () => {
      relay = await start()
    },
    proxy,
    get core(): KioskCore {
      return core
    },
    restartKiosk: async () => {
      await core.stop()
      core = startCore(dataDir, vault)
    },
    console: c,
    campaigns: [a.id, b.id],
    scene: code.scene,
    ticket: code.ticket,
    clock: { createTime: Math.floor(Date.now() / 1000) - 100_000, openids: 0 },
  }
  const model: Model = {
    sent: [],
    refused: [],
    visitors: [],
    campaign: a.id,
    offline: false,
    relayDown: false,
  }
  return { model, real }
}

async function relayRows(relay: RelayHandle): Promise<ExportRow[]> {
  await relay.store.attendance.settled()
  const all: ExportRow[] = []
  for await (const page of relay.store.attendance.rows({ kioskIds: null }, 500)) all.push(...page)
  return all
}

/** Everything settled: the link up, the kiosk caught up and every scan acknowledged. */
async function checkSettled(m: Model, r: Real): Promise<void> {
  if (m.relayDown) await r.startRelay()
  r.proxy.restore()
  await waitFor(() => r.core.status().relay.state === 'connected', 'the link at the end', 20_000)
  const accepted = m.sent.filter((s) => s.acceptedIn !== undefined)
  await waitFor(async () => {
    const k = await r.relay.store.getKiosk(KIOSK)
    const cursor = kioskCursor(r.core)
    return (
      k !== null &&
      k.ackedSeq === k.headSeq &&
      cursor?.lastSeq === k.headSeq &&
      kioskRows(r.core).length >= accepted.length
    )
  }, 'the kiosk caught up and acknowledged')

  const kiosk = kioskRows(r.core)
  const relay = (await relayRows(r.relay)).filter((x) => x.kioskId === KIOSK)
  const want = accepted.map((s) => `${keyOf(s.openid, s.createTime)} in ${s.acceptedIn}`).sort()
  expect(kiosk.map((x) => `${keyOf(x.openid, x.create_time)} in ${x.campaign_id}`).sort()).toEqual(
    want,
  )
  expect(relay.map((x) => `${keyOf(x.openid, x.createTime)} in ${x.campaignId}`).sort()).toEqual(
    want,
  )
  // The same numbers on both sides, and one event id per scan.
  const relayNumber = new Map(relay.map((x) => [x.id, x.number]))
  for (const x of kiosk) expect(relayNumber.get(x.event_id), x.event_id).toBe(x.check_in_number)
  expect(new Set(kiosk.map((x) => x.event_id)).size).toBe(kiosk.length)
  // A visitor has one number per campaign.
  const numbers = new Map<string, number>()
  for (const x of kiosk) {
    const k = `${x.campaign_id}/${x.openid}`
    expect(numbers.get(k) ?? x.check_in_number, k).toBe(x.check_in_number)
    numbers.set(k, x.check_in_number)
  }
  for (const bad of m.refused) expect(kiosk.some((x) => x.openid === bad)).toBe(false)

  const k = await r.relay.store.getKiosk(KIOSK)
  expect(k?.headSeq).toBe(accepted.length)
  const q = await r.relay.store.queueState(KIOSK)
  expect(kioskCursor(r.core)).toEqual({ epoch: q?.epoch, lastSeq: k?.headSeq })
}

/**
 * Runs the property on `redisUrl` (null: SQLite). MODEL_SEED and MODEL_RUNS replay or widen it
 * (the suite's are fixed).
 */
async function property(redisUrl: string | null, seed: number, numRuns: number): Promise<void> {
  const sandbox = await startSandbox({ port: 0, mode: 'compat' })
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.commands(commands, { maxCommands: Number(process.env.MODEL_MAX ?? 25) }),
        async (cmds) => {
          try {
            const { model, real } = await setUp(sandbox, redisUrl)
            await fc.asyncModelRun(() => ({ model, real }), cmds)
            await checkSettled(model, real)
          } finally {
            await cleanup()
          }
        },
      ),
      {
        seed: Number(process.env.MODEL_SEED ?? seed),
        numRuns: Number(process.env.MODEL_RUNS ?? numRuns),
      },
    )
  } finally {
    await sandbox.close()
  }
}

describe('push → relay → kiosk, as a model', () => {
  let redis: TestRedis | null = null
  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(() => redis?.stop())

  it('every push answered 200 is recorded once on both sides, in its campaign (SQLite)', async () => {
    await property(null, 20261206, 25)
  }, 300_000)

  it('the same on Redis', async () => {
    if (redis === null) throw new Error('no Redis')
    await property(redis.url, 20261207, 15)
  }, 300_000)
})

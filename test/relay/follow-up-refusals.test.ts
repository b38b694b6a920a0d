/**
 * Account-wide refusals of the follow-up's WeChat calls, against the sandbox through a client
 * that answers chosen endpoints with an errcode: a batchtagging call refused for the account
 * (48001, the API not authorized) is not split in halves as if one visitor were the cause; a
 * text refused for its token (40001) is not given up when getting a new token then fails; a
 * text WeChat failed (HTTP 5xx) until its window closed is reported as such, not as late.
 */
import { describe, expect, it } from 'vitest'
import { jsonLogger, type Logger } from '../../relay/log'
import type { Sandbox } from '../../sandbox/server'
import {
  MemoryTokenStore,
  WechatApiError,
  WechatClient,
  WechatHttpError,
  type WechatClientOptions,
} from '../../shared/wechat'
import { assign, createCampaign, relayTestBed, signIn } from './campaign-helpers'
import { startOn } from './console-helpers'
import {
  boothCodes,
  extraWorker,
  followUpSandbox,
  report,
  sandboxClient,
  scanAll,
  textsPerVisitor,
  visitors,
  waitFor,
  wechatOf,
} from './follow-up-helpers'
import type { Backend } from './harness'
import { relaySample } from '../helpers/prometheus'

const bed = relayTestBed()
const FAST = { tickMs: 50, backoffMs: 100, maxBackoffMs: 400 }

/** The sandbox's client, but `path` answers `errcode` (and is counted) while `refusing`. */
class RefusingClient extends WechatClient {
  calls = 0
  /** The calls to each refused path. */
  readonly callsTo: Record<string, number> = {}
  refusing = true
  private readonly paths: ReadonlySet<string>
  constructor(
    sandbox: Sandbox,
    path: string | readonly string[],
    private readonly errcode: number,
    options: Partial<WechatClientOptions> = {},
  ) {
    const o = sandbox.options
    super({ appId: o.appId, appSecret: o.appSecret, apiBase: sandbox.url, ...options })
    this.paths = new Set(typeof path === 'string' ? [path] : path)
  }

  override async callApi(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    if (this.paths.has(path)) {
      this.calls++
      this.callsTo[path] = (this.callsTo[path] ?? 0) + 1
      if (this.refusing) throw this.refusal(path)
    }
    return super.callApi(method, path, body)
  }

  protected refusal(path: string): Error {
    return new WechatApiError(this.errcode, 'refused', path)
  }
}

/** The same, but `path` is answered HTTP 503 by a gateway in front of WeChat (no errcode). */
class FailingGatewayClient extends RefusingClient {
  protected override refusal(path: string): Error {
    return new WechatHttpError('http', `${path} answered HTTP 503`, { status: 503, endpoint: path })
  }
}

async function boothWith(
  campaignFields: { tag?: string; followUp?: string },
  client: WechatClient,
  sandbox: Sandbox,
  o: {
    now?: () => number
    log?: Logger
    backend?: Backend
    /** false: the relay runs no worker of its own (the test drives one, round by round). */
    relayWorker?: boolean
  } = {},
) {
  const { now = Date.now, log, backend = 'sqlite', relayWorker = true } = o
  const relay = await startOn(
    bed.placeFor(backend),
    { followUp: { ...FAST, client }, now, ...(log && { log }) },
    { wechat: wechatOf(sandbox, relayWorker), followUp: { batchWindowMs: 2000 } },
  )
  bed.cleanups.push(() => relay.close())
  sandbox.setPushUrl(`${relay.url}/wechat`)
  const c = await signIn(relay)
  const campaign = await createCampaign(c, campaignFields)
  await relay.addKiosk('booth-a')
  await assign(c, 'booth-a', campaign.id)
  return { c, campaign, relay, codes: await boothCodes(sandbox, ['booth-a']) }
}

describe('follow-up refused by WeChat for the whole account', () => {
  it('a batchtagging call refused with 48001 is not split visitor by visitor', async () => {
    const sandbox = await followUpSandbox()
    bed.cleanups.push(() => sandbox.close())
    const client = new RefusingClient(sandbox, 'cgi-bin/tags/members/batchtagging', 48001)
    const { c, campaign, codes, relay } = await boothWith({ tag: 'expo' }, client, sandbox)
    const openids = visitors(16)
    await scanAll(sandbox, codes, openids)
    await waitFor('all failed', async () => (await report(c, campaign.id)).counts.failed === 16)
    // One call for the batch: 48001 concerns the account, not one of the 16 (halving until
    // each visitor is alone made 31 calls, 99 for a full batch of 50).
    expect(client.calls).toBe(1)
    const r = await report(c, campaign.id)
    expect(r.failures).toHaveLength(16)
    expect(r.failures.every((f) => f.what === 'tag' && f.errcode === 48001)).toBe(true)
    // The operator sees the account's refusal on /metrics, not only in the console's report.
    expect(
      await relaySample(relay.url, 'follow_up_failures_total', {
        call: 'tag',
        class: 'permanent',
      }),
    ).toBe(1)
  })
  it('messages WeChat kept refusing with 45009 until their window closed say so in the report', async () => {
    const sandbox = await followUpSandbox()
    bed.cleanups.push(() => sandbox.close())
    const client = new RefusingClient(sandbox, 'cgi-bin/message/custom/send', 45009)
    const clock = { shift: 0 }
    const now = () => Date.now() + clock.shift
    const lines: string[] = []
    const log = jsonLogger((l) => lines.push(l))
    const { c, campaign, codes } = await boothWith({ followUp: '谢谢' }, client, sandbox, {
      now,
      log,
    })
    await scanAll(sandbox, codes, visitors(3), 1)
    // Retried with backoff while the quota lasts.
    await waitFor('retried', () => client.calls >= 6)
    // The on-call developer is warned that texts are not going out, and where to look.
    const paused = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.event === 'follow_up_paused')
    expect(paused.length).toBeGreaterThanOrEqual(1)
    expect(paused[0]).toMatchObject({ level: 'warn', what: 'message', errcode: 45009 })
    expect(String(paused[0]?.action)).toContain('follow-up report')
    expect((await report(c, campaign.id)).counts).toMatchObject({ messagePending: 3, sent: 0 })
    // Two minutes on: the scans' window has closed with every call refused.
    clock.shift = 120_000
    await waitFor('given up', async () => (await report(c, campaign.id)).counts.outsideWindow === 3)
    const r = await report(c, campaign.id)
    expect(r.failures).toHaveLength(3)
    for (const f of r.failures) {
      // Not "processed after the window": it was processed in time, and WeChat refused it.
      expect(f).toMatchObject({ what: 'message', state: 'outside-window', errcode: 45009 })
      expect(f.reason).toContain('45009')
      expect(f.reason).not.toContain('processed after')
    }
  })
})

describe.each(['sqlite', 'redis'] as const)('WeChat out of call quota (45009) on %s', (backend) => {
  const paths = ['cgi-bin/tags/members/batchtagging', 'cgi-bin/message/custom/send']
  /**
   * 400 visitors scanned, tags and texts refused with 45009, and the one instance's worker,
   * driven round by round on a clock that moves only when the test says; one round run. The
   * 400 scans take over 30 s beside a CPU hog on 2 cores: the tests using it allow 120 s.
   */
  async function refusedRound() {
    const sandbox = await followUpSandbox()
    bed.cleanups.push(() => sandbox.close())
    const client = new RefusingClient(sandbox, paths, 45009)
    const fields = { tag: 'expo', followUp: '谢谢' }
    const { c, campaign, codes, relay } = await boothWith(fields, client, sandbox, {
      backend,
      relayWorker: false,
    })
    await scanAll(sandbox, codes, visitors(400))
    const clock = { t: Date.now() }
    const worker = extraWorker(relay.store, client, { ...FAST, now: () => clock.t })
    await worker.round()
    return { sandbox, client, c, campaign, clock, worker }
  }

  it('a big follow-up pauses its calls after a refusal instead of trying every visitor', async () => {
    const { sandbox, client, c, campaign, clock, worker } = await refusedRound()
    const first = { ...client.callsTo }
    // One refusal says the account's quota is spent: the calls already in flight end, no
    // other visitor is tried (trying each of 400 in turn, every round, was 8 tagging calls and
    // 200 texts a round, all refused).
    expect(first[paths[0] ?? '']).toBe(1)
    expect(first[paths[1] ?? '']).toBeLessThanOrEqual(4)
    for (let i = 0; i < 5; i++) await worker.round()
    expect(client.callsTo).toEqual(first)
    // Nothing is lost meanwhile: every visitor is still due, none reported failed.
    expect((await report(c, campaign.id)).counts).toMatchObject({
      pending: 400,
      failed: 0,
      messagePending: 400,
      messageFailed: 0,
    })
    // The pause over, one more try each (still refused: paused again)...
    clock.t += FAST.maxBackoffMs * 2
    await worker.round()
    expect(client.callsTo[paths[0] ?? '']).toBe(2)
    expect(client.callsTo[paths[1] ?? '']).toBeLessThanOrEqual(2 * 4)
    // ...and once WeChat takes them again, every visitor is tagged and messaged once.
    client.refusing = false
    for (let i = 0; i < 50; i++) {
      clock.t += FAST.maxBackoffMs * 2
      await worker.round()
      const { counts } = await report(c, campaign.id)
      if (counts.tagged === 400 && counts.sent === 400) break
    }
    expect((await report(c, campaign.id)).counts).toMatchObject({ tagged: 400, sent: 400 })
    expect([...textsPerVisitor(sandbox).values()].every((n) => n === 1)).toBe(true)
    expect(textsPerVisitor(sandbox).size).toBe(400)
  }, 120_000)

  it('texts held back by the refusal until their window closed give it as the reason', async () => {
    const { c, campaign, clock, worker } = await refusedRound()
    // Two minutes on, WeChat never having taken a text: every window has closed.
    clock.t += 120_000
    // A round reads 200 due texts: a few rounds reach them all.
    for (let i = 0; i < 10; i++) {
      await worker.round()
      if ((await report(c, campaign.id)).counts.messagePending === 0) break
    }
    const r = await report(c, campaign.id)
    expect(r.counts).toMatchObject({ outsideWindow: 400, messagePending: 0, sent: 0 })
    const texts = r.failures.filter((f) => f.what === 'message')
    expect(texts.length).toBeGreaterThan(100)
    // Not "processed after the window" for those never tried: the quota held them.
    for (const f of texts) expect(f).toMatchObject({ state: 'outside-window', errcode: 45009 })
  }, 120_000)
})

describe.each(['sqlite', 'redis'] as const)('WeChat failing (HTTP 5xx) on %s', (backend) => {
  it('texts it failed until their window closed say WeChat failed, not that the relay was late', async () => {
    const sandbox = await followUpSandbox()
    bed.cleanups.push(() => sandbox.close())
    const client = new FailingGatewayClient(sandbox, 'cgi-bin/message/custom/send', 0)
    const { c, campaign, codes, relay } = await boothWith({ followUp: '谢谢' }, client, sandbox, {
      backend,
      relayWorker: false,
    })
    await scanAll(sandbox, codes, visitors(30))
    const clock = { t: Date.now() }
    const worker = extraWorker(relay.store, client, { ...FAST, now: () => clock.t })
    // Tried in time, answered 503: retried later, held back meanwhile.
    await worker.round()
    expect(client.calls).toBeGreaterThan(0)
    expect((await report(c, campaign.id)).counts).toMatchObject({ messagePending: 30, sent: 0 })
    // Two minutes on, WeChat never having taken a text: every window has closed.
    clock.t += 120_000
    for (let i = 0; i < 10; i++) {
      await worker.round()
      if ((await report(c, campaign.id)).counts.messagePending === 0) break
    }
    const r = await report(c, campaign.id)
    expect(r.counts).toMatchObject({ outsideWindow: 30, messagePending: 0, sent: 0 })
    expect(r.failures).toHaveLength(30)
    for (const f of r.failures) {
      // Those tried and those held back alike: WeChat's failure is why, not a relay behind.
      expect(f).toMatchObject({ what: 'message', state: 'outside-window' })
      expect(f.reason).not.toContain('processed after')
      expect(f.reason).toContain('WeChat')
    }
  })
})

describe.each(['sqlite', 'redis'] as const)('WeChat too slow to answer texts on %s', (backend) => {
  it('after a text timed out (maybe sent), the others wait for WeChat instead of each timing out', async () => {
    const sandbox = await followUpSandbox()
    bed.cleanups.push(() => sandbox.close())
    const client = sandboxClient(sandbox, { busyRetries: 0, timeoutMs: 300 })
    await client.getAccessToken()
    const { c, campaign, codes, relay } = await boothWith({ followUp: '谢谢' }, client, sandbox, {
      backend,
      relayWorker: false,
    })
    await scanAll(sandbox, codes, visitors(40))
    const clock = { t: Date.now() }
    const worker = extraWorker(relay.store, client, { ...FAST, now: () => clock.t })
    // WeChat answers a text after the client gave up on it: it may have gone out.
    sandbox.setFaults({ latencyMs: 1000 })
    await worker.round()
    const first = (await report(c, campaign.id)).counts
    // The calls in flight are given up as maybe sent; no other text is tried meanwhile (each
    // would only time out too: 40 of 40 were).
    expect(first.messageFailed).toBeLessThanOrEqual(4)
    expect(first.messagePending).toBe(40 - first.messageFailed)
    sandbox.setFaults({ latencyMs: 0 })
    for (let i = 0; i < 20; i++) {
      clock.t += FAST.maxBackoffMs * 2
      await worker.round()
      if ((await report(c, campaign.id)).counts.messagePending === 0) break
    }
    expect((await report(c, campaign.id)).counts).toMatchObject({
      sent: 40 - first.messageFailed,
      messageFailed: first.messageFailed,
    })
    // Once each: the ones given up were never sent again.
    const per = textsPerVisitor(sandbox)
    expect(per.size).toBeGreaterThanOrEqual(40 - first.messageFailed)
    expect([...per.values()].every((n) => n === 1)).toBe(true)
  })
})

describe("a relay whose address is not on the account's IP allow-list (40164)", () => {
  it('keeps its tags and texts due until the address is listed, then does them', async () => {
    const sandbox = await followUpSandbox()
    bed.cleanups.push(() => sandbox.close())
    // The token endpoint refuses the relay's address (a deployment not yet on the account's
    // allow-list): no call reaches the tag or message APIs, until the operator lists it.
    const gate = { listed: false, refused: 0 }
    const client = new RefusingClient(sandbox, 'cgi-bin/tags/get', 0, {
      busyRetries: 0,
      fetch: (input, init) => {
        const url = input instanceof Request ? input.url : String(input)
        if (url.includes('/cgi-bin/stable_token') && !gate.listed) {
          gate.refused++
          const errmsg = 'invalid ip 203.0.113.9 ipv6 ::ffff:203.0.113.9, not in whitelist'
          return Promise.resolve(Response.json({ errcode: 40164, errmsg }))
        }
        return fetch(input, init)
      },
    })
    client.refusing = false
    const fields = { tag: 'expo', followUp: '谢谢' }
    const lines: string[] = []
    const log = jsonLogger((l) => lines.push(l))
    const { c, campaign, codes, relay } = await boothWith(fields, client, sandbox, { log })
    await scanAll(sandbox, codes, visitors(3), 1)
    // The tag was looked for, and retried, with the token refused each time.
    await waitFor(
      'tagging retried, or given up',
      async () => client.calls >= 2 || (await report(c, campaign.id)).counts.failed > 0,
    )
    expect((await report(c, campaign.id)).counts).toMatchObject({
      failed: 0,
      pending: 3,
      messageFailed: 0,
      messagePending: 3,
    })
    // On /metrics as the operator's to fix (no token), not as WeChat refusing the visitors.
    const failures = (cls: string) =>
      relaySample(relay.url, 'follow_up_failures_total', { call: 'tag', class: cls })
    expect(await failures('no_token')).toBeGreaterThanOrEqual(1)
    expect(await failures('permanent')).toBe(0)
    gate.listed = true
    await waitFor('done', async () => {
      const { counts } = await report(c, campaign.id)
      return counts.tagged === 3 && counts.sent === 3
    })
    expect(gate.refused).toBeGreaterThan(2)
    // The operator is told why nothing goes out, once, with WeChat's errcode; not every retry.
    const said = lines.filter((l) => l.includes('no WeChat access token'))
    expect(said).toHaveLength(1)
    expect(said[0]).toContain('40164')
    expect(sandbox.users.tags()[0]?.openids).toHaveLength(3)
    expect(sandbox.users.messages()).toHaveLength(3)
  })
})

describe('a text refused for its token', () => {
  it('is sent once the token can be renewed, not given up as maybe sent', async () => {
    const sandbox = await followUpSandbox()
    bed.cleanups.push(() => sandbox.close())
    // The relay holds a token WeChat no longer takes (another caller replaced it): the send is
    // refused with 40001 and nothing goes out. Renewing it then fails on the way (the
    // connection reset), so the call ends in a network error, not in WeChat's answer.
    const tokens = new MemoryTokenStore()
    await tokens.set({ token: 'replaced-token', expiresAt: Date.now() + 3_600_000 })
    const renew = { down: true, tries: 0 }
    const client = sandboxClient(sandbox, {
      tokenStore: tokens,
      busyRetries: 0,
      fetch: (input, init) => {
        const url = input instanceof Request ? input.url : String(input)
        if (url.includes('/cgi-bin/stable_token')) {
          renew.tries++
          if (renew.down) {
            const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })
            return Promise.reject(new TypeError('fetch failed', { cause: reset }))
          }
        }
        return fetch(input, init)
      },
    })
    const { c, campaign, codes } = await boothWith({ followUp: '谢谢' }, client, sandbox)
    await scanAll(sandbox, codes, ['orenew'], 1)
    await waitFor(
      'a second renewal, or the text given up',
      async () => renew.tries >= 2 || (await report(c, campaign.id)).counts.messageFailed > 0,
    )
    // WeChat refused the text: it went nowhere, and is still due.
    expect((await report(c, campaign.id)).counts).toMatchObject({
      messageFailed: 0,
      messagePending: 1,
      sent: 0,
    })
    renew.down = false
    await waitFor('sent', async () => (await report(c, campaign.id)).counts.sent === 1)
    expect(sandbox.users.messages().map((m) => m.openid)).toEqual(['orenew'])
  })
})

/**
 * `/metrics` scandesk_relay_follow_up_waiting{what}: how many visitors wait for their tag or
 * their follow-up text, on each store. It rises while WeChat holds them back (45009 on every
 * batchtagging call; texts whose calls hang, as a slow WeChat's do), falls to 0 once WeChat
 * takes them, and after a restart shows what the store holds: no sample until the new relay
 * has taken the follow-up lease and read the counters, then the same count, never a 0 that
 * would tell the operator the queue had drained.
 */
import { describe, expect, it } from 'vitest'
import type { Sandbox } from '../../sandbox/server'
import { WechatApiError, WechatClient } from '../../shared/wechat'
import type { RelayHandle } from '../../relay/server'
import { parseExposition } from '../helpers/prometheus'
import { assign, createCampaign, relayTestBed, signIn } from './campaign-helpers'
import { startOn, type Place } from './console-helpers'
import {
  boothCodes,
  followUpSandbox,
  report,
  scanAll,
  visitors,
  waitFor,
  wechatOf,
} from './follow-up-helpers'

const bed = relayTestBed()
/**
 * A short lease, so a restarted relay takes over from the stopped one's within a second. A
 * round stuck on calls re-reads the count only on the lease's renewals (every 300 ms here), and
 * a count older than four refreshes is not shown: the refresh must leave that room (at 50 ms the
 * sample was gone most of the time while texts were held, and the test timed out on a busy box).
 */
const FAST = {
  tickMs: 50,
  backoffMs: 100,
  maxBackoffMs: 400,
  leaseTtlMs: 900,
  backlogRefreshMs: 250,
}
const TAGGING = 'cgi-bin/tags/members/batchtagging'
const SEND = 'cgi-bin/message/custom/send'

/**
 * The sandbox's client: batchtagging answers 45009 (the API's quota: retried) while
 * `refusing`, and each text's call waits while `held` (a WeChat that does not answer yet).
 */
class HoldingClient extends WechatClient {
  refusing = false
  held = false
  /** Each batchtagging call waits while this is set (a tagging call WeChat never answers). */
  tagsHeld = false
  private readonly waiting: Array<() => void> = []
  constructor(sandbox: Sandbox) {
    const o = sandbox.options
    super({ appId: o.appId, appSecret: o.appSecret, apiBase: sandbox.url, busyRetries: 0 })
  }
  release(): void {
    this.held = false
    this.tagsHeld = false
    for (const go of this.waiting.splice(0)) go()
  }
  override async callApi(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    if (path === TAGGING && this.refusing) throw new WechatApiError(45009, 'api limit', path)
    if (path === TAGGING && this.tagsHeld) await new Promise<void>((go) => this.waiting.push(go))
    if (path === SEND && this.held) await new Promise<void>((go) => this.waiting.push(go))
    return super.callApi(method, path, body)
  }
}

/** A follow-up gauge family's samples by `what` on the relay's /metrics; null when it has none. */
async function gauge(
  relay: RelayHandle,
  name: 'follow_up_waiting' | 'follow_up_overdue_seconds',
): Promise<Record<string, number> | null> {
  const res = await fetch(`${relay.url}/metrics`)
  expect(res.status).toBe(200)
  const family = parseExposition(await res.text()).find((f) => f.name === `scandesk_relay_${name}`)
  expect(family?.type).toBe('gauge')
  const samples = family?.samples ?? []
  if (samples.length === 0) return null
  return Object.fromEntries(samples.map((s) => [s.labels.what ?? '', s.value]))
}

const waiting = (relay: RelayHandle) => gauge(relay, 'follow_up_waiting')
const overdue = (relay: RelayHandle) => gauge(relay, 'follow_up_overdue_seconds')

async function relayOn(place: Place, sandbox: Sandbox, client: WechatClient) {
  const relay = await startOn(
    place,
    { followUp: { ...FAST, client } },
    { wechat: wechatOf(sandbox), followUp: { batchWindowMs: 100 } },
  )
  sandbox.setPushUrl(`${relay.url}/wechat`)
  return relay
}

async function setUp(backend: 'sqlite' | 'redis', fields: { tag?: string; followUp?: string }) {
  const sandbox = await followUpSandbox()
  bed.cleanups.push(() => sandbox.close())
  const client = new HoldingClient(sandbox)
  const place = bed.placeFor(backend)
  const relay = await relayOn(place, sandbox, client)
  let current = relay
  bed.cleanups.push(() => current.close())
  const c = await signIn(relay)
  const campaign = await createCampaign(c, fields)
  await relay.addKiosk('booth-a')
  await assign(c, 'booth-a', campaign.id)
  const codes = await boothCodes(sandbox, ['booth-a'])
  return {
    sandbox,
    client,
    place,
    c,
    campaign,
    codes,
    relay: () => current,
    /** Stops the relay and starts another on the same store. */
    async restart(): Promise<RelayHandle> {
      await current.close()
      current = await relayOn(place, sandbox, client)
      return current
    },
  }
}

describe.each(['sqlite', 'redis'] as const)('follow-ups waiting on /metrics (%s)', (backend) => {
  it('counts visitors WeChat will not tag yet, and none once it tags them', async () => {
    const t = await setUp(backend, { tag: 'expo' })
    t.client.refusing = true
    await scanAll(t.sandbox, t.codes, visitors(16))
    await waitFor('16 tags waiting', async () => (await waiting(t.relay()))?.tag === 16)
    expect((await waiting(t.relay()))?.message).toBe(0)
    expect((await report(t.c, t.campaign.id)).counts.pending).toBe(16)
    t.client.refusing = false
    await waitFor('all tagged', async () => (await report(t.c, t.campaign.id)).counts.tagged === 16)
    await waitFor('none waiting', async () => (await waiting(t.relay()))?.tag === 0)
  })

  it('counts texts whose calls WeChat has not answered, and none once it has', async () => {
    const t = await setUp(backend, { followUp: '谢谢光临' })
    t.client.held = true
    await scanAll(t.sandbox, t.codes, visitors(6))
    // A round stuck on calls that have not come back: the count is still read (the heartbeat).
    // That round may have read only the first of the 6 scans (the others stored after its
    // read, read once the calls come back): the count is what the store says waits, none sent.
    await waitFor('the held texts counted', async () => {
      const held = (await waiting(t.relay()))?.message ?? 0
      const r = await report(t.c, t.campaign.id)
      return held > 0 && held === r.counts.messagePending && r.counts.sent === 0
    })
    expect((await waiting(t.relay()))?.tag).toBe(0)
    t.client.release()
    await waitFor('all sent', async () => (await report(t.c, t.campaign.id)).counts.sent === 6)
    await waitFor('none waiting', async () => (await waiting(t.relay()))?.message === 0)
  })

  it('shows how long the first waiting tag has been due while a tagging call hangs, 0 after', async () => {
    const t = await setUp(backend, { tag: 'expo' })
    t.client.tagsHeld = true
    await scanAll(t.sandbox, t.codes, visitors(8))
    // The worker is stuck on a call WeChat does not answer: the count alone (8, under any
    // alert's threshold) cannot tell that from a queue being worked; the age of the due one can.
    let first = 0
    await waitFor('a tag overdue', async () => {
      first = (await overdue(t.relay()))?.tag ?? 0
      return first > 0
    })
    await waitFor('it overdue longer', async () => ((await overdue(t.relay()))?.tag ?? 0) > first)
    expect((await overdue(t.relay()))?.message).toBe(0)
    t.client.release()
    await waitFor('all tagged', async () => (await report(t.c, t.campaign.id)).counts.tagged === 8)
    await waitFor('none overdue', async () => (await overdue(t.relay()))?.tag === 0)
  })

  it('after a restart shows the stored count (no sample until read), never a made-up 0', async () => {
    const t = await setUp(backend, { tag: 'expo' })
    t.client.refusing = true
    await scanAll(t.sandbox, t.codes, visitors(12))
    await waitFor('12 tags waiting', async () => (await waiting(t.relay()))?.tag === 12)
    const relay = await t.restart()
    const seen: Array<Record<string, number> | null> = []
    await waitFor('the count read again', async () => {
      const w = await waiting(relay)
      seen.push(w)
      return w !== null
    })
    // Until it had read the store: no sample at all; then what the store holds.
    expect(seen.filter((w) => w !== null && w.tag !== 12)).toEqual([])
    expect(seen.at(-1)).toEqual({ tag: 12, message: 0 })
    t.client.refusing = false
    await waitFor('none waiting', async () => (await waiting(relay))?.tag === 0)
  })
})

describe('follow-ups waiting with two relays on one Redis', () => {
  it('are reported by the relay doing the work alone: max over relays is the count', async () => {
    const t = await setUp('redis', { tag: 'expo' })
    const second = await relayOn(t.place, t.sandbox, t.client)
    bed.cleanups.push(() => second.close())
    t.client.refusing = true
    await scanAll(t.sandbox, t.codes, visitors(10))
    const both = async () => [await waiting(t.relay()), await waiting(second)]
    await waitFor('10 tags waiting', async () => (await both()).some((w) => w?.tag === 10))
    // The other has no sample (a sum would not double the queue, nor would it read 0).
    const samples = (await both()).filter((w) => w !== null)
    expect(samples).toEqual([{ tag: 10, message: 0 }])
  })
})

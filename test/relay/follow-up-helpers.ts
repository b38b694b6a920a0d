/**
 * Test helpers for campaign tags and follow-up messages: a sandbox the relay calls, codes of
 * booths made directly at the sandbox (scene `<kioskId>:<n>`, routed like proxied ones), scans
 * in parallel, the console's follow-up report, and waiting on a condition.
 */
import { expect } from 'vitest'
import { silentLogger } from '../../shared/server/log'
import { followUpReportSchema, type FollowUpReport } from '../../shared/follow-up-api'
import { WechatClient, buildQrCreateBody, type WechatClientOptions } from '../../shared/wechat'
import { startSandbox, type Sandbox } from '../../sandbox/server'
import { CampaignDirectory } from '../../relay/campaign-directory'
import { FollowUpWorker, type FollowUpWorkerOptions } from '../../relay/follow-up/worker'
import type { RelayStore } from '../../relay/store/types'
import { assign, createCampaign, signIn, type RelayTestBed } from './campaign-helpers'
import { startOn, type ConsoleClient } from './console-helpers'
import type { Backend } from './harness'

/** WeChat for a worker that must make no call: any call fails (a closed port, a refusing fetch). */
export function unusedWechat(): WechatClient {
  return new WechatClient({
    appId: 'wx0000000000000000',
    appSecret: 's'.repeat(32),
    apiBase: 'http://127.0.0.1:9',
    fetch: () => Promise.reject(new Error('no WeChat call expected')),
  })
}

export async function followUpSandbox(): Promise<Sandbox> {
  return startSandbox({ mode: 'plain' }, silentLogger)
}

/** The relay's `wechat` section for the sandbox; `credentials: false` leaves out the app secret. */
export function wechatOf(sandbox: Sandbox, credentials = true) {
  const o = sandbox.options
  return {
    mode: 'plain' as const,
    token: o.token,
    appId: credentials ? o.appId : '',
    appSecret: credentials ? o.appSecret : '',
    apiBase: sandbox.url,
  }
}

/** A WeChat client of the sandbox (its app's credentials), with `options` over the defaults. */
export function sandboxClient(
  sandbox: Sandbox,
  options: Partial<WechatClientOptions> = {},
): WechatClient {
  const o = sandbox.options
  return new WechatClient({
    appId: o.appId,
    appSecret: o.appSecret,
    apiBase: sandbox.url,
    ...options,
  })
}

/** A code of each booth, made at the sandbox as the kiosk or the relay's proxy would. */
export async function boothCodes(sandbox: Sandbox, kioskIds: readonly string[]) {
  const client = sandboxClient(sandbox)
  const codes = new Map<string, string>()
  for (const id of kioskIds) {
    const body = buildQrCreateBody({
      action: 'QR_STR_SCENE',
      sceneStr: `${id}:n1`,
      expireSeconds: 3600,
    })
    codes.set(id, (await client.createQrCode(body)).url)
  }
  return codes
}

/** Visitor `i` scans booth `i mod n`; `parallel` scans at a time; each must be answered 200. */
export async function scanAll(
  sandbox: Sandbox,
  codes: Map<string, string>,
  openids: readonly string[],
  parallel = 8,
): Promise<void> {
  const urls = [...codes.values()]
  let next = 0
  async function lane(): Promise<void> {
    while (next < openids.length) {
      const i = next++
      const r = await sandbox.scan(urls[i % urls.length] ?? '', openids[i] ?? '')
      expect(r.attempts.at(-1)?.status).toBe(200)
    }
  }
  await Promise.all(Array.from({ length: parallel }, lane))
}

export async function report(c: ConsoleClient, campaignId: string): Promise<FollowUpReport> {
  const a = await c.call('GET', `/console/api/campaigns/${campaignId}/follow-up`)
  expect(a.status, a.text).toBe(200)
  return followUpReportSchema.parse(a.json)
}

/** Polls `check` until it returns true (conditions, never fixed sleeps). */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 60_000,
): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

export const visitors = (n: number, prefix = 'v'): string[] =>
  Array.from({ length: n }, (_, i) => `o${prefix}${String(i).padStart(5, '0')}`)

/** WeChat's paths of a follow-up text and of a tagging call. */
export const SEND_PATH = 'cgi-bin/message/custom/send'
export const TAG_PATH = 'cgi-bin/tags/members/batchtagging'
const BATCH_PATHS: ReadonlySet<string> = new Set([SEND_PATH, TAG_PATH])

/**
 * A WeChat client of the sandbox that waits out a slow one (5 s a call, no busy retries), and
 * counts its customer-service sends and the batch calls (texts, tagging) it has in flight.
 */
export class SlowSandboxClient extends WechatClient {
  sends = 0
  inFlight = 0
  constructor(sandbox: Sandbox) {
    const o = sandbox.options
    super({
      appId: o.appId,
      appSecret: o.appSecret,
      apiBase: sandbox.url,
      busyRetries: 0,
      timeoutMs: 5000,
    })
  }
  override async callApi(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    if (path === SEND_PATH) this.sends++
    const batch = BATCH_PATHS.has(path)
    if (batch) this.inFlight++
    try {
      return await super.callApi(method, path, body)
    } finally {
      if (batch) this.inFlight--
    }
  }
}

/**
 * A relay on SQLite (or `backend`) whose follow-up worker (timed by `followUp`) calls a sandbox
 * that pushes its scans to it, and the console signed in; both are stopped with the test bed.
 */
export async function sandboxRelay(
  bed: RelayTestBed,
  followUp: Partial<FollowUpWorkerOptions>,
  backend: Backend = 'sqlite',
) {
  const sandbox = await followUpSandbox()
  bed.cleanups.push(() => sandbox.close())
  const relay = await startOn(bed.placeFor(backend), { followUp }, { wechat: wechatOf(sandbox) })
  bed.cleanups.push(() => relay.close())
  sandbox.setPushUrl(`${relay.url}/wechat`)
  return { sandbox, relay, c: await signIn(relay) }
}

/**
 * A follow-up worker on `store` as another relay instance runs one (its own lease owner), not
 * started; `o` sets its timing.
 */
export function extraWorker(
  store: RelayStore,
  client: WechatClient,
  o: Partial<FollowUpWorkerOptions> = {},
): FollowUpWorker {
  return new FollowUpWorker({
    store,
    campaigns: new CampaignDirectory(store, Date.now),
    client,
    log: silentLogger,
    now: Date.now,
    batchWindowMs: 300,
    windowMs: 60_000,
    ...o,
  })
}

/**
 * Two relay instances' follow-up workers on one store: the relay's own and an extra one (both
 * with `tuning`, each its own slow client), a campaign with a follow-up text on one booth, and
 * the sandbox answering every WeChat call after `latencyMs`. The extra worker is started.
 */
export async function twoWorkersOneStore(
  bed: RelayTestBed,
  backend: Backend,
  tuning: Partial<FollowUpWorkerOptions>,
  latencyMs: number,
) {
  const sandbox = await followUpSandbox()
  bed.cleanups.push(() => sandbox.close())
  const firstClient = new SlowSandboxClient(sandbox)
  const relay = await startOn(
    bed.placeFor(backend),
    { followUp: { ...tuning, client: firstClient } },
    { wechat: wechatOf(sandbox), followUp: { batchWindowMs: 300 } },
  )
  bed.cleanups.push(() => relay.close())
  const secondClient = new SlowSandboxClient(sandbox)
  const second = extraWorker(relay.store, secondClient, tuning)
  bed.cleanups.push(() => second.stop())
  sandbox.setPushUrl(`${relay.url}/wechat`)
  const c = await signIn(relay)
  const campaign = await createCampaign(c, { followUp: 'hi {number}' })
  await relay.addKiosk('booth-a')
  await assign(c, 'booth-a', campaign.id)
  const codes = await boothCodes(sandbox, ['booth-a'])
  sandbox.setFaults({ latencyMs })
  second.start()
  return { sandbox, relay, c, campaignId: campaign.id, codes, firstClient, second, secondClient }
}

/** How many follow-up texts each visitor received at the sandbox. */
export function textsPerVisitor(sandbox: Sandbox): Map<string, number> {
  const per = new Map<string, number>()
  for (const m of sandbox.users.messages()) per.set(m.openid, (per.get(m.openid) ?? 0) + 1)
  return per
}

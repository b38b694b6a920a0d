/**
 * Test helpers for campaign tags and follow-up messages: a sandbox the relay calls, codes of
 * booths made directly at the sandbox (scene `<kioskId>:<n>`, routed like proxied ones), scans
 * in parallel, the console's follow-up report, and waiting on a condition.
 */
import { expect } from 'vitest'
import { silentLogger } from '../../shared/server/log'
import { followUpReportSchema, type FollowUpReport } from '../../shared/follow-up-api'
import { WechatClient, buildQrCreateBody } from '../../shared/wechat'
import { startSandbox, type Sandbox } from '../../sandbox/server'
import type { ConsoleClient } from './console-helpers'

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

/** A code of each booth, made at the sandbox as the kiosk or the relay's proxy would. */
export async function boothCodes(sandbox: Sandbox, kioskIds: readonly string[]) {
  const o = sandbox.options
  const client = new WechatClient({ appId: o.appId, appSecret: o.appSecret, apiBase: sandbox.url })
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

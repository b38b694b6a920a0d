/**
 * Tagging and follow-up texts survive the relay being killed: the real relay program (tsx
 * relay/cli.ts) on each store, SIGKILL mid-work, a restart on the same store. Tags: the
 * sandbox refusing 30 % of batchtagging calls (-1), every one of 300 visitors ends up in the
 * tag. Texts: killed with texts in flight against a slow sandbox, no visitor gets one twice
 * and every visitor ends sent, failed (the texts in flight: errcode 0) or outside-window.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Sandbox } from '../../sandbox/server'
import { startRedis, type TestRedis } from '../helpers/redis'
import { openStore } from '../../relay/store/open-store'
import { assign, createCampaign } from './campaign-helpers'
import { ConsoleClient } from './console-helpers'
import {
  boothCodes,
  followUpSandbox,
  report,
  scanAll,
  visitors,
  waitFor,
} from './follow-up-helpers'
import { tempDir } from './harness'
import { readLogLines } from './relay-process'

const run = promisify(execFile)
const CLI = ['--import', 'tsx', 'relay/cli.ts']
const children: ChildProcess[] = []
let redis: TestRedis
// A Redis of its own for each test: the texting test's booths are the tagging test's, and on
// one Redis the CLI refused to add them again ('kiosk booth-a already exists').
beforeEach(async () => {
  redis = await startRedis()
})
afterEach(() => redis.stop())
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL')
})

function envOf(sandbox: Sandbox): NodeJS.ProcessEnv {
  const o = sandbox.options
  return {
    ...process.env,
    SCANDESK_RELAY_WECHAT_TOKEN: o.token,
    SCANDESK_RELAY_WECHAT_APP_ID: o.appId,
    SCANDESK_RELAY_WECHAT_APP_SECRET: o.appSecret,
    SCANDESK_RELAY_WECHAT_API_BASE: sandbox.url,
    SCANDESK_RELAY_FOLLOW_UP_BATCH_WINDOW_MS: '1000',
  }
}

function startRelayProcess(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [...CLI, '--port', '0', ...args], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  children.push(child)
  return new Promise<{ child: ChildProcess; url: string }>((resolve, reject) => {
    readLogLines(child.stdout, (entry) => {
      if (entry.msg === 'relay listening' && entry.url) resolve({ child, url: entry.url })
    })
    child.once('exit', (code) => reject(new Error(`relay exited early (${code})`)))
  })
}

/**
 * Booths and an organizer added with the relay's CLI on `backend`, the relay started on it,
 * a campaign made with `over` and given every booth, and the sandbox pushing to it.
 */
async function relayWithCampaign(
  backend: 'sqlite' | 'redis',
  sandbox: Sandbox,
  dir: string,
  over: Parameters<typeof createCampaign>[1],
) {
  const env = envOf(sandbox)
  const store = backend === 'redis' ? ['--redis', redis.url] : ['--data', dir]
  const cli = async (...args: string[]) =>
    (await run(process.execPath, [...CLI, ...args, ...store], { env })).stdout.trimEnd().split('\n')
  const booths = ['booth-a', 'booth-b', 'booth-c']
  for (const b of booths) await cli('kiosk', 'add', b)
  const password = (await cli('organizer', 'add', 'alice')).at(-1) ?? ''
  const signIn = async (url: string): Promise<ConsoleClient> => {
    const c = new ConsoleClient(url)
    expect((await c.login('alice', password)).status).toBe(200)
    return c
  }
  const first = await startRelayProcess(store, env)
  const c = await signIn(first.url)
  const campaign = await createCampaign(c, over)
  for (const b of booths) await assign(c, b, campaign.id)
  sandbox.setPushUrl(`${first.url}/wechat`)
  return { env, store, booths, first, campaign, signIn }
}

/**
 * `body` given {@link relayWithCampaign} on a fresh sandbox and folder, both removed after;
 * `body` stops the relays it started.
 */
async function onRelayWithCampaign(
  backend: 'sqlite' | 'redis',
  over: Parameters<typeof createCampaign>[1],
  body: (
    r: Awaited<ReturnType<typeof relayWithCampaign>> & { sandbox: Sandbox; dir: string },
  ) => Promise<void>,
): Promise<void> {
  const sandbox = await followUpSandbox()
  const dir = tempDir('relay-follow-up-')
  try {
    await body({ ...(await relayWithCampaign(backend, sandbox, dir, over)), sandbox, dir })
  } finally {
    await sandbox.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

async function kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  child.kill(signal)
  await new Promise((r) => child.once('exit', r))
}

describe.each(['sqlite', 'redis'] as const)('relay killed while tagging (%s)', (backend) => {
  it('tags all 300 visitors after a restart, with 30 % of tag calls failing', async () => {
    await onRelayWithCampaign(backend, { tag: 'survivor' }, async (relay) => {
      const { sandbox, env, store, booths, first, campaign, signIn } = relay
      sandbox.setFaults({ tagFailRate: 0.3 })
      const openids = visitors(300)
      await scanAll(sandbox, await boothCodes(sandbox, booths), openids)
      // Each WeChat call answers after 300 ms, so the six batches of 50 land at least 300 ms
      // apart: without it, they could all land between two looks below, and CI once saw all
      // 300 tagged before the kill. The sandbox fails every third or so call (evenly: a run of
      // failures at random once grew the relay's pause past this test's two minutes).
      sandbox.setFaults({ latencyMs: 300 })

      // Killed while the tag is being filled (some in, not all).
      await waitFor('tagging under way', () => (sandbox.users.tags()[0]?.openids.length ?? 0) > 0)
      await kill(first.child)
      expect(sandbox.users.tags()[0]?.openids.length ?? 0).toBeLessThan(300)

      const second = await startRelayProcess(store, env)
      const c2 = await signIn(second.url)
      await waitFor(
        'all 300 tagged',
        async () => (await report(c2, campaign.id)).counts.tagged === 300,
        120_000,
      )
      expect(new Set(sandbox.users.tags()[0]?.openids)).toEqual(new Set(openids))
      const r = await report(c2, campaign.id)
      expect(r.counts).toMatchObject({ tagged: 300, pending: 0, failed: 0 })
      await kill(second.child, 'SIGTERM')
    })
  }, 240_000)
})

describe.each(['sqlite', 'redis'] as const)('relay killed while texting (%s)', (backend) => {
  it('sends no visitor a text twice and leaves none sending after a restart', async () => {
    await onRelayWithCampaign(backend, { followUp: '谢谢 {number}' }, async (relay) => {
      const { sandbox, dir, env, store, booths, first, campaign, signIn } = relay
      const codes = await boothCodes(sandbox, booths)
      // Each WeChat call answers after 1 s: the worker's four texts at a time are in flight
      // most of the time while it sends.
      sandbox.setFaults({ latencyMs: 1000 })
      const openids = visitors(40, 't')
      await scanAll(sandbox, codes, openids)
      await waitFor('texts under way', () => sandbox.users.messages().length >= 4)
      await kill(first.child)
      expect(sandbox.users.messages().length).toBeLessThan(openids.length)
      // What the killed relay left: texts claimed for sending whose outcome it never wrote.
      const left = await openStore(
        { redis: backend === 'redis' ? redis.url : null, data: dir },
        { attendanceForReadsOnly: true },
      )
      const inFlight = (await left.followUp.sendingMessages(campaign.id, 100)).map((v) => v.openid)
      await left.close()
      expect(inFlight.length).toBeGreaterThan(0)

      const second = await startRelayProcess(store, env)
      const c2 = await signIn(second.url)
      const settled = async () => {
        const { counts } = await report(c2, campaign.id)
        return counts.sent + counts.messageFailed + counts.outsideWindow === openids.length
      }
      await waitFor('every text settled', settled, 120_000)
      const r = await report(c2, campaign.id)
      expect(r.counts.messagePending).toBe(0)
      // Each visitor's texts as the sandbox received them: none twice.
      const got = new Map<string, number>()
      for (const m of sandbox.users.messages()) got.set(m.openid, (got.get(m.openid) ?? 0) + 1)
      expect([...got].filter(([, n]) => n > 1)).toEqual([])
      // The texts in flight at the kill: failed with errcode 0 (they may have gone out), not
      // sent again; every visitor not in the failures was sent exactly one text.
      const failed = new Map(r.failures.map((f) => [f.openid, f]))
      for (const o of inFlight) {
        expect(failed.get(o)).toMatchObject({ what: 'message', state: 'failed', errcode: 0 })
      }
      for (const o of openids.filter((x) => !failed.has(x))) expect(got.get(o)).toBe(1)
      expect(r.counts.sent).toBe(openids.length - failed.size)
      await kill(second.child, 'SIGTERM')
    })
  }, 240_000)
})

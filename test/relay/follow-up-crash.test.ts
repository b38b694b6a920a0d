/**
 * Tagging survives the relay being killed: the real relay program (tsx relay/cli.ts) on each
 * store, the sandbox refusing 30 % of batchtagging calls (-1), SIGKILL while the tag is being
 * filled, a restart on the same store: every one of 300 visitors ends up in the tag.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { promisify } from 'node:util'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Sandbox } from '../../sandbox/server'
import { startRedis, type TestRedis } from '../helpers/redis'
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

const run = promisify(execFile)
const CLI = ['--import', 'tsx', 'relay/cli.ts']
const children: ChildProcess[] = []
let redis: TestRedis
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(() => redis.stop())
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
    createInterface({ input: child.stdout }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; url?: string }
      if (entry.msg === 'relay listening' && entry.url) resolve({ child, url: entry.url })
    })
    child.once('exit', (code) => reject(new Error(`relay exited early (${code})`)))
  })
}

describe.each(['sqlite', 'redis'] as const)('relay killed while tagging (%s)', (backend) => {
  it('tags all 300 visitors after a restart, with 30 % of tag calls failing', async () => {
    const sandbox = await followUpSandbox()
    const dir = tempDir('relay-follow-up-')
    try {
      const env = envOf(sandbox)
      const store = backend === 'redis' ? ['--redis', redis.url] : ['--data', dir]
      const cli = async (...args: string[]) =>
        (await run(process.execPath, [...CLI, ...args, ...store], { env })).stdout
          .trimEnd()
          .split('\n')
      const booths = ['booth-a', 'booth-b', 'booth-c']
      for (const b of booths) await cli('kiosk', 'add', b)
      const password = (await cli('organizer', 'add', 'alice')).at(-1) ?? ''

      const first = await startRelayProcess(store, env)
      const c = new ConsoleClient(first.url)
      expect((await c.login('alice', password)).status).toBe(200)
      const campaign = await createCampaign(c, { tag: 'survivor' })
      for (const b of booths) await assign(c, b, campaign.id)
      sandbox.setPushUrl(`${first.url}/wechat`)
      sandbox.setFaults({ tagFailRate: 0.3 })
      const openids = visitors(300)
      await scanAll(sandbox, await boothCodes(sandbox, booths), openids)

      // Killed while the tag is being filled (some in, not all).
      await waitFor('tagging under way', () => (sandbox.users.tags()[0]?.openids.length ?? 0) > 0)
      first.child.kill('SIGKILL')
      await new Promise((r) => first.child.once('exit', r))
      expect(sandbox.users.tags()[0]?.openids.length ?? 0).toBeLessThan(300)

      const second = await startRelayProcess(store, env)
      const c2 = new ConsoleClient(second.url)
      expect((await c2.login('alice', password)).status).toBe(200)
      await waitFor(
        'all 300 tagged',
        async () => (await report(c2, campaign.id)).counts.tagged === 300,
        120_000,
      )
      expect(new Set(sandbox.users.tags()[0]?.openids)).toEqual(new Set(openids))
      const r = await report(c2, campaign.id)
      expect(r.counts).toMatchObject({ tagged: 300, pending: 0, failed: 0 })
      second.child.kill('SIGTERM')
      await new Promise((r2) => second.child.once('exit', r2))
    } finally {
      await sandbox.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }, 240_000)
})

/**
 * The relay in production mode: `npm ci --omit=dev` in a clean folder outside the repo (so no
 * package can be found from the checkout's node_modules), the bundle from `npm run build:relay`
 * beside it, and plain `node` serving signed pushes into SQLite and into Redis. tsx, TypeScript
 * and the other development tools must not be installed there.
 *
 * The install skips install scripts and copies the one native addon (better-sqlite3) from the
 * checkout, built for this same Node: compiling it again would take a minute or more, and it
 * is not what this test is about. npm uses its cache first (CI's `npm ci` just filled it).
 */
import { execFile } from 'node:child_process'
import { copyFileSync, cpSync, existsSync, mkdirSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedis, type TestRedis } from '../helpers/redis'
import { KioskClient, TOKEN, postPush, scanXml, signedQuery, tempDir } from './harness'
import { ROOT, buildRelayBundle, relayCli, spawnRelay, type RelayProcess } from './relay-process'

const run = promisify(execFile)
const ADDON = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'

/** This process's env without what `npm test` passes its scripts (npm_config_prefix, …). */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)))
}

let app: string
let redis: TestRedis
const running: RelayProcess[] = []

beforeAll(async () => {
  app = tempDir('relay-production-')
  for (const f of ['package.json', 'package-lock.json']) copyFileSync(join(ROOT, f), join(app, f))
  await run(
    'npm',
    ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'],
    { cwd: app, env: { ...cleanEnv(), npm_config_loglevel: 'error' } },
  )
  mkdirSync(join(app, 'node_modules/better-sqlite3/build/Release'), { recursive: true })
  copyFileSync(join(ROOT, ADDON), join(app, ADDON))
  const bundle = buildRelayBundle()
  cpSync(bundle.dir, join(app, 'out/relay'), { recursive: true })
  bundle.remove()
  redis = await startRedis()
}, 240_000)

afterAll(async () => {
  for (const r of running) if (r.child.exitCode === null) r.child.kill('SIGKILL')
  await redis?.stop()
  if (app) rmSync(app, { recursive: true, force: true })
})

describe('the relay installed with npm ci --omit=dev', () => {
  it('has the runtime dependencies and none of the development tools', () => {
    const req = createRequire(join(app, 'out/relay/relay.mjs'))
    for (const pkg of ['better-sqlite3', 'ioredis']) expect(req.resolve(pkg)).toContain(app)
    for (const pkg of ['tsx', 'typescript', 'esbuild', 'vite', 'vitest', 'electron']) {
      expect(existsSync(join(app, 'node_modules', pkg)), pkg).toBe(false)
      expect(() => req.resolve(pkg), pkg).toThrow()
    }
  })

  it.each(['sqlite', 'redis'] as const)(
    'serves a signed push with plain node (%s store)',
    async (store) => {
      const env = {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        SCANDESK_RELAY_WECHAT_TOKEN: TOKEN,
        SCANDESK_RELAY_DATA: join(app, `data-${store}`),
        ...(store === 'redis' && { SCANDESK_RELAY_REDIS: redis.url }),
      }
      const entry = 'out/relay/relay.mjs'
      const token = relayCli(entry, ['kiosk', 'add', 'k1'], { cwd: app, env }).at(-1) ?? ''
      const relay = await spawnRelay(process.execPath, [entry, '--port', '0'], { cwd: app, env })
      running.push(relay)
      expect(relay.log.find((l) => l.msg === 'relay listening')).toMatchObject({ store })
      const kiosk = await KioskClient.hello(relay.url, token, { kioskId: 'k1' })
      const res = await postPush(relay.url, scanXml('o_prod', 'k1:n1'), signedQuery(TOKEN))
      expect(res.status).toBe(200)
      await kiosk.waitForScans(1)
      expect(kiosk.scans[0]?.openid).toBe('o_prod')
      await kiosk.close()
      relay.child.kill('SIGTERM')
      expect((await relay.exited).code).toBe(0)
    },
  )
})

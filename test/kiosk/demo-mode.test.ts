// Demo mode and the web command: no configuration gives a working kiosk on loopback, and a
// restart never shows a code from the previous (now gone) sandbox.
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import Module, { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterEach, describe, expect, it } from 'vitest'
import type { Greeting } from '../../shared/domain'
import { startKioskRuntime, StartupError } from '../../electron/core/kiosk-runtime'
import { openFileKeyVault, MemoryVault } from '../../electron/core/config/vault'
import { loadSettings } from '../../electron/core/config/settings'
import { consoleKioskListSchema } from '../../shared/console-api'
import { ConsoleClient } from '../relay/console-helpers'
import { createCampaign } from '../relay/campaign-helpers'
import { cleanup, fastLink, onCleanup, provisionDir, tempDir, waitFor } from './helpers'

afterEach(cleanup)

const root = join(import.meta.dirname, '..', '..')

/** `console: <url> (organizer <name>, password <pw>)`, the demo's line for the console. */
const CONSOLE_LINE =
  /^console: (http:\/\/127\.0\.0\.1:\d+)\/console\/ \(organizer (\S+), password (\S+)\)$/

/** The relay's origin, organizer and password the demo printed; fails when it printed none. */
function consoleLogin(lines: string[]): { relayUrl: string; name: string; password: string } {
  const found = lines.map((l) => CONSOLE_LINE.exec(l)).filter((m) => m !== null)
  expect(found, lines.join('\n')).toHaveLength(1)
  const [, relayUrl = '', name = '', password = ''] = found[0] ?? []
  return { relayUrl, name, password }
}

/** Signs in with the printed line's account; checks the cookie and that booth `demo` is listed. */
async function signInAsPrinted(lines: string[]): Promise<ConsoleClient> {
  const { relayUrl, name, password } = consoleLogin(lines)
  expect(name).toBe('demo')
  const wrong = new ConsoleClient(relayUrl)
  expect((await wrong.login(name, `${password}x`)).status).toBe(401)
  expect(wrong.cookie).toBeNull()
  const c = new ConsoleClient(relayUrl)
  const login = await c.login(name, password)
  expect(login.status, login.text).toBe(200)
  expect(c.cookie).toMatch(/^scandesk_session=./)
  const kiosks = await c.call('GET', '/console/api/kiosks')
  expect(kiosks.status).toBe(200)
  expect(consoleKioskListSchema.parse(kiosks.json).map((k) => k.id)).toEqual(['demo'])
  return c
}

describe('demo mode', () => {
  it('starts sandbox + relay, shows a working code; a restart shows only new codes', async () => {
    const dataDir = tempDir()
    const lines: string[] = []
    const start = () =>
      startKioskRuntime({
        dataDir,
        vault: openFileKeyVault(dataDir),
        env: {},
        core: { tickMs: 50, relayLink: fastLink },
        onLine: (l) => lines.push(l),
      })
    const first = await start()
    onCleanup(() => first.close())
    expect(
      lines.filter((l) => /^(sandbox|relay): http:\/\/127\.0\.0\.1:\d+$/.test(l)),
    ).toHaveLength(2)
    const state = first.core.screenState()
    expect(state).toMatchObject({
      demo: true,
      configured: true,
      campaign: { id: 'demo', mode: 'booth' },
    })
    const shown = await waitFor(() => first.core.pool.current() ?? undefined, 'demo code')
    expect(shown.scene.startsWith('demo:')).toBe(true)
    await waitFor(() => first.core.status().relay.state === 'connected', 'link')
    const greetings: Greeting[] = []
    first.core.on('greeting', (g) => greetings.push(g))
    await first.demo?.sandbox.scan(shown.url, 'o_demo')
    await waitFor(() => greetings[0], 'greeting')
    const oldUrls = new Set(
      (first.core.db.prepare('SELECT url FROM tickets').all() as Array<{ url: string }>).map(
        (r) => r.url,
      ),
    )
    first.core.initialPinShown() // as `kiosk web` once the terminal took it
    await first.close()

    const second = await start()
    onCleanup(() => second.close())
    expect(second.core.initialPin).toBeNull() // the PIN from the first start is kept
    const again = await waitFor(() => second.core.pool.current() ?? undefined, 'new demo code')
    expect(oldUrls.has(again.url)).toBe(false)
    // It is a code of the sandbox running now: scanning it works.
    await waitFor(() => second.core.status().relay.state === 'connected', 'link')
    const scan = await second.demo?.sandbox.scan(again.url, 'o_demo_2')
    expect(scan?.attempts.at(-1)?.status).toBe(200)
    expect(loadSettings(dataDir)?.demo).toBe(true)
  })

  it('prints the console with a demo organizer; a console campaign runs on the demo booth, a restart goes back to the demo campaign', async () => {
    const dataDir = tempDir()
    const lines: string[] = []
    const logged: string[] = []
    const start = () =>
      startKioskRuntime({
        dataDir,
        vault: openFileKeyVault(dataDir),
        env: {},
        core: { tickMs: 50, relayLink: fastLink },
        onLine: (l, forLog) => {
          lines.push(l)
          logged.push(forLog ?? l)
        },
      })
    const first = await start()
    onCleanup(() => first.close())
    const c = await signInAsPrinted(lines)
    // A log gets the console's address and organizer, not its password.
    const { relayUrl, password } = consoleLogin(lines)
    expect(logged).toContain(`console: ${relayUrl}/console/ (organizer demo, password not logged)`)
    expect(logged.join('\n')).not.toContain(password)
    // Served, not only signed in to: the console's page itself.
    const page = await fetch(`${relayUrl}/console/`)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<div id="app"')

    // The organizer's campaign, assigned to the demo booth in the console, is what it runs.
    await waitFor(() => first.core.status().relay.state === 'connected', 'link')
    const campaign = await createCampaign(c, { name: '控制台活动', startsAt: null, endsAt: null })
    const assigned = await c.call('PUT', '/console/api/kiosks/demo', { campaignId: campaign.id })
    expect(assigned.status, assigned.text).toBe(200)
    await waitFor(
      () => (first.core.screenState().campaign?.id === campaign.id ? true : undefined),
      'the console campaign on the demo kiosk',
    )
    expect(first.core.screenState().campaign).toMatchObject({ managedBy: 'relay' })
    const code = await waitFor(() => {
      const shown = first.core.pool.current()
      if (!shown) return undefined
      const row = first.core.db
        .prepare('SELECT campaign_id AS campaignId FROM tickets WHERE url = ?')
        .get(shown.url) as { campaignId: string | null } | undefined
      return row?.campaignId === campaign.id ? shown : undefined
    }, 'a code of the console campaign')
    await first.demo?.sandbox.scan(code.url, 'o_console')
    await waitFor(
      () => first.core.attendance.latest(1)[0]?.campaignId === campaign.id || undefined,
      'the scan counted in the console campaign',
    )
    await first.close()

    // The demo relay forgot the console's campaign: the kiosk is back on the demo campaign,
    // with a code of this start's sandbox, and a new password for the new relay.
    lines.length = 0
    const second = await start()
    onCleanup(() => second.close())
    expect(second.core.screenState().campaign).toMatchObject({ id: 'demo' })
    const again = await waitFor(() => second.core.pool.current() ?? undefined, 'a demo code')
    await waitFor(() => second.core.status().relay.state === 'connected', 'link')
    const scan = await second.demo?.sandbox.scan(again.url, 'o_demo_3')
    expect(scan?.attempts.at(-1)?.status).toBe(200)
    await waitFor(
      () => second.core.attendance.latest(1)[0]?.openid === 'o_demo_3' || undefined,
      'the scan after the restart',
    )
    expect(second.core.attendance.latest(1)[0]?.campaignId).toBe('demo')
    await signInAsPrinted(lines)
  })

  it("opens every SQLite database with the app's Electron build of better-sqlite3, the demo relay's too", async () => {
    // The packaged app ships no Node build of better-sqlite3 (docs/NATIVE-MODULES.md): a
    // database opened without `nativeBinding` stopped its first (demo) start with "not built
    // for Electron". A stand-in addon at the binding's path records what is opened through it.
    const dir = tempDir()
    const binding = join(dir, 'native', 'better_sqlite3.node')
    mkdirSync(dirname(binding))
    writeFileSync(binding, '')
    const require = createRequire(import.meta.url)
    const real = require('better-sqlite3/build/Release/better_sqlite3.node') as Record<
      string,
      unknown
    > & { Database: new (...args: unknown[]) => object }
    const opened: string[] = []
    const Database = new Proxy(real.Database, {
      construct(target, args: unknown[], newTarget: new (...a: unknown[]) => object) {
        opened.push(String(args[0]))
        return Reflect.construct(target, args, newTarget)
      },
    })
    const addon = new Proxy(real, { get: (t, k) => (k === 'Database' ? Database : t[k as string]) })
    require.cache[binding] = Object.assign(new Module(binding), {
      filename: binding,
      loaded: true,
      exports: addon,
    })
    onCleanup(() => {
      delete require.cache[binding]
    })
    const dataDir = join(dir, 'kiosk')
    const runtime = await startKioskRuntime({
      dataDir,
      vault: new MemoryVault(),
      env: {},
      core: { tickMs: 50, relayLink: fastLink, nativeBinding: binding },
    })
    onCleanup(() => runtime.close())
    expect(runtime.demo).not.toBeNull()
    expect(opened).toContain(':memory:')
  })

  it('promises no console when the console is not built', async () => {
    const dataDir = tempDir()
    const lines: string[] = []
    const runtime = await startKioskRuntime({
      dataDir,
      vault: openFileKeyVault(dataDir),
      env: {},
      consoleDir: tempDir(),
      onLine: (l) => lines.push(l),
    })
    onCleanup(() => runtime.close())
    expect(lines.filter((l) => /^(sandbox|relay): /.test(l))).toHaveLength(2)
    expect(lines.filter((l) => l.startsWith('console'))).toEqual([])
    expect(await runtime.demo?.relay.store.console.listOrganizers()).toEqual([])
  })

  it('headless provisioning without the token in the environment says which variable', async () => {
    const err = await startKioskRuntime({
      dataDir: tempDir(),
      vault: new MemoryVault(),
      env: {},
      provisioning: { relayUrl: 'http://127.0.0.1:9', kioskId: 'k1', ticketSource: 'proxy' },
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StartupError)
    expect((err as Error).message).toContain('SCANDESK_KIOSK_TOKEN')
  })

  it("headless provisioning's bad values: named by flag or variable, worded by us, no value echoed", async () => {
    const refused = async (
      env: Record<string, string>,
      provisioning: Parameters<typeof startKioskRuntime>[0]['provisioning'],
    ): Promise<string> => {
      const err = await startKioskRuntime({
        dataDir: tempDir(),
        vault: new MemoryVault(),
        env,
        provisioning,
      }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(StartupError)
      return (err as Error).message
    }
    const short = await refused(
      { SCANDESK_KIOSK_TOKEN: 'sh0rt-t0ken' },
      { relayUrl: 'not a url', kioskId: 'Booth 1', ticketSource: 'proxy' },
    )
    expect(short).toBe(
      'provisioning: --relay must be an https:// or wss:// URL (http:// and ws:// only to this machine); ' +
        '--kiosk-id must be 1 to 24 of a-z 0-9 -; ' +
        'SCANDESK_KIOSK_TOKEN must be 16 to 256 letters, digits or symbols, without spaces or line breaks',
    )
    expect(short).not.toContain('sh0rt-t0ken')
    const direct = await refused(
      { SCANDESK_KIOSK_TOKEN: 't'.repeat(32), SCANDESK_APP_SECRET: 'n0t-a-s3cret' },
      {
        relayUrl: 'https://relay.example',
        kioskId: 'k1',
        ticketSource: 'direct',
        apiBase: 'ftp://api.example',
        appId: 'wx1',
      },
    )
    expect(direct).toBe(
      'provisioning: --api-base must be an https:// URL (http:// only to this machine); ' +
        '--appid: AppID looks like wx followed by 16 letters or digits; ' +
        'SCANDESK_APP_SECRET: AppSecret is 32 letters or digits',
    )
    expect(direct).not.toContain('n0t-a-s3cret')
  })
})

describe('kiosk web command', () => {
  it('a malformed SCANDESK_ADMIN_PIN refuses the start before provisioning stores anything', async () => {
    // Found by the startup-flags property test on a wider seed: the PIN was checked after the
    // new kiosk id and AppSecret were already saved, so a refused start re-provisioned the kiosk.
    const dataDir = tempDir()
    const vault = openFileKeyVault(dataDir)
    provisionDir(dataDir, vault, {
      relayUrl: 'http://127.0.0.1:9',
      kioskId: 'booth-1',
      token: 'tok-booth-1-xyz0123',
    })
    const files = ['settings.json', 'vault.json'].map((f) => join(dataDir, f))
    const before = files.map((f) => readFileSync(f, 'utf8'))
    const err = await startKioskRuntime({
      dataDir,
      vault: openFileKeyVault(dataDir),
      env: { SCANDESK_APP_SECRET: 'AppSecretFromEnv0123456789abcdef', SCANDESK_ADMIN_PIN: 'abcd' },
      provisioning: { relayUrl: 'http://127.0.0.1:9', kioskId: 'q9', ticketSource: 'proxy' },
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StartupError)
    expect(String(err)).toContain('SCANDESK_ADMIN_PIN')
    expect(files.map((f) => readFileSync(f, 'utf8'))).toEqual(before)
    expect(loadSettings(dataDir)?.kioskId).toBe('booth-1')
  })

  it('prints kiosk:, relay:, sandbox: and console: lines and serves the API at the kiosk url', async () => {
    const dataDir = tempDir()
    const child = spawn(
      process.execPath,
      [
        // `--import tsx`, not tsx's CLI: the CLI SIGKILLs a child that takes over 30 ms to
        // report a relayed SIGTERM (exit 143 on a busy machine; docs/RELIABILITY.md).
        '--import',
        'tsx',
        'electron/core/cli/cli.ts',
        'web',
        '--port',
        '0',
        '--data',
        dataDir,
      ],
      {
        cwd: root,
        env: { ...process.env, SCANDESK_ADMIN_PIN: '4321' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    )
    onCleanup(async () => {
      if (child.exitCode === null) child.kill('SIGKILL')
      await exited
    })
    const lines: string[] = []
    createInterface({ input: child.stdout }).on('line', (l) => lines.push(l))
    const kioskLine = await waitFor(
      () => lines.find((l) => l.startsWith('kiosk: ')),
      'kiosk line',
      20_000,
    )
    expect(lines.filter((l) => l.startsWith('relay: '))).toHaveLength(1)
    expect(lines.filter((l) => l.startsWith('sandbox: '))).toHaveLength(1)
    await signInAsPrinted(lines)
    const kioskUrl = new URL(kioskLine.slice('kiosk: '.length))
    expect(kioskUrl.hostname).toBe('127.0.0.1')
    const key = kioskUrl.searchParams.get('key')
    expect(key).toBeTruthy()
    const res = await fetch(`${kioskUrl.origin}/api/call/getScreenState`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: '{}',
    })
    const body = (await res.json()) as { result: { demo: boolean } }
    expect(body.result.demo).toBe(true)
    const unlock = await fetch(`${kioskUrl.origin}/api/call/unlockAdmin`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: { pin: '4321' } }),
    })
    expect(await unlock.json()).toEqual({ result: { ok: true } })
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  })
})

describe('provisioning flags', () => {
  it('parse for kiosk web and for a command line with other arguments', async () => {
    const { parseWebArgs } = await import('../../electron/core/cli/cli-web')
    const { parseLaunchArgs } = await import('../../electron/core/config/provisioning-args')
    expect(parseWebArgs(['--port', '0']).provisioning).toBeNull()
    expect(parseWebArgs([]).port).toBe(5170)
    const flags = [
      '--relay',
      'https://relay.example',
      '--kiosk-id',
      'hall-a',
      '--ticket-source',
      'direct',
    ]
    expect(parseWebArgs([...flags, '--appid', 'wx0123456789abcdef']).provisioning).toEqual({
      relayUrl: 'https://relay.example',
      kioskId: 'hall-a',
      ticketSource: 'direct',
      appId: 'wx0123456789abcdef',
    })
    expect(() => parseWebArgs(['--relay', 'https://relay.example'])).toThrow(/--kiosk-id/)
    // Named, not the generic "provisioning needs …" that read as if --ticket-source were missing.
    for (const bad of ['magic', 'Proxy', '']) {
      expect(() => parseWebArgs([...flags.slice(0, 4), '--ticket-source', bad])).toThrow(
        `--ticket-source must be proxy or direct, not "${bad}"`,
      )
    }
    expect(parseLaunchArgs(['.', '--no-sandbox', ...flags]).provisioning).toMatchObject({
      kioskId: 'hall-a',
    })
    expect(parseLaunchArgs(['.', '--enable-logging']).provisioning).toBeNull()
  })
})

describe('setup from the admin area', () => {
  it('leaves demo mode for a real relay; secrets stay in the vault only', async () => {
    const { startPlatform, testCampaign } = await import('./helpers')
    const dataDir = tempDir()
    const vault = openFileKeyVault(dataDir)
    const runtime = await startKioskRuntime({
      dataDir,
      vault,
      env: { SCANDESK_ADMIN_PIN: '2580' },
      core: { tickMs: 50, relayLink: fastLink },
    })
    onCleanup(() => runtime.close())
    const { core } = runtime
    await core.call('unlockAdmin', { pin: '2580' })
    const real = await startPlatform()
    const token = await real.relay.addKiosk('hall-b')

    // Direct codes need an AppID and AppSecret; the demo's do not count.
    const missing = await core.call('saveSetup', {
      ticketSource: 'direct',
      relayUrl: real.relay.url,
      kioskId: 'hall-b',
      relayToken: token,
    })
    expect(missing).toMatchObject({ ok: false })
    expect(
      (missing as { errors: Array<{ field: string }> }).errors.map((e) => e.field).sort(),
    ).toEqual(['appId', 'appSecret'])
    expect(core.settings().demo).toBe(true)
    await expect(
      core.call('saveSetup', {
        ticketSource: 'proxy',
        relayUrl: real.relay.url,
        kioskId: 'hall-b',
      }),
    ).resolves.toMatchObject({ ok: false, errors: [{ field: 'relayToken' }] })

    const saved = await core.call('saveSetup', {
      ticketSource: 'proxy',
      relayUrl: real.relay.url,
      kioskId: 'hall-b',
      relayToken: token,
    })
    expect(saved).toEqual({ ok: true })
    const settings = (await core.call('getSettings', undefined)) as Record<string, unknown>
    expect(settings).toMatchObject({
      demo: false,
      kioskId: 'hall-b',
      hasRelayToken: true,
      hasAppSecret: false,
    })
    expect(JSON.stringify(settings)).not.toContain(token)
    expect(readFileSync(join(dataDir, 'settings.json'), 'utf8')).not.toContain(token)
    expect(readFileSync(join(dataDir, 'vault.json'), 'utf8')).not.toContain(token)

    // No code until a real campaign is active (leave-demo.test.ts has the rest).
    await core.call('saveCampaign', testCampaign())
    await core.call('activateCampaign', { id: 'expo' })
    const shown = await waitFor(
      () =>
        core.pool.current()?.scene.startsWith('hall-b:')
          ? (core.pool.current() ?? undefined)
          : undefined,
      'a code from the real relay',
    )
    await waitFor(() => core.status().relay.state === 'connected', 'link to the real relay')
    await real.sandbox.scan(shown.url, 'o_real')
    await waitFor(
      () => core.attendance.latest(1)[0]?.openid === 'o_real',
      'scan via the real relay',
    )
    expect(loadSettings(dataDir)?.demo).toBe(false)
  })
})

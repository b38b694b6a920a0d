// What the bundled relay CLI tells whoever deploys or runs it: unknown SCANDESK_RELAY_*
// variables named at start (never their values), usage errors for stray arguments.
import { execFile, spawnSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TOKEN } from './harness'
import { buildRelayBundle, spawnRelay } from './relay-process'

const run = promisify(execFile)

let bundle: ReturnType<typeof buildRelayBundle>
let dir: string
beforeAll(() => {
  bundle = buildRelayBundle()
  dir = mkdtempSync(join(tmpdir(), 'relay-cli-'))
}, 120_000)
afterAll(() => {
  bundle.remove()
  rmSync(dir, { recursive: true, force: true })
})

async function cli(env: NodeJS.ProcessEnv, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [bundle.entry, ...args], { env })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string }
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}

describe('relay CLI messages', () => {
  it('names unknown SCANDESK_RELAY_ variables once at start, never their values', async () => {
    const secret = 'typo-secret-' + 'x'.repeat(20)
    const env = {
      ...process.env,
      SCANDESK_RELAY_WECHAT_TOKEN: TOKEN,
      SCANDESK_RELAY_APPSECRET: secret,
      SCANDESK_RELAY_TRUST_PROXY_HOP: '1',
      // A Kubernetes Service named scandesk-relay sets these in every pod: not ours, no warning.
      SCANDESK_RELAY_SERVICE_HOST: '10.0.0.11',
      SCANDESK_RELAY_SERVICE_PORT: '8787',
      SCANDESK_RELAY_SERVICE_PORT_HTTP: '8787',
      SCANDESK_RELAY_PORT_8787_TCP: 'tcp://10.0.0.11:8787',
      SCANDESK_RELAY_PORT_8787_TCP_PROTO: 'tcp',
      SCANDESK_RELAY_PORT_8787_TCP_PORT: '8787',
      SCANDESK_RELAY_PORT_8787_TCP_ADDR: '10.0.0.11',
    }
    const relay = await spawnRelay(
      process.execPath,
      [bundle.entry, '--port', '0', '--data', ':memory:'],
      { cwd: dir, env },
    )
    try {
      const warnings = relay.log.filter((l) => /SCANDESK_RELAY_/.test(JSON.stringify(l)))
      const unknown = warnings.filter((l) => l.msg.includes('unknown'))
      expect(unknown).toHaveLength(1)
      const text = JSON.stringify(unknown[0])
      expect(text).toContain('SCANDESK_RELAY_APPSECRET')
      expect(text).toContain('SCANDESK_RELAY_WECHAT_APP_SECRET')
      expect(text).toContain('SCANDESK_RELAY_TRUST_PROXY_HOP')
      expect(text).toContain('SCANDESK_RELAY_TRUST_PROXY_HOPS')
      expect(text).not.toMatch(/SERVICE_HOST|SERVICE_PORT|PORT_8787/)
      expect(JSON.stringify(relay.log)).not.toContain(secret)
    } finally {
      relay.child.kill('SIGTERM')
      await relay.exited
    }
    // The commands beside the relay say it too (a typo'd data directory is another store).
    const listed = await cli(
      { ...env, SCANDESK_RELAY_DATA_DIR: join(dir, 'd') },
      'kiosk',
      'list',
      '--data',
      join(dir, 'd'),
    )
    expect(listed.code).toBe(0)
    expect(listed.stderr).toContain('SCANDESK_RELAY_DATA_DIR')
    expect(listed.stderr).toContain('SCANDESK_RELAY_DATA')
    expect(listed.stderr).not.toContain(secret)
    expect(listed.stdout.trim()).toBe('no kiosks')
  })

  it('says at start that SCANDESK_RELAY_CONFIG is ignored when --config names another file', async () => {
    // --config wins (relay/README.md): the variable's file was skipped without a word, so a
    // deployer who set both saw settings of a file they did not mean.
    const flagFile = join(dir, 'flag.json')
    const envFile = join(dir, 'env.json')
    writeFileSync(flagFile, JSON.stringify({ wechat: { token: TOKEN } }))
    writeFileSync(envFile, JSON.stringify({ wechat: { token: 's3cret-token-in-file' } }))
    const start = async (variable: string) => {
      const relay = await spawnRelay(
        process.execPath,
        [bundle.entry, '--config', flagFile, '--port', '0', '--data', ':memory:'],
        { cwd: dir, env: { ...process.env, SCANDESK_RELAY_CONFIG: variable } },
      )
      relay.child.kill('SIGTERM')
      await relay.exited
      return relay.log.filter((l) => JSON.stringify(l).includes('SCANDESK_RELAY_CONFIG'))
    }
    const warned = await start(envFile)
    expect(warned).toHaveLength(1)
    expect(warned[0]?.level).toBe('warn')
    const text = JSON.stringify(warned[0])
    expect(text).toContain(flagFile)
    expect(text).toContain(envFile)
    expect(text).not.toContain('s3cret-token-in-file')
    // The same file by another spelling: nothing ignored, nothing said.
    expect(await start('./flag.json')).toHaveLength(0)
  })

  it('names the kiosk and range a new scene range overlaps', async () => {
    const env = { ...process.env, SCANDESK_RELAY_WECHAT_TOKEN: TOKEN }
    const data = ['--data', join(dir, 'scenes')]
    expect((await cli(env, 'kiosk', 'add', 'k1', '--scenes', '100-199', ...data)).code).toBe(0)
    const clash = await cli(env, 'kiosk', 'add', 'k2', '--scenes', '50-60,150-250', ...data)
    // Refused input, as an existing id is: exit 2, saying which kiosk owns which scenes.
    expect(clash.code).toBe(2)
    expect(clash.stderr).toContain("scene range 150-250 overlaps kiosk k1's 100-199")
    expect((await cli(env, 'kiosk', 'list', ...data)).stdout).not.toMatch(/^k2/m)
  })

  it('lists and removes nothing where there is no relay data, says so, and creates nothing', async () => {
    // A typo in --data: the read made the folder and an empty database, and said "no
    // organizers" as if that were the relay's answer.
    const env = { ...process.env, SCANDESK_RELAY_WECHAT_TOKEN: TOKEN }
    const typo = join(dir, 'relay-dat')
    const empty = join(dir, 'empty-folder')
    mkdirSync(empty)
    for (const place of [typo, empty]) {
      const data = ['--data', place]
      const noData = `no relay data at ${place} (no relay.sqlite there; nothing was created): check --data`
      for (const [what, none] of [
        ['kiosk', 'no kiosks'],
        ['organizer', 'no organizers'],
      ] as const) {
        const listed = await cli(env, what, 'list', ...data)
        expect(listed).toEqual({ code: 0, stdout: `${none}\n`, stderr: `relay: ${noData}\n` })
      }
      // What they answer for a name the store does not hold, and why.
      const revoked = await cli(env, 'kiosk', 'revoke', 'k1', ...data)
      expect(revoked).toMatchObject({ code: 2, stderr: `relay: no kiosk k1: ${noData}\n` })
      for (const sub of ['remove', 'unlock']) {
        const r = await cli(env, 'organizer', sub, 'Bob', ...data)
        expect(r).toMatchObject({ code: 2, stderr: `relay: no organizer bob: ${noData}\n` })
      }
    }
    expect(existsSync(typo)).toBe(false)
    expect(readdirSync(empty)).toEqual([])
    // Adding makes the store; the list reads it.
    expect((await cli(env, 'kiosk', 'add', 'k1', '--data', typo)).code).toBe(0)
    const listed = await cli(env, 'kiosk', 'list', '--data', typo)
    expect(listed.stdout).toMatch(/^k1\tactive\t/)
    expect(listed.stderr).toBe('')
    expect(await cli(env, 'organizer', 'list', '--data', typo)).toEqual({
      code: 0,
      stdout: 'no organizers\n',
      stderr: '',
    })
  })

  it('names where the empty data folder came from: --config file, variable, or the default', async () => {
    // Every case said "check --data", also when no --data was given and the folder came from
    // the config file or SCANDESK_RELAY_DATA.
    const env = { ...process.env, SCANDESK_RELAY_WECHAT_TOKEN: TOKEN }
    const folder = join(dir, 'data-from-elsewhere')
    const file = join(dir, 'data-from.json')
    writeFileSync(file, JSON.stringify({ data: folder }))
    const noData = `no relay data at ${folder} (no relay.sqlite there; nothing was created): `
    const viaFile = await cli(env, 'kiosk', 'list', '--config', file)
    expect(viaFile.stderr).toBe(`relay: ${noData}check "data" in ${file}\n`)
    const viaEnvFile = await cli({ ...env, SCANDESK_RELAY_CONFIG: file }, 'organizer', 'list')
    expect(viaEnvFile.stderr).toBe(`relay: ${noData}check "data" in ${file}\n`)
    const viaVar = await cli({ ...env, SCANDESK_RELAY_DATA: folder }, 'kiosk', 'revoke', 'k1')
    expect(viaVar.stderr).toBe(`relay: no kiosk k1: ${noData}check SCANDESK_RELAY_DATA\n`)
    // The flag wins over the file, and is the one named.
    const viaFlag = await cli(env, 'kiosk', 'list', '--config', file, '--data', folder)
    expect(viaFlag.stderr).toBe(`relay: ${noData}check --data\n`)
    const cwd = join(dir, 'no-data-here')
    mkdirSync(cwd)
    const byDefault = await promisify(execFile)(process.execPath, [bundle.entry, 'kiosk', 'list'], {
      env,
      cwd,
    })
    expect(byDefault.stderr).toBe(
      `relay: no relay data at ${join(cwd, 'relay-data')} (no relay.sqlite there; nothing was ` +
        'created): that is the default folder: give --data\n',
    )
    expect(existsSync(folder)).toBe(false)
    expect(readdirSync(cwd)).toEqual([])
  })

  it('says which variable or flag takes the WeChat Token when it is missing', async () => {
    // A newcomer's second command without SCANDESK_RELAY_WECHAT_TOKEN, or a systemd env file
    // left empty: "wechat.token is required" named neither the variable nor the flag.
    const env = { ...process.env }
    delete env.SCANDESK_RELAY_WECHAT_TOKEN
    const started = await cli(env, '--port', '0', '--data', join(dir, 'no-token'))
    expect(started.code).toBe(2)
    expect(started.stderr).toContain('wechat.token is required')
    expect(started.stderr).toContain('SCANDESK_RELAY_WECHAT_TOKEN')
    expect(started.stderr).toContain('--wechat-token')
    const empty = await cli({ ...env, SCANDESK_RELAY_WECHAT_TOKEN: '' }, '--data', ':memory:')
    expect(empty.code).toBe(2)
    expect(empty.stderr).toContain('SCANDESK_RELAY_WECHAT_TOKEN')
  })

  it('says which setting to change when it cannot listen: port taken, low port, foreign host', async () => {
    // Node's "listen EADDRINUSE: address already in use 127.0.0.1:8787" named no setting.
    const env: NodeJS.ProcessEnv = { ...process.env, SCANDESK_RELAY_WECHAT_TOKEN: TOKEN }
    delete env.npm_lifecycle_event // as started by node or systemd, not by an npm script
    const taken = createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    const port = String((taken.address() as AddressInfo).port)
    try {
      const busy = await cli(env, '--data', ':memory:', '--port', port)
      expect(busy.code).toBe(1)
      expect(busy.stderr).toContain(`cannot listen on 127.0.0.1 port ${port} (EADDRINUSE)`)
      expect(busy.stderr).toContain('set the port (--port, SCANDESK_RELAY_PORT)')
      expect(busy.stderr).not.toContain('npm run')
      // Through `npm run relay`, a bare --port would be npm's own: the flag goes after `--`.
      const viaNpm = await cli(
        { ...env, npm_lifecycle_event: 'relay' },
        '--data',
        ':memory:',
        '--port',
        port,
      )
      expect(viaNpm.code).toBe(1)
      expect(viaNpm.stderr).toContain(
        'set the port (npm run relay -- --port N, SCANDESK_RELAY_PORT)',
      )
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()))
    }
    // 192.0.2.1 (TEST-NET-1) is no address of this machine.
    const foreign = await cli(env, '--data', ':memory:', '--port', '0', '--host', '192.0.2.1')
    expect(foreign.code).toBe(1)
    expect(foreign.stderr).toContain('(EADDRNOTAVAIL): 192.0.2.1 is not an address of this machine')
    expect(foreign.stderr).toContain('SCANDESK_RELAY_HOST')
    const foreignViaNpm = await cli(
      { ...env, npm_lifecycle_event: 'relay' },
      ...['--data', ':memory:', '--port', '0', '--host', '192.0.2.1'],
    )
    expect(foreignViaNpm.stderr).toContain(
      'set the host (npm run relay -- --host H, SCANDESK_RELAY_HOST)',
    )
    // Port 80 as a user without the capability (root runs the relay without it, via setpriv).
    const lowest = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8'))
    if (lowest > 80) {
      const relay = [bundle.entry, '--data', ':memory:', '--port', '80']
      const root = process.getuid?.() === 0
      const drop = '-net_bind_service'
      const [cmd, args] = root
        ? ['setpriv', [`--inh-caps=${drop}`, `--bounding-set=${drop}`, process.execPath, ...relay]]
        : [process.execPath, relay]
      const low = spawnSync(cmd, args, { env, encoding: 'utf8' })
      expect(low.status).toBe(1)
      expect(low.stderr).toContain('(EACCES): ports below 1024 need root')
    }
  })

  it('says what healthcheck takes when given more', async () => {
    const env = { ...process.env, SCANDESK_RELAY_WECHAT_TOKEN: TOKEN }
    const extra = await cli(env, 'healthcheck', 'extra')
    expect(extra.code).toBe(2)
    expect(extra.stderr).not.toContain('unknown command')
    expect(extra.stderr).toContain('healthcheck takes no arguments')
    expect(extra.stderr).toContain('usage:')
    const unknown = await cli(env, 'helthcheck')
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('unknown command helthcheck')
  })
})

describe('a config file that is not there (yet)', () => {
  // Only a serving relay is started again by systemd (exit 1, deploy/scandesk-relay.service):
  // a one-off command run by hand is not, and must not say it will be.
  it('tells only the serving relay it will be started again', async () => {
    const config = join(dir, 'not-mounted', 'relay.json')
    const env = {
      ...process.env,
      SCANDESK_RELAY_WECHAT_TOKEN: TOKEN,
      SCANDESK_RELAY_DATA: join(dir, 'not-mounted-data'),
      SCANDESK_RELAY_CONFIG: config,
    }
    for (const command of [['kiosk', 'list'], ['organizer', 'list'], ['healthcheck']]) {
      const once = await cli(env, ...command)
      expect(once.stderr, command.join(' ')).toContain(`cannot read ${config}`)
      expect(once.stderr, command.join(' ')).not.toContain('started again')
      expect(once.code, command.join(' ')).toBe(1)
    }
    const serving = await cli({ ...env, SCANDESK_RELAY_PORT: '0' })
    expect(serving.stderr).toContain('exiting 1, to be started again')
    expect(serving.code).toBe(1)
  })
})

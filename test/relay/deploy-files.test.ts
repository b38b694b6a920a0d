/**
 * The deployment files, as far as this machine can run them (no Docker daemon, Compose or
 * systemd here): the image's CMD and HEALTHCHECK with its ENV, started on the bundle exactly as
 * the image lays it out; compose.yaml's relay environment against the relay's config schema;
 * the systemd unit's ExecStart with its Environment, EnvironmentFile and StateDirectory;
 * deploy/nginx.conf run (nginx on loopback, a throwaway certificate) in front of the relay.
 */
import Database from 'better-sqlite3'
import { execFile, spawn } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import type { IncomingHttpHeaders } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { createServer as createNetServer } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { basename, join } from 'node:path'
import { promisify } from 'node:util'
import { load } from 'js-yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { CONFIG_ENV_NAMES, loadRelayConfig } from '../../relay/config'
import { openRedisStore } from '../../relay/store/redis/store'
import { REDIS_SERVER_BIN, startRedis } from '../helpers/redis'
import { KioskClient, TOKEN, postPush, scanXml, signedQuery, tempDir } from './harness'
import {
  expandSpecifiers,
  interpolate,
  parseDockerfile,
  parseEnvFile,
  parseUnit,
  unitValues,
  unitWords,
} from './deploy-parse'
import { ROOT, buildRelayBundle, relayCli, spawnRelay, type RelayProcess } from './relay-process'

const run = promisify(execFile)
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8')
const image = parseDockerfile(read('Dockerfile'))
const envExample = parseEnvFile(read('deploy/env.example'))
/** What an organizer fills in where deploy/env.example leaves a required value empty. */
const FILLED = {
  ...envExample,
  SCANDESK_DOMAIN: 'relay.example.com',
  SCANDESK_RELAY_WECHAT_TOKEN: TOKEN,
}

let bundle: ReturnType<typeof buildRelayBundle>
const dirs: string[] = []
const running: RelayProcess[] = []
beforeAll(() => {
  // Laid out like the image's WORKDIR: out/relay/relay.mjs, packages found from there.
  bundle = buildRelayBundle('out/relay')
})
afterAll(() => {
  for (const r of running) if (r.child.exitCode === null) r.child.kill('SIGKILL')
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
  bundle.remove()
})

function scratch(prefix: string): string {
  const dir = tempDir(prefix)
  dirs.push(dir)
  return dir
}

/** `node` in a deploy file's command is the Node running the tests. */
function localCommand(argv: readonly string[]): [string, string[]] {
  const [cmd = '', ...args] = argv
  expect(basename(cmd)).toBe('node')
  return [process.execPath, args]
}

/** A free loopback port for nginx or Caddy (neither can be told port 0 and report the one it took). */
const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createNetServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const address = s.address()
      s.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0))
    })
  })

/**
 * What a request's URL may carry that no proxy log may keep (PIPL: an openid is personal data):
 * the openid WeChat adds to each push's query, a big screen's key, a name searched in the
 * console, a live pairing code (the link a phone opens). `secrets` as they appear in a URL.
 */
function personalRequests(campaignId: string, screenKey: string, pairingCode: string) {
  const visitor = 'oDeployVisitorOpenid123'
  const searched = encodeURIComponent('来宾123')
  const query = signedQuery(TOKEN)
  query.set('openid', visitor)
  return {
    secrets: [screenKey, visitor, searched, pairingCode],
    wall: `/screen/${campaignId}/wall?key=${screenKey}`,
    search: `/console/api/attendance?q=${searched}`,
    push: `/wechat?${query.toString()}`,
    pair: `/pair/${pairingCode}`,
  }
}

/** The caddy binary: a failure, not a skip, when missing (CI: apt-get install caddy). */
function caddyBin(): string {
  const bin = ['/usr/bin/caddy', '/usr/local/bin/caddy'].find((p) => existsSync(p))
  expect(bin, 'caddy (apt-get install caddy)').toBeDefined()
  return bin ?? ''
}

/** Serves: /healthz answers, a kiosk added by the CLI gets a signed push. */
async function servesPushes(relay: RelayProcess, cli: (args: string[]) => string[]): Promise<void> {
  const health = await fetch(`${relay.url}/healthz`)
  expect(health.status).toBe(200)
  const token = cli(['kiosk', 'add', 'k1']).at(-1) ?? ''
  const kiosk = await KioskClient.hello(relay.url, token, { kioskId: 'k1' })
  const push = await postPush(relay.url, scanXml('o_deploy', 'k1:n1'), signedQuery(TOKEN))
  expect(push.status).toBe(200)
  await kiosk.waitForScans(1)
  expect(kiosk.scans[0]?.openid).toBe('o_deploy')
  await kiosk.close()
}

describe('Dockerfile', () => {
  it('runs as a non-root user with data in a volume, listening on every interface', () => {
    expect(image.user).toBe('node')
    expect(image.env.SCANDESK_RELAY_HOST).toBe('0.0.0.0')
    expect(image.volumes).toEqual([image.env.SCANDESK_RELAY_DATA])
    expect(image.expose).toEqual([image.env.SCANDESK_RELAY_PORT])
    expect(image.stopSignal).toBe('SIGTERM')
    expect(image.cmd.join(' ')).toMatch(/out\/relay\/relay\.mjs$/)
    for (const name of Object.keys(image.env)) {
      if (name.startsWith('SCANDESK_')) expect(CONFIG_ENV_NAMES.has(name), name).toBe(true)
    }
  })

  it('its CMD with its ENV serves pushes; its HEALTHCHECK passes, then fails once it stops', async () => {
    const data = scratch('relay-image-data-')
    // What `docker run -v …:/data -p …:8787` changes: the data folder and the port, and here
    // loopback instead of every interface. The rest is the image's ENV as it stands.
    const env = {
      PATH: process.env.PATH,
      ...image.env,
      SCANDESK_RELAY_DATA: data,
      SCANDESK_RELAY_PORT: '0',
      SCANDESK_RELAY_HOST: '127.0.0.1',
      SCANDESK_RELAY_WECHAT_TOKEN: TOKEN,
    }
    const cwd = bundle.dir // the image's WORKDIR
    const [cmd, args] = localCommand(image.cmd)
    const relay = await spawnRelay(cmd, args, { cwd, env })
    running.push(relay)
    // `docker compose exec relay node out/relay/relay.mjs kiosk add …`
    await servesPushes(relay, (a) => relayCli('out/relay/relay.mjs', a, { cwd, env }))

    const [hcCmd, hcArgs] = localCommand(image.healthcheck)
    const hcEnv = { ...env, SCANDESK_RELAY_PORT: new URL(relay.url).port }
    const healthy = await run(hcCmd, hcArgs, { cwd, env: hcEnv })
    expect(JSON.parse(healthy.stdout)).toMatchObject({ status: 'ok', store: 'sqlite' })

    relay.child.kill('SIGTERM')
    expect((await relay.exited).code).toBe(0)
    const down = await run(hcCmd, hcArgs, { cwd, env: hcEnv }).then(
      () => 0,
      (err: { code?: number }) => err.code,
    )
    // 1, not 2: Docker reserves a HEALTHCHECK's exit code 2.
    expect(down).toBe(1)
  })
})

const serviceSchema = z.looseObject({
  environment: z.record(z.string(), z.string()),
  volumes: z.array(z.string()).optional(),
  command: z.array(z.string()).optional(),
  stop_grace_period: z.string().optional(),
  build: z.string().optional(),
  image: z.string().optional(),
  logging: z
    .object({
      driver: z.string(),
      options: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
})
const composeSchema = z.looseObject({
  services: z.object({
    relay: serviceSchema,
    redis: serviceSchema.extend({ environment: z.record(z.string(), z.string()).optional() }),
    caddy: serviceSchema.extend({ ports: z.array(z.string()) }),
  }),
})

const routeSchema = z.looseObject({
  match: z.array(z.unknown()).optional(),
  handle: z.array(
    z.looseObject({ routes: z.array(z.looseObject({ handle: z.unknown() })).optional() }),
  ),
})
const caddyJsonSchema = z.object({
  apps: z.object({
    http: z.object({
      servers: z.object({
        srv0: z.looseObject({ listen: z.array(z.string()), routes: z.array(routeSchema) }),
      }),
    }),
  }),
})

describe('compose.yaml', () => {
  const compose = composeSchema.parse(load(read('compose.yaml')))
  const { relay, redis, caddy } = compose.services
  const relayEnv = (vars: Record<string, string>): Record<string, string> =>
    Object.fromEntries(Object.entries(relay.environment).map(([k, v]) => [k, interpolate(v, vars)]))

  it('sets only known relay settings, and with deploy/env.example filled in they parse', () => {
    for (const name of Object.keys(relay.environment)) {
      // TZ: the venue's time zone, Node's own (see the next test).
      expect(CONFIG_ENV_NAMES.has(name) || name === 'TZ', name).toBe(true)
    }
    // The image's ENV, then compose's environment on top, as the container sees them.
    const config = loadRelayConfig({ env: { ...image.env, ...relayEnv(FILLED) } })
    expect(config.redis).toBe('redis://redis:6379')
    expect(config.host).toBe('0.0.0.0')
    expect(config.wechat.token).toBe(TOKEN)
    // `docker compose stop` waits longer than the relay's own shutdown bound.
    const grace = /^(\d+)s$/.exec(relay.stop_grace_period ?? '')
    expect(Number(grace?.[1]) * 1000).toBeGreaterThan(config.shutdownTimeoutMs)
  })

  it("gives the relay the venue's time zone: its 'today' and the sheets' times are the venue's", () => {
    // The image's clock is UTC: without TZ, "scans today" restarted at 08:00 in China and every
    // time in the attendance and winners sheets was 8 hours early. deploy/env.example sets it
    // (systemd reads that file too); compose passes it on, Asia/Shanghai unless .env says.
    expect(envExample.TZ).toBe('Asia/Shanghai')
    expect(relayEnv(FILLED).TZ).toBe('Asia/Shanghai')
    expect(relayEnv({ ...FILLED, TZ: '' }).TZ).toBe('Asia/Shanghai')
    expect(relayEnv({ ...FILLED, TZ: 'Europe/Berlin' }).TZ).toBe('Europe/Berlin')
    expect(image.env.TZ).toBeUndefined()
  })

  it('stops with a message when a required value is missing, and env.example names every variable', () => {
    expect(() => relayEnv({ ...FILLED, SCANDESK_RELAY_WECHAT_TOKEN: '' })).toThrow(
      /SCANDESK_RELAY_WECHAT_TOKEN/,
    )
    const used = new Set(
      [...read('compose.yaml').matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]),
    )
    expect([...used].sort()).toEqual(Object.keys(envExample).sort())
    for (const name of Object.keys(envExample)) {
      if (name.startsWith('SCANDESK_RELAY_')) expect(CONFIG_ENV_NAMES.has(name), name).toBe(true)
    }
  })

  it('runs Redis with an append-only file, and Caddy in front of the relay port', () => {
    expect(redis.command?.join(' ')).toMatch(/--appendonly yes --appendfsync always/)
    expect(caddy.ports).toEqual(expect.arrayContaining(['80:80', '443:443']))
    const mount = caddy.volumes?.find((v) => v.endsWith(':/etc/caddy/Caddyfile:ro')) ?? ''
    const caddyfile = readFileSync(join(ROOT, mount.split(':')[0] ?? ''), 'utf8')
    expect(caddyfile).toContain('{$SCANDESK_DOMAIN} {')
    expect(caddy.environment.SCANDESK_DOMAIN).toMatch(/^\$\{SCANDESK_DOMAIN:\?/)
    // The relay is reached through Caddy only.
    expect(relay).not.toHaveProperty('ports')
  })

  it('keeps each container log to a bounded size on the disk Redis shares', () => {
    // Docker's json-file log grows without end by default: a relay or Caddy logging through a
    // busy day or a flood of forged requests filled the VM's disk, and Redis then refused pushes.
    const bytes = (size: string): number => {
      const m = /^(\d+)([kmg])$/.exec(size)
      return Number(m?.[1] ?? NaN) * 1024 ** (' kmg'.indexOf(m?.[2] ?? ' ') || NaN)
    }
    for (const [name, service] of Object.entries(compose.services)) {
      const { driver, options = {} } = service.logging ?? { driver: 'json-file (default)' }
      expect(driver, name).toBe('json-file')
      const total = bytes(options['max-size'] ?? '') * Number(options['max-file'] ?? 1)
      expect(total, name).toBeLessThanOrEqual(1024 ** 3)
      expect(total, name).toBeGreaterThanOrEqual(10 * 1024 ** 2)
    }
  })

  it('Caddy reads the Caddyfile as HTTPS for the domain, proxying to the relay but not /metrics', async () => {
    const { stdout } = await run(
      caddyBin(),
      ['adapt', '--adapter', 'caddyfile', '--config', join(ROOT, 'deploy/Caddyfile')],
      { env: { PATH: process.env.PATH, SCANDESK_DOMAIN: FILLED.SCANDESK_DOMAIN } },
    )
    const server = caddyJsonSchema.parse(JSON.parse(stdout)).apps.http.servers.srv0
    // Listening on 443 only: Caddy's automatic HTTPS (certificates, and 80 → 443 redirects).
    expect(server.listen).toEqual([':443'])
    const site = server.routes[0]
    expect(site?.match).toEqual([{ host: [FILLED.SCANDESK_DOMAIN] }])
    const inner = site?.handle[0]?.routes ?? []
    expect(inner[0]).toEqual({
      match: [{ path: ['/metrics'] }],
      handle: [{ handler: 'static_response', status_code: 404 }],
    })
    expect(inner[1]?.handle).toEqual([
      { handler: 'reverse_proxy', upstreams: [{ dial: `relay:${image.env.SCANDESK_RELAY_PORT}` }] },
    ])
  })
  it("Caddy's logs keep no openid, screen key, search or pairing code while the relay is down", async () => {
    // Relay down or restarting: Caddy logs each failed request (http.log.error) with its URI,
    // and WeChat retries each push three times. The Caddyfile as written, on loopback over plain
    // http, in front of a port nothing listens on; its admin endpoint off.
    const dir = scratch('relay-caddy-')
    const [port, closed] = [await freePort(), await freePort()]
    let site = read('deploy/Caddyfile')
    for (const [from, to] of [
      ['{$SCANDESK_DOMAIN} {', `http://127.0.0.1:${port} {`],
      [`reverse_proxy relay:${image.env.SCANDESK_RELAY_PORT}`, `reverse_proxy 127.0.0.1:${closed}`],
    ] as const) {
      expect(site, from).toContain(from)
      site = site.replace(from, to)
    }
    const options = /^\{\n/m
    site = options.test(site)
      ? site.replace(options, '{\n\tadmin off\n')
      : `{\n\tadmin off\n}\n${site}`
    writeFileSync(join(dir, 'Caddyfile'), site)
    const caddy = spawn(
      caddyBin(),
      ['run', '--adapter', 'caddyfile', '--config', join(dir, 'Caddyfile')],
      { env: { PATH: process.env.PATH, HOME: dir, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir } },
    )
    let written = ''
    caddy.stdout.on('data', (d: Buffer) => (written += d.toString('utf8')))
    caddy.stderr.on('data', (d: Buffer) => (written += d.toString('utf8')))
    const stopped = new Promise((r) => caddy.once('exit', r))
    const personal = personalRequests('c-expo', 'screenKeySecret42', 'PAIR9CODE')
    try {
      const url = `http://127.0.0.1:${port}`
      const deadline = Date.now() + 10_000
      while ((await fetch(`${url}/healthz`).catch(() => null)) === null) {
        expect(Date.now(), 'caddy did not answer').toBeLessThan(deadline)
        await new Promise((r) => setTimeout(r, 100))
      }
      for (let i = 0; i < 3; i++) {
        for (const path of [personal.wall, personal.search, personal.pair]) {
          expect((await fetch(url + path)).status, path).toBe(502)
        }
        const push = await fetch(url + personal.push, { method: 'POST', body: '<xml/>' })
        expect(push.status).toBe(502)
      }
    } finally {
      caddy.kill('SIGTERM')
      await stopped
    }
    // Each failure is logged, by its path; nothing personal is.
    const uris = [...written.matchAll(/"logger":"http\.log\.error".*?"uri":"([^"]*)"/g)].map(
      (m) => m[1] ?? '',
    )
    expect(uris.filter((u) => u.startsWith('/wechat?')).length).toBe(3)
    expect(uris.filter((u) => u.startsWith('/screen/c-expo/wall')).length).toBe(3)
    expect(uris.filter((u) => u.startsWith('/console/api/attendance')).length).toBe(3)
    expect(uris.filter((u) => u.startsWith('/pair/')).length).toBe(3)
    for (const secret of personal.secrets) expect(written).not.toContain(secret)
  })

  it("docs/DEPLOY.md step 8's Redis backup and restore bring the relay's data back", async () => {
    // Restoring: put dump.rdb in the volume without appendonlydir, start Redis once with
    // --appendonly no, CONFIG SET appendonly yes, then compose's Redis again. Stopped before its
    // first AOF is written (Redis refuses a SHUTDOWN then, and `docker compose stop` kills it),
    // the next start with --appendonly yes reads no snapshot and the relay starts on an empty
    // store: the campaign's attendance gone. The doc, in both languages, says to wait for it.
    const doc = read('docs/DEPLOY.md')
    expect(doc.match(/aof_rewrite_in_progress:0/g)?.length).toBe(2)
    expect(doc.match(/DBSIZE/g)?.length).toBe(2)
    const cli = async (sock: string, ...args: string[]): Promise<string> =>
      (await run('/usr/bin/redis-cli', ['-s', sock, ...args])).stdout.trim()
    /** compose.yaml's Redis (or its command with `extra`) on a folder, on a unix socket. */
    const redisOn = async (dir: string, extra: string[] = []) => {
      const [bin = '', ...args] = redis.command ?? []
      const sock = join(dir, 'redis.sock')
      const child = spawn(
        bin === 'redis-server' ? REDIS_SERVER_BIN : bin,
        [...args, ...extra, '--port', '0', '--unixsocket', sock, '--dir', dir],
        { stdio: 'ignore' },
      )
      const exited = new Promise<void>((r) => child.once('exit', () => r()))
      for (let i = 0; i < 400 && (await cli(sock, 'PING').catch(() => '')) !== 'PONG'; i++) {
        await new Promise((r) => setTimeout(r, 25))
      }
      return { sock, exited, kill: () => child.kill('SIGKILL') }
    }
    const until = async (sock: string, done: (info: string) => boolean): Promise<void> => {
      for (let i = 0; i < 400 && !done(await cli(sock, 'INFO', 'persistence')); i++) {
        await new Promise((r) => setTimeout(r, 25))
      }
      expect(done(await cli(sock, 'INFO', 'persistence'))).toBe(true)
    }
    const relayOn = (sock: string, ...args: string[]): string[] =>
      relayCli(bundle.entry, [...args, '--redis', sock], { env: { PATH: process.env.PATH } })

    const live = await redisOn(scratch('redis-live-'))
    const restored = scratch('redis-restored-')
    const bare = scratch('redis-bare-')
    const started = [live]
    try {
      relayOn(live.sock, 'kiosk', 'add', 'booth-1')
      relayOn(live.sock, 'organizer', 'add', 'alice')
      // Backup: BGSAVE, wait for it, copy dump.rdb out.
      expect(await cli(live.sock, 'BGSAVE')).toMatch(/Background saving started/)
      await until(
        live.sock,
        (i) => /rdb_bgsave_in_progress:0/.test(i) && /rdb_last_bgsave_status:ok/.test(i),
      )
      const dump = readFileSync(join(live.sock, '..', 'dump.rdb'))
      writeFileSync(join(restored, 'dump.rdb'), dump)
      writeFileSync(join(bare, 'dump.rdb'), dump)

      // Why the steps: compose's Redis on the snapshot alone starts empty.
      const wrong = await redisOn(bare)
      started.push(wrong)
      expect(await cli(wrong.sock, 'DBSIZE')).toBe('0')

      const once = await redisOn(restored, ['--appendonly', 'no'])
      started.push(once)
      expect(await cli(once.sock, 'CONFIG', 'SET', 'appendonly', 'yes')).toBe('OK')
      await until(
        once.sock,
        (i) => /aof_rewrite_in_progress:0/.test(i) && /aof_rewrite_scheduled:0/.test(i),
      )
      await cli(once.sock, 'SHUTDOWN').catch(() => '')
      await once.exited
      const back = await redisOn(restored)
      started.push(back)
      expect(Number(await cli(back.sock, 'DBSIZE'))).toBeGreaterThan(0)
      expect(relayOn(back.sock, 'kiosk', 'list')[0]).toMatch(/^booth-1\tactive/)
      expect(relayOn(back.sock, 'organizer', 'list')[0]).toMatch(/^alice\t/)
    } finally {
      for (const r of started) r.kill()
      await Promise.all(started.map((r) => r.exited))
    }
  })
})

describe('deploy/scandesk-relay.service', () => {
  const text = read('deploy/scandesk-relay.service')
  const unit = parseUnit(text)
  const one = (key: string): string => {
    const values = unitValues(unit, 'Service', key)
    expect(values, key).toHaveLength(1)
    return values[0] ?? ''
  }

  it('restarts on failure, is hardened and stops after the relay has drained', () => {
    expect(one('Restart')).toBe('on-failure')
    for (const [key, value] of [
      ['NoNewPrivileges', 'yes'],
      ['ProtectSystem', 'strict'],
      ['ProtectHome', 'yes'],
      ['PrivateTmp', 'yes'],
      ['StateDirectory', 'scandesk-relay'],
    ]) {
      expect(one(key ?? ''), key).toBe(value)
    }
    expect(one('User')).not.toBe('root')
    expect(Number(one('TimeoutStopSec')) * 1000).toBeGreaterThan(
      loadRelayConfig().shutdownTimeoutMs,
    )
  })

  it('its ExecStart with its environment serves pushes into the StateDirectory', async () => {
    const state = scratch('relay-unit-state-')
    const envFile = join(scratch('relay-unit-etc-'), 'relay.env')
    // deploy/env.example filled in and installed where EnvironmentFile= says.
    writeFileSync(
      envFile,
      Object.entries(FILLED)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(''),
    )
    const specifiers = { S: state }
    const env: Record<string, string | undefined> = { PATH: process.env.PATH }
    for (const value of unitValues(unit, 'Service', 'Environment')) {
      for (const word of unitWords(value)) {
        const eq = word.indexOf('=')
        env[word.slice(0, eq)] = expandSpecifiers(word.slice(eq + 1), specifiers)
      }
    }
    expect(one('EnvironmentFile')).toBe('/etc/scandesk-relay/relay.env')
    Object.assign(env, parseEnvFile(readFileSync(envFile, 'utf8')))
    // systemd creates the StateDirectory under %S before starting the service.
    const dataDir = join(state, one('StateDirectory'))
    expect(env.SCANDESK_RELAY_DATA).toBe(dataDir)
    mkdirSync(dataDir, { mode: 0o700 })
    expect(env.SCANDESK_RELAY_HOST).toBe('127.0.0.1')
    env.SCANDESK_RELAY_PORT = '0' // 8787 may be taken on a test machine
    for (const name of Object.keys(env)) {
      if (name.startsWith('SCANDESK_RELAY_')) expect(CONFIG_ENV_NAMES.has(name), name).toBe(true)
    }

    // WorkingDirectory (/opt/scandesk, a checkout) holds out/relay/relay.mjs, like the image's.
    expect(one('WorkingDirectory')).toBe('/opt/scandesk')
    const cwd = bundle.dir
    const [cmd, args] = localCommand(unitWords(one('ExecStart')))
    const relay = await spawnRelay(cmd, args, { cwd, env })
    running.push(relay)
    await servesPushes(relay, (a) => relayCli('out/relay/relay.mjs', a, { cwd, env }))
    expect(one('KillSignal')).toBe('SIGTERM')
    relay.child.kill('SIGTERM')
    expect((await relay.exited).code).toBe(0)
    const db = new Database(join(dataDir, 'relay.sqlite'), { readonly: true, fileMustExist: true })
    expect(db.prepare('SELECT openid FROM events').all()).toEqual([{ openid: 'o_deploy' }])
    db.close()
  })

  it('stops restarting on a setting the relay refuses, and restarts on anything else', async () => {
    // Restart=on-failure with RestartSec=2 restarted a relay.env left as deploy/env.example
    // ships it (no Token) or with a misspelt TZ every 2 s for ever: the same line in the
    // journal each time, `systemctl status` "activating (auto-restart)" rather than failed.
    // The relay exits 2 on a setting it refuses; the unit does not restart on that.
    expect(one('RestartPreventExitStatus')).toBe('2')
    const env: Record<string, string | undefined> = { PATH: process.env.PATH }
    for (const value of unitValues(unit, 'Service', 'Environment')) {
      for (const word of unitWords(value)) {
        const eq = word.indexOf('=')
        env[word.slice(0, eq)] = expandSpecifiers(word.slice(eq + 1), { S: scratch('relay-unit-') })
      }
    }
    const [cmd, args] = localCommand(unitWords(one('ExecStart')))
    const exit = (extra: Record<string, string>): Promise<{ code: number; stderr: string }> =>
      run(cmd, args, { cwd: bundle.dir, env: { ...env, ...envExample, ...extra } }).then(
        () => ({ code: 0, stderr: '' }),
        (err: { code?: number; stderr?: string }) => ({
          code: err.code ?? -1,
          stderr: err.stderr ?? '',
        }),
      )
    const unfilled = await exit({ SCANDESK_RELAY_PORT: '0' })
    expect(unfilled.code).toBe(2)
    expect(unfilled.stderr).toContain('SCANDESK_RELAY_WECHAT_TOKEN')
    const zone = await exit({ ...FILLED, SCANDESK_RELAY_PORT: '0', TZ: 'Asia/Shangai' })
    expect(zone.code).toBe(2)
    expect(zone.stderr).toContain('Asia/Shangai')

    // A config file named in relay.env on a mount not up yet (an NFS share, a secrets volume
    // mounted after boot) is worth a retry: exiting 2 left the relay down for good once the
    // file was there. A file that is there but refused is not.
    const mount = scratch('relay-mount-')
    const config = join(mount, 'share', 'relay.json')
    const notYet = await exit({
      ...FILLED,
      SCANDESK_RELAY_PORT: '0',
      SCANDESK_RELAY_CONFIG: config,
    })
    expect(notYet.stderr).toContain(`cannot read ${config}`)
    expect(notYet.stderr).toContain('started again')
    expect(notYet.code).toBe(1)
    mkdirSync(join(mount, 'share'))
    writeFileSync(config, '{"prot": 8787}')
    const refused = await exit({
      ...FILLED,
      SCANDESK_RELAY_PORT: '0',
      SCANDESK_RELAY_CONFIG: config,
    })
    expect(refused.code).toBe(2)
    // The unit waits for network file systems mounted at boot (fstab `_netdev`, NFS, CIFS).
    expect(unitValues(unit, 'Unit', 'After').flatMap(unitWords)).toContain('remote-fs.target')

    // Another relay still holding the data folder (the old one not gone yet) is worth a retry.
    const held = { ...FILLED, SCANDESK_RELAY_PORT: '0' }
    const first = await spawnRelay(cmd, args, { cwd: bundle.dir, env: { ...env, ...held } })
    running.push(first)
    const second = await exit(held)
    expect(second.stderr).toContain('in use')
    expect(second.code).toBe(1)
    first.child.kill('SIGTERM')
    expect((await first.exited).code).toBe(0)
  })

  it("with Redis in relay.env, docs/DEPLOY.md's one-off commands read it and reach the relay's store", async () => {
    // `sudo -u scandesk-relay node … kiosk add booth-1 --data /var/lib/scandesk-relay` never sees
    // relay.env: with SCANDESK_RELAY_REDIS there it wrote the kiosk into a SQLite store nobody
    // reads, and the booth's token was refused. The documented command, in both languages:
    const etc = '/etc/scandesk-relay/relay.env'
    const entry = '/opt/scandesk/out/relay/relay.mjs'
    const documented = [...read('docs/DEPLOY.md').matchAll(/`sudo (node --env-file=[^`]*)`/g)]
    expect(documented.map((m) => m[1])).toEqual([
      `node --env-file=${etc} ${entry} kiosk add booth-1`,
      `node --env-file=${etc} ${entry} kiosk add booth-1`,
    ])
    const redis = await startRedis({ tcp: true })
    try {
      const envFile = join(scratch('relay-unit-etc-'), 'relay.env')
      const filled = { ...FILLED, SCANDESK_RELAY_REDIS: redis.url }
      writeFileSync(
        envFile,
        Object.entries(filled)
          .map(([k, v]) => `${k}=${v}\n`)
          .join(''),
      )
      // Run from an empty folder, as root runs it from wherever it is: nothing is written there.
      const cwd = scratch('relay-unit-cwd-')
      const words = (documented[0]?.[1] ?? '').split(' ').slice(1)
      const args = words.map((w) =>
        w.replace(etc, envFile).replace(entry, join(bundle.dir, 'out/relay/relay.mjs')),
      )
      const { stdout } = await run(process.execPath, args, { cwd, env: { PATH: process.env.PATH } })
      expect(stdout).toMatch(/^kiosk booth-1 ready/)
      expect(readdirSync(cwd)).toEqual([])
      const store = await openRedisStore({ url: redis.url })
      try {
        expect((await store.listKiosks()).map((k) => k.kioskId)).toEqual(['booth-1'])
      } finally {
        await store.close()
      }
    } finally {
      await redis.stop()
    }
  })

  it('lets node start under its system call filter (V8 calls pkey_alloc at start)', async () => {
    // Measured (strace of the relay serving pushes, the console and a sign-in; a seccomp filter
    // killing pkey_*): every system call node made is in @system-service but pkey_alloc, and
    // node 20 dies of SIGSYS on it at start. The unit allows it and turns any other call
    // outside the list into EPERM rather than a kill.
    const analyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p))
    expect(analyze, 'systemd-analyze (apt-get install systemd)').toBeDefined()
    const sets = unitValues(unit, 'Service', 'SystemCallFilter').flatMap((v) => unitWords(v))
    expect(
      sets.some((s) => s.startsWith('~')),
      'allow-lists only',
    ).toBe(false)
    const allowed = new Set<string>()
    const seen = new Set<string>()
    const expand = async (name: string): Promise<void> => {
      if (!name.startsWith('@')) return void allowed.add(name)
      if (seen.has(name)) return
      seen.add(name)
      const { stdout } = await run(analyze ?? '', ['syscall-filter', name])
      for (const line of stdout.split('\n')) {
        const word = line.trim()
        if (word !== '' && !word.startsWith('#') && word !== name) await expand(word)
      }
    }
    for (const set of sets) await expand(set)
    expect(allowed.has('read') && allowed.has('epoll_wait'), 'the sets expanded').toBe(true)
    for (const call of ['pkey_alloc', 'pkey_free', 'pkey_mprotect']) {
      expect(allowed.has(call), call).toBe(true)
    }
    expect(one('SystemCallErrorNumber')).toBe('EPERM')
  })

  it('passes systemd-analyze verify without a warning', async () => {
    // A failure, not a skip, when missing: CI installs it (Debian: apt-get install systemd).
    const analyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p))
    expect(analyze, 'systemd-analyze (apt-get install systemd)').toBeDefined()
    // verify checks that ExecStart's program exists: this machine's node may live elsewhere.
    const copy = join(scratch('relay-unit-verify-'), 'scandesk-relay.service')
    writeFileSync(copy, text.replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `))
    const { stdout, stderr } = await run(analyze ?? '', ['verify', copy])
    expect(stdout + stderr).toBe('')
  })

  it("docs/DEPLOY.md's Caddyfile for it, after deploy/Caddyfile's log block, proxies to its port but not /metrics", async () => {
    // Step 10 gives the site block to write into /etc/caddy/Caddyfile, after the global block
    // from the top of deploy/Caddyfile: the two together must be one valid Caddyfile, and the
    // block must reach the port the unit has the relay listen on (both languages alike).
    const doc = read('docs/DEPLOY.md')
    const english = doc.indexOf('\n## English\n')
    const site = (half: string): string =>
      /\n```\n(relay\.example\.com \{\n[\s\S]*?\n\})\n```\n/.exec(half)?.[1] ?? ''
    const [zh, en] = [site(doc.slice(0, english)), site(doc.slice(english))]
    expect(en).not.toBe('')
    expect(zh).toBe(en)
    const global = /^\{\n[\s\S]*?\n\}\n/m.exec(read('deploy/Caddyfile'))?.[0] ?? ''
    expect(global).toContain('log {')
    const file = join(scratch('relay-unit-caddy-'), 'Caddyfile')
    writeFileSync(file, `${global}\n${en}\n`)
    const { stdout } = await run(caddyBin(), ['adapt', '--adapter', 'caddyfile', '--config', file])
    const server = caddyJsonSchema.parse(JSON.parse(stdout)).apps.http.servers.srv0
    expect(server.listen).toEqual([':443'])
    const inner = server.routes[0]?.handle[0]?.routes ?? []
    expect(inner[0]).toEqual({
      match: [{ path: ['/metrics'] }],
      handle: [{ handler: 'static_response', status_code: 404 }],
    })
    let port = ''
    for (const value of unitValues(unit, 'Service', 'Environment')) {
      for (const word of unitWords(value)) {
        if (word.startsWith('SCANDESK_RELAY_PORT=')) port = word.split('=')[1] ?? ''
      }
    }
    expect(port).toBe('8787')
    expect(inner[1]?.handle).toEqual([
      { handler: 'reverse_proxy', upstreams: [{ dial: `127.0.0.1:${port}` }] },
    ])
  })
})

describe('deploy/nginx.conf', () => {
  interface Answer {
    status: number
    headers: IncomingHttpHeaders
    text: string
  }

  it('passes the browser, the console and the kiosks through to the relay as Caddy does', async () => {
    // A failure, not a skip, when missing: CI installs it (Debian: apt-get install nginx-light).
    const bin = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p))
    expect(bin, 'nginx (apt-get install nginx-light)').toBeDefined()
    const dir = scratch('relay-nginx-')
    const host = FILLED.SCANDESK_DOMAIN
    // A certificate for the domain, where the file's certbot paths are.
    await run('openssl', [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
      ...['-days', '1', '-subj', `/CN=${host}`, '-keyout', join(dir, 'key.pem')],
      ...['-out', join(dir, 'cert.pem')],
    ])
    // The relay as the systemd unit runs it: behind one trusted proxy.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      SCANDESK_RELAY_WECHAT_TOKEN: TOKEN,
      SCANDESK_RELAY_DATA: scratch('relay-nginx-data-'),
      SCANDESK_RELAY_PORT: '0',
    }
    for (const value of unitValues(
      parseUnit(read('deploy/scandesk-relay.service')),
      'Service',
      'Environment',
    )) {
      for (const word of unitWords(value)) {
        if (word.startsWith('SCANDESK_RELAY_TRUST_PROXY_HOPS='))
          env.SCANDESK_RELAY_TRUST_PROXY_HOPS = word.split('=')[1]
      }
    }
    expect(env.SCANDESK_RELAY_TRUST_PROXY_HOPS).toBe('1')
    const relay = await spawnRelay(process.execPath, ['out/relay/relay.mjs'], {
      cwd: bundle.dir,
      env,
    })
    running.push(relay)
    const password =
      relayCli('out/relay/relay.mjs', ['organizer', 'add', 'alice'], { cwd: bundle.dir, env }).at(
        -1,
      ) ?? ''

    // deploy/nginx.conf as written, but on loopback ports with this certificate and relay.
    const [https, http] = [await freePort(), await freePort()]
    const relayPort = new URL(relay.url).port
    let site = read('deploy/nginx.conf')
    for (const [from, to] of [
      ['listen 443 ssl;', `listen 127.0.0.1:${https} ssl;`],
      ['listen 80;', `listen 127.0.0.1:${http};`],
      [`/etc/letsencrypt/live/${host}/fullchain.pem`, join(dir, 'cert.pem')],
      [`/etc/letsencrypt/live/${host}/privkey.pem`, join(dir, 'key.pem')],
      ['http://127.0.0.1:8787', `http://127.0.0.1:${relayPort}`],
    ] as const) {
      expect(site, from).toContain(from)
      site = site.replaceAll(from, to)
    }
    site = site.replace(/^\s*listen \[::\]:\d+( ssl)?;\n/gm, '')
    // Its access log where nginx's own default (Debian's nginx.conf) would put every request.
    const accessLog = join(dir, 'access.log')
    site = site.replaceAll('/var/log/nginx/access.log', accessLog)
    const errorLog = join(dir, 'error.log')
    site = site.replaceAll('/var/log/nginx/error.log', errorLog)
    const temp = (name: string): string => `${name} ${join(dir, 'tmp')};`
    // Run as root, nginx's workers are `nobody`: they keep a large upload's body in tmp.
    chmodSync(dir, 0o711)
    mkdirSync(join(dir, 'tmp'), { mode: 0o777 })
    chmodSync(join(dir, 'tmp'), 0o777)
    writeFileSync(
      join(dir, 'nginx.conf'),
      [
        `pid ${join(dir, 'nginx.pid')};`,
        `error_log ${errorLog};`,
        'daemon off;',
        'events { worker_connections 64; }',
        'http {',
        `access_log ${accessLog};`,
        // Compression on for the whole of nginx, as Debian's nginx.conf has it (types widened).
        'gzip on; gzip_types application/json text/csv text/javascript text/css;',
        ...['client_body_temp_path', 'proxy_temp_path', 'fastcgi_temp_path'].map(temp),
        ...['uwsgi_temp_path', 'scgi_temp_path'].map(temp),
        site,
        '}',
      ].join('\n'),
    )
    const nginx = spawn(bin ?? '', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' })
    const stopped = new Promise((r) => nginx.once('exit', r))
    try {
      // Up once it answers on its https port.
      const call = (
        method: string,
        path: string,
        headers: Record<string, string> = {},
        body?: string,
      ): Promise<Answer> =>
        new Promise((resolve, reject) => {
          const req = httpsRequest({
            host: '127.0.0.1',
            port: https,
            servername: host,
            rejectUnauthorized: false,
            method,
            path,
            headers: { host, ...headers },
          })
          req.on('error', reject)
          req.on('response', (res) => {
            let text = ''
            res.setEncoding('utf8')
            res.on('data', (d: string) => (text += d))
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, headers: res.headers, text }),
            )
          })
          req.end(body)
        })
      const deadline = Date.now() + 10_000
      for (;;) {
        const up = await call('GET', '/healthz').catch(() => null)
        if (up?.status === 200) break
        expect(Date.now(), 'nginx did not answer').toBeLessThan(deadline)
        await new Promise((r) => setTimeout(r, 100))
      }
      expect((await call('GET', '/metrics')).status).toBe(404)
      // Nor under a disguise nginx passes on as written and a URL parser reads as /metrics.
      for (const disguised of ['//a/metrics', '/x\\..\\metrics', '/x/..\\metrics']) {
        const answer = await call('GET', disguised)
        expect(answer.text, disguised).not.toMatch(/scandesk_/)
        expect(answer.status, disguised).not.toBe(200)
      }

      // A browser on https://<domain>/console/ signs in: same origin, and a Secure cookie.
      const page = { origin: `https://${host}`, 'content-type': 'application/json' }
      const login = await call(
        'POST',
        '/console/api/login',
        page,
        JSON.stringify({ name: 'alice', password }),
      )
      expect(login.status, login.text).toBe(200)
      const setCookie = login.headers['set-cookie']?.[0] ?? ''
      expect(setCookie).toContain('; Secure')
      const cookie = /^[^;]*/.exec(setCookie)?.[0] ?? ''
      // Served on another port than 443 (here nginx's own), the browser's Host and Origin name
      // the port: nginx passes the Host as the browser sent it, as Caddy does (`$host` dropped
      // the port, and every console sign-in and change was refused 403 as cross-origin).
      const elsewhere = await call(
        'POST',
        '/console/api/login',
        {
          host: `${host}:${https}`,
          origin: `https://${host}:${https}`,
          'content-type': 'application/json',
        },
        JSON.stringify({ name: 'alice', password }),
      )
      expect(elsewhere.status, elsewhere.text).toBe(200)
      // A request without any Host (HTTP/1.0) still reaches the relay with nginx's own name for
      // it: Node refuses an HTTP/1.1 request without one (400).
      const bare = await new Promise<string>((resolve, reject) => {
        const socket = tlsConnect({ host: '127.0.0.1', port: https, rejectUnauthorized: false })
        let text = ''
        socket.setEncoding('utf8')
        socket.on('secureConnect', () => socket.write('GET /healthz HTTP/1.0\r\n\r\n'))
        socket.on('data', (d: string) => (text += d))
        socket.on('end', () => resolve(text))
        socket.on('error', reject)
      })
      expect(bare.split('\r\n')[0]).toMatch(/^HTTP\/1\.[01] 200 /)

      // The relay's compression passes through as sent, Vary included; nginx's own gzip
      // compresses no API answer (they carry screen keys and pairing codes: BREACH).
      const app = await call('GET', '/console/', { 'accept-encoding': 'gzip, deflate, br' })
      expect(app.status).toBe(200)
      expect(app.headers['content-encoding']).toBe('br')
      expect(app.headers.vary).toContain('Accept-Encoding')
      const plainApp = await call('GET', '/console/')
      expect(plainApp.headers['content-encoding']).toBeUndefined()
      expect(plainApp.text).toContain('<div id="app">')
      const added = await call(
        'POST',
        '/console/api/kiosks',
        { ...page, cookie },
        JSON.stringify({ id: 'k1' }),
      )
      expect(added.status, added.text).toBe(201)
      const { pairingCode } = z.object({ pairingCode: z.string() }).parse(JSON.parse(added.text))

      // A roster of 50,000 (2 MB) reaches the relay, not nginx's 1 MiB default.
      const made = await call(
        'POST',
        '/console/api/campaigns',
        { ...page, cookie },
        JSON.stringify({ name: '展会' }),
      )
      expect(made.status, made.text).toBe(201)
      const { id: campaignId, screenKey } = z
        .object({ id: z.string(), screenKey: z.string() })
        .parse(JSON.parse(made.text))
      // The campaign (with its screen key) read back through nginx: not compressed by it.
      const listed = await call('GET', '/console/api/campaigns', {
        cookie,
        'accept-encoding': 'gzip',
      })
      expect(listed.status).toBe(200)
      expect(listed.headers['content-encoding']).toBeUndefined()
      const rows = ['姓名,公司,手机,编号']
      for (let i = 0; i < 50_000; i++)
        rows.push(`来宾${i},公司${i % 97},1380000${String(i).padStart(4, '0')},R${i}`)
      const roster = await call(
        'POST',
        `/console/api/campaigns/${campaignId}/roster`,
        { origin: page.origin, cookie, 'content-type': 'text/csv' },
        rows.join('\n'),
      )
      expect(roster.status, roster.text.slice(0, 200)).toBe(200)

      // What the access log must not keep.
      const personal = personalRequests(campaignId, screenKey, pairingCode)
      const sendPersonal = async (): Promise<number[]> => [
        (await call('GET', personal.wall)).status,
        (await call('GET', personal.search, { cookie })).status,
        (await call('POST', personal.push, { 'content-type': 'text/xml' }, '<xml/>')).status,
        (await call('GET', personal.pair)).status,
      ]
      const [wall, search, , pair] = await sendPersonal()
      expect([wall, search, pair]).toEqual([200, 200, 200])

      // The booth pairs and its websocket gets through.
      const paired = await call(
        'POST',
        '/api/pair',
        { 'content-type': 'application/json' },
        JSON.stringify({ code: pairingCode }),
      )
      expect(paired.status).toBe(200)
      const { token } = z.object({ token: z.string() }).parse(JSON.parse(paired.text))
      const kiosk = await KioskClient.connect(`https://127.0.0.1:${https}`, token, {
        headers: { host, authorization: `Bearer ${token}` },
        rejectUnauthorized: false,
      })
      kiosk.send({ type: 'hello', kioskId: 'k1' })
      await kiosk.waitFor((f) => f.type === 'welcome')
      await kiosk.close()
      // Plain http is sent to https.
      const plain = await fetch(`http://127.0.0.1:${http}/console/`, {
        headers: { host },
        redirect: 'manual',
      })
      expect(plain.status).toBe(301)
      await fetch(`http://127.0.0.1:${http}/screen/${campaignId}/wall?key=${screenKey}`, {
        headers: { host },
        redirect: 'manual',
      })

      // Every request is logged, by its path alone.
      const logged = readFileSync(accessLog, 'utf8')
      expect(logged).toContain(`/screen/${campaignId}/wall`)
      expect(logged).toContain('/console/api/attendance')
      expect(logged).toContain('/wechat')
      for (const secret of personal.secrets) expect(logged).not.toContain(secret)

      // The relay down or restarting (WeChat retries each push three times meanwhile): nginx's
      // error log writes a failed request's line and upstream URL, query and all. Those whose
      // URL carries personal data leave nothing there; the others keep their diagnostics.
      relay.child.kill('SIGTERM')
      expect((await relay.exited).code).toBe(0)
      for (let i = 0; i < 3; i++) expect(await sendPersonal()).toEqual([502, 502, 502, 502])
      expect((await call('GET', '/healthz')).status).toBe(502)
      const errors = readFileSync(errorLog, 'utf8')
      expect(errors).toMatch(/connect\(\) failed .* request: "GET \/healthz HTTP\/1\.1"/)
      for (const secret of personal.secrets) expect(errors).not.toContain(secret)
    } finally {
      nginx.kill('SIGTERM')
      await stopped
    }
  })
})

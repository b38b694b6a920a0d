import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parseArgs, UsageError } from '../../relay/cli-args'
import {
  CONFIG_FLAGS,
  RelayConfigError,
  envNameOf,
  flagNameOf,
  loadRelayConfig,
  unknownEnvNames,
} from '../../relay/config'
import { parseSceneRanges } from '../../relay/kiosk-admin'
import { parseRedisClusterUrl } from '../../relay/store/redis/cluster-url'
import { DEFAULT_ENDED_REPLY, DEFAULT_TAKEN_REPLY } from '../../relay/scan-rules'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..')

const files = (content: Record<string, string>) => (path: string) => {
  const text = content[path]
  if (text === undefined) throw new Error('ENOENT')
  return text
}

/** The message of the RelayConfigError `opts` must raise (fails if none, or another error). */
function bad(opts: Parameters<typeof loadRelayConfig>[0]): string {
  try {
    loadRelayConfig(opts)
  } catch (err) {
    expect(err).toBeInstanceOf(RelayConfigError)
    return (err as RelayConfigError).message
  }
  throw new Error('expected a RelayConfigError')
}

describe('relay config', () => {
  it('has the contract defaults', () => {
    expect(loadRelayConfig()).toEqual({
      port: 8787,
      host: '127.0.0.1',
      data: './relay-data',
      redis: null,
      redisTlsCaFile: null,
      redisWaitReplicas: 0,
      redisWaitTimeoutMs: 1000,
      timestampWindowSeconds: 300,
      ackedRetentionDays: 7,
      unackedRetentionDays: 30,
      ticketRatePerMinute: 30,
      ticketBurst: 40,
      ticketConcurrency: 4,
      ticketDailyBudget: 10_000,
      maxTicketExpireSeconds: 14_400,
      shutdownTimeoutMs: 10_000,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 15_000,
      uploadIdleTimeoutMs: 60_000,
      uploadTimeoutMs: 3_600_000,
      keepAliveTimeoutMs: 5_000,
      idleTimeoutMs: 30_000,
      maxConnections: 10_000,
      trustProxyHops: 0,
      consoleDir: null,
      oneVisitorPerCode: false,
      stopAfterEndsAt: false,
      wechat: {
        apiBase: 'https://api.weixin.qq.com',
        appId: '',
        appSecret: '',
        token: '',
        encodingAESKey: '',
        mode: 'plain',
        previousToken: '',
        previousEncodingAESKey: '',
      },
      reply: { subscribe: '', scan: '', taken: DEFAULT_TAKEN_REPLY, ended: DEFAULT_ENDED_REPLY },
      followUp: { batchWindowMs: 1000, windowSeconds: 60 },
    })
  })

  it('turns the opt-in scan rules on by file, env or flag, and refuses anything but true or false', () => {
    const readFile = files({ 'r.json': JSON.stringify({ oneVisitorPerCode: true }) })
    expect(loadRelayConfig({ readFile, flags: { config: 'r.json' } })).toMatchObject({
      oneVisitorPerCode: true,
      stopAfterEndsAt: false,
    })
    expect(
      loadRelayConfig({ env: { SCANDESK_RELAY_STOP_AFTER_ENDS_AT: 'true' } }).stopAfterEndsAt,
    ).toBe(true)
    expect(loadRelayConfig({ flags: { 'one-visitor-per-code': 'true' } }).oneVisitorPerCode).toBe(
      true,
    )
    // '1', 'yes' or 'on' would be a guess: refused naming the setting and where it came from.
    expect(() => loadRelayConfig({ env: { SCANDESK_RELAY_ONE_VISITOR_PER_CODE: '1' } })).toThrow(
      'relay config: oneVisitorPerCode must be true or false (got "1" from SCANDESK_RELAY_ONE_VISITOR_PER_CODE)',
    )
    expect(() => loadRelayConfig({ flags: { 'stop-after-ends-at': 'yes' } })).toThrow(
      /stopAfterEndsAt must be true or false .*--stop-after-ends-at/,
    )
    const text = files({ 'r.json': JSON.stringify({ stopAfterEndsAt: 'true' }) })
    expect(() => loadRelayConfig({ readFile: text, flags: { config: 'r.json' } })).toThrow(
      'relay config: stopAfterEndsAt must be true or false (from r.json)',
    )
  })

  it('takes the shutdown bound from env or flag, and refuses a bad one', () => {
    const env = { SCANDESK_RELAY_SHUTDOWN_TIMEOUT_MS: '2500' }
    expect(loadRelayConfig({ env }).shutdownTimeoutMs).toBe(2500)
    expect(
      loadRelayConfig({ env, flags: { 'shutdown-timeout-ms': '700' } }).shutdownTimeoutMs,
    ).toBe(700)
    expect(() => loadRelayConfig({ env: { SCANDESK_RELAY_SHUTDOWN_TIMEOUT_MS: '0' } })).toThrow(
      /shutdownTimeoutMs/,
    )
  })

  it('takes connection limits from env and flags, and refuses headers outlasting the request', () => {
    const c = loadRelayConfig({
      env: { SCANDESK_RELAY_MAX_CONNECTIONS: '500', SCANDESK_RELAY_IDLE_TIMEOUT_MS: '2000' },
      flags: { 'headers-timeout-ms': '3000', 'keep-alive-timeout-ms': '1000' },
    })
    expect(c).toMatchObject({
      maxConnections: 500,
      idleTimeoutMs: 2000,
      headersTimeoutMs: 3000,
      keepAliveTimeoutMs: 1000,
    })
    expect(() => loadRelayConfig({ flags: { 'headers-timeout-ms': '20000' } })).toThrow(
      /headersTimeoutMs must not exceed requestTimeoutMs/,
    )
    expect(() => loadRelayConfig({ flags: { 'max-connections': '0' } })).toThrow(/maxConnections/)
  })

  it('names where the other setting came from when two settings disagree', () => {
    // Was "headersTimeoutMs must not exceed requestTimeoutMs (set SCANDESK_RELAY_HEADERS_TIMEOUT_MS
    // or --headers-timeout-ms)": the deployer had set only --request-timeout-ms, and was sent to
    // a setting they never wrote, the one they did write left unsaid.
    expect(bad({ flags: { 'request-timeout-ms': '5000' } })).toBe(
      'relay config: headersTimeoutMs must not exceed requestTimeoutMs ' +
        '(requestTimeoutMs from --request-timeout-ms; headersTimeoutMs is its default: ' +
        'set SCANDESK_RELAY_HEADERS_TIMEOUT_MS or --headers-timeout-ms)',
    )
    expect(
      bad({
        readFile: files({ 'relay.json': '{"requestTimeoutMs": 5000}' }),
        flags: { config: 'relay.json', 'headers-timeout-ms': '6000' },
      }),
    ).toBe(
      'relay config: headersTimeoutMs must not exceed requestTimeoutMs ' +
        '(from --headers-timeout-ms; requestTimeoutMs from relay.json)',
    )
    // The CA file is refused for a Redis URL that is not TLS: say where that URL was set.
    expect(
      bad({
        readFile: files({ 'relay.json': '{"redisTlsCaFile": "/etc/ca.pem"}' }),
        flags: { config: 'relay.json' },
        env: { SCANDESK_RELAY_REDIS: 'redis://r:6379' },
      }),
    ).toMatch(
      /redisTlsCaFile needs a TLS Redis .* \(from relay\.json; redis from SCANDESK_RELAY_REDIS\)$/,
    )
  })

  it('names env vars and flags after the fields', () => {
    expect(envNameOf('port')).toBe('SCANDESK_RELAY_PORT')
    expect(envNameOf('wechat.token')).toBe('SCANDESK_RELAY_WECHAT_TOKEN')
    expect(envNameOf('wechat.encodingAESKey')).toBe('SCANDESK_RELAY_WECHAT_ENCODING_AES_KEY')
    expect(envNameOf('timestampWindowSeconds')).toBe('SCANDESK_RELAY_TIMESTAMP_WINDOW_SECONDS')
    expect(flagNameOf('wechat.appId')).toBe('wechat-app-id')
    expect(CONFIG_FLAGS.has('redis')).toBe(true)
  })

  it('sets the ticket proxy limits from env and flags, within bounds', () => {
    const c = loadRelayConfig({
      env: { SCANDESK_RELAY_TICKET_RATE_PER_MINUTE: '12', SCANDESK_RELAY_TICKET_BURST: '25' },
      flags: { 'ticket-concurrency': '2', 'max-ticket-expire-seconds': '3600' },
    })
    expect(c).toMatchObject({
      ticketRatePerMinute: 12,
      ticketBurst: 25,
      ticketConcurrency: 2,
      maxTicketExpireSeconds: 3600,
    })
    expect(() => loadRelayConfig({ flags: { 'max-ticket-expire-seconds': '2592001' } })).toThrow(
      /maxTicketExpireSeconds.*--max-ticket-expire-seconds/,
    )
    expect(() => loadRelayConfig({ env: { SCANDESK_RELAY_TICKET_CONCURRENCY: '0' } })).toThrow(
      /ticketConcurrency/,
    )
    expect(loadRelayConfig({ env: { SCANDESK_RELAY_TICKET_DAILY_BUDGET: '0' } })).toMatchObject({
      ticketDailyBudget: 0,
    })
    expect(loadRelayConfig({ flags: { 'ticket-daily-budget': '20000' } })).toMatchObject({
      ticketDailyBudget: 20_000,
    })
    expect(() => loadRelayConfig({ flags: { 'ticket-daily-budget': '-1' } })).toThrow(
      /ticketDailyBudget/,
    )
  })

  it('layers file, then env, then flags', () => {
    const readFile = files({
      'relay.json': JSON.stringify({
        port: 9000,
        data: '/srv/relay',
        wechat: { token: 'from-file', appId: 'wxfile' },
        reply: { subscribe: 'hi' },
      }),
    })
    const config = loadRelayConfig({
      readFile,
      env: {
        SCANDESK_RELAY_CONFIG: 'relay.json',
        SCANDESK_RELAY_PORT: '9100',
        SCANDESK_RELAY_WECHAT_TOKEN: 'from-env',
        SCANDESK_RELAY_REDIS: 'redis://127.0.0.1:6379',
      },
      flags: { port: '0', 'reply-scan': 'again' },
    })
    expect(config).toMatchObject({
      port: 0,
      data: '/srv/relay',
      redis: 'redis://127.0.0.1:6379',
      wechat: { token: 'from-env', appId: 'wxfile', mode: 'plain' },
      reply: { subscribe: 'hi', scan: 'again' },
    })
  })

  it('takes --config over SCANDESK_RELAY_CONFIG, and relay/README says so where --config is', () => {
    const readFile = files({
      'flag.json': JSON.stringify({ port: 9001 }),
      'env.json': JSON.stringify({ port: 9002, host: '0.0.0.0' }),
    })
    const env = { SCANDESK_RELAY_CONFIG: 'env.json' }
    expect(loadRelayConfig({ readFile, env }).port).toBe(9002)
    // The flag's file only: the variable's file is not read at all (its host is not taken).
    const both = loadRelayConfig({ readFile, env, flags: { config: 'flag.json' } })
    expect(both).toMatchObject({ port: 9001, host: '127.0.0.1' })
    // A deployer reads the README's "Run" section for how to name the file: the variable was
    // never named there, so a container (configured by env alone) had no way to find it.
    const readme = readFileSync(join(ROOT, 'relay/README.md'), 'utf8')
    const configParagraph = readme.split(/\n\s*\n/).find((p) => p.includes('--config')) ?? ''
    expect(configParagraph).toContain('SCANDESK_RELAY_CONFIG')
    expect(configParagraph).toMatch(/--config[^.]*wins/)
  })

  it("sets every field of the contract's config file from its env var and flag, as relay/README names them", () => {
    // Contract v1: every field, nested wechat.* and reply.* too, by SCANDESK_RELAY_<FIELD>. The
    // README gave the rule only by example (WECHAT_TOKEN), so a deployer had to guess between
    // SCANDESK_RELAY_WECHAT_APPID and _APP_ID (a typo is ignored, with a warning at start).
    const aesKey = 'a'.repeat(43)
    const values: Array<[path: string, raw: string, value: unknown]> = [
      ['port', '9100', 9100],
      ['data', '/srv/relay-data', '/srv/relay-data'],
      ['redis', 'redis://127.0.0.1:6390', 'redis://127.0.0.1:6390'],
      ['timestampWindowSeconds', '120', 120],
      ['wechat.apiBase', 'http://127.0.0.1:8788', 'http://127.0.0.1:8788'],
      ['wechat.appId', 'wx0123456789abcdef', 'wx0123456789abcdef'],
      ['wechat.appSecret', 's'.repeat(32), 's'.repeat(32)],
      ['wechat.token', 'Tok123', 'Tok123'],
      ['wechat.encodingAESKey', aesKey, aesKey],
      ['wechat.mode', 'plain', 'plain'],
      ['wechat.previousToken', 'OldTok123', 'OldTok123'],
      ['wechat.previousEncodingAESKey', 'b'.repeat(43), 'b'.repeat(43)],
      ['reply.subscribe', '欢迎', '欢迎'],
      ['reply.scan', 'welcome back', 'welcome back'],
      ['reply.taken', '请到展位扫码', '请到展位扫码'],
      ['reply.ended', '', ''],
      ['oneVisitorPerCode', 'true', true],
      ['stopAfterEndsAt', 'false', false],
    ]
    const readme = readFileSync(join(ROOT, 'relay/README.md'), 'utf8')
    const at = (c: object, path: string): unknown =>
      path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], c)
    for (const [path, raw, value] of values) {
      const env = envNameOf(path)
      expect(at(loadRelayConfig({ env: { [env]: raw } }), path), env).toEqual(value)
      expect(at(loadRelayConfig({ flags: { [flagNameOf(path)]: raw } }), path), path).toEqual(value)
      expect(readme, `relay/README.md names ${env}`).toContain(`\`${env}\``)
      expect(readme, `relay/README.md names --${flagNameOf(path)}`).toContain(
        `\`--${flagNameOf(path)}\``,
      )
    }
  })

  it('refuses a config file whose relative data now misses the store a relay before read', () => {
    // Upgraded from before config paths were the file's: the store is where the working
    // directory put it, the file's folder holds none. Starting there would show an empty store.
    const old = mkdtempSync(join(tmpdir(), 'relay-old-data-'))
    const top = mkdtempSync(join(tmpdir(), 'relay-etc-'))
    // Deeper than the working directory, so the relative path lands elsewhere from there.
    const etc = join(top, 'a', 'b', 'c', 'd', 'e')
    mkdirSync(etc, { recursive: true })
    try {
      writeFileSync(join(old, 'relay.sqlite'), '')
      const value = relative(process.cwd(), old)
      const config = join(etc, 'relay.json')
      writeFileSync(config, JSON.stringify({ data: value }))
      expect(() => loadRelayConfig({ flags: { config } })).toThrow(
        `relay config: data "${value}" in ${config} is read from the file's folder ` +
          `(${resolve(etc, value)}), which holds no relay store, while ${old}`,
      )
      // Once the file's folder holds a store (or the path is written absolute), it is used.
      writeFileSync(config, JSON.stringify({ data: old }))
      expect(loadRelayConfig({ flags: { config } }).data).toBe(old)
      mkdirSync(resolve(etc, value), { recursive: true })
      writeFileSync(join(resolve(etc, value), 'relay.sqlite'), '')
      writeFileSync(config, JSON.stringify({ data: value }))
      expect(loadRelayConfig({ flags: { config } }).data).toBe(resolve(etc, value))
    } finally {
      rmSync(old, { recursive: true, force: true })
      rmSync(top, { recursive: true, force: true })
    }
  })

  it("reads a config file's relative paths from the file's folder, the command line's from cwd", () => {
    // `node relay.mjs --config /etc/scandesk/relay.json` run from / put "data": "relay-data" in
    // /relay-data: the file's paths are now the file's, as docker compose reads its own.
    const readFile = files({
      '/etc/scandesk/relay.json': JSON.stringify({
        data: 'relay-data',
        consoleDir: '../console',
      }),
      'conf/relay.json': JSON.stringify({ data: './d', consoleDir: '/srv/console' }),
      '/etc/mem.json': JSON.stringify({ data: ':memory:' }),
    })
    expect(
      loadRelayConfig({ readFile, flags: { config: '/etc/scandesk/relay.json' } }),
    ).toMatchObject({ data: '/etc/scandesk/relay-data', consoleDir: '/etc/console' })
    // A relative config file is found from cwd, and its paths from its own folder.
    expect(
      loadRelayConfig({ readFile, env: { SCANDESK_RELAY_CONFIG: 'conf/relay.json' } }),
    ).toMatchObject({ data: join(process.cwd(), 'conf', 'd'), consoleDir: '/srv/console' })
    expect(loadRelayConfig({ readFile, flags: { config: '/etc/mem.json' } }).data).toBe(':memory:')
    // Flags and env vars are typed where the relay starts: relative to its working directory,
    // also when they override the file's value. The default stays relative to cwd too.
    const file = { config: '/etc/scandesk/relay.json' }
    expect(loadRelayConfig({ readFile, flags: { ...file, data: './x' } }).data).toBe('./x')
    expect(
      loadRelayConfig({ readFile, flags: file, env: { SCANDESK_RELAY_CONSOLE_DIR: 'web' } })
        .consoleDir,
    ).toBe('web')
    expect(
      loadRelayConfig({
        readFile: files({ '/etc/e.json': '{}' }),
        flags: { config: '/etc/e.json' },
      }).data,
    ).toBe('./relay-data')
    // The CA file is checked at start where the relay will read it: beside the config file.
    const dir = mkdtempSync(join(tmpdir(), 'relay-conf-'))
    try {
      execFileSync(
        'openssl',
        [
          ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
          ...['-nodes', '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.pem'), '-days', '1'],
          ...['-subj', '/CN=scandesk test CA'],
        ],
        { stdio: 'ignore' },
      )
      const config = join(dir, 'relay.json')
      writeFileSync(config, JSON.stringify({ redis: 'rediss://r:6380', redisTlsCaFile: 'ca.pem' }))
      expect(loadRelayConfig({ flags: { config } }).redisTlsCaFile).toBe(join(dir, 'ca.pem'))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('refuses a path starting with ~, which nothing here expands', () => {
    // JSON, a systemd Environment= line and `--data=~/x` leave ~ as it is: the relay made a
    // folder named "~" in the working directory and kept its data there without a word.
    const readFile = files({ '/etc/relay.json': '{"data": "~/relay-data"}' })
    expect(bad({ readFile, flags: { config: '/etc/relay.json' } })).toMatch(
      /^relay config: data starts with ~, .*full path \(from \/etc\/relay\.json\)$/,
    )
    expect(bad({ env: { SCANDESK_RELAY_CONSOLE_DIR: '~' } })).toMatch(
      /^relay config: consoleDir starts with ~, .*\(from SCANDESK_RELAY_CONSOLE_DIR\)$/,
    )
    expect(bad({ flags: { 'redis-tls-ca-file': '~alice/ca.pem', redis: 'rediss://r' } })).toMatch(
      /^relay config: redisTlsCaFile starts with ~/,
    )
    expect(loadRelayConfig({ flags: { data: './~x' } }).data).toBe('./~x')
  })

  it('reads a config file saved with a UTF-8 byte order mark', () => {
    // Windows PowerShell's `Set-Content -Encoding UTF8` and older Notepad write one.
    const readFile = files({ 'relay.json': '\uFEFF' + JSON.stringify({ port: 9000 }) })
    expect(loadRelayConfig({ readFile, flags: { config: 'relay.json' } }).port).toBe(9000)
  })

  it("words a bad value itself: the setting, its range or form, never Zod's English", () => {
    const file = (json: object) => ({
      readFile: () => JSON.stringify(json),
      flags: { config: 'relay.json' },
    })
    const cases: Array<[Parameters<typeof loadRelayConfig>[0], string]> = [
      [
        { flags: { port: '70000' } },
        'relay config: port must be a whole number from 0 to 65535 (from --port)',
      ],
      [
        { env: { SCANDESK_RELAY_TICKET_BURST: '1.5' } },
        'relay config: ticketBurst must be a whole number from 1 to 10000 (got "1.5" from SCANDESK_RELAY_TICKET_BURST)',
      ],
      [
        { flags: { 'acked-retention-days': '400' } },
        'relay config: ackedRetentionDays must be a number from 0 to 365 (from --acked-retention-days)',
      ],
      [
        file({ port: '8080' }),
        'relay config: port must be a whole number from 0 to 65535 (from relay.json)',
      ],
      [file({ host: '' }), 'relay config: host must not be empty (from relay.json)'],
      [file({ host: 80 }), 'relay config: host must be text (from relay.json)'],
      [file({ redis: 6379 }), 'relay config: redis must be text or null (from relay.json)'],
      [file({ wechat: 'x' }), 'relay config: wechat must be an object (from relay.json)'],
      [
        { flags: { 'wechat-mode': 'secure' } },
        'relay config: wechat.mode must be one of plain, compat, safe (from --wechat-mode)',
      ],
      [
        { flags: { 'wechat-api-base': 'ftp://api.example.com' } },
        'relay config: wechat.apiBase must be an http:// or https:// URL (from --wechat-api-base)',
      ],
      [
        { flags: { 'wechat-app-secret': 'S'.repeat(129) } },
        'relay config: wechat.appSecret must be at most 128 characters (from --wechat-app-secret)',
      ],
    ]
    for (const [opts, message] of cases) {
      const got = bad(opts)
      expect(got).toBe(message)
      expect(got).not.toMatch(/expected|Invalid|Too big|Too small|received|<=|>=/)
    }
    // A Cluster URL's bad node is named by its place, not echoed: it may hold a password.
    const cluster = bad({ flags: { redis: 'redis-cluster://h1:7000,admin:s3cret/h2:7001' } })
    expect(cluster).toMatch(/^relay config: redis node 2 is not host:port/)
    expect(cluster).not.toContain('s3cret')
  })

  it('names the field and the source of a bad value', () => {
    expect(bad({ env: { SCANDESK_RELAY_PORT: 'eighty' } })).toMatch(/port .*SCANDESK_RELAY_PORT/)
    expect(bad({ flags: { port: '70000' } })).toMatch(/port .*--port/)
    // Only decimal numbers: Number() would read these as 80, 1000 and 8 without a word.
    expect(bad({ env: { SCANDESK_RELAY_PORT: '0x50' } })).toMatch(/port .*SCANDESK_RELAY_PORT/)
    expect(bad({ flags: { port: '1e3' } })).toMatch(/port must be a number .*--port/)
    expect(bad({ flags: { 'ticket-burst': '0b1000' } })).toMatch(/ticketBurst must be a number/)
    expect(
      loadRelayConfig({ flags: { port: '8080', 'acked-retention-days': '0.5' } }),
    ).toMatchObject({ port: 8080, ackedRetentionDays: 0.5 })
    expect(bad({ flags: { 'wechat-mode': 'secure' } })).toMatch(/wechat\.mode/)
    expect(bad({ flags: { 'wechat-mode': 'safe', 'wechat-app-id': 'wx1' } })).toMatch(
      /wechat\.encodingAESKey must be 43 characters/,
    )
    // "short" (a deploy sample's placeholder), as plain mode only warns of it.
    expect(
      bad({
        env: { SCANDESK_RELAY_WECHAT_ENCODING_AES_KEY: 'short' },
        flags: { 'wechat-mode': 'compat', 'wechat-app-id': 'wx1' },
      }),
    ).toMatch(/wechat\.encodingAESKey must be 43 characters in compat mode/)
    // The cipher would refuse it at start, with neither the field nor where it came from.
    const aes = { SCANDESK_RELAY_WECHAT_ENCODING_AES_KEY: '!'.repeat(43) }
    expect(bad({ env: aes, flags: { 'wechat-mode': 'compat', 'wechat-app-id': 'wx1' } })).toMatch(
      /wechat\.encodingAESKey must be base64 .*SCANDESK_RELAY_WECHAT_ENCODING_AES_KEY/,
    )
    const readFile = files({ 'c.json': '{"wechat":{"tokn":"x"}}', 'broken.json': '{' })
    expect(bad({ readFile, flags: { config: 'c.json' } })).toMatch(/wechat\.tokn is not a known/)
    expect(bad({ readFile, flags: { config: 'broken.json' } })).toMatch(
      /broken\.json is not valid JSON/,
    )
    expect(bad({ readFile, flags: { config: 'missing.json' } })).toMatch(/config cannot read/)
    // JSON.parse quotes the text around a syntax error: never the AppSecret beside it.
    const leaky = files({
      'leaky.json': '{"wechat":{"token":"t","appSecret":SECRET0123456789abcdef}}',
      'line.json':
        '{\n  "wechat": {\n    "appSecret": "SECRET0123456789abcdef"\n    "token": "t"\n  }\n}',
    })
    const leakyMessage = bad({ readFile: leaky, flags: { config: 'leaky.json' } })
    expect(leakyMessage).toMatch(/config leaky\.json is not valid JSON \(line 1, column 36\)/)
    expect(leakyMessage).not.toMatch(/SECRET|ppSecret/)
    const lineMessage = bad({ readFile: leaky, flags: { config: 'line.json' } })
    expect(lineMessage).toMatch(/line\.json is not valid JSON .*line 4, column 5/)
    expect(lineMessage).not.toMatch(/SECRET/)
    // An env file saved with CRLF leaves '\r' on each value: every signature check would fail
    // without a word. Refused naming the field and its source, never the value.
    for (const [name, field] of [
      ['SCANDESK_RELAY_WECHAT_TOKEN', 'wechat\\.token'],
      ['SCANDESK_RELAY_WECHAT_APP_ID', 'wechat\\.appId'],
      ['SCANDESK_RELAY_WECHAT_APP_SECRET', 'wechat\\.appSecret'],
    ] as const) {
      for (const value of ['tok3n\r', ' tok3n', 'tok 3n', 'tok3n\n']) {
        const message = bad({ env: { [name]: value } })
        expect(message).toMatch(new RegExp(`${field} .*spaces.*from ${name}`))
        expect(message).not.toContain('tok3n')
      }
    }
    expect(
      bad({
        readFile: files({ 'w.json': '{"wechat":{"token":"t\\r"}}' }),
        flags: { config: 'w.json' },
      }),
    ).toMatch(/wechat\.token .*from w\.json/)
    // A passive reply XML cannot carry would turn every push into an error WeChat retries.
    expect(bad({ flags: { 'reply-scan': '签到\u000b成功' } })).toMatch(/reply\.scan .*control/)
    // WeChat takes a passive text of 2048 bytes (UTF-8): 2048 Chinese characters are 6144, and
    // the visitor would get nothing (or a cut message). Refused at start, naming the bytes.
    expect(bad({ flags: { 'reply-scan': '签'.repeat(683) } })).toMatch(/reply\.scan .*2048 bytes/)
    expect(bad({ env: { SCANDESK_RELAY_REPLY_SUBSCRIBE: '😀'.repeat(513) } })).toMatch(
      /reply\.subscribe .*2048 bytes.*from SCANDESK_RELAY_REPLY_SUBSCRIBE/,
    )
    expect(
      loadRelayConfig({
        flags: { 'reply-scan': '签'.repeat(682), 'reply-subscribe': 'x'.repeat(2048) },
      }).reply,
    ).toMatchObject({ scan: '签'.repeat(682), subscribe: 'x'.repeat(2048) })
    // An empty reply saved in a CRLF env file is '\r': not empty, so every scan got a blank
    // message instead of none. Refused as any other value of only spaces or line breaks.
    for (const value of ['\r', ' ', '\n\t']) {
      expect(bad({ env: { SCANDESK_RELAY_REPLY_SCAN: value } })).toMatch(
        /reply\.scan .*only spaces or line breaks.*from SCANDESK_RELAY_REPLY_SCAN/,
      )
    }
    expect(loadRelayConfig({ env: { SCANDESK_RELAY_REPLY_SCAN: '' } }).reply.scan).toBe('')
  })

  it('says how to set a setting that is missing, and where an unknown one was written', () => {
    // A container is configured by env alone: "wechat.appId" is not a name it can set.
    const aes = 'a'.repeat(43)
    expect(
      bad({
        env: { SCANDESK_RELAY_WECHAT_MODE: 'safe', SCANDESK_RELAY_WECHAT_ENCODING_AES_KEY: aes },
      }),
    ).toMatch(
      /wechat\.appId is required in safe mode \(set SCANDESK_RELAY_WECHAT_APP_ID or --wechat-app-id\)/,
    )
    expect(bad({ env: { SCANDESK_RELAY_WECHAT_MODE: 'compat' } })).toMatch(
      /wechat\.encodingAESKey must be 43 characters in compat mode \(set SCANDESK_RELAY_WECHAT_ENCODING_AES_KEY or --wechat-encoding-aes-key\)/,
    )
    expect(bad({ flags: { 'redis-wait-replicas': '1' } })).toMatch(
      /redisWaitReplicas needs a Redis store \(redis\) \(from --redis-wait-replicas\)/,
    )
    // An unknown field can only be the file's: say which file, and the field meant.
    const readFile = files({
      'typo.json': '{"prot": 8080}',
      'nested.json': '{"wechat": {"appSecrte": "x"}}',
      'far.json': '{"zzzzzzzzzzzz": 1}',
    })
    expect(bad({ readFile, flags: { config: 'typo.json' } })).toBe(
      'relay config: prot is not a known field (in typo.json; did you mean port?)',
    )
    expect(bad({ readFile, flags: { config: 'nested.json' } })).toBe(
      'relay config: wechat.appSecrte is not a known field (in nested.json; did you mean wechat.appSecret?)',
    )
    expect(bad({ readFile, flags: { config: 'far.json' } })).toBe(
      'relay config: zzzzzzzzzzzz is not a known field (in far.json)',
    )
    // A misspelt group, or a field in the wrong place, is suggested like a misspelt field: was
    // "wechatt is not a known field (in …)" with no hint, as the field list held leaves only.
    const placed = files({
      'group.json': '{"wechatt": {"appId": "wx1"}}',
      'camel.json': '{"followup": {"windowSeconds": 30}}',
      'flat.json': '{"appSecret": "x"}',
      'moved.json': '{"wechat": {"port": 8080}}',
    })
    const said = (config: string): string => bad({ readFile: placed, flags: { config } })
    expect(said('group.json')).toBe(
      'relay config: wechatt is not a known field (in group.json; did you mean wechat?)',
    )
    expect(said('camel.json')).toBe(
      'relay config: followup is not a known field (in camel.json; did you mean followUp?)',
    )
    expect(said('flat.json')).toBe(
      'relay config: appSecret is not a known field (in flat.json; did you mean wechat.appSecret?)',
    )
    expect(said('moved.json')).toBe(
      'relay config: wechat.port is not a known field (in moved.json; did you mean port?)',
    )
    // A value the file does not hold is not blamed on it: "(from relay.json)" sent the deployer
    // looking in a file without the field. What is missing is said with every way to set it.
    const partial = files({
      'safe.json': '{"wechat": {"token": "t0ken", "mode": "safe"}}',
      'group.json': '{"wechat": "x"}',
    })
    expect(bad({ readFile: partial, flags: { config: 'safe.json' } })).toBe(
      'relay config: wechat.encodingAESKey must be 43 characters in safe mode ' +
        '(set SCANDESK_RELAY_WECHAT_ENCODING_AES_KEY or --wechat-encoding-aes-key, ' +
        'or wechat.encodingAESKey in safe.json)',
    )
    expect(
      bad({
        readFile: partial,
        flags: { config: 'safe.json' },
        env: { SCANDESK_RELAY_WECHAT_ENCODING_AES_KEY: 'a'.repeat(43) },
      }),
    ).toBe(
      'relay config: wechat.appId is required in safe mode ' +
        '(set SCANDESK_RELAY_WECHAT_APP_ID or --wechat-app-id, or wechat.appId in safe.json)',
    )
    expect(bad({ readFile: partial, flags: { config: 'group.json' } })).toBe(
      'relay config: wechat must be an object (from group.json)',
    )
    // A file named in the environment: the variable is said, and the reason in a few words.
    const missing = bad({ env: { SCANDESK_RELAY_CONFIG: '/nope/relay.json' } })
    expect(missing).toBe(
      'relay config: config cannot read /nope/relay.json (no such file, ENOENT; from SCANDESK_RELAY_CONFIG)',
    )
    // An empty name (a variable that expanded to nothing): said as such, not as a file '' missing.
    expect(bad({ readFile, flags: { config: '' } })).toBe(
      'relay config: config must not be empty (from --config)',
    )
    expect(bad({ readFile, env: { SCANDESK_RELAY_CONFIG: '' } })).toBe(
      'relay config: config must not be empty (from SCANDESK_RELAY_CONFIG)',
    )
  })

  it('takes a previous Token and EncodingAESKey by the rules of the current ones, never equal to them', () => {
    // Changing the Token or EncodingAESKey mid-event (docs/DEPLOY.md): the old value stays
    // accepted beside the new one until WeChat has switched.
    const key = 'a'.repeat(43)
    const old = 'b'.repeat(43)
    const safe = {
      SCANDESK_RELAY_WECHAT_MODE: 'safe',
      SCANDESK_RELAY_WECHAT_APP_ID: 'wx1',
      SCANDESK_RELAY_WECHAT_TOKEN: 'NewTok1',
      SCANDESK_RELAY_WECHAT_ENCODING_AES_KEY: key,
    }
    expect(envNameOf('wechat.previousToken')).toBe('SCANDESK_RELAY_WECHAT_PREVIOUS_TOKEN')
    expect(envNameOf('wechat.previousEncodingAESKey')).toBe(
      'SCANDESK_RELAY_WECHAT_PREVIOUS_ENCODING_AES_KEY',
    )
    const both = loadRelayConfig({
      env: {
        ...safe,
        SCANDESK_RELAY_WECHAT_PREVIOUS_TOKEN: 'OldTok1',
        SCANDESK_RELAY_WECHAT_PREVIOUS_ENCODING_AES_KEY: old,
      },
    })
    expect(both.wechat).toMatchObject({ previousToken: 'OldTok1', previousEncodingAESKey: old })
    // The same rules as the current ones, said with the setting and where it came from.
    expect(bad({ env: { ...safe, SCANDESK_RELAY_WECHAT_PREVIOUS_TOKEN: 'Old\r' } })).toMatch(
      /wechat\.previousToken must not contain spaces or line breaks .*SCANDESK_RELAY_WECHAT_PREVIOUS_TOKEN/,
    )
    expect(
      bad({ env: { ...safe, SCANDESK_RELAY_WECHAT_PREVIOUS_ENCODING_AES_KEY: 'short' } }),
    ).toMatch(
      /wechat\.previousEncodingAESKey must be 43 characters in safe mode .*SCANDESK_RELAY_WECHAT_PREVIOUS_ENCODING_AES_KEY/,
    )
    expect(
      bad({ flags: { 'wechat-previous-encoding-aes-key': '!'.repeat(43) }, env: safe }),
    ).toMatch(/wechat\.previousEncodingAESKey must be base64 .*--wechat-previous-encoding-aes-key/)
    // Equal to the current one: the new value is in neither setting.
    expect(bad({ env: { ...safe, SCANDESK_RELAY_WECHAT_PREVIOUS_TOKEN: 'NewTok1' } })).toMatch(
      /wechat\.previousToken is the same as wechat\.token: .*SCANDESK_RELAY_WECHAT_PREVIOUS_TOKEN; wechat\.token from SCANDESK_RELAY_WECHAT_TOKEN/,
    )
    expect(bad({ env: { ...safe, SCANDESK_RELAY_WECHAT_PREVIOUS_ENCODING_AES_KEY: key } })).toMatch(
      /wechat\.previousEncodingAESKey is the same as wechat\.encodingAESKey/,
    )
    // No value is ever echoed.
    const said = bad({ env: { ...safe, SCANDESK_RELAY_WECHAT_PREVIOUS_TOKEN: 'NewTok1' } })
    expect(said).not.toContain('NewTok1')
    // Plain mode uses no key: a previous one is not refused (a warning at start says so).
    expect(
      loadRelayConfig({ env: { SCANDESK_RELAY_WECHAT_PREVIOUS_ENCODING_AES_KEY: 'short' } }).wechat
        .previousEncodingAESKey,
    ).toBe('short')
  })

  it('suggests for a misspelt variable with a word left out the name it shortens, not a nearer other one', () => {
    // SCANDESK_RELAY_WECHAT_AES_KEY was answered "did you mean SCANDESK_RELAY_WECHAT_TOKEN?":
    // the EncodingAESKey written there would be a Token WeChat never signs with.
    const closest = (name: string): string | undefined =>
      unknownEnvNames({ [name]: 'x' })[0]?.closest
    const cases: Array<[typed: string, meant: string]> = [
      ['SCANDESK_RELAY_WECHAT_AES_KEY', 'SCANDESK_RELAY_WECHAT_ENCODING_AES_KEY'],
      ['SCANDESK_RELAY_WECHAT_PREVIOUS_AES_KEY', 'SCANDESK_RELAY_WECHAT_PREVIOUS_ENCODING_AES_KEY'],
      ['SCANDESK_RELAY_KEEP_TIMEOUT_MS', 'SCANDESK_RELAY_KEEP_ALIVE_TIMEOUT_MS'],
      ['SCANDESK_RELAY_TICKET_BUDGET', 'SCANDESK_RELAY_TICKET_DAILY_BUDGET'],
      // A slip of a letter or two still wins over a word left out.
      [
        'SCANDESK_RELAY_WECHAT_PERVIOUS_ENCODING_AES_KEY',
        'SCANDESK_RELAY_WECHAT_PREVIOUS_ENCODING_AES_KEY',
      ],
      ['SCANDESK_RELAY_UPLOAD_ILDE_TIMEOUT_MS', 'SCANDESK_RELAY_UPLOAD_IDLE_TIMEOUT_MS'],
      // A name inside the other first, as before.
      ['SCANDESK_RELAY_APPSECRET', 'SCANDESK_RELAY_WECHAT_APP_SECRET'],
      ['SCANDESK_RELAY_TRUST_PROXY_HOP', 'SCANDESK_RELAY_TRUST_PROXY_HOPS'],
    ]
    expect(cases.map(([typed]) => [typed, closest(typed)])).toEqual(cases)
  })

  it("ignores Kubernetes' SCANDESK_RELAY_PORT service link, not a port", () => {
    // A Service named scandesk-relay puts SCANDESK_RELAY_PORT=tcp://<ip>:<port> in every pod.
    const env = { SCANDESK_RELAY_PORT: 'tcp://10.0.0.11:8787' }
    expect(loadRelayConfig({ env }).port).toBe(8787)
    expect(loadRelayConfig({ env, flags: { port: '9000' } }).port).toBe(9000)
    expect(() => loadRelayConfig({ env: { SCANDESK_RELAY_PORT: 'tcp:8787' } })).toThrow(
      /port must be a number/,
    )
  })

  it('takes a Redis Cluster as seed nodes, and refuses a list it cannot use', () => {
    const url = 'redis-cluster://user:p%40ss@10.0.0.1:7000,redis-b:7001,[::1]:7002'
    expect(loadRelayConfig({ env: { SCANDESK_RELAY_REDIS: url } }).redis).toBe(url)
    expect(parseRedisClusterUrl(url)).toEqual({
      seeds: [
        { host: '10.0.0.1', port: 7000 },
        { host: 'redis-b', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      username: 'user',
      password: 'p@ss',
      tls: false,
    })
    for (const bad of [
      'redis-cluster://',
      'redis-cluster://h1',
      'redis-cluster://h1:7000,',
      'redis-cluster://h1:0',
      'redis-cluster://h1:70000',
      'redis-cluster://h 1:7000',
      'redis-cluster://h1:7000,h2:port',
    ]) {
      expect(() => loadRelayConfig({ flags: { redis: bad } }), bad).toThrow(
        /relay config: redis .*\(from --redis\)/,
      )
    }
  })

  it('refuses a single Redis URL it cannot use, at start, without echoing it', () => {
    // Was: "connect ENOENT //127.0.0.1:6379" (taken for a socket path) and "Invalid URL".
    const refused = (redis: string): string => {
      try {
        loadRelayConfig({ env: { SCANDESK_RELAY_REDIS: redis } })
      } catch (err) {
        return (err as Error).message
      }
      return 'accepted'
    }
    expect(refused('http://127.0.0.1:6379')).toMatch(
      /^relay config: redis must be redis:\/\/.* not http:\/\/ \(from SCANDESK_RELAY_REDIS\)$/,
    )
    const bad = refused('redis://:s3cret-pw@127.0.0.1:port')
    expect(bad).toMatch(/redis is not a valid redis:\/\/ URL/)
    expect(bad).not.toContain('s3cret-pw')
    for (const good of [
      'redis://127.0.0.1:6379',
      'redis://:pw@redis:6379/2',
      'rediss://user:pw@redis.example.com:6380',
      '/run/redis/redis.sock',
      'redis:6379',
      'localhost',
      '6380',
      '[::1]:6379',
    ]) {
      expect(refused(good), good).toBe('accepted')
    }
    // The database is the path's whole number: ioredis read `/abc` as NaN, `/1.5` as 1 and
    // `/2/x` as 2, and a relay on NaN wrote to database 0 without a word.
    for (const slip of [
      'redis://:s3cret-pw@redis:6379/abc',
      'redis://redis/1.5',
      'redis://redis/2/x',
    ]) {
      const message = refused(slip)
      expect(message, slip).toMatch(
        /^relay config: redis names no database: .*\/<number>.* \(from SCANDESK_RELAY_REDIS\)$/,
      )
      expect(message, slip).not.toContain('s3cret-pw')
    }
    expect(refused('redis://redis:6379/')).toBe('accepted')
    // A bare % in the user or password: ioredis's URL parser threw URIError "URI malformed" at
    // the connect, naming no setting; a Redis Cluster URL's was refused here already.
    for (const slip of ['redis://:50%off-s3cret@redis:6379', 'rediss://app%:s3cret@redis:6380']) {
      expect(refused(slip), slip).toBe(
        'relay config: redis user or password is not valid percent-encoding (write % as %25) (from SCANDESK_RELAY_REDIS)',
      )
    }
    expect(refused('redis://:50%25off@redis:6379')).toBe('accepted')
    // Without a scheme: ioredis answered "Invalid URL" (no setting named), Node's "Port should be
    // >= 0 and < 65536", or took a slip for a socket path ("connect ENOENT //redis:6379").
    for (const slip of ['zz z', '-1', '99999', 'redis//redis:6379', './redis.sock', 'p@ss w0rd']) {
      const message = refused(slip)
      expect(message, slip).toMatch(
        /^relay config: redis is not a Redis address: .*socket path.* \(from SCANDESK_RELAY_REDIS\)$/,
      )
      expect(message, slip).not.toContain(slip)
    }
  })

  it('takes only the URL query options ioredis honours as the relay means them, refusing the rest', () => {
    const refused = (redis: string): string => {
      try {
        loadRelayConfig({ env: { SCANDESK_RELAY_REDIS: redis } })
      } catch (err) {
        return (err as Error).message
      }
      return 'accepted'
    }
    // ioredis reads each query item as one of its options, below what the URL itself says: these
    // four it honours, and they say nothing the URL's other parts do.
    for (const good of [
      'redis://redis:6379?db=3',
      'redis://redis:6379/?db=3',
      'redis://redis:6379?password=s3cret-pw',
      'rediss://redis:6380?username=relay&password=s3cret-pw',
      'redis://redis:6379/2?family=6',
      '/run/redis/redis.sock?db=2',
    ]) {
      expect(refused(good), good).toBe('accepted')
    }
    // Was: `/0?db=3` ran in database 0 (the path wins), `?password=` beside `:pw@` was dropped,
    // `?enableAutoPipelining=false` or `?tls=…` overrode the relay's own client options (the
    // query beats them), `?keyPrefix=` moved every key, a second `?db=` won over the first.
    const cases: Array<[string, RegExp]> = [
      ['redis://redis:6379/0?db=3', /names its database twice/],
      ['/run/redis/redis.sock?db=x', /\?db= must be a whole number/],
      ['redis://redis:6379?db=1&db=2', /gives \?db= twice/],
      [
        'redis://:s3cret-pw@redis:6379?password=other-pw',
        /\\?password= beside a user or password before @/,
      ],
      [
        'redis://relay@redis:6379?username=other',
        /\\?username= beside a user or password before @/,
      ],
      ['redis://redis:6379?family=5', /\?family= must be 4 or 6/],
      [
        'redis://redis:6379?enableAutoPipelining=false',
        /query option 1 is not one the relay takes/,
      ],
      ['rediss://:s3cret-pw@redis:6380?db=1&tls=x', /query option 2 is not one the relay takes/],
      [
        'redis://redis:6379?keyPrefix=app:',
        /is not one the relay takes \(db, username, password, family\)/,
      ],
      ['redis://:s3cret-pw@redis:6379/1#s3cret-pw', /#/],
    ]
    for (const [url, said] of cases) {
      const message = refused(url)
      expect(message, url).toMatch(/^relay config: redis /)
      expect(message, url).toMatch(said)
      expect(message, url).toMatch(/\(from SCANDESK_RELAY_REDIS\)$/)
      expect(message, url).not.toContain('s3cret-pw')
      expect(message, url).not.toContain('other-pw')
    }
  })

  it('waits for replicas only when asked, and only with a Redis store', () => {
    const env = { SCANDESK_RELAY_REDIS: 'redis-cluster://h1:7000' }
    const c = loadRelayConfig({ env, flags: { 'redis-wait-replicas': '1' } })
    expect([c.redisWaitReplicas, c.redisWaitTimeoutMs]).toEqual([1, 1000])
    expect(() => loadRelayConfig({ flags: { 'redis-wait-replicas': '1' } })).toThrow(
      /redisWaitReplicas needs a Redis store/,
    )
    expect(() => loadRelayConfig({ env, flags: { 'redis-wait-timeout-ms': '5000' } })).toThrow(
      /redisWaitTimeoutMs/,
    )
    expect(() => loadRelayConfig({ env, flags: { 'redis-wait-replicas': '-1' } })).toThrow(
      /redisWaitReplicas/,
    )
  })

  it('takes a Redis Cluster over TLS (rediss-cluster://), refusing a bad one without echoing it', () => {
    const ok = loadRelayConfig({
      env: { SCANDESK_RELAY_REDIS: 'rediss-cluster://app:pw@h1:7000,[::1]:7001' },
    })
    expect(ok.redis).toBe('rediss-cluster://app:pw@h1:7000,[::1]:7001')
    expect(parseRedisClusterUrl('rediss-cluster://app:pw@h1:7000,[::1]:7001')).toEqual({
      seeds: [
        { host: 'h1', port: 7000 },
        { host: '::1', port: 7001 },
      ],
      username: 'app',
      password: 'pw',
      tls: true,
    })
    expect(parseRedisClusterUrl('redis-cluster://h1:7000').tls).toBe(false)
    expect(parseRedisClusterUrl('REDISS-CLUSTER://h1:7000').tls).toBe(true)
    const refused = (redis: string): string => {
      try {
        loadRelayConfig({ flags: { redis } })
      } catch (err) {
        return (err as Error).message
      }
      return 'accepted'
    }
    const bad = refused('rediss-cluster://:s3cret-pw@h1:port')
    expect(bad).toBe('relay config: redis node 1 is not host:port (port 1 to 65535) (from --redis)')
    const badPercent = refused('rediss-cluster://app:50%off-s3cret@h1:7000')
    expect(badPercent).toBe(
      'relay config: redis user or password is not valid percent-encoding (write % as %25) (from --redis)',
    )
    expect(refused('rediss-cluster://')).toMatch(/names no node \(rediss-cluster:\/\/host:port/)
    expect(refused('rediss-clusters://h1:7000')).toMatch(/rediss-cluster:\/\/ \(TLS\)/)
  })

  it('takes a CA file for TLS Redis from env or flag, checked at start, its text never shown', () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-ca-'))
    try {
      const ca = join(dir, 'ca.pem')
      execFileSync(
        'openssl',
        [
          ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
          ...['-nodes', '-keyout', join(dir, 'ca.key'), '-out', ca, '-days', '1'],
          ...['-subj', '/CN=scandesk test CA'],
        ],
        { stdio: 'ignore' },
      )
      const redis = 'rediss-cluster://h1:7000'
      expect(
        loadRelayConfig({
          env: { SCANDESK_RELAY_REDIS: redis, SCANDESK_RELAY_REDIS_TLS_CA_FILE: ca },
        }).redisTlsCaFile,
      ).toBe(ca)
      expect(
        loadRelayConfig({ flags: { redis: 'rediss://r:6380', 'redis-tls-ca-file': ca } })
          .redisTlsCaFile,
      ).toBe(ca)
      const refused = (file: string, url: string | null = redis): string => {
        try {
          loadRelayConfig({ flags: { redis: url ?? 'null', 'redis-tls-ca-file': file } })
        } catch (err) {
          return (err as Error).message
        }
        return 'accepted'
      }
      // Without TLS the file would be ignored without a word: refused.
      for (const url of [null, 'redis://r:6379', 'redis-cluster://h1:7000', '/run/redis.sock']) {
        expect(refused(ca, url), String(url)).toMatch(
          /^relay config: redisTlsCaFile needs a TLS Redis \(redis: rediss:\/\/… or rediss-cluster:\/\/…\)/,
        )
      }
      expect(refused(join(dir, 'missing.pem'))).toContain('missing.pem cannot be read (ENOENT)')
      expect(refused(dir)).toContain('is not a file')
      const notPem = join(dir, 'key.txt')
      writeFileSync(notPem, 'requirepass s3cret-pw\n')
      const m = refused(notPem)
      expect(m).toContain('holds no PEM certificate')
      expect(m).not.toContain('s3cret-pw')
      const broken = join(dir, 'broken.pem')
      writeFileSync(broken, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')
      expect(refused(broken)).toContain('certificate 1 does not parse')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('accepts null or an empty string for "no redis"', () => {
    expect(loadRelayConfig({ env: { SCANDESK_RELAY_REDIS: '' } }).redis).toBeNull()
    expect(loadRelayConfig({ flags: { redis: 'null' } }).redis).toBeNull()
  })
})

describe('relay CLI arguments', () => {
  const valued = new Set(['port', 'data', 'scenes'])
  const switches = new Set(['rotate'])

  it('parses values, switches and positionals', () => {
    const a = parseArgs(
      ['kiosk', 'add', 'k1', '--data=/d', '--rotate', '--scenes', '1-2'],
      valued,
      switches,
    )
    expect(a.positionals).toEqual(['kiosk', 'add', 'k1'])
    expect(a.flags).toEqual({ data: '/d', scenes: '1-2' })
    expect([...a.switches]).toEqual(['rotate'])
  })

  it('refuses unknown options and missing values', () => {
    expect(() => parseArgs(['--nope'], valued, switches)).toThrow(UsageError)
    expect(() => parseArgs(['--port'], valued, switches)).toThrow(/--port needs a value/)
  })

  it('refuses a flag given twice, in either form, without echoing either value', () => {
    // `kiosk add k1 --data ./a --data ./b` would store the token in ./b, the one not meant.
    for (const argv of [
      ['kiosk', 'add', 'k1', '--data', '/a', '--data', '/b'],
      ['--data=/a', '--data=/b'],
      ['--data', '/a', '--data=/a'],
    ]) {
      expect(() => parseArgs(argv, valued, switches)).toThrow(UsageError)
      expect(() => parseArgs(argv, valued, switches)).toThrow(
        /^--data is given twice; give it once$/,
      )
    }
    // A switch said twice means the same thing once.
    expect([...parseArgs(['--rotate', '--rotate'], valued, switches).switches]).toEqual(['rotate'])
  })

  it('parses scene ranges', () => {
    expect(parseSceneRanges('100-199, 500')).toEqual([
      { lo: 100, hi: 199 },
      { lo: 500, hi: 500 },
    ])
    expect(parseSceneRanges('')).toEqual([])
    expect(() => parseSceneRanges('9-1')).toThrow(/scene range/)
    expect(() => parseSceneRanges('0-5')).toThrow(/scene range/)
    expect(() => parseSceneRanges('a-b')).toThrow(/scene range/)
  })
})

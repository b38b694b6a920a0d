import { spawn, type ChildProcess } from 'node:child_process'
import { createServer, type AddressInfo } from 'node:net'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { main, parseCli } from '../../sandbox/cli'
import { closeAll, receiver, sandbox, tempCode } from './helpers'

afterEach(async () => {
  vi.restoreAllMocks()
  await closeAll()
})

describe('sandbox CLI arguments', () => {
  it('parses the serve flags of the contract', () => {
    expect(parseCli([])).toEqual({ kind: 'serve', port: 8788, host: '127.0.0.1' })
    expect(
      parseCli([
        '--port',
        '9000',
        '--push-url',
        'http://127.0.0.1:8787/wechat',
        '--token',
        'Tok123',
        '--aes-key',
        'k'.repeat(43),
        '--appid',
        'wxabc',
        '--secret',
        's3',
        '--mode',
        'safe',
      ]),
    ).toEqual({
      kind: 'serve',
      port: 9000,
      host: '127.0.0.1',
      pushUrl: 'http://127.0.0.1:8787/wechat',
      token: 'Tok123',
      aesKey: 'k'.repeat(43),
      appId: 'wxabc',
      secret: 's3',
      mode: 'safe',
    })
    expect(() => parseCli(['--mode', 'loud'])).toThrow()
    expect(() => parseCli(['--port', 'x'])).toThrow()
    expect(() => parseCli(['--bogus'])).toThrow()
    // After `--`, --help is an argument, not a request for the usage.
    expect(() => parseCli(['--', '--help'])).toThrow()
  })

  it('parses scan and unsubscribe', () => {
    expect(parseCli(['scan', 'http://weixin.qq.com/q/abc', '--openid', 'o1'])).toEqual({
      kind: 'scan',
      url: 'http://weixin.qq.com/q/abc',
      openid: 'o1',
      sandbox: 'http://127.0.0.1:8788',
      json: false,
    })
    expect(parseCli(['unsubscribe', '--openid', 'o1', '--sandbox', 'http://h:1'])).toMatchObject({
      kind: 'unsubscribe',
      sandbox: 'http://h:1',
    })
    expect(() => parseCli(['scan', '--openid', 'o1'])).toThrow(/url/)
    expect(() => parseCli(['scan', 'http://weixin.qq.com/q/abc'])).toThrow(/openid/)
  })
})

describe('sandbox CLI help', () => {
  for (const flag of ['--help', '-h']) {
    it(`${flag} prints the usage on stdout and exits 0, starting nothing`, async () => {
      const out: string[] = []
      const err: string[] = []
      vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')))
      vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')))
      expect(parseCli([flag])).toEqual({ kind: 'help' })
      expect(parseCli(['scan', flag])).toEqual({ kind: 'help' })
      expect(await main([flag])).toBe(0)
      const text = out.join('\n')
      expect(text).toMatch(/^usage:/)
      for (const word of [
        '--port',
        '--push-url',
        '--mode plain|compat|safe',
        'scan <url> --openid',
        'unsubscribe --openid',
      ]) {
        expect(text).toContain(word)
      }
      expect(text).not.toMatch(/sandbox: http/)
      expect(err).toEqual([])
    })
  }
})

describe('sandbox CLI serve flags WeChat would refuse', () => {
  const rule = '43 characters (letters and digits, as WeChat makes them)'
  const cases: Array<[string[], string]> = [
    [['--appid', 'bad id'], '--appid must be 1–64 letters, digits, _ or -'],
    [['--token', 'x'], '--token must be 3–32 letters or digits'],
    [['--aes-key', 'short'], `--aes-key must be ${rule}`],
    [['--aes-key', '!'.repeat(43)], `--aes-key must be ${rule}`],
    [['--secret', 's'.repeat(129)], '--secret must be 1–128 characters'],
    [['--push-url', 'ftp://example.invalid/'], '--push-url must be an http(s) URL'],
  ]
  for (const [flags, says] of cases) {
    it(`${flags.join(' ').slice(0, 40)}: a usage error naming the flag once, nothing started`, async () => {
      const out: string[] = []
      const err: string[] = []
      vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')))
      vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')))
      expect(await main(['--port', '0', ...flags])).toBe(2)
      expect(err).toEqual([`sandbox: ${says} (sandbox --help: the usage)`])
      expect(out).toEqual([])
    })
  }
})

describe('sandbox CLI commands', () => {
  it('scan calls a running sandbox and prints what the visitor sees', async () => {
    const r = await receiver(() => ({}))
    const sb = await sandbox({ pushUrl: r.url })
    const code = await tempCode(sb, 'k:cli')
    const out: string[] = []
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')))
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')))
    expect(await main(['scan', code.url, '--openid', 'oCli', '--sandbox', sb.url])).toBe(0)
    expect(out.join('\n')).toMatch(/^subscribe: 200 in \d+ ms/m)
    expect(out.join('\n')).toContain('visitor sees: (nothing)')
    expect(r.received).toHaveLength(1)
    expect(await main(['scan', `${code.url}x`, '--openid', 'oCli', '--sandbox', sb.url])).toBe(1)
    expect(out.at(-1)).toMatch(/unknown or expired/)
    expect(await main(['scan', code.url, '--openid', 'bad id!', '--sandbox', sb.url])).toBe(1)
    expect(out.at(-1)).toBe('scan: openid: must be 1–64 of [A-Za-z0-9_-]')
    expect(await main(['unsubscribe', '--openid', 'bad id!', '--sandbox', sb.url])).toBe(1)
    expect(out.at(-1)).toBe('unsubscribe: openid: must be 1–64 of [A-Za-z0-9_-]')
  })

  it('scan and unsubscribe exit 1 saying why when no push try was answered 2xx', async () => {
    // Three 500s used to end in exit 0, so a script could not tell the relay never took the scan.
    const r = await receiver(() => ({ status: 500 }))
    const sb = await sandbox({ pushUrl: r.url, pushRetryIntervalMs: 0 })
    const code = await tempCode(sb, 'k:cli')
    const scan = await run(['scan', code.url, '--openid', 'oCli', '--sandbox', sb.url])
    expect(scan.code).toBe(1)
    expect(scan.out[0]).toMatch(/^subscribe: 500 in \d+ ms, 500 in \d+ ms, 500 in \d+ ms$/)
    expect(scan.err).toEqual(['scan: not delivered: none of 3 push tries was answered 2xx'])
    expect(r.received).toHaveLength(3)
    // --json too: the outcome on stdout as before, the reason on stderr, exit 1.
    const json = await run(['unsubscribe', '--openid', 'oCli', '--sandbox', sb.url, '--json'])
    expect(json.code).toBe(1)
    expect(JSON.parse(json.out.join('\n'))).toMatchObject({ event: 'unsubscribe' })
    expect(json.err).toEqual(['unsubscribe: not delivered: none of 3 push tries was answered 2xx'])
  })

  it('serve prints the url and keeps secrets in a 0600 file it removes on exit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbx-cli-'))
    const creds = join(dir, 'creds.json')
    const secret = 'cli-test-secret-4242'
    let child: ChildProcess | undefined
    try {
      child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          'sandbox/cli.ts',
          '--port',
          '0',
          '--secret',
          secret,
          '--mode',
          'compat',
          '--credentials',
          creds,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'], cwd: new URL('../..', import.meta.url) },
      )
      const banner = await new Promise<string>((resolve, reject) => {
        let text = ''
        const timer = setTimeout(() => reject(new Error(`no banner: ${text}`)), 20_000)
        child?.stdout?.on('data', (d: Buffer) => {
          text += d.toString()
          if (text.includes('phone page:')) {
            clearTimeout(timer)
            resolve(text)
          }
        })
        child?.once('exit', () => reject(new Error(`exited: ${text}`)))
      })
      const url = /^sandbox: (http:\/\/127\.0\.0\.1:\d+)$/m.exec(banner)?.[1]
      expect(url).toBeDefined()
      expect(banner).not.toContain(secret)
      expect(statSync(creds).mode & 0o777).toBe(0o600)
      const saved = JSON.parse(readFileSync(creds, 'utf8')) as Record<string, unknown>
      expect(saved).toMatchObject({ apiBase: url, appSecret: secret, mode: 'compat' })
      expect(banner).not.toContain(String(saved.token))
      expect(banner).not.toContain(String(saved.encodingAESKey))
      const token = await fetch(
        `${url}/cgi-bin/token?grant_type=client_credential&appid=${String(saved.appId)}&secret=${secret}`,
      )
      expect(((await token.json()) as { expires_in: number }).expires_in).toBe(7200)

      const exited = new Promise((resolve) => child?.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
      expect(existsSync(creds)).toBe(false)
    } finally {
      if (child && child.exitCode === null) child.kill('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

/** main(argv) with console.log and console.error caught: its exit code and lines. */
async function run(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = []
  const err: string[] = []
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')))
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')))
  const code = await main(argv)
  return { code, out, err }
}

describe('sandbox CLI empty flag values', () => {
  // Each an empty value that used to mean a default (a random port, "no openid" sent on) or
  // failed later with Node's words; now a usage error naming the flag, nothing started.
  const cases: Array<[string[], string]> = [
    [['--port', ''], '--port must be a port number (0–65535)'],
    [['--port', '0', '--credentials', ''], '--credentials needs a file name'],
    [['scan', 'http://weixin.qq.com/q/x', '--openid', ''], '--openid needs a value'],
    [['unsubscribe', '--openid', ''], '--openid needs a value'],
    [
      ['scan', 'http://weixin.qq.com/q/x', '--openid', 'o1', '--sandbox', ''],
      '--sandbox needs the sandbox URL',
    ],
  ]
  for (const [argv, says] of cases) {
    it(`${argv.join(' ')}: exit 2, "${says}"`, async () => {
      const r = await run(argv)
      expect(r.code).toBe(2)
      expect(r.err).toEqual([`sandbox: ${says} (sandbox --help: the usage)`])
      expect(r.out).toEqual([])
    })
  }
})

describe('sandbox CLI address it cannot listen on', () => {
  it('a host that is no address: one line naming --host, exit 1', async () => {
    const r = await run(['--port', '0', '--host', '999.1.1.1'])
    expect(r.code).toBe(1)
    expect(r.err).toEqual([
      'sandbox: cannot listen on 999.1.1.1 port 0: 999.1.1.1 is not a name this machine resolves; pass another --host, e.g. 127.0.0.1',
    ])
    expect(r.out).toEqual([])
  })

  it('a port in use: one line naming --port, exit 1', async () => {
    const taken = createServer()
    await new Promise<void>((done) => taken.listen(0, '127.0.0.1', done))
    try {
      const port = (taken.address() as AddressInfo).port
      const r = await run(['--port', String(port)])
      expect(r.code).toBe(1)
      expect(r.err).toEqual([
        `sandbox: cannot listen on 127.0.0.1 port ${port}: another program listens there; stop it, or pass another --port`,
      ])
      expect(r.out).toEqual([])
    } finally {
      await new Promise((done) => taken.close(done))
    }
  })
})

describe('sandbox CLI arguments a command does not take', () => {
  // Each used to be dropped without a word: `sandbox --openid o1` started a server, `scan URL
  // extra` scanned URL, `scan … --push-url X` scanned without pushing to X, and a --sandbox
  // that is no URL was "cannot reach" (exit 1). Now a usage error naming it, nothing done.
  const url = 'http://weixin.qq.com/q/x'
  const cases: Array<[string[], string]> = [
    [['scan', url, 'extra', '--openid', 'o1'], 'scan takes one QR url, not also "extra"'],
    [['unsubscribe', 'o1', '--openid', 'o1'], 'unsubscribe takes no argument, not "o1"'],
    [
      ['scan', url, '--openid', 'o1', '--push-url', 'http://127.0.0.1:1/w'],
      'scan does not take --push-url',
    ],
    [['unsubscribe', '--openid', 'o1', '--port', '9'], 'unsubscribe does not take --port'],
    [['scan', url, '--openid', 'o1', '--mode', 'safe'], 'scan does not take --mode'],
    [['--port', '0', '--openid', 'o1'], 'serving does not take --openid'],
    [['--port', '0', '--sandbox', 'http://127.0.0.1:1'], 'serving does not take --sandbox'],
    [['--port', '0', '--json'], 'serving does not take --json'],
    [['scan', url, '--openid', 'o1', '--sandbox', 'notaurl'], '--sandbox must be an http(s) URL'],
    [['unsubscribe', '--openid', 'o1', '--sandbox', 'ftp://h'], '--sandbox must be an http(s) URL'],
    // A flag given twice took the last value: a sandbox on another port than the first said.
    [['--port', '0', '--port', '1'], '--port is given twice; give it once'],
    [['scan', url, '--openid', 'o1', '--openid=o2'], '--openid is given twice; give it once'],
  ]
  for (const [argv, says] of cases) {
    it(`${argv.join(' ')}: exit 2, "${says}"`, async () => {
      const r = await run(argv)
      expect(r.code).toBe(2)
      expect(r.err).toEqual([`sandbox: ${says} (sandbox --help: the usage)`])
      expect(r.out).toEqual([])
    })
  }
})

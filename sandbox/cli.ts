// `npm run sandbox -- [--port 8788] [--push-url URL] [--token T] [--aes-key KEY] [--appid ID]
//   [--secret S] [--mode plain|compat|safe] [--host H] [--credentials FILE]`
// `npm run sandbox -- scan <url> --openid <id> [--sandbox URL] [--json]`
// `npm run sandbox -- unsubscribe --openid <id> [--sandbox URL] [--json]`
//
// Secrets are never printed: the banner names the appid and the file (mode 0600, removed on
// exit) that holds AppSecret, Token and EncodingAESKey, shaped like the relay config's
// "wechat" block so it can be pasted there.
import { chmodSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { repeatedFlag } from '../shared/cli-tokens'
import { negativeValuesJoined, portFromText } from '../shared/net-address'
import { pushUrlSchema as httpUrlSchema, SandboxOptionsError } from './options'
import { startSandbox, type Sandbox } from './server'
import { errorCode } from '../shared/error-code'

export const DEFAULT_PORT = 8788
const DEFAULT_SANDBOX = `http://127.0.0.1:${DEFAULT_PORT}`

export type CliCommand =
  | {
      kind: 'serve'
      port: number
      host: string
      pushUrl?: string
      token?: string
      aesKey?: string
      appId?: string
      secret?: string
      mode?: 'plain' | 'compat' | 'safe'
      credentials?: string
    }
  | { kind: 'scan'; url: string; openid: string; sandbox: string; json: boolean }
  | { kind: 'unsubscribe'; openid: string; sandbox: string; json: boolean }
  | { kind: 'help' }

export const USAGE = `usage:
  sandbox [--port 8788] [--push-url URL] [--token T] [--aes-key KEY] [--appid ID] [--secret S]
          [--mode plain|compat|safe] [--host 127.0.0.1] [--credentials FILE]
          a local WeChat stand-in; secrets go to the credentials file, never to the screen
  sandbox scan <url> --openid <id> [--sandbox URL] [--json]
          a visitor scanning a code of a running sandbox
  sandbox unsubscribe --openid <id> [--sandbox URL] [--json]
          a visitor unfollowing the account
  sandbox --help | -h
          this text`

const modeSchema = z.enum(['plain', 'compat', 'safe'])

/** The flags of `scan` and `unsubscribe`; every other flag is serving's. */
const CALL_FLAGS: ReadonlySet<string> = new Set(['openid', 'sandbox', 'json'])

function parseFlag<T>(schema: z.ZodType<T>, value: unknown, flag: string, expected: string): T {
  const r = schema.safeParse(value)
  if (!r.success) throw new Error(`--${flag} must be ${expected}`)
  return r.data
}

/** Parses argv (without node and the script). Throws with a usage hint on bad input. */
export function parseCli(argv: string[]): CliCommand {
  // Asked anywhere before a `--` (`sandbox scan --help` too): the usage, whatever else is there.
  const end = argv.indexOf('--')
  if ((end === -1 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h')) {
    return { kind: 'help' }
  }
  const { values, positionals, tokens } = parseArgs({
    args: negativeValuesJoined(argv, new Set(['port'])),
    allowPositionals: true,
    strict: true,
    tokens: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'push-url': { type: 'string' },
      token: { type: 'string' },
      'aes-key': { type: 'string' },
      appid: { type: 'string' },
      secret: { type: 'string' },
      mode: { type: 'string' },
      credentials: { type: 'string' },
      openid: { type: 'string' },
      sandbox: { type: 'string' },
      json: { type: 'boolean' },
    },
  })
  // Not the last one silently (`--port 8788 --port 8789`); values unsaid (a flag may be a secret).
  const twice = repeatedFlag(tokens)
  if (twice !== null) throw new Error(`--${twice} is given twice; give it once`)
  // An empty value (a variable that expanded to nothing) must not pass as a default.
  if (values.openid === '') throw new Error('--openid needs a value')
  if (values.sandbox === '') throw new Error('--sandbox needs the sandbox URL')
  if (values.credentials === '') throw new Error('--credentials needs a file name')
  const [verb, ...rest] = positionals
  // A flag of the other kind of command would be dropped without a word (`scan … --push-url X`
  // pushing nowhere new, `sandbox --openid o1` serving): refused instead, as a stray argument.
  const given = Object.keys(values)
  if (verb === 'scan' || verb === 'unsubscribe') {
    const alien = given.find((f) => !CALL_FLAGS.has(f))
    if (alien !== undefined) throw new Error(`${verb} does not take --${alien}`)
    if (values.openid === undefined) throw new Error(`${verb} needs --openid <id>`)
    const sandbox = values.sandbox ?? DEFAULT_SANDBOX
    if (!httpUrlSchema.safeParse(sandbox).success)
      throw new Error('--sandbox must be an http(s) URL')
    const json = values.json ?? false
    if (verb === 'unsubscribe') {
      if (rest[0] !== undefined) throw new Error(`unsubscribe takes no argument, not "${rest[0]}"`)
      return { kind: 'unsubscribe', openid: values.openid, sandbox, json }
    }
    const [url, extra] = rest
    if (url === undefined) throw new Error('scan needs the QR url: scan <url> --openid <id>')
    if (extra !== undefined) throw new Error(`scan takes one QR url, not also "${extra}"`)
    return { kind: 'scan', url, openid: values.openid, sandbox, json }
  }
  if (verb !== undefined) throw new Error(`unknown command "${verb}" (scan, unsubscribe)`)
  const alien = given.find((f) => CALL_FLAGS.has(f))
  if (alien !== undefined) throw new Error(`serving does not take --${alien}`)
  // Digits only: z.coerce reads '' (and ' ') as 0, a random port nobody asked for.
  const port = values.port === undefined ? DEFAULT_PORT : portFromText(values.port)
  if (port === null) throw new Error('--port must be a port number (0–65535)')
  const cmd: CliCommand = {
    kind: 'serve',
    port,
    host: values.host ?? '127.0.0.1',
  }
  if (values.mode !== undefined) {
    cmd.mode = parseFlag(modeSchema, values.mode, 'mode', 'plain, compat or safe')
  }
  if (values['push-url'] !== undefined) cmd.pushUrl = values['push-url']
  if (values.token !== undefined) cmd.token = values.token
  if (values['aes-key'] !== undefined) cmd.aesKey = values['aes-key']
  if (values.appid !== undefined) cmd.appId = values.appid
  if (values.secret !== undefined) cmd.secret = values.secret
  if (values.credentials !== undefined) cmd.credentials = values.credentials
  return cmd
}

/** The serve flag that sets each option, for messages about its value. */
const FLAG_OF_OPTION: Partial<Record<string, string>> = {
  port: '--port',
  host: '--host',
  appId: '--appid',
  appSecret: '--secret',
  token: '--token',
  encodingAESKey: '--aes-key',
  mode: '--mode',
  pushUrl: '--push-url',
}

async function serve(cmd: Extract<CliCommand, { kind: 'serve' }>): Promise<void> {
  const sandbox = await startSandbox({
    port: cmd.port,
    host: cmd.host,
    ...(cmd.pushUrl !== undefined && { pushUrl: cmd.pushUrl }),
    ...(cmd.token !== undefined && { token: cmd.token }),
    ...(cmd.aesKey !== undefined && { encodingAESKey: cmd.aesKey }),
    ...(cmd.appId !== undefined && { appId: cmd.appId }),
    ...(cmd.secret !== undefined && { appSecret: cmd.secret }),
    ...(cmd.mode !== undefined && { mode: cmd.mode }),
  })
  const credentials = cmd.credentials ?? join(tmpdir(), `scandesk-sandbox-${sandbox.port}.json`)
  writeCredentials(credentials, sandbox)
  const o = sandbox.options
  console.log(`sandbox: ${sandbox.url}`)
  console.log(`  appid: ${o.appId}  mode: ${o.mode}`)
  console.log(`  push url: ${o.pushUrl ?? 'none (pass --push-url to deliver scans)'}`)
  console.log(`  credentials (AppSecret, Token, EncodingAESKey): ${credentials}`)
  console.log(`  phone page: ${sandbox.url}/`)

  const stop = () => {
    rmSync(credentials, { force: true })
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

function writeCredentials(path: string, sandbox: Sandbox): void {
  writeFileSync(path, `${JSON.stringify(sandbox.credentials(), null, 2)}\n`, { mode: 0o600 })
  chmodSync(path, 0o600) // an existing file keeps its old mode otherwise
}

const outcomeSchema = z.object({
  event: z.string(),
  attempts: z.array(
    z.object({ status: z.number().nullable(), ms: z.number(), error: z.string().optional() }),
  ),
  reply: z.object({
    kind: z.enum(['text', 'none', 'error']),
    visitorSees: z.string().nullable(),
    detail: z.string().optional(),
  }),
})

async function callSandbox(
  cmd: Extract<CliCommand, { kind: 'scan' | 'unsubscribe' }>,
): Promise<number> {
  const path = cmd.kind === 'scan' ? '/sandbox/scan' : '/sandbox/unsubscribe'
  const body = cmd.kind === 'scan' ? { url: cmd.url, openid: cmd.openid } : { openid: cmd.openid }
  const res = await fetch(new URL(path, cmd.sandbox), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  })
  const data: unknown = await res.json()
  if (cmd.json) console.log(JSON.stringify(data, null, 2))
  if (res.status !== 200) {
    const error = z.object({ error: z.string() }).safeParse(data)
    console.error(`${cmd.kind}: ${error.success ? error.data.error : `HTTP ${res.status}`}`)
    return 1
  }
  const out = outcomeSchema.parse(data)
  if (!cmd.json) {
    const tries = out.attempts.map((a) => `${a.status ?? a.error ?? 'no answer'} in ${a.ms} ms`)
    console.log(`${out.event}: ${tries.length > 0 ? tries.join(', ') : 'not pushed (no push url)'}`)
    const sees = out.reply.visitorSees ?? '(nothing)'
    console.log(`visitor sees: ${sees}${out.reply.detail ? ` [${out.reply.detail}]` : ''}`)
  }
  // Pushed, but the receiver never took it (as push-sender counts it, any 2xx): a script
  // running this must be able to tell. Without a push url nothing was asked of anyone.
  const delivered = out.attempts.some((a) => a.status !== null && a.status >= 200 && a.status < 300)
  if (out.attempts.length > 0 && !delivered) {
    const n = out.attempts.length
    console.error(`${cmd.kind}: not delivered: none of ${n} push tries was answered 2xx`)
    return 1
  }
  return 0
}

/**
 * Node's words for a failed listen ("getaddrinfo ENOTFOUND 999.1.1.1", "listen EADDRINUSE: …")
 * said with the flag to change; null for another error.
 */
export function listenProblem(err: unknown, host: string, port: number): string | null {
  const code = errorCode(err) ?? ''
  const fixes: Partial<Record<string, string>> = {
    EADDRINUSE: 'another program listens there; stop it, or pass another --port',
    EACCES: 'ports below 1024 need root; pass another --port, e.g. 8788',
    EADDRNOTAVAIL: `${host} is not an address of this machine; pass another --host, e.g. 127.0.0.1`,
    ENOTFOUND: `${host} is not a name this machine resolves; pass another --host, e.g. 127.0.0.1`,
    EAI_AGAIN: `${host} could not be resolved now (DNS); pass an address as --host, e.g. 127.0.0.1`,
  }
  const fix = fixes[code]
  return fix === undefined ? null : `cannot listen on ${host} port ${port}: ${fix}`
}

/** fetch() hides the reason (ECONNREFUSED, …) in `cause`. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const cause: unknown = err.cause
  return cause instanceof Error ? `${err.message} (${cause.message})` : err.message
}

export async function main(argv: string[]): Promise<number> {
  let cmd: CliCommand
  try {
    cmd = parseCli(argv)
  } catch (err) {
    console.error(
      `sandbox: ${err instanceof Error ? err.message : String(err)} (sandbox --help: the usage)`,
    )
    return 2
  }
  if (cmd.kind === 'help') {
    console.log(USAGE)
    return 0
  }
  if (cmd.kind === 'serve') {
    try {
      await serve(cmd)
    } catch (err) {
      // A host or port it cannot listen on: one line with the flag to change, as at exit 1.
      const problem = listenProblem(err, cmd.host, cmd.port)
      if (problem !== null) {
        console.error(`sandbox: ${problem}`)
        return 1
      }
      if (!(err instanceof SandboxOptionsError)) throw err
      // A flag's value WeChat would not take: a usage error, named as it was typed.
      console.error(
        `sandbox: ${FLAG_OF_OPTION[err.option] ?? err.option} ${err.reason} (sandbox --help: the usage)`,
      )
      return 2
    }
    return 0
  }
  try {
    return await callSandbox(cmd)
  } catch (err) {
    console.error(`sandbox ${cmd.kind}: cannot reach ${cmd.sandbox}: ${describe(err)}`)
    return 1
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code !== 0) process.exit(code)
    },
    (err: unknown) => {
      console.error(`sandbox: ${err instanceof Error ? err.message : String(err)}`)
      process.exit(1)
    },
  )
}

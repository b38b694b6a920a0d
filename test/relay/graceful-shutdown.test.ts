/**
 * SIGTERM on the deployed relay (the bundle, as a process): pushes answered 200 are in the store,
 * every other push got no answer or a 5xx (so WeChat retries it), kiosks are told 1012
 * ("service restart": reconnect elsewhere), and the process exits within shutdownTimeoutMs.
 */
import Database from 'better-sqlite3'
import { spawn } from 'node:child_process'
import { connect, createServer, type Socket } from 'node:net'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RelayCloseCode } from '../../shared/relay-protocol'
import { KioskClient, TOKEN, postPush, scanXml, signedQuery, tempDir } from './harness'
import {
  ROOT,
  buildRelayBundle,
  readLogLines,
  relayCli,
  spawnRelay,
  type RelayProcess,
} from './relay-process'

let bundle: ReturnType<typeof buildRelayBundle>
const dirs: string[] = []
const running: RelayProcess[] = []

beforeAll(() => {
  bundle = buildRelayBundle()
})
afterAll(() => {
  for (const r of running) if (r.child.exitCode === null) r.child.kill('SIGKILL')
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
  bundle.remove()
})

async function startRelay(
  timeoutMs: number,
): Promise<{ relay: RelayProcess; dir: string; token: string }> {
  const dir = tempDir('relay-drain-')
  dirs.push(dir)
  const env = {
    ...process.env,
    SCANDESK_RELAY_WECHAT_TOKEN: TOKEN,
    SCANDESK_RELAY_SHUTDOWN_TIMEOUT_MS: String(timeoutMs),
  }
  const token = relayCli(bundle.entry, ['kiosk', 'add', 'k1', '--data', dir], { env }).at(-1) ?? ''
  const relay = await spawnRelay(process.execPath, [bundle.entry, '--port', '0', '--data', dir], {
    cwd: ROOT,
    env,
  })
  running.push(relay)
  return { relay, dir, token }
}

describe('relay SIGTERM', () => {
  it('answers 200 only for stored pushes and 5xx or nothing for the rest; kiosks get 1012', async () => {
    const TIMEOUT_MS = 5000
    const { relay, dir, token } = await startRelay(TIMEOUT_MS)
    const kiosk = await KioskClient.hello(relay.url, token, { kioskId: 'k1' })
    let exited = false
    const exit = relay.exited.then((e) => {
      exited = true
      return { ...e, at: performance.now() }
    })

    const MAX = 5000
    const SIGTERM_AFTER = 100
    const answers = new Map<number, number | 'no answer'>()
    let next = 0
    let ok = 0
    let sigtermAt = 0
    // Eight pushes in flight at a time until the process is gone (bounded by MAX).
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (!exited && next < MAX) {
          const i = next++
          const xml = scanXml(`v${i}`, `k1:n${i}`, 1_700_000_000 + i)
          try {
            const res = await postPush(relay.url, xml, signedQuery(TOKEN))
            answers.set(i, res.status)
            if (res.status === 200 && ++ok === SIGTERM_AFTER) {
              sigtermAt = performance.now()
              relay.child.kill('SIGTERM')
            }
          } catch {
            answers.set(i, 'no answer')
          }
        }
      }),
    )
    const { code, at } = await exit
    expect(code).toBe(0)
    expect(at - sigtermAt).toBeLessThan(TIMEOUT_MS)
    expect(relay.log.map((l) => l.msg)).toContain('relay stopped')
    expect((await kiosk.closed).code).toBe(RelayCloseCode.serviceRestart)

    const db = new Database(join(dir, 'relay.sqlite'), { readonly: true, fileMustExist: true })
    const rows = db.prepare('SELECT openid FROM events WHERE kiosk_id = ?').all('k1')
    db.close()
    const stored = new Set(rows.map((r) => (r as { openid: string }).openid))
    const refused: Array<number | 'no answer'> = []
    for (const [i, a] of answers) {
      if (a === 200) expect(stored.has(`v${i}`), `push ${i} answered 200`).toBe(true)
      else refused.push(a)
    }
    expect(ok).toBeGreaterThanOrEqual(SIGTERM_AFTER)
    // The stream went on past the SIGTERM: those pushes were refused, never answered 200.
    expect(refused.length).toBeGreaterThan(0)
    for (const a of refused) expect(a === 'no answer' || a >= 500, String(a)).toBe(true)
  })

  it('exits within shutdownTimeoutMs even when a push never finishes arriving', async () => {
    const TIMEOUT_MS = 1500
    const { relay } = await startRelay(TIMEOUT_MS)
    const { port } = new URL(relay.url)
    const slow = connect(Number(port), '127.0.0.1')
    let answer = ''
    slow.on('data', (d: Buffer) => (answer += d.toString()))
    slow.on('error', () => {})
    const closed = new Promise<void>((r) => slow.once('close', () => r()))
    await new Promise<void>((r) => slow.once('connect', () => r()))
    // Headers and half the body of a push: the relay is waiting for the rest.
    slow.write(
      `POST /wechat?${signedQuery(TOKEN).toString()} HTTP/1.1\r\nHost: relay\r\n` +
        'Content-Type: text/xml\r\nContent-Length: 400\r\n\r\n<xml>',
    )
    // A round trip on another connection: the half push has been read by now.
    expect((await fetch(`${relay.url}/healthz`)).status).toBe(200)
    const sigtermAt = performance.now()
    relay.child.kill('SIGTERM')
    const { code } = await relay.exited
    const elapsed = performance.now() - sigtermAt
    expect(code).toBe(0)
    // The bound, plus the time a process takes to exit on a busy machine.
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 1000)
    await closed
    expect(answer === '' || /^HTTP\/1\.1 5\d\d /.test(answer), answer).toBe(true)
    expect(relay.log.find((l) => l.msg === 'relay stopped')).toMatchObject({ unanswered: 1 })
  })

  it('drains on a SIGTERM that comes while it is still starting, instead of dying by default', async () => {
    // A Redis that accepts and never answers: the relay's start waits on it for as long as
    // the test likes. The unknown variable makes serve() log a line just before it starts.
    const held: Socket[] = []
    const silent = createServer((s) => held.push(s.on('error', () => {})))
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
    const address = silent.address()
    const port = typeof address === 'object' && address !== null ? address.port : 0
    const dir = tempDir('relay-drain-')
    dirs.push(dir)
    const child = spawn(
      process.execPath,
      [bundle.entry, '--port', '0', '--data', dir, '--redis', `redis://127.0.0.1:${port}`],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          SCANDESK_RELAY_WECHAT_TOKEN: TOKEN,
          SCANDESK_RELAY_SHUTDOWN_TIMEOUT_MS: '1000',
          SCANDESK_RELAY_NOT_A_SETTING: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    try {
      const msgs: string[] = []
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
        child.once('exit', (code, signal) => r({ code, signal })),
      )
      readLogLines(child.stdout, ({ msg }) => {
        msgs.push(msg)
        if (msg === 'unknown environment variables ignored') child.kill('SIGTERM')
      })
      const { code, signal } = await exited
      expect(signal).toBeNull()
      expect(msgs).toContain('shutting down')
      // It never started, so the bound ends it (exit 1), or the store's start fails: not 0.
      expect(code).toBe(1)
      expect(msgs).not.toContain('relay listening')
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      for (const s of held) s.destroy()
      silent.close()
    }
  })
})

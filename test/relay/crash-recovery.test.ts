/**
 * The relay's core promise, tested on the real program: a push answered 200 is delivered, even
 * when the process is killed with SIGKILL in the middle of a burst.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { localDay } from '../../relay/attendance/routes'
import { openSqliteStore } from '../../relay/store/sqlite/store'
import { RelayCloseCode } from '../../shared/relay-protocol'
import { KioskClient, TOKEN, postPush, scanXml, signedQuery, tempDir } from './harness'
import { readLogLines } from './relay-process'

const run = promisify(execFile)
const CLI = ['--import', 'tsx', 'relay/cli.ts']
const env = { ...process.env, SCANDESK_RELAY_WECHAT_TOKEN: TOKEN }
const children: ChildProcess[] = []
const dir = tempDir('relay-crash-')

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

async function cli(...args: string[]): Promise<string[]> {
  const { stdout } = await run(process.execPath, [...CLI, ...args, '--data', dir], { env })
  return stdout.trimEnd().split('\n')
}

/** Starts `relay --port 0` and resolves with its URL from the "relay listening" log line. */
function startRelayProcess(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [...CLI, '--port', '0', '--data', dir], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  children.push(child)
  return new Promise((resolve, reject) => {
    readLogLines(child.stdout, (entry) => {
      if (entry.msg === 'relay listening' && entry.url) resolve({ child, url: entry.url })
    })
    child.once('exit', (code) => reject(new Error(`relay exited early (${code})`)))
  })
}

// Five starts of the relay's CLI through tsx (kiosk add, kiosk list, two relays, kiosk revoke;
// about a second of CPU each) and 300 pushes: 84 s beside two CPU hogs on a shared machine
// (load ~45), where vitest's default 30 s ended it twice with no step named.
describe('relay process killed mid-burst', () => {
  it('delivers every push it answered 200, and retries are stored once', async () => {
    const token = (await cli('kiosk', 'add', 'k1')).at(-1) ?? ''
    expect(token).toMatch(/^k1\.[A-Za-z0-9_-]{43}$/)
    const listed = await cli('kiosk', 'list')
    expect(listed.join('\n')).not.toContain(token.split('.')[1])

    const first = await startRelayProcess()
    const TOTAL = 300
    const KILL_AFTER = 120
    const pushes = Array.from({ length: TOTAL }, (_, i) =>
      scanXml(`v${i}`, `k1:n${i}`, 1_700_000_000 + i),
    )
    const answered = new Map<number, number | 'error'>()
    let next = 0
    let ok = 0
    // Eight pushes in flight at a time, like WeChat delivering a busy booth's scans.
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < TOTAL) {
          const i = next++
          try {
            const res = await postPush(first.url, pushes[i] ?? '', signedQuery(TOKEN))
            answered.set(i, res.status)
            if (res.status === 200 && ++ok === KILL_AFTER) first.child.kill('SIGKILL')
          } catch {
            answered.set(i, 'error')
          }
        }
      }),
    )
    const acked = [...answered].filter(([, s]) => s === 200).map(([i]) => i)
    expect(acked.length).toBeGreaterThanOrEqual(KILL_AFTER)
    expect(acked.length).toBeLessThan(TOTAL)

    const second = await startRelayProcess()
    // WeChat retries whatever was not answered 200.
    for (const [i, s] of answered) {
      if (s === 200) continue
      expect((await postPush(second.url, pushes[i] ?? '', signedQuery(TOKEN))).status).toBe(200)
    }

    const kiosk = await KioskClient.hello(second.url, token, { kioskId: 'k1' })
    const head = kiosk.welcome.headSeq
    expect(head).toBe(TOTAL)
    // The relay's default window is 100 unacknowledged events: acknowledge each window.
    let ackedSeq = 0
    for (let round = 0; round < 10 && ackedSeq < head; round++) {
      await kiosk.waitForScans(Math.min(head, ackedSeq + 100))
      ackedSeq = kiosk.scans.at(-1)?.seq ?? ackedSeq
      kiosk.ack(ackedSeq)
    }
    await kiosk.waitForScans(head)
    const seqs = kiosk.scans.map((s) => s.seq)
    expect(seqs).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1))
    const delivered = new Set(kiosk.scans.map((s) => s.openid))
    for (const i of acked) expect(delivered.has(`v${i}`)).toBe(true)
    expect(delivered.size).toBe(TOTAL)
    expect(new Set(kiosk.scans.map((s) => s.id)).size).toBe(TOTAL)

    // `kiosk revoke` from another process ends the live socket at once.
    await cli('kiosk', 'revoke', 'k1')
    expect((await kiosk.closed).code).toBe(RelayCloseCode.revoked)
    const exited = new Promise((resolve) => second.child.once('exit', resolve))
    second.child.kill('SIGTERM')
    await exited

    // The consolidated attendance too (its rows are built after the push's commit, so the
    // kill left some only marked pending): every push once, none lost.
    const store = openSqliteStore({ data: dir })
    try {
      const openids: string[] = []
      for await (const page of store.attendance.rows({ kioskIds: null }, 100)) {
        openids.push(...page.map((r) => r.openid))
      }
      expect(openids).toHaveLength(TOTAL)
      expect(new Set(openids).size).toBe(TOTAL)
      const stats = await store.attendance.stats({ kioskIds: null }, localDay(Date.now()))
      expect(stats).toMatchObject({ scans: TOTAL, visitors: TOTAL })
    } finally {
      await store.close()
    }
  }, 180_000)
})

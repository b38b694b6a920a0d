// WeChat's push retries against the real relay (SQLite) and a kiosk: a scan made while the relay
// restarts reaches the kiosk once, from a later try (WeChat tries again 5 s after a try began,
// so a 2-second restart is inside the window); a try the relay stored but answered too late is
// retried with the same FromUserName + CreateTime and counted once. The sandbox's spacing is
// shortened (pushTimeoutMs) so the test runs in about a second.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startRelay, type RelayHandle } from '../../relay/server'
import { startSandbox } from '../../sandbox/server'
import { throttleProxy } from '../helpers/throttle-proxy'
import {
  attendanceRows,
  cleanup,
  kioskOn,
  onCleanup,
  tempDir,
  waitFor,
  type Platform,
} from '../kiosk/helpers'

afterEach(cleanup)

/** WeChat's 5 s, shortened: the wait for an answer and the spacing of tries. */
const WAIT_MS = 500

/**
 * `retryMs`: from one try's start to the next's (WAIT_MS unless given). A relay restarting must
 * be back within it, which on a loaded machine takes longer than a shortened 500 ms allows.
 */
async function platformOnDisk(
  retryMs = WAIT_MS,
): Promise<{ p: Platform; url: string; start: () => Promise<RelayHandle> }> {
  const sandbox = await startSandbox({
    port: 0,
    pushTimeoutMs: WAIT_MS,
    pushRetryIntervalMs: retryMs,
  })
  onCleanup(() => sandbox.close())
  const data = join(tempDir(), 'relay')
  // The same data folder each time, as a relay restarted by its supervisor.
  const open = async (): Promise<RelayHandle> => {
    const relay = await startRelay(
      { port: 0, host: '127.0.0.1', data, wechat: sandbox.credentials() },
      { shutdownGraceMs: 200 },
    )
    onCleanup(() => relay.close())
    return relay
  }
  const portOf = (relay: RelayHandle): number => Number(new URL(relay.url).port)
  const relay = await open()
  // WeChat and the kiosk reach the relay at one address, through a front that sends each new
  // connection to wherever the relay listens now (one made while it is down is dropped, as a
  // refused connect would be): a relay restarted on the port it had could race with TIME_WAIT,
  // or with another test given that port while it was free.
  const front = await throttleProxy(portOf(relay), null)
  onCleanup(() => front.close())
  const start = async (): Promise<RelayHandle> => {
    const again = await open()
    front.retarget(portOf(again))
    return again
  }
  sandbox.setPushUrl(`${front.url}/wechat`)
  return { p: { sandbox, relay }, url: front.url, start }
}

function expectOnce(rows: Array<{ event_id: string; openid: string }>, openids: string[]): void {
  expect(rows.map((r) => r.openid).sort()).toEqual([...openids].sort())
  expect(new Set(rows.map((r) => r.event_id)).size).toBe(rows.length)
}

/**
 * The first try failed and a later one was answered. Usually the second; on a loaded machine
 * the relay can take longer than the shortened 500 ms to answer that one too (WeChat's 5 s is
 * ten times that), and the third is then the one answered: the scan must still arrive once.
 */
function expectLaterTryAnswered(attempts: Array<{ status: number | null }>): void {
  const statuses = attempts.map((a) => a.status)
  expect(statuses.length, String(statuses)).toBeGreaterThanOrEqual(2)
  expect(
    statuses.slice(0, -1).every((s) => s === null),
    String(statuses),
  ).toBe(true)
  expect(statuses.at(-1)).toBe(200)
}

describe('WeChat push retries against the relay', () => {
  it('a scan made while the relay restarts arrives exactly once, from a later try', async () => {
    // The next try 3 s after the refused one: the restart (a relay reopening its store, 0.1-0.2 s,
    // more on a loaded machine) has to fit in what is left of it, or that try is refused too.
    const { p, url, start } = await platformOnDisk(3000)
    const { core } = await kioskOn(p, { relayUrl: url })
    const shown = await waitFor(() => core.pool.current() ?? undefined, 'code')
    await p.sandbox.scan(shown.url, 'o_before')
    await waitFor(() => attendanceRows(core).length === 1, 'scan before the restart')

    await p.relay.close()
    const scanned = p.sandbox.scan(shown.url, 'o_during')
    // Back well within the first interval, as a 2 s restart is within WeChat's 5 s: after a
    // second, by which the first try (sent at once) has found the relay gone, and two before
    // the next.
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const again = await start()
    const result = await scanned
    expectLaterTryAnswered(result.attempts)
    // Found the relay gone (the front drops the connection it could not pass on), not slow.
    expect(result.attempts[0]?.error).toMatch(/ECONNRESET|socket hang up/)

    await waitFor(() => attendanceRows(core).length >= 2, 'the scan made during the restart')
    await waitFor(
      async () => (await again.store.getKiosk('booth-1'))?.ackedSeq === 2,
      'every scan acknowledged',
    )
    expectOnce(attendanceRows(core), ['o_before', 'o_during'])
  })

  it('a try the relay stored but answered too late is retried and counted once', async () => {
    const { p } = await platformOnDisk()
    const { core } = await kioskOn(p)
    const shown = await waitFor(() => core.pool.current() ?? undefined, 'code')
    // Between WeChat and the relay: the relay's answer to the first push is held past the wait.
    let pushes = 0
    const slow = http.createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const first = pushes++ === 0
        void fetch(`${p.relay.url}${req.url ?? '/'}`, {
          method: 'POST',
          headers: { 'content-type': req.headers['content-type'] ?? 'text/xml' },
          body: Buffer.concat(chunks),
        })
          .then(async (answer) => {
            const body = await answer.text()
            if (first) await new Promise((resolve) => setTimeout(resolve, WAIT_MS * 2))
            if (!res.destroyed) res.writeHead(answer.status).end(body)
          })
          .catch(() => res.destroy()) // the relay gone (the test's cleanup): WeChat sees a reset
      })
    })
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve))
    onCleanup(async () => {
      const closed = new Promise<void>((resolve) => slow.close(() => resolve()))
      slow.closeAllConnections()
      await closed
    })
    p.sandbox.setPushUrl(`http://127.0.0.1:${(slow.address() as AddressInfo).port}/wechat`)

    const result = await p.sandbox.scan(shown.url, 'o_slow')
    expectLaterTryAnswered(result.attempts)
    expect(result.attempts[0]?.error).toMatch(/no answer/)
    await waitFor(() => attendanceRows(core).length >= 1, 'the scan')
    // Time for a duplicate to show up, had the retry been taken for a new scan.
    await new Promise((resolve) => setTimeout(resolve, WAIT_MS))
    expect((await p.relay.store.getKiosk('booth-1'))?.headSeq).toBe(1)
    expectOnce(attendanceRows(core), ['o_slow'])
  })
})

/**
 * A relay whose log reader goes away (`relay | head -1`, a log shipper that restarts) keeps
 * serving pushes: its next log line met EPIPE on stdout, an unhandled 'error' event that
 * killed the process. Tested on the deployed bundle as a process whose stdout is closed.
 */
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TOKEN, postPush, scanXml, tempDir } from './harness'
import { ROOT, buildRelayBundle, spawnRelay, type RelayProcess } from './relay-process'

let bundle: ReturnType<typeof buildRelayBundle>
let relay: RelayProcess | undefined
const dir = tempDir('relay-epipe-')

beforeAll(() => {
  bundle = buildRelayBundle()
})
afterAll(() => {
  if (relay?.child.exitCode === null) relay.child.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
  bundle.remove()
})

describe('relay with a closed stdout', () => {
  it('keeps serving pushes and health checks, and still shuts down cleanly', async () => {
    const started = await spawnRelay(
      process.execPath,
      [bundle.entry, '--port', '0', '--data', dir],
      {
        cwd: ROOT,
        env: { ...process.env, SCANDESK_RELAY_WECHAT_TOKEN: TOKEN },
      },
    )
    relay = started
    let stderr = ''
    started.child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    // The reader goes away: every line the relay writes from now on meets EPIPE.
    started.child.stdout?.destroy()

    // Each of these logs a line ('push refused', 'push kept as unrouted', …).
    const unsigned = new URLSearchParams({ signature: 'x', timestamp: '1', nonce: '1' })
    expect((await postPush(started.url, scanXml('o_1', '100'), unsigned)).status).toBe(401)
    for (let i = 0; i < 5; i++) {
      const push = await postPush(started.url, scanXml(`o_${i}`, '100', 1_700_000_000 + i))
      expect(push.status).toBe(200)
    }
    expect((await fetch(`${started.url}/healthz`)).status).toBe(200)
    expect(started.child.exitCode).toBeNull()
    // Said once, where someone may still read it.
    expect(stderr.match(/stdout is closed/g)).toHaveLength(1)

    started.child.kill('SIGTERM')
    expect(await started.exited).toEqual({ code: 0, signal: null })
  }, 60_000)
})

// The kiosk tests run the relay in the same worker as the kiosk core, on a machine shared by many
// test files: a worker can stall for a few hundred milliseconds (a busy core, a GC, a test's own
// synchronous work). Such a stall must not cut a healthy link in tests that do not exercise the
// heartbeat, where a reconnect they did not expect replays frames and adds states they check.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import {
  attendanceRows,
  cleanup,
  fastLink,
  heartbeatLink,
  kioskOn,
  provisionDir,
  startCore,
  startPlatform,
  tempDir,
  waitFor,
} from './helpers'
import { fakeV2Relay } from './fake-v2-relay'
import { MemoryVault } from '../../electron/core/config/vault'
import { stall } from '../helpers/stall'

afterEach(() => {
  vi.restoreAllMocks()
  return cleanup()
})

describe.each([
  ['fastLink', fastLink],
  // The heartbeat itself waits for the answers that came while the worker stood still.
  ['a 300 ms heartbeat', heartbeatLink],
])('a kiosk link (%s)', (_, relayLink) => {
  it('is kept through 400 ms stalls of the worker, also right after a ping', async () => {
    const p = await startPlatform()
    const { core } = await kioskOn(p, { core: { relayLink } })
    await waitFor(() => core.status().relay.state === 'connected', 'link')
    const shown = await waitFor(() => core.pool.current() ?? undefined, 'code')
    await core.whenIdle()
    const since = core.status().relay.since
    const states: string[] = []
    core.on('status', (s) => states.push(s.relay.state))
    // A ping is followed by a stall before its answer can be read: with a heartbeat shorter than
    // the stall, its next check comes first and finds nothing.
    const proto: { ping: (this: WebSocket, ...args: Parameters<WebSocket['ping']>) => void } =
      WebSocket.prototype
    const ping = proto.ping
    vi.spyOn(WebSocket.prototype, 'ping').mockImplementation(function (this: WebSocket, ...args) {
      ping.apply(this, args)
      stall(400)
    })
    for (const openid of ['o_1', 'o_2', 'o_3']) {
      // Longer than such a heartbeat: one is due as the worker goes on.
      stall(400)
      await p.sandbox.scan(shown.url, openid)
    }
    await waitFor(() => attendanceRows(core).length === 3, 'every scan')
    await core.whenIdle()
    expect(states.filter((s) => s !== 'connected')).toEqual([])
    expect(core.status().relay.since).toBe(since)
  })
})

describe('a kiosk link (a 300 ms heartbeat) woken while a check waits for its answer', () => {
  it('is kept: the waiting verdict does not judge the wake’s newer ping', async () => {
    const p = await startPlatform()
    const { core } = await kioskOn(p, { core: { relayLink: heartbeatLink } })
    await waitFor(() => core.status().relay.state === 'connected', 'link')
    const since = core.status().relay.since
    const proto: { ping: (this: WebSocket, ...args: Parameters<WebSocket['ping']>) => void } =
      WebSocket.prototype
    const ping = proto.ping
    let armed = true
    let later = 0
    vi.spyOn(WebSocket.prototype, 'ping').mockImplementation(function (this: WebSocket, ...args) {
      ping.apply(this, args)
      if (!armed) {
        later++
        return
      }
      armed = false
      // The next check is due when the worker goes on, finds nothing yet and waits for the
      // answer; the computer says it woke just after that answer was read, before the waiting
      // check gives its verdict.
      this.once('pong', () => setImmediate(() => core.wake()))
      stall(400)
    })
    // The wake's ping, then the heartbeat going on: three more pings on the same link.
    await waitFor(() => later >= 3 || core.status().relay.since !== since, 'three more pings')
    expect(core.status().relay.state).toBe('connected')
    expect(core.status().relay.since).toBe(since)
  })
})

describe('a kiosk link (a 200 ms welcome deadline) whose worker stalls right after its hello', () => {
  it('takes the welcome that waited unread through the stall: no reconnect', async () => {
    const relay = await fakeV2Relay()
    relay.onHello((c) => c.send({ type: 'welcome', epoch: 'e1', headSeq: 0 }))
    const dataDir = tempDir()
    const vault = new MemoryVault()
    provisionDir(dataDir, vault, {
      relayUrl: relay.url,
      kioskId: 'booth-1',
      token: 'tok-booth-1-xyz0123',
    })
    // Once, after the hello is sent and its deadline set: past the deadline before the relay
    // (in this worker too) reads the hello and the kiosk reads its welcome.
    let stalled = false
    const proto: { send: (this: WebSocket, ...args: Parameters<WebSocket['send']>) => void } =
      WebSocket.prototype
    const send = proto.send
    vi.spyOn(WebSocket.prototype, 'send').mockImplementation(function (this: WebSocket, ...args) {
      send.apply(this, args)
      if (!stalled && typeof args[0] === 'string' && args[0].includes('"hello"')) {
        stalled = true
        queueMicrotask(() => stall(500))
      }
    })
    const core = startCore(dataDir, vault, {
      relayLink: { ...fastLink, welcomeTimeoutMs: 200 },
    })
    await waitFor(() => core.status().relay.state === 'connected', 'connected')
    expect(stalled).toBe(true)
    expect(relay.hellos).toHaveLength(1)
    expect(core.status().relay.state).toBe('connected')
  })
})

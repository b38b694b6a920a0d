// The slow-link proxy the relay's slow-link tests stand on holds its rate when its timer fires
// late (a two-core CI running every file at once): the time gone decides what passes, not the
// number of ticks, or a transfer a test gives 20 s would crawl at a fraction of its rate.
import net from 'node:net'
import { afterEach, expect, it, vi } from 'vitest'
import { throttleProxy, type ThrottleProxy } from './throttle-proxy'
import { UNDER_LOAD } from './wait'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  vi.useRealTimers()
  for (const c of cleanups.splice(0)) await c()
})

it('a late tick hands on what the time gone allows, not one tick’s worth', async () => {
  const RATE = 4000
  // Kept open: what it wrote stays queued in the proxy (12 KB, one read on loopback).
  // The proxy's cleanup may reset this socket (its queue unread): not an uncaught error.
  const server = net.createServer((s) =>
    s.on('error', () => s.destroy()).write(Buffer.alloc(3 * RATE, 1)),
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    await proxy.close()
    await closed
  })
  const port = (server.address() as net.AddressInfo).port

  vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] })
  const proxy: ThrottleProxy = await throttleProxy(port, RATE)
  const client = net.connect(Number(new URL(proxy.url).port), '127.0.0.1')
  client.on('error', () => client.destroy())
  cleanups.unshift(() => {
    client.destroy()
  })
  let received = 0
  client.on('data', (d: Buffer) => (received += d.length))
  // Ticks on time (50 ms each on the clock) until the first bytes come: the data is queued.
  await vi.waitFor(() => {
    vi.advanceTimersByTime(50)
    expect(received).toBeGreaterThan(0)
  }, UNDER_LOAD)
  const before = received

  // Two seconds go by with the process too busy to run the timer; then one tick fires.
  vi.setSystemTime(Date.now() + 2000)
  vi.advanceTimersByTime(50)
  // A second's worth (what is saved up at most), not one tick's 50 ms worth. (Waited for by
  // hand: vi.waitFor would advance the fake timers, firing more ticks.)
  const deadline = performance.now() + UNDER_LOAD.timeout
  while (received - before < RATE && performance.now() < deadline) {
    await new Promise((resolve) => setImmediate(resolve))
  }
  expect(received - before).toBeGreaterThanOrEqual(RATE)
})

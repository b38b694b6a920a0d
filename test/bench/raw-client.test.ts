/**
 * The saturation bench's load generator (bench/raw-client.ts) and its verdict: if these are
 * wrong, the bench's ratios are too. Latency must count from the scheduled send time (an
 * open loop that hides queueing behind a slow server reports what a closed loop would), and
 * every non-200 or lost request must count as an error.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { parseResponse, rawOpenLoop, rawPost } from '../../bench/raw-client'
import { judge, sustained, type Step } from '../../bench/saturation'

let server: Server | null = null
afterEach(async () => {
  server?.closeAllConnections()
  await new Promise((r) => server?.close(r) ?? r(null))
  server = null
})

async function serve(handle: Parameters<typeof createServer>[1]): Promise<number> {
  server = createServer(handle)
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r))
  return (server.address() as AddressInfo).port
}

const posts = (n: number) => Array.from({ length: n }, (_, i) => rawPost('/p', `body ${i}`))

describe('raw open-loop client', () => {
  it('parses one response at a time: Content-Length, chunked, and incomplete ones', () => {
    const a = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nsuccessHTTP/1.1 503 X')
    expect(parseResponse(a)).toEqual({ length: a.indexOf('HTTP/1.1 503'), status: 200 })
    expect(parseResponse(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nsucc'))).toBe(
      null,
    )
    const c = Buffer.from(
      'HTTP/1.1 503 No\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nno\r\n0\r\n\r\n',
    )
    expect(parseResponse(c)).toEqual({ length: c.length, status: 503 })
    expect(parseResponse(c.subarray(0, c.length - 2))).toBe(null)
  })

  it('counts latency from the schedule, so queueing behind a slow server shows', async () => {
    // 20 ms per answer on one socket, offered every 5 ms: the 20th waits ~300 ms in line.
    const port = await serve((req, res) => {
      req.resume()
      req.on('end', () => setTimeout(() => res.end('success'), 20))
    })
    const run = await rawOpenLoop(port, posts(20), 200, 1)
    expect(run.errors).toBe(0)
    expect(run.latency).toHaveLength(20)
    // Measured from when each request went out, every one would take ~20 ms.
    expect(Math.max(...run.latency)).toBeGreaterThan(200)
    expect(judge(run, 200).ok).toBe(false) // answers at ~50/s, a quarter of the offered rate
  })

  it('counts non-200 answers and requests lost with their socket as errors', async () => {
    let n = 0
    const port = await serve((req, res) => {
      req.resume()
      req.on('end', () => {
        const i = n++
        if (i === 3) req.socket.destroy()
        else {
          res.statusCode = i % 2 === 0 ? 200 : 503
          res.end('x')
        }
      })
    })
    const run = await rawOpenLoop(port, posts(10), 1000, 2)
    // 10 requests settle one way or the other; the destroyed socket's request is an error,
    // and so is every 503.
    expect(run.latency.length + run.errors).toBe(10)
    expect(run.errors).toBeGreaterThanOrEqual(4)
    expect(judge(run, 1000).ok).toBe(false)
  })
})

describe('saturation verdict', () => {
  const step = (rate: number, ok: boolean): Step => ({
    rate,
    ok,
    p50: 1,
    p99: ok ? 5 : 500,
    errors: 0,
    achieved: rate,
    serverCpuUs: 10,
    serverCores: 0.5,
    clientCpuUs: 5,
    clientCores: 0.2,
    sendLagMs: 0,
  })

  it('takes the highest rate passed before the first failure, not a lucky later one', () => {
    expect(
      sustained([step(1000, true), step(1250, true), step(1600, false), step(2000, true)]),
    ).toMatchObject({ rate: 1250 })
    expect(sustained([step(1000, false)])).toBe(null)
  })

  it('fails a run whose p99 passes 100 ms even with no error', () => {
    const latency = Array.from({ length: 100 }, (_, i) => (i < 98 ? 2 : 150))
    expect(judge({ latency, errors: 0, achievedRate: 1000, sendLagMs: 0 }, 1000).ok).toBe(false)
    latency[98] = 2
    expect(judge({ latency, errors: 0, achievedRate: 1000, sendLagMs: 0 }, 1000).ok).toBe(true)
  })
})

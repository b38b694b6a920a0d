/**
 * `relay healthcheck` (the image's HEALTHCHECK, shown by `docker inspect`): when nothing answers,
 * it said only Node's "fetch failed", not why nor which setting chose the address.
 */
import { createServer as createHttpServer } from 'node:http'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { checkHealth } from '../../relay/healthcheck'
import { closedPort } from '../helpers/closed-port'

describe('relay healthcheck', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  it('reaches a relay on a port fetch refuses (6000, 6666, 10080: "bad port")', async () => {
    // fetch follows the browsers' blocked-port list: a healthy relay on SCANDESK_RELAY_PORT=6666
    // was reported unhealthy on every check, so Docker marked its container unhealthy for good.
    // The port here is 0 (the test's rule); fetch's refusal is what it would say on 6666.
    vi.stubGlobal('fetch', () =>
      Promise.reject(new TypeError('fetch failed', { cause: new Error('bad port') })),
    )
    const body = '{"status":"ok","store":"sqlite","connectedKiosks":0,"unrouted":0}'
    const server = createHttpServer((req, res) => {
      res.writeHead(req.url === '/healthz' ? 200 : 404, { 'Content-Type': 'application/json' })
      res.end(body)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const address = server.address()
      if (address === null || typeof address === 'string') throw new Error('no port')
      expect(await checkHealth({ host: '127.0.0.1', port: address.port })).toBe(body)
    } finally {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })

  it('says nothing answers, with the reason and the settings, when no relay listens', async () => {
    const port = await closedPort()
    const err = await checkHealth({ host: '127.0.0.1', port }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Error)
    const message = (err as Error).message
    expect(message).toContain(`http://127.0.0.1:${port}/healthz`)
    expect(message).toContain('ECONNREFUSED')
    expect(message).toContain('(--port, SCANDESK_RELAY_PORT; --host, SCANDESK_RELAY_HOST)')
    expect(message).not.toContain('fetch failed')
  })
})

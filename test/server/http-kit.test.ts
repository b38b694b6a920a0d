// The server kit (shared/server) on a real socket, as a hostile client would use it: bodies over
// the limit (declared or not), bodies cut off, bad JSON, odd paths and methods.
import {
  createServer,
  request,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo } from 'node:net'
import { connect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import {
  BodyAbortedError,
  BodyError,
  readJson,
  Router,
  sendApiError,
  sendBodyError,
  sendJson,
} from '../../shared/server'

const LIMIT = 1024
const servers: Server[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections()
    await new Promise((r) => s.close(r))
  }
})

/** A server with the kit's route table; `seen` records what each body read ended in. */
async function kitServer() {
  const seen: unknown[] = []
  const router = new Router({
    notFound: ({ res }) => sendApiError(res, 404, 'not_found', 'no such endpoint'),
    methodNotAllowed: ({ res }, allow) =>
      sendApiError(res, 405, 'method_not_allowed', `use ${allow.join(' or ')}`),
  })
    .add('POST', '/echo', async ({ req, res }) => {
      try {
        const body = await readJson(req, LIMIT)
        seen.push(body)
        sendJson(res, 200, { body })
      } catch (err) {
        seen.push(err)
        if (!(err instanceof BodyError)) throw err
        sendBodyError(res, err)
      }
    })
    .add('POST', '/optional', async ({ req, res }) => {
      sendJson(res, 200, { body: (await readJson(req, LIMIT, { optional: true })) ?? null })
    })
    .add(['GET', 'HEAD'], '/items/:id', ({ res, params }) => sendJson(res, 200, params), {
      id: /^[a-z0-9-]{1,16}$/,
    })
    .add('GET', '/a/:x/b/:y', ({ res, params }) => sendJson(res, 200, params))
  const server = createServer((req, res) => {
    void Promise.resolve(router.handle(req, res, new URL(req.url ?? '/', 'http://t.invalid')))
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { port: (server.address() as AddressInfo).port, seen }
}

function call(
  port: number,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', method, path, headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (text += c))
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          json: text === '' ? null : (JSON.parse(text) as unknown),
        }),
      )
    })
    req.on('error', reject)
    req.end(body)
  })
}

describe('bodies', () => {
  it('reads JSON within the limit', async () => {
    const { port } = await kitServer()
    const r = await call(port, 'POST', '/echo', '{"a":[1,2]}')
    expect(r).toMatchObject({ status: 200, json: { body: { a: [1, 2] } } })
  })

  it('answers bad JSON 400 with a clear message, and an empty body too', async () => {
    const { port } = await kitServer()
    for (const body of ['{"a":', 'nope', '']) {
      const r = await call(port, 'POST', '/echo', body)
      expect(r.status).toBe(400)
      expect(r.json).toEqual({ error: { code: 'bad_request', message: 'body must be JSON' } })
    }
    expect((await call(port, 'POST', '/optional', '  ')).json).toEqual({ body: null })
    expect((await call(port, 'POST', '/optional', '{"a":1}')).json).toEqual({ body: { a: 1 } })
  })

  it('refuses a body that is not UTF-8 (a GBK script’s) rather than reading it as U+FFFD', async () => {
    const { port, seen } = await kitServer()
    // {"name":"春季展"} as a Windows console in GBK (code page 936) sends it.
    const gbk = Buffer.concat([
      Buffer.from('{"name":"'),
      Buffer.from([0xb4, 0xba, 0xbc, 0xbe, 0xd5, 0xb9]),
      Buffer.from('"}'),
    ])
    const r = await call(port, 'POST', '/echo', gbk)
    expect(r.status).toBe(400)
    expect(r.json).toEqual({
      error: { code: 'bad_request', message: 'body must be JSON in UTF-8' },
    })
    // Refused as it was read: no (garbled) body reached the handler.
    expect(seen).toHaveLength(1)
    expect(seen[0]).toBeInstanceOf(BodyError)
    // The same text in UTF-8 is read as sent.
    const utf8 = await call(port, 'POST', '/echo', Buffer.from('{"name":"春季展"}'))
    expect(utf8).toMatchObject({ status: 200, json: { body: { name: '春季展' } } })
  })

  it('refuses a body over the limit with 413 and closes the connection', async () => {
    const { port } = await kitServer()
    const r = await call(port, 'POST', '/echo', JSON.stringify({ pad: 'x'.repeat(LIMIT) }))
    expect(r.status).toBe(413)
    expect(r.headers.connection).toBe('close')
    expect(r.json).toMatchObject({ error: { code: 'too_large' } })
  })

  it('answers a declared oversized body at once, without waiting for it to be sent', async () => {
    const { port } = await kitServer()
    const socket = connect(port, '127.0.0.1')
    // The server closes with the promised gigabyte unread: the close may come as a reset.
    socket.on('error', () => socket.destroy())
    const answer = new Promise<string>((resolve) => {
      let text = ''
      socket.on('data', (c: Buffer) => {
        text += c.toString('utf8')
        if (text.includes('\r\n\r\n')) resolve(text)
      })
    })
    // Headers promise a gigabyte; only a few bytes follow, and the socket stays open.
    socket.write(
      'POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n' +
        'Content-Length: 1000000000\r\n\r\n{"a":',
    )
    expect(await answer).toMatch(/^HTTP\/1\.1 413 /)
    socket.destroy()
  })

  it('a body the client cuts off is an abort, never a parsed (half) body', async () => {
    const { port, seen } = await kitServer()
    const socket = connect(port, '127.0.0.1')
    socket.on('error', () => socket.destroy())
    await new Promise<void>((r) => socket.once('connect', r))
    socket.write('POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n{"a":1}')
    socket.end()
    await expect.poll(() => seen.length, { timeout: 10_000 }).toBe(1)
    expect(seen[0]).toBeInstanceOf(BodyAbortedError)
  })
})

describe('the route table', () => {
  it('answers an unknown path 404 and a wrong method 405 with Allow', async () => {
    const { port } = await kitServer()
    const missing = await call(port, 'GET', '/nope')
    expect(missing).toMatchObject({ status: 404, json: { error: { code: 'not_found' } } })
    const wrong = await call(port, 'GET', '/echo')
    expect(wrong.status).toBe(405)
    expect(wrong.headers.allow).toBe('POST')
    expect((await call(port, 'DELETE', '/items/x1')).headers.allow).toBe('GET, HEAD')
  })

  it('passes params, held to their rules; a param that fails its rule is a 404', async () => {
    const { port } = await kitServer()
    expect((await call(port, 'GET', '/items/abc-1')).json).toEqual({ id: 'abc-1' })
    expect((await call(port, 'GET', '/a/1/b/2')).json).toEqual({ x: '1', y: '2' })
    for (const path of [
      '/items/ABC',
      '/items/',
      '/items/a/b',
      '/items/..%2f..%2fetc',
      '/items/' + 'a'.repeat(17),
      '/a/1/b',
      '/a//b/2',
    ]) {
      expect((await call(port, 'GET', path)).status, path).toBe(404)
    }
  })

  it('routes one param pattern added for two methods separately to each (not 405)', async () => {
    const seen: string[] = []
    const r = new Router({
      notFound: () => void seen.push('404'),
      methodNotAllowed: () => void seen.push('405'),
    })
    r.add('PUT', '/kiosks/:id', ({ params }) => void seen.push(`put ${params.id}`))
    r.add('DELETE', '/kiosks/:id', ({ params }) => void seen.push(`delete ${params.id}`))
    const res = { setHeader: () => undefined } as unknown as ServerResponse
    for (const method of ['PUT', 'DELETE', 'GET']) {
      const req = { method } as IncomingMessage
      await r.handle(req, res, new URL('http://x.invalid/kiosks/k1'))
    }
    expect(seen).toEqual(['put k1', 'delete k1', '405'])
  })

  it('refuses a route added twice or a pattern without a leading slash', () => {
    const r = new Router({ notFound: () => {}, methodNotAllowed: () => {} })
    r.add('GET', '/x', () => {})
    expect(() => r.add('GET', '/x', () => {})).toThrow(/added twice/)
    expect(() => r.add('GET', 'x', () => {})).toThrow(/start with/)
  })
})

/**
 * The relay's HTTP edges as an outside checker probes them, on the deployed bundle (built by
 * scripts/build-relay.mjs, run with plain `node`), over raw sockets so that nothing a client
 * library would tidy (pipelining, HEAD, Expect, odd methods) is tidied: HEAD answers as GET
 * does, a documented path with another method is 405 with Allow, the kiosks' websocket path
 * says what a plain request lacks, and a connection stays usable after an error answer.
 */
import { connect } from 'node:net'
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRelay } from '../../relay/server'
import { tempDir } from './harness'
import { ROOT, buildRelayBundle, spawnRelay, type RelayProcess } from './relay-process'

interface RawAnswer {
  status: number
  headers: Record<string, string>
  body: string
}

/** The first complete HTTP/1.1 answer in `text` and how many characters it took, or null. */
function parseAnswer(text: string, toHead: boolean): { answer: RawAnswer; used: number } | null {
  const end = text.indexOf('\r\n\r\n')
  if (end === -1) return null
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n')
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
  }
  const status = Number(statusLine.split(' ')[1])
  // An answer to HEAD, and a 1xx, has no body whatever Content-Length says.
  const length = toHead || status < 200 ? 0 : Number(headers['content-length'] ?? 0)
  if (text.length < end + 4 + length) return null
  return {
    answer: { status, headers, body: text.slice(end + 4, end + 4 + length) },
    used: end + 4 + length,
  }
}

/**
 * Writes `text` on one new connection and resolves with the answers read once `count` are in
 * (1xx included), or when the relay closes the connection (`closed`; `rest`: what came after
 * the last whole answer). `heads`: the places of the answers to HEAD requests.
 */
function raw(
  port: number,
  text: string,
  count: number,
  heads: readonly number[] = [],
): Promise<{ answers: RawAnswer[]; closed: boolean; rest: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let received = ''
    const answers: RawAnswer[] = []
    socket.setEncoding('latin1')
    socket.on('data', (d: string) => {
      received += d
      for (
        let next = parseAnswer(received, heads.includes(answers.length));
        next !== null;
        next = parseAnswer(received, heads.includes(answers.length))
      ) {
        answers.push(next.answer)
        received = received.slice(next.used)
      }
      if (answers.length >= count) {
        socket.destroy()
        resolve({ answers, closed: false, rest: received })
      }
    })
    socket.on('error', reject)
    socket.on('close', () => resolve({ answers, closed: true, rest: received }))
    socket.write(text)
  })
}

let bundle: ReturnType<typeof buildRelayBundle>
let relay: RelayProcess
let port = 0
const dir = tempDir('relay-http-edges-')

beforeAll(async () => {
  bundle = buildRelayBundle()
  relay = await spawnRelay(
    process.execPath,
    [bundle.entry, '--port', '0', '--host', '127.0.0.1', '--data', dir],
    { cwd: ROOT, env: { ...process.env, SCANDESK_RELAY_WECHAT_TOKEN: 'edgetoken' } },
  )
  port = Number(new URL(relay.url).port)
}, 120_000)

afterAll(async () => {
  if (relay !== undefined && relay.child.exitCode === null) {
    relay.child.kill('SIGTERM')
    await relay.exited
  }
  bundle?.remove()
  rmSync(dir, { recursive: true, force: true })
})

/** The headers of a websocket handshake (RFC 6455's sample key), token left to each test. */
const WS_UPGRADE: readonly string[] = [
  'Upgrade: websocket',
  'Connection: Upgrade',
  'Sec-WebSocket-Version: 13',
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
]

const request = (
  method: string,
  path: string,
  headers: readonly string[] = [],
  body = '',
): string =>
  `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n${body}`

describe('methods on every documented path (deployed bundle)', () => {
  it('HEAD answers as GET does, without a body, on every path GET serves', async () => {
    for (const path of [
      '/healthz',
      '/metrics',
      '/wechat',
      '/wechat?signature=0&timestamp=1&nonce=2&echostr=x',
      '/kiosk',
      '/pair/ACDEFGHJ',
      '/console/',
      '/console/api/kiosks',
      '/screen/c1/wall?key=x',
    ]) {
      const get = await raw(port, request('GET', path), 1)
      const head = await raw(port, request('HEAD', path), 1, [0])
      expect(head.answers[0]?.status, `HEAD ${path}`).toBe(get.answers[0]?.status)
      expect(head.answers[0]?.body, `HEAD ${path}`).toBe('')
      expect(head.closed, `HEAD ${path}`).toBe(false)
    }
  })

  it('a documented path with another method is 405 with Allow, in the error shape', async () => {
    for (const [method, path, allow] of [
      ['PUT', '/wechat', 'GET, HEAD, POST'],
      ['OPTIONS', '/wechat', 'GET, HEAD, POST'],
      ['DELETE', '/healthz', 'GET, HEAD'],
      ['OPTIONS', '/metrics', 'GET, HEAD'],
      ['GET', '/api/pair', 'POST'],
      ['HEAD', '/api/tickets', 'POST'],
      ['PATCH', '/api/fallback-code', 'POST'],
      ['POST', '/kiosk', 'GET, HEAD'],
      ['DELETE', '/kiosk', 'GET, HEAD'],
      ['POST', '/pair/ACDEFGHJ', 'GET, HEAD'],
      ['POST', '/console/', 'GET, HEAD'],
      ['DELETE', '/screen/c1/wall', 'GET, HEAD'],
    ] as const) {
      const { answers } = await raw(port, request(method, path), 1, method === 'HEAD' ? [0] : [])
      const a = answers[0]
      expect(a?.status, `${method} ${path}`).toBe(405)
      expect(a?.headers.allow, `${method} ${path}`).toBe(allow)
      if (method !== 'HEAD')
        expect(JSON.parse(a?.body ?? '')).toMatchObject({ error: { code: 'method_not_allowed' } })
    }
  })

  it('a plain request for the kiosks’ websocket is 426 naming the protocol, not 404', async () => {
    const { answers } = await raw(port, request('GET', '/kiosk'), 1)
    expect(answers[0]?.status).toBe(426)
    expect(answers[0]?.headers.upgrade).toBe('websocket')
    expect(JSON.parse(answers[0]?.body ?? '')).toMatchObject({
      error: { code: 'upgrade_required' },
    })
    // The upgrade itself is as before: a missing token is 401 before anything else.
    const upgrade = await raw(
      port,
      request('GET', '/kiosk', [
        'Upgrade: websocket',
        'Connection: Upgrade',
        'Sec-WebSocket-Version: 13',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      ]),
      1,
    )
    expect(upgrade.answers[0]?.status).toBe(401)
  })
})

describe('a kept-alive connection after an error answer', () => {
  it('serves the next request after 400, 401, 403, 404, 405 and 413-free refusals', async () => {
    const json = ['Content-Type: application/json']
    const refusals = [
      request('POST', '/api/pair', [...json, 'Content-Length: 3'], '{x}'),
      request('POST', '/api/tickets', [...json, 'Content-Length: 11'], '{"count":1}'),
      request('POST', '/console/api/kiosks', [...json, 'Content-Length: 10'], '{"id":"a"}'),
      request(
        'POST',
        '/console/api/kiosks',
        [...json, 'Origin: http://evil.example', 'Content-Length: 10'],
        '{"id":"a"}',
      ),
      request('GET', '/nope'),
      request('PUT', '/healthz', ['Content-Length: 5'], 'hello'),
      request('POST', '/wechat?signature=0&timestamp=1&nonce=2', ['Content-Length: 6'], '<xml/>'),
    ]
    for (const first of refusals) {
      const { answers, closed } = await raw(port, first + request('GET', '/healthz'), 2)
      expect(answers.map((a) => a.status).slice(1), first.split('\r\n')[0]).toEqual([200])
      expect(closed).toBe(false)
    }
  })
})

/**
 * Sends a request's headers with `Expect: 100-continue`, and its body only once the relay says
 * `100 Continue`; resolves with every answer read when the final one is in or the link closes.
 */
function expectContinue(
  method: string,
  path: string,
  headers: string[],
  body: string,
): Promise<{ answers: RawAnswer[]; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let received = ''
    const answers: RawAnswer[] = []
    const finish = (closed: boolean): void => {
      socket.destroy()
      resolve({ answers, closed })
    }
    socket.setEncoding('latin1')
    socket.on('data', (d: string) => {
      received += d
      for (let next = parseAnswer(received, false); next !== null;) {
        answers.push(next.answer)
        received = received.slice(next.used)
        if (next.answer.status === 100) socket.write(body)
        next = parseAnswer(received, false)
      }
      // A final answer, then whether the relay closes the connection after it.
      if (answers.some((a) => a.status >= 200)) {
        if (answers.at(-1)?.headers.connection === 'close') socket.once('end', () => finish(true))
        else finish(false)
      }
    })
    socket.on('error', reject)
    socket.on('close', () => resolve({ answers, closed: true }))
    socket.write(
      request(method, path, [
        ...headers,
        'Expect: 100-continue',
        `Content-Length: ${Buffer.byteLength(body)}`,
      ]),
    )
  })
}

describe('Expect: 100-continue', () => {
  const json = 'Content-Type: application/json'

  it('says 100 Continue when the body is wanted, then answers it on a connection kept alive', async () => {
    const { answers, closed } = await expectContinue(
      'POST',
      '/api/pair',
      [json],
      '{"code":"ACDEFGHJ"}',
    )
    expect(answers.map((a) => a.status)).toEqual([100, 404])
    expect(closed).toBe(false)
  })

  it('refuses without 100 Continue what it refuses before the body, and closes the connection', async () => {
    const big = 'x'.repeat(70 * 1024)
    for (const [path, headers, body, status] of [
      // Declared over the push limit (64 KiB): the body is never wanted.
      ['/wechat?signature=0&timestamp=1&nonce=2', ['Content-Type: text/xml'], big, 413],
      ['/api/pair', [json], big, 413],
      // No kiosk token, no session, another origin: refused before any body is read.
      ['/api/tickets', [json], '{"count":1}', 401],
      ['/console/api/kiosks', [json], '{"id":"k1"}', 401],
      ['/console/api/kiosks', [json, 'Origin: http://evil.example'], '{"id":"k1"}', 403],
      ['/healthz', [json], '{}', 405],
    ] as const) {
      const { answers, closed } = await expectContinue('POST', path, [...headers], body)
      expect(
        answers.map((a) => a.status),
        path,
      ).toEqual([status])
      expect(closed, path).toBe(true)
    }
  })
})

describe('401 for a kiosk token', () => {
  it('carries a Bearer challenge, the same for a missing and a wrong token, on every kiosk endpoint', async () => {
    const json = ['Content-Type: application/json', 'Content-Length: 2']
    const upgrade = WS_UPGRADE
    for (const auth of [
      [],
      ['Authorization: Bearer booth-1.wrong'],
      ['Authorization: Basic eDp5'],
    ]) {
      for (const [method, path, headers, body] of [
        ['POST', '/api/tickets', json, '{}'],
        ['POST', '/api/fallback-code', json, '{}'],
        ['GET', '/kiosk', upgrade, ''],
      ] as const) {
        const { answers } = await raw(port, request(method, path, [...headers, ...auth], body), 1)
        const where = `${method} ${path} ${auth.join('')}`
        expect(answers[0]?.status, where).toBe(401)
        expect(answers[0]?.headers['www-authenticate'], where).toBe('Bearer realm="scandesk-relay"')
        // The same error shape on all three, the refused websocket upgrade included.
        expect(answers[0]?.headers['content-type'], where).toBe('application/json; charset=utf-8')
        expect(JSON.parse(answers[0]?.body ?? ''), where).toEqual({
          error: { code: 'unauthorized', message: 'bad or missing kiosk token' },
        })
      }
    }
  })
})

describe('a refused websocket upgrade', () => {
  it('answers in the error shape, as a plain request to the same path would', async () => {
    const upgrade = WS_UPGRADE
    for (const [path, status, code] of [
      ['/nope', 404, 'not_found'],
      ['/kiosk/', 404, 'not_found'],
      ['/console/api/events', 404, 'not_found'],
      ['/x/../kiosk', 400, 'bad_request'],
    ] as const) {
      const plain = (await raw(port, request('GET', path), 1)).answers[0]
      const { answers, closed } = await raw(port, request('GET', path, upgrade), 2)
      expect(
        answers.map((a) => a.status),
        path,
      ).toEqual([status])
      expect(closed, path).toBe(true)
      expect(answers[0]?.headers['content-type'], path).toBe('application/json; charset=utf-8')
      const body: unknown = JSON.parse(answers[0]?.body ?? '')
      expect(body, path).toMatchObject({ error: { code } })
      // /console/api/events without a session is the console's 401 as a plain request.
      if (path !== '/console/api/events') expect(body, path).toEqual(JSON.parse(plain?.body ?? ''))
    }
  })

  it('to HEAD has no body, and to another method is 405 with Allow, as the plain request', async () => {
    const upgrade = [...WS_UPGRADE, 'Authorization: Bearer booth-1.wrong']
    for (const [method, path] of [
      ['HEAD', '/kiosk'],
      ['HEAD', '/nope'],
      ['POST', '/kiosk'],
      ['DELETE', '/kiosk'],
    ] as const) {
      const where = `${method} ${path}`
      const heads = method === 'HEAD' ? [0] : []
      const plain = (await raw(port, request(method, path), 1, heads)).answers[0]
      const { answers, closed, rest } = await raw(port, request(method, path, upgrade), 2, heads)
      expect(closed, where).toBe(true)
      expect(
        answers.map((a) => a.status),
        where,
      ).toEqual([plain?.status])
      // Nothing after the head of an answer to HEAD (a body there would be read as the start of
      // the next answer by a client that keeps the connection).
      expect(rest, where).toBe('')
      expect(answers[0]?.headers.allow, where).toBe(plain?.headers.allow)
      expect(answers[0]?.headers['content-length'], where).toBe(plain?.headers['content-length'])
      if (method !== 'HEAD') expect(answers[0]?.body, where).toBe(plain?.body)
    }
  })
})

describe('a client resetting its upgrade', () => {
  it('while the relay refuses it leaves the relay running, whatever the refusal', async () => {
    const upgrade = [...WS_UPGRADE, 'Authorization: Bearer booth-1.wrong']
    const kinds = [
      request('GET', '/nope', upgrade),
      request('GET', '/x/../kiosk', upgrade),
      request('HEAD', '/kiosk', upgrade),
      request('POST', '/kiosk', upgrade),
      request('GET', '/kiosk', upgrade),
    ]
    // The reset lands while the answer is being written (a write to a reset socket errs): each
    // kind many times over, as one scanner would in a second.
    for (let round = 0; round < 40; round++) {
      await Promise.all(
        kinds.map(
          (text) =>
            new Promise<void>((resolve) => {
              const socket = connect(port, '127.0.0.1', () => {
                socket.write(text)
                setImmediate(() => socket.resetAndDestroy())
              })
              socket.on('error', () => {})
              socket.on('close', () => resolve())
            }),
        ),
      )
    }
    const health = await raw(port, request('GET', '/healthz'), 1)
    expect(health.answers[0]?.status).toBe(200)
    expect(relay.child.exitCode).toBe(null)
  })
})

describe('401 elsewhere', () => {
  it('carries a challenge no browser answers with a password dialog: /wechat and the console', async () => {
    // RFC 9110 15.5.2: a 401 MUST send WWW-Authenticate. Not Basic or Digest, which make a
    // browser ask for a password the relay has no use for.
    const json = ['Content-Type: application/json']
    const login = '{"name":"nobody","password":"wrong"}'
    for (const [method, path, headers, body, challenge] of [
      ['GET', '/wechat?signature=0&timestamp=1&nonce=2&echostr=x', [], '', 'WeChat-Signature'],
      [
        'POST',
        '/wechat?signature=0&timestamp=1&nonce=2',
        ['Content-Type: text/xml'],
        '<xml/>',
        'WeChat-Signature',
      ],
      [
        'POST',
        '/wechat?timestamp=1&nonce=2',
        ['Content-Type: text/xml'],
        '<xml/>',
        'WeChat-Signature',
      ],
      ['GET', '/console/api/kiosks', [], '', 'Cookie'],
      ['GET', '/console/api/nowhere', ['Cookie: scandesk_session=nope'], '', 'Cookie'],
      ['POST', '/console/api/login', json, login, 'Cookie'],
      [
        'GET',
        '/console/api/kiosks',
        ['Cookie: scandesk_session=a; scandesk_session=b'],
        '',
        'Cookie',
      ],
    ] as const) {
      const sent = [...headers, `Content-Length: ${Buffer.byteLength(body)}`]
      const { answers } = await raw(port, request(method, path, sent, body), 1)
      const where = `${method} ${path} ${headers.join(' ')}`
      expect(answers[0]?.status, where).toBe(401)
      const header = answers[0]?.headers['www-authenticate'] ?? ''
      expect(header.split(' ')[0], where).toBe(challenge)
      expect(header, where).toMatch(/ realm="scandesk-/)
    }
  })
})

describe('a body that stalls', () => {
  it('is 408 on /api/pair as on every other endpoint, and the connection closes', async () => {
    const r = await startRelay({
      port: 0,
      data: ':memory:',
      wechat: { token: 'edgetoken' },
      requestTimeoutMs: 300,
      headersTimeoutMs: 300,
    })
    try {
      const p = Number(new URL(r.url).port)
      const json = ['Content-Type: application/json', 'Content-Length: 19']
      // Half the body, then nothing: the relay answers once its request timeout has passed.
      for (const path of ['/api/pair', '/console/api/login']) {
        const head = `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\n${json.join('\r\n')}\r\n\r\n{"code":`
        const { answers, closed } = await raw(p, head, 2)
        expect(answers[0]?.status, path).toBe(408)
        expect(JSON.parse(answers[0]?.body ?? '')).toMatchObject({ error: { code: 'bad_request' } })
        expect(answers[0]?.headers.connection, path).toBe('close')
        expect(closed, path).toBe(true)
      }
    } finally {
      await r.close()
    }
  })
})

describe('a JSON body saved with a byte order mark', () => {
  it('is read as the JSON it is (pairing, sign-in), not refused as "not JSON"', async () => {
    const bom = '\uFEFF'
    const send = async (path: string, body: string) => {
      // Written as UTF-8 (the socket's default): EF BB BF, then the JSON.
      const bytes = Buffer.from(bom + body, 'utf8')
      const { answers } = await raw(
        port,
        request(
          'POST',
          path,
          ['Content-Type: application/json', `Content-Length: ${bytes.length}`],
          bom + body,
        ),
        1,
      )
      return answers[0]
    }
    // An unknown code is 404 and a wrong password 401: the body was read.
    expect((await send('/api/pair', '{"code":"ACDEFGHJ"}'))?.status).toBe(404)
    expect((await send('/console/api/login', '{"name":"nobody","password":"x"}'))?.status).toBe(401)
    // A BOM before something that is not JSON is still 400.
    expect((await send('/api/pair', '{"code":'))?.status).toBe(400)
  })
})

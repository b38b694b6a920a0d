// The console's API client: every answer validated against shared/console-api.ts, failures as
// typed errors (the code, the status, a lockout's wait), a 401 on any call but sign-in ends the
// session in the app.
import { describe, expect, it, vi } from 'vitest'
import { createConsoleApi } from '../../console/src/api/client'
import { toCampaignSummary } from '../../console/src/api/campaign-contract'
import { ConsoleApiError } from '../../console/src/api/errors'
import { makeCampaign, makeKiosk } from './fake-console-api'
import { fakeXhrs, type FakeXhr } from './fake-xhr'

function answer(status: number, body: unknown, headers: Record<string, string> = {}) {
  return vi.fn<typeof fetch>(() =>
    Promise.resolve(
      new Response(body === undefined ? null : JSON.stringify(body), {
        status,
        headers: { 'content-type': 'application/json', ...headers },
      }),
    ),
  )
}

async function failure(promise: Promise<unknown>): Promise<ConsoleApiError> {
  const error: unknown = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  if (!(error instanceof ConsoleApiError))
    throw new Error(`expected a ConsoleApiError, got ${String(error)}`)
  return error
}

describe('console API client', () => {
  it('checks a download link with a HEAD and names why the relay would refuse it', async () => {
    const url = '/console/api/attendance?format=csv'
    const ok = answer(200, undefined)
    await createConsoleApi({ fetch: ok }).checkDownload(url)
    expect(ok.mock.calls.map(([u, init]) => [u, init?.method, init?.credentials])).toEqual([
      [url, 'HEAD', 'same-origin'],
    ])

    const busy = await failure(
      createConsoleApi({ fetch: answer(503, undefined, { 'retry-after': '5' }) }).checkDownload(
        url,
      ),
    )
    expect([busy.code, busy.status, busy.retryAfterSeconds]).toEqual(['internal', 503, 5])

    const onUnauthorized = vi.fn()
    const ended = await failure(
      createConsoleApi({ fetch: answer(401, undefined), onUnauthorized }).checkDownload(url),
    )
    expect(ended.code).toBe('unauthorized')
    expect(onUnauthorized).toHaveBeenCalledTimes(1)

    const down = vi.fn<typeof fetch>(() => Promise.reject(new TypeError('Failed to fetch')))
    expect((await failure(createConsoleApi({ fetch: down }).checkDownload(url))).code).toBe(
      'network',
    )
  })

  it("cancels a download check's HEAD when its caller gives up on it", async () => {
    let seen: AbortSignal | undefined
    const pending = vi.fn<typeof fetch>(
      (_u, init) =>
        new Promise<Response>((_resolve, reject) => {
          seen = init?.signal ?? undefined
          seen?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))
        }),
    )
    const gaveUp = new AbortController()
    const check = failure(createConsoleApi({ fetch: pending }).checkDownload('/x', gaveUp.signal))
    expect(seen?.aborted).toBe(false)
    gaveUp.abort()
    expect(seen?.aborted).toBe(true)
    expect((await check).code).toBe('network')
  })

  it('reads the campaigns list again with If-None-Match and keeps the last list on a 304', async () => {
    const list = [makeCampaign({ id: 'c1' })]
    const fetch = vi
      .fn<typeof globalThis.fetch>()
      .mockResolvedValueOnce(
        new Response(JSON.stringify(list), { status: 200, headers: { etag: '"t1"' } }),
      )
      .mockResolvedValueOnce(new Response(null, { status: 304, headers: { etag: '"t1"' } }))
      .mockResolvedValueOnce(
        new Response(JSON.stringify([]), { status: 200, headers: { etag: '"t2"' } }),
      )
      .mockResolvedValueOnce(new Response(JSON.stringify([]), { status: 200 }))
      .mockResolvedValueOnce(new Response(JSON.stringify([]), { status: 200 }))
    const api = createConsoleApi({ fetch })
    const first = await api.campaigns()
    // The summary the lists show, whatever else the answer carried.
    expect(first).toEqual(list.map(toCampaignSummary))
    expect(fetch.mock.calls[0]?.[0]).toBe('/console/api/campaigns?view=summary')
    expect(await api.campaigns()).toBe(first)
    expect(await api.campaigns()).toEqual([])
    await api.campaigns()
    // No tag in the last answer: nothing to revalidate.
    await api.campaigns()
    const asked = fetch.mock.calls.map(([, init]) =>
      new Headers(init?.headers).get('if-none-match'),
    )
    expect(asked).toEqual([null, '"t1"', '"t1"', '"t2"', null])
  })

  it('returns answers that match the contract, sent same-origin with the cookie', async () => {
    const fetch = answer(200, [makeKiosk({ id: 'hall-a' })])
    const api = createConsoleApi({ fetch })
    expect((await api.kiosks())[0]?.id).toBe('hall-a')
    const [url, init] = fetch.mock.calls[0] ?? []
    expect(url).toBe('/console/api/kiosks')
    expect(init?.credentials).toBe('same-origin')
  })

  it('refuses an answer that does not match its schema (never shows half-understood data)', async () => {
    const api = createConsoleApi({ fetch: answer(200, [{ id: 'hall-a', online: 'yes' }]) })
    expect((await failure(api.kiosks())).code).toBe('bad_response')
    // A token leaking into a booth would still parse (extra keys are dropped by zod), never shown.
    const leaky = createConsoleApi({
      fetch: answer(200, [{ ...makeKiosk(), token: 'secret-token-value' }]),
    })
    expect(JSON.stringify(await leaky.kiosks())).not.toContain('secret-token-value')
  })

  it('sends the search, offset and limit of an attendance page as query parameters', async () => {
    const fetch = answer(200, { total: 0, rows: [] })
    await createConsoleApi({ fetch }).attendance({ q: 'a&b=c', offset: 400, limit: 200 })
    const url = new URL(fetch.mock.calls[0]?.[0] as string, 'http://relay')
    expect(url.pathname).toBe('/console/api/attendance')
    expect(Object.fromEntries(url.searchParams)).toEqual({
      format: 'json',
      q: 'a&b=c',
      offset: '400',
      limit: '200',
    })
  })

  it('a 401 on a call ends the session; a 401 on sign-in is a wrong password, not an expiry', async () => {
    const onUnauthorized = vi.fn()
    const body = { error: { code: 'unauthorized', message: 'no session' } }
    const api = createConsoleApi({ fetch: answer(401, body), onUnauthorized })
    expect((await failure(api.stats())).code).toBe('unauthorized')
    expect(onUnauthorized).toHaveBeenCalledTimes(1)
    expect((await failure(api.login('alice', 'nope'))).status).toBe(401)
    expect(await api.session()).toBeNull()
    expect(onUnauthorized).toHaveBeenCalledTimes(1)
  })

  it('a 401 refusing two session cookies keeps its code, for the session check too', async () => {
    const onUnauthorized = vi.fn()
    const body = { error: { code: 'ambiguous_session', message: 'more than one' } }
    const api = createConsoleApi({ fetch: answer(401, body), onUnauthorized })
    expect((await failure(api.stats())).code).toBe('ambiguous_session')
    expect(onUnauthorized).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'ambiguous_session', status: 401 }),
    )
    // Not "nobody signed in": the sign-in page is told why.
    expect((await failure(api.session())).code).toBe('ambiguous_session')
  })

  it('a lockout carries its wait from Retry-After', async () => {
    const body = { error: { code: 'locked_out', message: 'wait' } }
    const api = createConsoleApi({ fetch: answer(429, body, { 'retry-after': '42' }) })
    const error = await failure(api.login('alice', 'x'))
    expect(error).toMatchObject({ code: 'locked_out', status: 429, retryAfterSeconds: 42 })
  })

  it('a draw refused for too few eligible visitors carries how many there were', async () => {
    const tooFew = { error: { code: 'conflict', message: 'only 4 eligible', eligible: 4 } }
    const request = { prize: '奖', count: 9, excludeWinners: true, rosterOnly: false }
    const error = await failure(
      createConsoleApi({ fetch: answer(409, tooFew) }).makeDraw('c', request),
    )
    expect(error).toMatchObject({ code: 'conflict', status: 409, eligible: 4 })
    // Any other 409, or a number that is not a count, carries none.
    const plain = { error: { code: 'conflict', message: 'not a current winner' } }
    const other = await failure(
      createConsoleApi({ fetch: answer(409, plain) }).makeDraw('c', request),
    )
    expect(other.eligible).toBeNull()
    const odd = { error: { code: 'conflict', message: 'x', eligible: -1 } }
    expect(
      (await failure(createConsoleApi({ fetch: answer(409, odd) }).makeDraw('c', request)))
        .eligible,
    ).toBeNull()
  })

  it("a pairing code's expiry is moved onto this browser's clock by the answer's Date", async () => {
    // The relay's clock: a code made at 10:00:00 expires at 10:15:00 (the contract's 15 minutes).
    const relayNow = Date.UTC(2026, 11, 5, 2, 0, 0)
    const code = { id: 'hall-a', pairingCode: 'ACDE4679', expiresAt: relayNow + 15 * 60_000 }
    const date = new Date(relayNow).toUTCString()
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      // The organizer's laptop 7 minutes fast, 20 minutes fast, a day behind: still 15 minutes.
      for (const skew of [7 * 60_000, 20 * 60_000, -86_400_000]) {
        vi.setSystemTime(relayNow + skew)
        for (const made of [
          createConsoleApi({ fetch: answer(200, code, { date }) }).addKiosk('hall-a'),
          createConsoleApi({ fetch: answer(200, code, { date }) }).pairKiosk('hall-a'),
        ]) {
          const left = (await made).expiresAt - Date.now()
          expect(left, `clock ${skew} ms off`).toBeGreaterThan(14 * 60_000 + 58_000)
          expect(left, `clock ${skew} ms off`).toBeLessThanOrEqual(15 * 60_000)
        }
      }
      // Clocks that agree (or no Date at all): the relay's expiry as it came.
      vi.setSystemTime(relayNow + 300)
      const same = await createConsoleApi({ fetch: answer(200, code, { date }) }).addKiosk('x')
      expect(same.expiresAt).toBe(code.expiresAt)
      vi.setSystemTime(relayNow + 7 * 60_000)
      const bare = await createConsoleApi({ fetch: answer(200, code) }).addKiosk('x')
      expect(bare.expiresAt).toBe(code.expiresAt)
    } finally {
      vi.useRealTimers()
    }
  })

  it('an unknown error code or a non-JSON error falls back on the status', async () => {
    const api = createConsoleApi({ fetch: answer(409, { error: { code: 'weird' } }) })
    expect((await failure(api.addKiosk('hall-a'))).code).toBe('conflict')
    const html = vi.fn<typeof fetch>(() =>
      Promise.resolve(new Response('<h1>bad gateway</h1>', { status: 502 })),
    )
    expect((await failure(createConsoleApi({ fetch: html }).stats())).code).toBe('internal')
    const down = vi.fn<typeof fetch>(() => Promise.reject(new TypeError('Failed to fetch')))
    expect((await failure(createConsoleApi({ fetch: down }).stats())).code).toBe('network')
  })

  it('a 408 (a body that stalled on a slow link) reads as too slow, not as bad input', async () => {
    const stalled = { error: { code: 'bad_request', message: 'no byte of the body for 60000 ms' } }
    const file = new Blob(['姓名\n张三\n'])
    const relay = createConsoleApi({ xhr: fakeXhrs((xhr) => xhr.answer(408, stalled)).xhr })
    expect((await failure(relay.uploadRoster('c-1', file, 'csv'))).code).toBe('too_slow')
    const bare = vi.fn<typeof fetch>(() => Promise.resolve(new Response('', { status: 408 })))
    expect((await failure(createConsoleApi({ fetch: bare }).stats())).code).toBe('too_slow')
  })

  it('a read the relay never answers (a stalled connection) gives up as a network error; a change waits', async () => {
    vi.useFakeTimers()
    try {
      // A connection gone silent without a reset: the browser would wait for minutes or more.
      const hung = vi.fn<typeof fetch>(
        (_url, init) =>
          new Promise<Response>((_resolve, reject) =>
            init?.signal?.addEventListener('abort', () =>
              reject(new DOMException('timed out', 'TimeoutError')),
            ),
          ),
      )
      const api = createConsoleApi({ fetch: hung })
      const settled: Record<string, string> = {}
      const watch = (name: string, call: Promise<unknown>): void =>
        void failure(call).then(
          (e) => (settled[name] = e.code),
          (e: unknown) => (settled[name] = String(e)),
        )
      watch('stats', api.stats())
      watch('session', api.session())
      watch('revoke', api.revokeKiosk('hall-a'))
      await vi.advanceTimersByTimeAsync(60_000)
      // A change may have been made at the relay: it is not given up on the client's side.
      expect(settled).toEqual({ stats: 'network', session: 'network' })
    } finally {
      vi.useRealTimers()
    }
  })

  it('a roster upload tells how much is sent, fails as any call does, and stops when aborted', async () => {
    const relay = fakeXhrs()
    const onUnauthorized = vi.fn()
    const api = createConsoleApi({ xhr: relay.xhr, onUnauthorized })
    const file = new Blob([new Uint8Array(1000)])
    const steps: { sent: number; total: number }[] = []
    const done = api.uploadRoster('c-1', file, 'csv', { onProgress: (p) => steps.push(p) })
    const xhr = relay.sent[0]
    xhr?.progress(400)
    xhr?.progress(900)
    xhr?.bodySent()
    xhr?.answer(200, { version: 2, total: 9, skipped: 0, errors: [] })
    expect((await done).stored).toBe(true)
    expect(steps).toEqual([
      { sent: 0, total: 1000 },
      { sent: 400, total: 1000 },
      { sent: 900, total: 1000 },
      { sent: 1000, total: 1000 },
    ])

    const failed = async (fail: (xhr: FakeXhr) => void): Promise<ConsoleApiError> => {
      const call = failure(api.checkRoster('c-1', file, 'csv'))
      const sent = relay.sent.at(-1)
      if (sent) fail(sent)
      return call
    }
    const expired = await failed((x) => x.answer(401, { error: { code: 'unauthorized' } }))
    expect([expired.code, expired.status]).toEqual(['unauthorized', 401])
    expect(onUnauthorized).toHaveBeenCalledWith(expired)
    expect((await failed((x) => x.answer(403, ''))).code).toBe('forbidden')
    expect((await failed((x) => x.answer(408, ''))).code).toBe('too_slow')
    expect((await failed((x) => x.answer(413, { error: { code: 'too_large' } }))).code).toBe(
      'too_large',
    )
    const limited = await failed((x) => x.answer(429, '', { 'Retry-After': '30' }))
    expect([limited.code, limited.retryAfterSeconds]).toEqual(['rate_limited', 30])
    expect((await failed((x) => x.fail())).code).toBe('network')

    const stop = new AbortController()
    const stopped = failure(api.uploadRoster('c-1', file, 'csv', { signal: stop.signal }))
    relay.sent.at(-1)?.progress(300)
    stop.abort()
    expect((await stopped).code).toBe('cancelled')
    expect(relay.sent.at(-1)?.aborted).toBe(true)
    // Aborted before it began: nothing is sent at all.
    const before = relay.sent.length
    expect((await failure(api.checkRoster('c-1', file, 'csv', { signal: stop.signal }))).code).toBe(
      'cancelled',
    )
    expect(relay.sent.length).toBe(before)
  })

  it('reads a booth with its assignment ETag and sends it back as If-Match', async () => {
    const booth = makeKiosk({ id: 'hall-a', campaignId: 'c-1' })
    const read = answer(200, booth, { etag: '"41"' })
    expect(await createConsoleApi({ fetch: read }).kiosk('hall-a')).toEqual({
      kiosk: booth,
      etag: '"41"',
    })
    expect(read.mock.calls[0]?.[0]).toBe('/console/api/kiosks/hall-a')
    const put = answer(200, makeKiosk({ id: 'hall-a', campaignId: 'c-2' }), { etag: '"42"' })
    await createConsoleApi({ fetch: put }).assignKiosk('hall-a', 'c-2', '"41"')
    const [url, init] = put.mock.calls[0] ?? []
    expect(url).toBe('/console/api/kiosks/hall-a')
    expect(new Headers(init?.headers).get('if-match')).toBe('"41"')
    expect(init?.body).toBe(JSON.stringify({ campaignId: 'c-2' }))
    const refused = answer(412, { error: { code: 'precondition_failed', message: 'stale' } })
    const e = await failure(
      createConsoleApi({ fetch: refused }).assignKiosk('hall-a', null, '"41"'),
    )
    expect([e.code, e.status]).toEqual(['precondition_failed', 412])
  })

  it('revokes by id with the id escaped into the path', async () => {
    const fetch = answer(204, undefined)
    await createConsoleApi({ fetch }).revokeKiosk('hall-a')
    expect(fetch.mock.calls[0]?.[0]).toBe('/console/api/kiosks/hall-a')
    expect(fetch.mock.calls[0]?.[1]?.method).toBe('DELETE')
  })
})

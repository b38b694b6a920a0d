// A HEAD the relay refuses carries its error's code and message in X-Error-Code /
// X-Error-Message (shared/server/respond.ts sendApiError), percent-encoded UTF-8 with the message
// cut at 500 characters. Any text a message may hold (Chinese, emoji, CR/LF that would split a
// raw header, a message far over the cut) must give a header a client can read back: plain
// ASCII, never a second header, decoding to the message's first 500 characters, whole (a cut
// between a surrogate pair would leave no header at all).
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sendApiError } from '../../shared/server/respond'

let message = ''
let server: Server
let port = 0

beforeAll(async () => {
  server = createServer((_req, res) => sendApiError(res, 503, 'internal', message))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

/** The raw header lines of a HEAD's answer, as the socket carried them. */
function head(): Promise<{ status: number; raw: string[] }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'HEAD', path: '/' }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0, raw: res.rawHeaders }))
    })
    req.on('error', reject)
    req.end()
  })
}

function headerOf(raw: string[], name: string): string[] {
  const values: string[] = []
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]?.toLowerCase() === name.toLowerCase()) values.push(raw[i + 1] ?? '')
  }
  return values
}

describe("a refused HEAD's error headers", () => {
  it('say Chinese, CR/LF and a long message in one ASCII header each, cut at 500 characters', async () => {
    message = '中继的存储无法读取（数据库被锁定）\r\nX-Injected: 1\n😀'
    const first = await head()
    expect(first.status).toBe(503)
    expect(headerOf(first.raw, 'X-Injected')).toEqual([])
    expect(headerOf(first.raw, 'X-Error-Code')).toEqual(['internal'])
    const [said] = headerOf(first.raw, 'X-Error-Message')
    expect(decodeURIComponent(said ?? '')).toBe(message)

    // 499 characters, then an emoji (two UTF-16 units) as the 500th: kept whole, the rest cut.
    message = `${'数'.repeat(499)}😀${'x'.repeat(600)}`
    const long = await head()
    const [cut] = headerOf(long.raw, 'X-Error-Message')
    expect(decodeURIComponent(cut ?? '')).toBe(`${'数'.repeat(499)}😀`)
  })

  it('any message: one ASCII header that decodes to its first 500 characters', async () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 700 })
    const withBreaks = fc.array(fc.oneof(text, fc.constantFrom('\r', '\n', '\r\n', '\0', '%')), {
      maxLength: 6,
    })
    await fc.assert(
      fc.asyncProperty(withBreaks, async (parts) => {
        message = parts.join('')
        const { raw } = await head()
        const values = headerOf(raw, 'X-Error-Message')
        expect(values).toHaveLength(1)
        const value = values[0] ?? ''
        expect(value).toMatch(/^[\x21-\x7e]*$/)
        expect(decodeURIComponent(value)).toBe(Array.from(message).slice(0, 500).join(''))
      }),
      { seed: 206, numRuns: 60 },
    )
  })
})

// A console download link opened as a page without a session: the attendance sheet or the
// winners link copied into a WeChat chat, or WeChat's "Open in browser" from a previewed sheet
// (the system browser has none of WeChat's cookies). The browser used to show the API's raw
// `{"error":{"code":"unauthorized",…}}`; a page navigation now gets the same 401 as a page that
// says, in Chinese and English, to sign in to the console first and links to it. The console's
// own requests (fetch, HEAD) keep the JSON answer the contract names.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RelayHandle } from '../../relay/server'
import { CONSOLE_SESSION_CHALLENGE } from '../../relay/console/console-router'
import { WECHAT_IOS_UA } from '../helpers/wechat-user-agents'
import { startTestRelay } from './harness'

/** What a browser sends when it opens a link as a page. */
const NAVIGATION = {
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'sec-fetch-dest': 'document',
  'sec-fetch-mode': 'navigate',
  'user-agent': WECHAT_IOS_UA,
}
const LINKS = [
  '/console/api/attendance?format=csv',
  '/console/api/attendance?format=xlsx&lang=en',
  '/console/api/campaigns/c-1/draws/d-1/winners?format=csv',
]

let relay: RelayHandle
beforeAll(async () => {
  relay = await startTestRelay('sqlite', null)
})
afterAll(async () => {
  await relay.close()
})

describe('a console link opened as a page without a session', () => {
  it('is a 401 page saying to sign in to the console, in Chinese and English', async () => {
    for (const link of LINKS) {
      const res = await fetch(`${relay.url}${link}`, { headers: NAVIGATION })
      expect(res.status, link).toBe(401)
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(res.headers.get('www-authenticate')).toBe(CONSOLE_SESSION_CHALLENGE)
      expect(res.headers.get('cache-control')).toBe('no-store')
      expect(res.headers.get('referrer-policy')).toBe('no-referrer')
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'")
      const html = await res.text()
      expect(html).toContain('请先登录控制台')
      expect(html).toContain('Sign in to the console first')
      expect(html).toContain('href="/console/"')
      // Nothing from the request reaches the page.
      expect(html).not.toContain('c-1')
      expect(html).not.toContain('format')
    }
  })

  it('a browser too old to say Sec-Fetch-Dest is told by its Accept header', async () => {
    const res = await fetch(`${relay.url}${LINKS[0]}`, {
      headers: { accept: NAVIGATION.accept, 'user-agent': WECHAT_IOS_UA },
    })
    expect(res.status).toBe(401)
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
  })

  it('with two session cookies (one planted) is the same page, and both are still cleared', async () => {
    const cookie = `scandesk_session=${'a'.repeat(43)}; scandesk_session=${'b'.repeat(43)}`
    const res = await fetch(`${relay.url}${LINKS[0]}`, { headers: { ...NAVIGATION, cookie } })
    expect(res.status).toBe(401)
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(res.headers.get('www-authenticate')).toBe(CONSOLE_SESSION_CHALLENGE)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(await res.text()).toContain('Sign in to the console first')
    const cleared = res.headers.getSetCookie()
    expect(cleared.length).toBeGreaterThan(0)
    for (const line of cleared) expect(line).toMatch(/^scandesk_session=;.*Max-Age=0/i)
    // The console's own request keeps the contract's code.
    const own = await fetch(`${relay.url}${LINKS[0]}`, {
      headers: { cookie, 'sec-fetch-dest': 'empty' },
    })
    expect(own.status).toBe(401)
    expect(await own.json()).toMatchObject({ error: { code: 'ambiguous_session' } })
  })

  it("keeps the contract's JSON for the console's own requests", async () => {
    const asked: { method: string; headers: Record<string, string> }[] = [
      { method: 'GET', headers: {} },
      { method: 'GET', headers: { 'sec-fetch-dest': 'empty', accept: '*/*' } },
      // fetch() asked for HTML is still not a page.
      { method: 'GET', headers: { 'sec-fetch-dest': 'empty', accept: 'text/html' } },
      { method: 'HEAD', headers: { 'sec-fetch-dest': 'empty' } },
    ]
    for (const { method, headers } of asked) {
      const res = await fetch(`${relay.url}${LINKS[0]}`, { method, headers })
      expect(res.status).toBe(401)
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
      if (method === 'GET')
        expect(await res.json()).toEqual({
          error: { code: 'unauthorized', message: 'sign in first' },
        })
    }
  })
})

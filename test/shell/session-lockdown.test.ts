import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Session } from 'electron'
import { describe, expect, it } from 'vitest'
import { contentSecurityPolicy, parsePolicy, relayFrameOrigin } from '../../electron/main/csp'
import { lockDownSession } from '../../electron/main/lockdown'
import { FakeEvent, FakeSession, memoryLogger } from './fakes'

const policy = contentSecurityPolicy({ kind: 'file', file: '/app/out/renderer/index.html' })

function lockedSession() {
  const session = new FakeSession()
  lockDownSession(session as unknown as Session, { csp: policy, log: memoryLogger() })
  return session
}

describe('permissions', () => {
  it.each([
    'media',
    'geolocation',
    'notifications',
    'openExternal',
    'clipboard-read',
    'fullscreen',
  ])('denies a %s request', (permission) => {
    const session = lockedSession()
    const answers: boolean[] = []
    session.permissionRequestHandler?.({}, permission, (granted) => answers.push(granted))
    expect(answers).toEqual([false])
  })

  it('answers permission checks and device requests with no', () => {
    const session = lockedSession()
    expect(session.permissionCheckHandler?.({}, 'media', 'file://')).toBe(false)
    expect(session.devicePermissionHandler?.({ deviceType: 'usb' })).toBe(false)
  })

  it('refuses downloads (a save dialog is a way out of the kiosk)', () => {
    const session = lockedSession()
    const event = new FakeEvent()
    session.emit('will-download', event, {}, {})
    expect(event.defaultPrevented).toBe(true)
  })
})

describe('Content-Security-Policy header', () => {
  it('is added to every response, replacing any policy header', () => {
    const session = lockedSession()
    let headers: Record<string, string[]> | undefined
    session.headersListener?.(
      {
        responseHeaders: {
          'content-security-policy': ["default-src *; script-src * 'unsafe-eval'"],
          'Content-Type': ['text/html'],
        },
      },
      (response) => (headers = response.responseHeaders),
    )
    expect(headers?.['Content-Type']).toEqual(['text/html'])
    const policies = Object.entries(headers ?? {}).filter(
      ([name]) => name.toLowerCase() === 'content-security-policy',
    )
    expect(policies).toEqual([['Content-Security-Policy', [policy]]])
  })

  it('allows no more than renderer/index.html’s own policy, directive by directive', () => {
    const html = readFileSync(resolve('renderer/index.html'), 'utf8')
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1]
    expect(meta).toBeDefined()
    const page = parsePolicy(meta ?? '')
    const header = parsePolicy(policy)
    const effective = (p: Map<string, string[]>, name: string) =>
      p.get(name) ?? p.get('default-src') ?? ['*']
    for (const name of new Set([...page.keys(), ...header.keys()])) {
      const allowedByHeader = effective(header, name)
      const allowedByPage = effective(page, name)
      if (allowedByHeader.includes("'none'")) continue
      for (const source of allowedByHeader) expect(allowedByPage, name).toContain(source)
    }
    // And the header is strict too (it is what an http(s) page, the dev server's, gets).
    expect(header.get('object-src')).toEqual(["'none'"])
    expect(header.get('frame-ancestors')).toEqual(["'none'"])
    expect(header.get('base-uri')).toEqual(["'none'"])
    expect(header.get('script-src')).toEqual(["'self'"])
  })

  it('the page’s own policy forbids plugins, <base> and form posts: a file:// page gets no header', () => {
    // The packaged kiosk loads out/renderer/index.html over file://, which has no response
    // headers for onHeadersReceived to add to (Electron's security checklist: use the <meta>
    // tag there). Whatever a <meta> tag can say must be said in it.
    const html = readFileSync(resolve('renderer/index.html'), 'utf8')
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1]
    const page = parsePolicy(meta ?? '')
    expect(page.get('object-src')).toEqual(["'none'"])
    expect(page.get('base-uri')).toEqual(["'none'"])
    expect(page.get('form-action')).toEqual(["'none'"])
    expect(page.get('script-src')).toEqual(["'self'"])
  })

  it('lets the dev server’s hot-reload socket through in development only', () => {
    const dev = parsePolicy(contentSecurityPolicy({ kind: 'dev', url: 'http://localhost:5173/' }))
    expect(dev.get('connect-src')).toEqual(["'self'", 'ws://localhost:5173'])
    expect(parsePolicy(policy).get('connect-src')).toEqual(["'self'"])
  })
})

describe('the big screen frame (the relay’s wall or draw)', () => {
  const target = { kind: 'file', file: '/app/out/renderer/index.html' } as const
  const RELAY = 'https://relay.example.com'

  it('allows frames from the relay’s origin only, and none without a relay', () => {
    expect(parsePolicy(policy).get('frame-src')).toEqual(["'none'"])
    const framed = parsePolicy(contentSecurityPolicy(target, relayFrameOrigin(`${RELAY}/base/`)))
    expect(framed.get('frame-src')).toEqual([RELAY])
    expect(framed.get('frame-ancestors')).toEqual(["'none'"])
    expect(relayFrameOrigin('wss://relay.example.com:8443/x')).toBe(
      'https://relay.example.com:8443',
    )
    expect(relayFrameOrigin('javascript:alert(1)')).toBeNull()
    expect(relayFrameOrigin(null)).toBeNull()
    // The page's own <meta> policy lets http(s) frames through for the header to narrow.
    const html = readFileSync(resolve('renderer/index.html'), 'utf8')
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? ''
    expect(parsePolicy(meta).get('frame-src')).toEqual(['http:', 'https:'])
  })

  it('follows the relay of the moment, and leaves only its screen pages’ headers alone', () => {
    let relayUrl: string | null = null
    const session = new FakeSession()
    lockDownSession(session as unknown as Session, {
      csp: () => contentSecurityPolicy(target, relayFrameOrigin(relayUrl)),
      framable: (url) =>
        relayUrl !== null && url.startsWith(`${relayFrameOrigin(relayUrl) ?? '-'}/screen/`),
      log: memoryLogger(),
    })
    const answer = (details: { resourceType?: string; url?: string }) => {
      let out: { responseHeaders?: Record<string, string[]> } | undefined
      session.headersListener?.(
        { ...details, responseHeaders: { 'Content-Security-Policy': ['theirs'] } },
        (r) => (out = r),
      )
      return out
    }
    const frame = { resourceType: 'subFrame', url: `${RELAY}/screen/c1/wall?key=k` }
    expect(answer(frame)?.responseHeaders?.['Content-Security-Policy']?.[0]).toContain(
      "frame-src 'none'",
    )
    relayUrl = RELAY
    expect(answer(frame)).toEqual({})
    const main = answer({ resourceType: 'mainFrame', url: 'file:///app/index.html' })
    expect(main?.responseHeaders?.['Content-Security-Policy']?.[0]).toContain(`frame-src ${RELAY}`)
    // Another page of the relay, or another site, framed: the kiosk's strict policy.
    for (const url of [`${RELAY}/console/`, 'https://evil.example/screen/c1/wall']) {
      const other = answer({ resourceType: 'subFrame', url })
      expect(other?.responseHeaders?.['Content-Security-Policy']?.[0]).toContain(
        "frame-ancestors 'none'",
      )
    }
  })
})

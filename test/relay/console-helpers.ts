/**
 * Test helpers for the organizer's console: a browser-like client that keeps the session
 * cookie and sends this origin's Origin header, its live event stream, a settable clock, and a
 * record of every body the console answered, so a test can check that none of them carries a
 * secret; and the test bed most console test files share (`consoleTestBed`).
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { rmSync } from 'node:fs'
import { afterAll, afterEach, beforeAll, expect } from 'vitest'
import { consoleEventSchema, type ConsoleEvent } from '../../shared/console-api'
import type { RelayConfigInput } from '../../relay/config'
import { addOrganizer } from '../../relay/console/organizer-admin'
import { DEVICE_COOKIE_SECRET_PURPOSE } from '../../relay/console/device-cookies'
import { hashSessionId } from '../../relay/console/sessions'
import { startRelay, type RelayHandle, type StartRelayOptions } from '../../relay/server'
import { TOKEN, tempDir, type Backend } from './harness'
import { startRedis, type TestRedis } from '../helpers/redis'
import { SseStream } from '../helpers/sse'

/** Where a relay keeps its state: restarting on the same place keeps it, as in production. */
export interface Place {
  backend: Backend
  redisUrl: string | null
  dir: string
  prefix: string
  remove(): void
}

export function newPlace(backend: Backend, redisUrl: string | null): Place {
  const dir = tempDir('relay-console-')
  return {
    backend,
    redisUrl,
    dir,
    prefix: `t-${randomUUID()}:`,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}

/** A relay on port 0 on `place` (a second one on a Redis place is a second instance). */
export function startOn(
  place: Place,
  opts: StartRelayOptions = {},
  config: RelayConfigInput = {},
): Promise<RelayHandle> {
  return startRelay(
    {
      port: 0,
      data: place.dir,
      redis: place.backend === 'redis' ? place.redisUrl : null,
      ...config,
      wechat: { token: TOKEN, ...config.wechat },
    },
    { redisPrefix: place.prefix, storePollMs: 50, ...opts },
  )
}

/** Every console response body seen in this test file. */
export const seenBodies: Array<{ what: string; body: string }> = []

export class Clock {
  constructor(public t = Date.parse('2026-05-01T10:00:00Z')) {}
  readonly now = (): number => this.t
  advance(ms: number): void {
    this.t += ms
  }
}

export interface Answer {
  status: number
  headers: Headers
  text: string
  json: unknown
}

export class ConsoleClient {
  cookie: string | null = null
  /** The device cookie a sign-in set (`scandesk_device=…`), kept as a browser keeps it. */
  deviceCookie: string | null = null

  constructor(
    readonly relayUrl: string,
    /** Sent as Origin on every request (null: none). */
    public origin: string | null = relayUrl,
  ) {}

  async call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    const h: Record<string, string> = { ...headers }
    if (this.origin !== null) h.origin = this.origin
    const cookies = [this.cookie, this.deviceCookie].filter((c): c is string => c !== null)
    if (cookies.length > 0) h.cookie = cookies.join('; ')
    if (body !== undefined) h['content-type'] = 'application/json'
    const res = await fetch(`${this.relayUrl}${path}`, {
      method,
      headers: h,
      ...(body !== undefined && { body: JSON.stringify(body) }),
    })
    const text = await res.text()
    seenBodies.push({ what: `${method} ${path} → ${res.status}`, body: text })
    for (const setCookie of res.headers.getSetCookie()) {
      const session = /^scandesk_session=([^;]*)/.exec(setCookie)
      if (session !== null) {
        const value = session[1] ?? ''
        this.cookie = value === '' ? null : `scandesk_session=${value}`
      }
      const device = /^scandesk_device=([^;]*)/.exec(setCookie)
      if (device !== null) {
        const value = device[1] ?? ''
        this.deviceCookie = value === '' ? null : `scandesk_device=${value}`
      }
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      json = null
    }
    return { status: res.status, headers: res.headers, text, json }
  }

  login(name: string, password: string): Promise<Answer> {
    return this.call('POST', '/console/api/login', { name, password })
  }
}

/** `GET /console/api/events` as `client` (its cookie now): the messages, and whether it ended. */
export class ConsoleEvents extends SseStream<ConsoleEvent> {
  static async open(client: ConsoleClient): Promise<ConsoleEvents> {
    const e = new ConsoleEvents((data) => consoleEventSchema.parse(data))
    await e.connect(
      `${client.relayUrl}/console/api/events`,
      client.cookie === null ? {} : { cookie: client.cookie },
    )
    return e
  }

  count(type: ConsoleEvent['type']): number {
    return this.events.filter((e) => e.type === type).length
  }
}

/** An organizer added as the CLI would; returns the password. */
export function organizer(relay: RelayHandle, name: string, now = Date.now()): Promise<string> {
  return addOrganizer(relay.store, name, now)
}

/** The error code of a `{ error: { code } }` answer. */
export function errorCode(a: Answer): string | undefined {
  const j = a.json as { error?: { code?: string } } | null
  return j?.error?.code
}

/** Secrets no console answer may ever contain: tokens, hashes, the AppSecret, passwords. */
export const secrets = new Set<string>()

/** Remembers what `relay`'s store holds that must stay secret (call before closing it). */
export async function collectSecrets(relay: RelayHandle, client?: ConsoleClient): Promise<void> {
  for (const k of await relay.store.listKiosks()) secrets.add(k.tokenHash)
  for (const o of await relay.store.console.listOrganizers()) {
    secrets.add(o.passwordHash)
    // The hash's salt and key parts alone are secrets too.
    for (const part of o.passwordHash.split('$').slice(4)) secrets.add(part)
  }
  const id = client?.cookie?.split('=')[1]
  if (id !== undefined) secrets.add(hashSessionId(id))
  // The key that signs device cookies (made on first use: a fresh one here is never used).
  const deviceKey = await relay.store.console.relaySecret(
    DEVICE_COOKIE_SECRET_PURPOSE,
    randomBytes(32).toString('base64url'),
  )
  const raw = Buffer.from(deviceKey, 'base64url')
  for (const s of [deviceKey, raw.toString('base64'), raw.toString('hex')]) secrets.add(s)
}

/** Fails naming the answer that leaked one of `secrets`. */
export function leakedSecrets(): string[] {
  const leaks: string[] = []
  for (const { what, body } of seenBodies) {
    for (const s of secrets) if (s.length >= 8 && body.includes(s)) leaks.push(what)
  }
  return leaks
}

export interface ConsoleTestBed {
  /** The file's Redis (started before the first test, stopped after the last). */
  readonly redisUrl: string
  /** Run (last first) after each test: relays, places, clients. */
  cleanups: Array<() => Promise<unknown> | void>
  /** A fresh store of that kind on the file's Redis or in a temp dir, removed after the test. */
  place(backend: Backend): Place
  /**
   * A relay on `place` (see startOn) whose secrets are collected and which is closed after the
   * test; its close (then, or earlier by hand) runs once.
   */
  relay(place: Place, opts?: StartRelayOptions, config?: RelayConfigInput): Promise<RelayHandle>
  /**
   * A client signed in to `relay` as a new organizer `name` (at `now`); its session's hash is
   * collected with the relay's secrets after the test.
   */
  signedIn(relay: RelayHandle, now?: number, name?: string): Promise<ConsoleClient>
}

/**
 * Call at a console test file's top level: one Redis for the file, cleanups after each test,
 * and at the end, unless `leakCheck` is false, that no console answer carried a secret.
 */
export function consoleTestBed({ leakCheck = true } = {}): ConsoleTestBed {
  let redis: TestRedis | null = null
  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(async () => {
    await redis?.stop()
    if (leakCheck) expect(leakedSecrets()).toEqual([])
  })
  const cleanups: ConsoleTestBed['cleanups'] = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })
  const redisUrl = (): string => {
    if (redis === null) throw new Error('consoleTestBed: Redis is not started yet')
    return redis.url
  }
  return {
    get redisUrl(): string {
      return redisUrl()
    },
    cleanups,
    place(backend) {
      const p = newPlace(backend, redisUrl())
      cleanups.push(() => p.remove())
      return p
    },
    async relay(place, opts = {}, config = {}) {
      const relay = await startOn(place, opts, config)
      let closed: Promise<void> | null = null
      const close = () => (closed ??= relay.close())
      cleanups.push(async () => {
        // A relay closed by hand has nothing left to read.
        if (closed === null) await collectSecrets(relay)
        await close()
      })
      return { ...relay, close }
    },
    async signedIn(relay, now = Date.now(), name = 'alice') {
      const c = new ConsoleClient(relay.url)
      cleanups.push(() => collectSecrets(relay, c))
      expect((await c.login(name, await organizer(relay, name, now))).status).toBe(200)
      return c
    },
  }
}

import { vi } from 'vitest'
import type { Campaign, Greeting, KioskStatus, ScreenTicket } from '../../shared/domain'
import type {
  KioskApi,
  KioskEventName,
  KioskEventPayload,
  MethodOutput,
  ScreenState,
} from '../../shared/ipc'
import { createWebKioskApi, type EventSourceFactory } from '../../renderer/src/bridge/web-client'

export function makeStatus(
  overrides: Partial<{ [K in keyof KioskStatus]: Partial<KioskStatus[K]> }> = {},
): KioskStatus {
  return {
    relay: {
      state: 'connected',
      since: 0,
      retryAt: null,
      lastEventAt: null,
      lastError: null,
      ...overrides.relay,
    },
    api: { state: 'ok', source: 'proxy', lastError: null, ...overrides.api },
    pool: { available: 20, target: 20, quotaExhausted: false, createdToday: 3, ...overrides.pool },
  }
}

export function makeCampaign(overrides: Partial<Campaign> = {}): Campaign {
  return {
    id: 'spring-expo',
    name: '春季博览会',
    startsOn: null,
    endsOn: null,
    greetings: {
      'zh-CN': {
        firstVisit: '欢迎 {number}',
        welcomeBack: '欢迎回来 {number}',
        named: '{name} 你好',
      },
      en: {
        firstVisit: 'Welcome {number}',
        welcomeBack: 'Welcome back {number}',
        named: 'Hi {name}',
      },
    },
    rotationSeconds: 60,
    ticketLifetimeSeconds: 600,
    mode: 'booth',
    ...overrides,
  }
}

export function makeTicket(now: number, overrides: Partial<ScreenTicket> = {}): ScreenTicket {
  return {
    id: 't-1',
    url: 'http://weixin.qq.com/q/02abcDEF123ghiJKL456',
    scene: 'booth-1:n0001',
    issuedAt: now,
    expiresAt: now + 600_000,
    rotateAt: now + 60_000,
    rosterEntry: null,
    ...overrides,
  }
}

export function makeGreeting(n: number, overrides: Partial<Greeting> = {}): Greeting {
  return {
    eventId: `ev-${n}`,
    kind: 'first-visit',
    name: null,
    checkInNumber: n,
    texts: { 'zh-CN': `欢迎第 ${n} 位来宾`, en: `Welcome, visitor ${n}` },
    at: 1_700_000_000_000 + n,
    ...overrides,
  }
}

export function makeScreenState(now: number, overrides: Partial<ScreenState> = {}): ScreenState {
  return {
    configured: true,
    demo: false,
    locale: 'zh-CN',
    campaign: makeCampaign(),
    ticket: makeTicket(now),
    status: makeStatus(),
    bigScreen: null,
    campaignsFromRelay: false,
    timeZone: null,
    ...overrides,
  }
}

type Listener = (payload: unknown) => void

/** A KioskApi whose methods are spies with harmless defaults, plus a way to fire events. */
export function createFakeKioskApi(screen: ScreenState = makeScreenState(Date.now())) {
  const listeners = new Map<KioskEventName, Set<Listener>>()
  const ok = { ok: true as const }

  const api = {
    getScreenState: vi.fn(() => Promise.resolve(screen)),
    greetingShown: vi.fn((_input: { eventId: string }) => Promise.resolve(ok)),
    setLocale: vi.fn((_input: { locale: 'zh-CN' | 'en' }) => Promise.resolve(ok)),
    unlockAdmin: vi.fn((_input: { pin: string }): ReturnType<KioskApi['unlockAdmin']> =>
      Promise.resolve(ok),
    ),
    lockAdmin: vi.fn(() => Promise.resolve(ok)),
    setPin: vi.fn(() => Promise.resolve(ok)),
    getSettings: vi.fn((): ReturnType<KioskApi['getSettings']> =>
      Promise.resolve({
        kioskId: 'booth-1',
        ticketSource: 'proxy' as const,
        relayUrl: 'https://relay.example.com',
        apiBase: 'https://api.weixin.qq.com',
        appId: null,
        hasAppSecret: false,
        hasRelayToken: true,
        activeCampaignId: 'spring-expo',
        locale: 'zh-CN' as const,
        demo: false,
        startAtLogin: null,
        bigScreen: 'qr' as const,
        bigScreenAvailable: false,
      }),
    ),
    setBigScreen: vi.fn((_input: { screen: 'qr' | 'wall' | 'draw' }) => Promise.resolve(ok)),
    saveSetup: vi.fn((): ReturnType<KioskApi['saveSetup']> => Promise.resolve(ok)),
    pairWithCode: vi.fn((): ReturnType<KioskApi['pairWithCode']> =>
      Promise.resolve({ ok: true as const, kioskId: 'booth-7' }),
    ),
    testConnection: vi.fn((): ReturnType<KioskApi['testConnection']> =>
      Promise.resolve({
        relay: { ok: true, code: 'ok', params: {} },
        api: { ok: true, code: 'ok', params: {} },
      }),
    ),
    listCampaigns: vi.fn((): ReturnType<KioskApi['listCampaigns']> =>
      Promise.resolve([makeCampaign()]),
    ),
    saveCampaign: vi.fn((): ReturnType<KioskApi['saveCampaign']> => Promise.resolve(ok)),
    activateCampaign: vi.fn(() => Promise.resolve(ok)),
    listAttendance: vi.fn(
      (_input: Parameters<KioskApi['listAttendance']>[0]): ReturnType<KioskApi['listAttendance']> =>
        Promise.resolve({ rows: [], total: 0 }),
    ),
    getStats: vi.fn((): ReturnType<KioskApi['getStats']> =>
      Promise.resolve({
        total: 0,
        uniqueVisitors: 0,
        newFollowers: 0,
        returning: 0,
        fallbackScans: 0,
        buckets: [],
      }),
    ),
    startExport: vi.fn(() => Promise.resolve({ exportId: 'x-1' })),
    importRoster: vi.fn(
      (_input: Parameters<KioskApi['importRoster']>[0]): ReturnType<KioskApi['importRoster']> =>
        Promise.resolve({ imported: 0, skipped: 0, errors: [] }),
    ),
    searchRoster: vi.fn((): ReturnType<KioskApi['searchRoster']> => Promise.resolve([])),
    showDeskTicket: vi.fn(() => Promise.resolve(makeTicket(Date.now()))),
    getDiagnostics: vi.fn((): ReturnType<KioskApi['getDiagnostics']> =>
      Promise.resolve({
        version: '0.1.0',
        kioskId: 'booth-1',
        status: makeStatus(),
        relay: { epoch: 'e1', lastAckedSeq: 0, lagMs: null, proxy: null },
        lastEvents: [],
        fallbackCode: {
          state: 'ready',
          scene: 'booth-1:fallback',
          url: 'http://weixin.qq.com/q/fallback',
          createdAt: 1_700_000_000_000,
          lastShownAt: null,
          onScreen: false,
          lastError: null,
        },
      }),
    ),
    setStartAtLogin: vi.fn(() => Promise.resolve(ok)),
    boothDataAtRisk: vi.fn(() => Promise.resolve({ unsentBindings: 0, localOnlyCheckIns: 0 })),
    clearBooth: vi.fn((): Promise<MethodOutput<'clearBooth'>> =>
      Promise.resolve({ ok: true, removed: 0, folder: '/data/kiosk', left: [] }),
    ),
    on<E extends KioskEventName>(event: E, listener: (payload: KioskEventPayload<E>) => void) {
      const set = listeners.get(event) ?? new Set<Listener>()
      listeners.set(event, set)
      set.add(listener as Listener)
      return () => {
        set.delete(listener as Listener)
      }
    },
  } satisfies KioskApi

  function emit<E extends KioskEventName>(event: E, payload: KioskEventPayload<E>): void {
    for (const listener of listeners.get(event) ?? []) listener(payload)
  }

  function listenerCount(event: KioskEventName): number {
    return listeners.get(event)?.size ?? 0
  }

  return { api, emit, listenerCount }
}

export type FakeKioskApi = ReturnType<typeof createFakeKioskApi>

/** The browser's EventSource as the web client sees it, driven by the test. */
export interface FakeEventStream {
  /** The stream (re)opens, as the browser reports it. */
  open(): void
  /** An event arrives on the stream. */
  send<E extends KioskEventName>(event: E, payload: KioskEventPayload<E>): void
  /**
   * The stream fails: dropped (`connecting`, the browser tries again) or refused (`closed`,
   * the answer to a reconnection was not the stream, e.g. a 401: the browser gives up).
   */
  fail(state: 'connecting' | 'closed'): void
  /** How many streams the client has opened (one more after each refusal it tries again). */
  readonly streamsOpened: number
}

/**
 * Web mode over a fake: the real web client (renderer/src/bridge/web-client.ts), its calls
 * answered by the fake's spies and its event stream a fake EventSource the test drives.
 */
export function webClientOver(fake: FakeKioskApi): { api: KioskApi; stream: FakeEventStream } {
  /** The listeners of the stream the client opened last (it opens another after a refusal). */
  let listeners = new Map<string, Set<(e: { data: string }) => void>>()
  let readyState = 0
  let opened = 0
  const fire = (type: string, data = '') => {
    for (const l of [...(listeners.get(type) ?? [])]) l({ data })
  }
  const eventSource: EventSourceFactory = () => {
    const own = new Map<string, Set<(e: { data: string }) => void>>()
    listeners = own
    readyState = 0
    opened++
    return {
      addEventListener: (type, l) => {
        const set = own.get(type) ?? new Set()
        own.set(type, set)
        set.add(l)
      },
      removeEventListener: (type, l) => void own.get(type)?.delete(l),
      close: () => {
        if (listeners === own) readyState = 2
        own.clear()
      },
      get readyState() {
        return listeners === own ? readyState : 2
      },
    }
  }
  const methods = fake.api as unknown as Record<string, (input: unknown) => Promise<unknown>>
  const fetchFake: typeof fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    const name = url.split('/api/call/')[1] ?? ''
    const body = JSON.parse(typeof init?.body === 'string' ? init.body : '{}') as {
      input?: unknown
    }
    try {
      const result = await methods[name]?.(body.input)
      return new Response(JSON.stringify({ result }), { status: 200 })
    } catch (e) {
      const code = (e as { code?: unknown }).code
      const error = { code: typeof code === 'string' ? code : 'internal', params: {} }
      return new Response(JSON.stringify({ error }), {
        status: code === 'web_key_rejected' ? 401 : 400,
      })
    }
  }
  const api = createWebKioskApi('http://127.0.0.1:5170', 'page-key', {
    fetch: fetchFake,
    eventSource,
  })
  const stream: FakeEventStream = {
    open: () => {
      readyState = 1
      fire('open')
    },
    send: (event, payload) => fire(event, JSON.stringify(payload)),
    fail: (state) => {
      readyState = state === 'closed' ? 2 : 0
      fire('error')
    },
    get streamsOpened() {
      return opened
    },
  }
  return { api, stream }
}

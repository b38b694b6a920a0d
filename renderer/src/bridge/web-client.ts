/**
 * `window.kiosk` for a browser: the same KioskApi over web mode's loopback bridge. Calls are
 * `POST /api/call/<method>` with the per-start secret; events arrive by Server-Sent Events.
 * Results and event payloads are checked against the contract here, on arrival. (In Electron
 * the main process checks them before sending: the dispatcher the outputs, electron/main/ipc.ts
 * the events; the preload passes them on unchecked.)
 */
import type { z } from 'zod'
import type { ErrorBody } from '../../../shared/errors'
import {
  kioskErrorSchema,
  kioskEvents,
  kioskMethods,
  type KioskApi,
  type KioskEventName,
  type KioskEventPayload,
  type KioskMethodName,
  type ScreenState,
} from '../../../shared/ipc'

/**
 * A failed call: `code` and `params` as in shared/errors.ts. The Error's message is for the
 * developer console only; the UI words the code (renderer/src/i18n/error-text.ts).
 */
export class KioskCallError extends Error {
  constructor(
    readonly code: string,
    readonly params: ErrorBody['params'] = {},
  ) {
    super(`kiosk call failed: ${code}`)
    this.name = 'KioskCallError'
  }
}

/** What a refused download's status means (a HEAD answer has no body to say it). */
const DOWNLOAD_REFUSALS: Readonly<Record<number, string>> = {
  401: 'web_key_rejected',
  403: 'admin_locked',
  404: 'not_found',
}

/**
 * Web mode: asks the kiosk (a HEAD) whether an export's file can be downloaded before the
 * browser is sent for it: a browser shows a refused download only as "failed" in its own bar,
 * so the page says why instead. Throws a KioskCallError: `not_found` for a file the kiosk no
 * longer has (it restarted since, or the file was deleted), `web_key_rejected` for a page key
 * it no longer takes, `admin_locked`, `service_unreachable`. `signal` aborts the HEAD (the page
 * closed while it was out).
 */
export async function checkDownload(
  url: string,
  signal?: AbortSignal,
  doFetch: typeof fetch = (input, init) => fetch(input, init),
): Promise<void> {
  let res: Response
  try {
    res = await doFetch(url, { method: 'HEAD', signal })
  } catch {
    throw new KioskCallError('service_unreachable')
  }
  if (!res.ok) throw new KioskCallError(DOWNLOAD_REFUSALS[res.status] ?? 'internal')
}

interface MessageEventLike {
  data: string
}
/** The part of the browser's EventSource used here (kept structural so Node tests can fake it). */
export interface EventSourceLike {
  addEventListener(type: string, listener: (event: MessageEventLike) => void): void
  removeEventListener(type: string, listener: (event: MessageEventLike) => void): void
  close(): void
  /** 2 (CLOSED) once the browser has given up: it does so on a refusal (a 401), not on a drop. */
  readonly readyState?: number
}
const EVENT_SOURCE_CLOSED = 2
export type EventSourceFactory = (url: string) => EventSourceLike

/** The stream's own retry delay (the bridge sends `retry: 2000`): how soon a refused one is tried again. */
const STREAM_RETRY_MS = 2_000

export interface WebClientDeps {
  fetch?: typeof fetch
  eventSource?: EventSourceFactory
  /** How long after the browser gives up on the stream it is opened again (default 2 s). */
  streamRetryMs?: number
}

function browserEventSource(url: string): EventSourceLike {
  const Ctor = (globalThis as { EventSource?: new (url: string) => EventSourceLike }).EventSource
  if (!Ctor) throw new Error('EventSource is not available in this environment')
  return new Ctor(url)
}

/**
 * What the page's event stream does besides delivering events, for the stores that must act on
 * it. Not part of KioskApi: Electron's IPC has no stream to lose.
 */
export interface KioskStreamSignals {
  /**
   * The stream opened again after it was down (the browser reconnected to the same kiosk): the
   * events sent in between are gone, so a page showing their data re-reads it.
   */
  onReopen(listener: () => void): () => void
  /**
   * The kiosk refused the stream and the browser will not try again: a restarted kiosk has a
   * new page key, and the reconnection got a 401 (or a 503 while it was still starting). The
   * page's next call says why (and shows it), so it is made at once rather than at a periodic
   * re-read.
   */
  onRefused(listener: () => void): () => void
}

const streamSignals = new WeakMap<KioskApi, KioskStreamSignals>()

/** The stream signals of a web client; null for any other KioskApi (Electron, a test fake). */
export function kioskStreamSignals(api: KioskApi): KioskStreamSignals | null {
  return streamSignals.get(api) ?? null
}

export function createWebKioskApi(
  baseUrl: string,
  secret: string,
  deps: WebClientDeps = {},
): KioskApi {
  const base = baseUrl.replace(/\/+$/, '')
  const doFetch = deps.fetch ?? ((input, init) => fetch(input, init))
  const openEvents = deps.eventSource ?? browserEventSource
  let source: EventSourceLike | null = null
  /** Every `on` listener, by event name, so a stream opened again delivers to them all. */
  const subscriptions = new Set<{ event: string; handler: (e: MessageEventLike) => void }>()
  /** The page's `screen` listeners, also handed the state re-read on every (re)connection. */
  const screenListeners = new Set<(state: ScreenState) => void>()
  const reopenListeners = new Set<() => void>()
  const refusedListeners = new Set<() => void>()
  const retryMs = deps.streamRetryMs ?? STREAM_RETRY_MS
  /**
   * A stream has been open since someone started listening: the next open is a reopening, after
   * a gap. Cleared when nobody listens any more (closeStream).
   */
  let openedBefore = false
  /** A call was refused for this page's key: the kiosk has a new one, no stream will be let in. */
  let keyRefused = false
  /** The reopening of a refused stream, waiting: cleared when nobody listens any more. */
  let retry: ReturnType<typeof setTimeout> | null = null

  /**
   * The event stream, re-reading the screen state each time it opens. Events sent while it was
   * down (the browser reconnects on its own) or before it first opened are not sent again: a
   * code put up in that gap would otherwise stay off the screen until the page's next resync.
   * The admin pages hear of a reopening (onReopen) and re-read theirs; a refusal, after which
   * the browser stops reconnecting, is passed on (onRefused).
   *
   * The browser gives up on any answer that is not the stream: the 401 of a kiosk restarted with
   * a new key, but also the 503 `kiosk web` answers on its port while it is still starting,
   * which a 2 s retry can land on. So a refused stream is opened again after the retry delay,
   * as the browser would after a drop, until a call is refused for the key: a restarted kiosk's
   * 401 is then heard (on the next try at the latest), not left to the 30 s re-read.
   */
  function openStream(): EventSourceLike {
    const es = openEvents(`${base}/api/events?key=${encodeURIComponent(secret)}`)
    es.addEventListener('error', () => {
      if (es.readyState !== EVENT_SOURCE_CLOSED || source !== es) return
      for (const l of [...refusedListeners]) l()
      if (retry !== null) clearTimeout(retry)
      retry = setTimeout(() => {
        retry = null
        if (source !== es || keyRefused) return
        es.close()
        source = openStream()
      }, retryMs)
    })
    es.addEventListener('open', () => {
      if (openedBefore) for (const l of [...reopenListeners]) l()
      openedBefore = true
      if (screenListeners.size === 0) return
      call('getScreenState', kioskMethods.getScreenState.output, undefined).then(
        (state) => {
          for (const l of screenListeners) l(state)
        },
        () => undefined,
      )
    })
    for (const { event, handler } of subscriptions) es.addEventListener(event, handler)
    return es
  }

  async function call<O extends z.ZodType>(
    name: KioskMethodName,
    output: O,
    input: unknown,
  ): Promise<z.output<O>> {
    let res: Response
    try {
      res = await doFetch(`${base}/api/call/${name}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify(input === undefined ? {} : { input }),
      })
    } catch {
      throw new KioskCallError('service_unreachable')
    }
    const body: unknown = await res.json().catch(() => null)
    if (!res.ok) {
      const err = kioskErrorSchema.safeParse((body as { error?: unknown } | null)?.error)
      const code = err.success
        ? err.data.code
        : res.status === 401
          ? 'web_key_rejected'
          : 'internal'
      if (code === 'web_key_rejected') keyRefused = true
      if (err.success) throw new KioskCallError(err.data.code, err.data.params)
      throw new KioskCallError(code)
    }
    const result = output.safeParse((body as { result?: unknown } | null)?.result)
    if (!result.success) throw new KioskCallError('internal')
    return result.data
  }

  function on<E extends KioskEventName>(
    event: E,
    listener: (payload: KioskEventPayload<E>) => void,
  ): () => void {
    if (event === 'screen') screenListeners.add(listener as (state: ScreenState) => void)
    const handler = (e: MessageEventLike) => {
      let data: unknown
      try {
        data = JSON.parse(e.data)
      } catch {
        return
      }
      const parsed = kioskEvents[event].safeParse(data)
      if (parsed.success) listener(parsed.data as KioskEventPayload<E>)
    }
    const subscription = { event, handler }
    subscriptions.add(subscription)
    if (source) source.addEventListener(event, handler)
    else source = openStream()
    return () => {
      subscriptions.delete(subscription)
      source?.removeEventListener(event, handler)
      screenListeners.delete(listener as (state: ScreenState) => void)
      if (subscriptions.size === 0) closeStream()
    }
  }

  /**
   * Nobody listens any more (every page that did has gone): the stream is closed and a waiting
   * reopening dropped, so no connection stays open and no timer keeps reopening one for nobody.
   * The next `on` opens a stream again, for listeners that read their data as they start: its
   * first opening is not a reopening (nobody who listens now missed anything).
   */
  function closeStream(): void {
    if (retry !== null) clearTimeout(retry)
    retry = null
    source?.close()
    source = null
    openedBefore = false
  }

  function signal(listeners: Set<() => void>) {
    return (listener: () => void): (() => void) => {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    }
  }

  /**
   * A contract method over the bridge: the name is checked to be the entry's (so the schema that
   * checks the result is that method's), and the result is typed by that schema.
   */
  function send<K extends KioskMethodName, O extends z.ZodType>(
    name: K,
    method: (typeof kioskMethods)[K] & { output: O },
  ): (input?: unknown) => Promise<z.output<O>> {
    return (input) => call(name, method.output, input)
  }

  // One entry per contract method, each typed by the table's own schemas: a method added to
  // the contract and missing here (or taking another input) is a compile error, not a cast.
  const kioskApi: KioskApi = Object.freeze({
    on,
    getScreenState: send('getScreenState', kioskMethods.getScreenState),
    greetingShown: send('greetingShown', kioskMethods.greetingShown),
    setLocale: send('setLocale', kioskMethods.setLocale),
    unlockAdmin: send('unlockAdmin', kioskMethods.unlockAdmin),
    lockAdmin: send('lockAdmin', kioskMethods.lockAdmin),
    setPin: send('setPin', kioskMethods.setPin),
    getSettings: send('getSettings', kioskMethods.getSettings),
    setBigScreen: send('setBigScreen', kioskMethods.setBigScreen),
    saveSetup: send('saveSetup', kioskMethods.saveSetup),
    pairWithCode: send('pairWithCode', kioskMethods.pairWithCode),
    testConnection: send('testConnection', kioskMethods.testConnection),
    listCampaigns: send('listCampaigns', kioskMethods.listCampaigns),
    saveCampaign: send('saveCampaign', kioskMethods.saveCampaign),
    activateCampaign: send('activateCampaign', kioskMethods.activateCampaign),
    listAttendance: send('listAttendance', kioskMethods.listAttendance),
    getStats: send('getStats', kioskMethods.getStats),
    startExport: send('startExport', kioskMethods.startExport),
    importRoster: send('importRoster', kioskMethods.importRoster),
    searchRoster: send('searchRoster', kioskMethods.searchRoster),
    showDeskTicket: send('showDeskTicket', kioskMethods.showDeskTicket),
    getDiagnostics: send('getDiagnostics', kioskMethods.getDiagnostics),
    setStartAtLogin: send('setStartAtLogin', kioskMethods.setStartAtLogin),
    boothDataAtRisk: send('boothDataAtRisk', kioskMethods.boothDataAtRisk),
    clearBooth: send('clearBooth', kioskMethods.clearBooth),
  } satisfies KioskApi)
  streamSignals.set(kioskApi, {
    onReopen: signal(reopenListeners),
    onRefused: signal(refusedListeners),
  })
  return kioskApi
}

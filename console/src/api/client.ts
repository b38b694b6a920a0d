/**
 * The console's only way to the relay: `fetch` (a roster file: XMLHttpRequest, for its upload
 * progress) on /console/api with the session cookie, every
 * answer validated with its schema from shared/console-api.ts before a page sees it. A 401 on
 * any call but the login itself means the session ended: `onUnauthorized` sends the app back
 * to sign-in.
 */
import { z } from 'zod'
import {
  addKioskResponseSchema,
  adminUnlockResponseSchema,
  erasureAnswerSchema,
  type ErasureAnswer,
  consoleAttendancePageSchema,
  consoleEventSchema,
  consoleKioskListSchema,
  consoleKioskSchema,
  consoleStatsDaysSchema,
  consoleStatsSchema,
  sessionInfoSchema,
  type AddKioskResponse,
  type AdminUnlockResponse,
  type ConsoleAttendancePage,
  type ConsoleEvent,
  type ConsoleKiosk,
  type ConsoleStats,
  type ConsoleStatsDays,
  type SessionInfo,
} from '../../../shared/console-api'
import {
  consoleCampaignSchema,
  consoleCampaignSummarySchema,
  consoleRosterCheckSchema,
  consoleRosterPageSchema,
  consoleRosterUploadSchema,
  ROSTER_CONTENT_TYPES,
  rosterRefusalSchema,
  type CampaignInput,
  type ConsoleCampaign,
  type ConsoleCampaignSummary,
  type ConsoleRosterPage,
  type RosterCheckOutcome,
  type RosterFormat,
  type RosterUploadOutcome,
} from './campaign-contract'
import { ERROR_CODE_HEADER, ERROR_MESSAGE_HEADER } from '../../../shared/relay-protocol'
import { drawAnswerSchema, type DrawAnswer, type DrawRequest } from '../../../shared/screen-api'
import { followUpReportSchema, type FollowUpReport } from '../../../shared/follow-up-api'
import { ConsoleApiError, eligibleOf, errorCodeOf, parseRetryAfter, storeRefusalIn } from './errors'

export const API_BASE = '/console/api'
/**
 * A read (GET) gives up after this long as a network error: on a connection gone silent without
 * a reset (a Wi-Fi switch, a proxy's cut) the browser waits for its answer for many minutes, and
 * the live stats, which fetch one at a time, would stay frozen behind it. A change (POST, PUT…)
 * is never given up here: it may have been made at the relay.
 */
export const READ_TIMEOUT_MS = 30_000

/** The relay's address as the organizer's browser reaches it: what a pairing link starts with. */
export function pageOrigin(): string {
  return window.location.origin
}

export interface AttendanceQuery {
  q: string
  offset: number
  limit: number
  /** One campaign's scans only (absent: every scan). */
  campaign?: string
  /** One local day's scans only, `YYYY-MM-DD` in the relay's zone (absent: every day's). */
  day?: string
}

/** What a sheet download holds: one campaign's scans or all, headings in the console's language. */
export interface ExportOptions {
  campaign?: string
  locale?: 'zh-CN' | 'en'
  /** One local day's scans (`YYYY-MM-DD`); the file's name says which. */
  day?: string
}

/** The consolidated sheet's download link (a plain link: the browser streams it). */
export function attendanceExportUrl(format: 'csv' | 'xlsx', options: ExportOptions = {}): string {
  const query = new URLSearchParams({ format })
  if (options.campaign !== undefined) query.set('campaign', options.campaign)
  if (options.locale !== undefined) query.set('locale', options.locale)
  if (options.day !== undefined) query.set('day', options.day)
  return `${API_BASE}/attendance?${query.toString()}`
}

/** The big screens a campaign's key opens (read-only, no session). */
export type ScreenKind = 'wall' | 'draw'

/**
 * A campaign with the ETag the relay gave it (null: the relay sent none): sent back as
 * If-Match, a save made after someone else's is refused (412) instead of replacing theirs.
 */
export interface TaggedCampaign {
  campaign: ConsoleCampaign
  etag: string | null
}

/** A booth with the ETag of its assignment (null: the relay sent none), sent back as If-Match. */
export interface TaggedKiosk {
  kiosk: ConsoleKiosk
  etag: string | null
}

export interface ConsoleApi {
  /** Who is signed in; null when nobody is (401). */
  session(): Promise<SessionInfo | null>
  login(name: string, password: string): Promise<SessionInfo>
  logout(): Promise<void>
  kiosks(): Promise<ConsoleKiosk[]>
  /** A new booth and its pairing code; `expiresAt` on this browser's clock (`onOurClock`). */
  addKiosk(id: string): Promise<AddKioskResponse>
  /** A new pairing code for an existing booth (a replaced laptop, or an expired code). */
  pairKiosk(id: string): Promise<AddKioskResponse>
  revokeKiosk(id: string): Promise<void>
  /**
   * Clears an online booth's admin PIN lockout (not the PIN) over its live link; 409
   * `conflict` when it is offline or revoked.
   */
  adminUnlockKiosk(id: string): Promise<AdminUnlockResponse>
  /** One booth as the list has it, with its assignment's ETag. */
  kiosk(id: string): Promise<TaggedKiosk>
  /**
   * Gives the booth a campaign (null: none); answers the booth as listed. With `ifMatch` (the
   * ETag `kiosk` gave): 412 `precondition_failed` if it was assigned since.
   */
  assignKiosk(
    kioskId: string,
    campaignId: string | null,
    ifMatch?: string | null,
  ): Promise<ConsoleKiosk>
  /** Sent with If-None-Match when a list was kept: unchanged (304), the same array again. */
  /**
   * Every campaign's id, name, dates and mode (`?view=summary`): what the lists and pickers
   * show. The editor reads the whole campaign (`campaign(id)`).
   */
  campaigns(): Promise<ConsoleCampaignSummary[]>
  campaign(id: string): Promise<TaggedCampaign>
  createCampaign(input: CampaignInput): Promise<ConsoleCampaign>
  /** With `ifMatch` (the ETag it was read with): 412 `precondition_failed` if changed since. */
  updateCampaign(id: string, input: CampaignInput, ifMatch?: string | null): Promise<TaggedCampaign>
  /** A new key for the wall and draw screens (the old one stops working): the campaign now. */
  rotateScreenKey(id: string): Promise<TaggedCampaign>
  /** Tagged / pending / failed visitors and follow-ups sent / outside the window. */
  followUp(id: string): Promise<FollowUpReport>
  /**
   * The file's bytes as the body, with the format's content type (the relay sniffs nothing).
   * A file with problem rows is refused whole (`stored: false`, nothing changed) unless
   * `skipBadRows` asks for the good rows alone.
   */
  uploadRoster(
    id: string,
    file: Blob,
    format: RosterFormat,
    /** `ifMatch`: the roster's ETag as read; 412 `precondition_failed` if it was replaced since. */
    options?: { skipBadRows?: boolean; ifMatch?: string | null } & UploadOptions,
  ): Promise<RosterUploadOutcome>
  /**
   * The file parsed as an upload would parse it (`?dryRun=1`): nothing is stored. `ifMatch` as
   * for the upload: 412 `precondition_failed` at once if the roster was replaced since it was read
   * (a relay before that checks against whatever is stored).
   */
  checkRoster(
    id: string,
    file: Blob,
    format: RosterFormat,
    options?: { skipBadRows?: boolean; ifMatch?: string | null } & UploadOptions,
  ): Promise<RosterCheckOutcome>
  roster(id: string, page: { offset: number; limit: number }): Promise<ConsoleRosterPage>
  /** Where a campaign's big screen is, for a key (a link the organizer opens or shares). */
  /** Contract v2: `/screen/<campaignId>/<wall|draw>?key=<screenKey>`. */
  screenUrl(kind: ScreenKind, campaignId: string, screenKey: string): string
  /** Every booth's stats, or one campaign's booths'. */
  stats(campaignId?: string): Promise<ConsoleStats>
  /** Each day with a scan (every booth's, or one campaign's), in the relay's time zone. */
  statsDays(campaignId?: string): Promise<ConsoleStatsDays>
  attendance(query: AttendanceQuery): Promise<ConsoleAttendancePage>
  /** Plain links: the browser streams the download itself. */
  exportUrl(format: 'csv' | 'xlsx', options?: ExportOptions): string
  /**
   * Asks the relay, with a HEAD (headers only, no rows read), whether a download link would
   * answer: a browser shows a refused download only as "failed" in its own bar, so the page
   * checks first and says why (session over, relay unreachable, store not answering).
   */
  checkDownload(url: string, signal?: AbortSignal): Promise<void>
  /**
   * Follows `GET /console/api/events` (server-sent events): each valid event to `onEvent`;
   * the stream's state to `listener` (`open` again after a reconnect: events may have been
   * missed; `closed` when the relay refused or dropped it for good). Returns the unsubscribe.
   */
  events(onEvent: (event: ConsoleEvent) => void, listener: StreamListener): () => void
  /** The campaign's lucky draws, newest first (issue 21). */
  draws(campaignId: string): Promise<DrawAnswer[]>
  /** Draws now: the relay picks and stores the winners before it answers. */
  makeDraw(campaignId: string, request: DrawRequest): Promise<DrawAnswer>
  /** Replaces the absent winner `openid`; the other winners stay. */
  redraw(campaignId: string, drawId: string, openid: string): Promise<DrawAnswer>
  /** Erases the visitor from the campaign (number, name binding, stamps, follow-up, draws). */
  eraseVisitor(campaignId: string, openid: string): Promise<ErasureAnswer>
  /** A plain link to the draw's winners sheet. */
  drawWinnersUrl(campaignId: string, drawId: string, format: 'csv' | 'xlsx', locale: string): string
  /** A plain link to the draw's stored record (JSON), what re-checks it. */
  drawRecordUrl(campaignId: string, drawId: string): string
}

/** How much of a file's body has gone out: `sent` of `total` bytes. */
export interface UploadProgress {
  sent: number
  total: number
}

/** A file upload followed (its progress) and cancellable (`signal`: `cancelled`, nothing kept). */
export interface UploadOptions {
  onProgress?: (progress: UploadProgress) => void
  signal?: AbortSignal
}

/** The part of XMLHttpRequest a file upload uses: the browser's, or a test's stand-in. */
export interface UploadXhr {
  open(method: string, url: string): void
  setRequestHeader(name: string, value: string): void
  send(body: Blob): void
  abort(): void
  withCredentials: boolean
  readonly status: number
  readonly responseText: string
  getAllResponseHeaders(): string
  readonly upload: {
    onprogress: ((event: ProgressEvent) => void) | null
    onload: ((event: ProgressEvent) => void) | null
  }
  onload: ((event: ProgressEvent) => void) | null
  onerror: ((event: ProgressEvent) => void) | null
  ontimeout: ((event: ProgressEvent) => void) | null
  onabort: ((event: ProgressEvent) => void) | null
}

/** A percent-encoded header's text, or null (absent, or not decodable). */
function decodedHeader(headers: Headers, name: string): string | null {
  const value = headers.get(name)
  if (value === null) return null
  try {
    return decodeURIComponent(value)
  } catch {
    return null
  }
}

/**
 * The error body a HEAD answer would have had (`X-Error-Code`, `X-Error-Message`), for the
 * same reading as a GET's; undefined when the relay sent none.
 */
function headError(headers: Headers): unknown {
  const code = decodedHeader(headers, ERROR_CODE_HEADER)
  if (code === null) return undefined
  return { error: { code, message: decodedHeader(headers, ERROR_MESSAGE_HEADER) ?? '' } }
}

/** `getAllResponseHeaders()` ("name: value" lines) as Headers. */
function headersOf(all: string): Headers {
  const headers = new Headers()
  for (const line of all.trim().split(/[\r\n]+/)) {
    const at = line.indexOf(':')
    if (at <= 0) continue
    try {
      headers.append(line.slice(0, at).trim(), line.slice(at + 1).trim())
    } catch {
      // A header Headers refuses is one this client never reads.
    }
  }
  return headers
}

export type StreamState = 'open' | 'reconnecting' | 'closed'
export type StreamListener = (state: StreamState) => void

export interface ConsoleApiOptions {
  fetch?: typeof fetch
  /** Roster files go by XMLHttpRequest (its upload progress); a test passes a stand-in. */
  xhr?: () => UploadXhr
  /** Any 401 but a sign-in's: the session ended (`unauthorized`) or was refused as ambiguous. */
  onUnauthorized?: (error: ConsoleApiError) => void
}

export function createConsoleApi(options: ConsoleApiOptions = {}): ConsoleApi {
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const makeXhr = options.xhr ?? ((): UploadXhr => new XMLHttpRequest())

  interface CallOptions<T> {
    signIn?: boolean
    /** Sent besides the usual ones (If-Match). */
    headers?: Record<string, string>
    /** An error answer with a body this call understands (a refused roster) is its answer. */
    refusal?: (status: number, data: unknown) => T | undefined
    /** What a `304 Not Modified` answers (the call sent If-None-Match with what it kept). */
    notModified?: T
  }

  async function call<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    body?: unknown,
    options: CallOptions<z.infer<S>> = {},
  ): Promise<z.infer<S>> {
    return (await request(method, path, schema, body, options)).data
  }

  /**
   * The campaigns list as last answered, with its ETag: followed pages read it again every few
   * seconds, and sent back as If-None-Match an unchanged list is a bodiless 304 (the relay's
   * answers are `no-store`, so the browser would not revalidate on its own).
   */
  let lastCampaigns: { etag: string; list: ConsoleCampaignSummary[] } | null = null

  async function campaigns(): Promise<ConsoleCampaignSummary[]> {
    const kept = lastCampaigns
    const answer = await request(
      'GET',
      '/campaigns?view=summary',
      z.array(consoleCampaignSummarySchema),
      undefined,
      { ...(kept !== null && { headers: { 'if-none-match': kept.etag }, notModified: kept.list }) },
    )
    if (kept !== null && answer.data === kept.list) return kept.list
    const etag = answer.headers.get('etag')
    lastCampaigns = etag === null ? null : { etag, list: answer.data }
    return answer.data
  }

  /** A campaign and its ETag. */
  async function tagged(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<TaggedCampaign> {
    const answer = await request(method, path, consoleCampaignSchema, body, { headers })
    return { campaign: answer.data, etag: answer.headers.get('etag') }
  }

  async function request<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    body?: unknown,
    { signIn = false, headers = {}, refusal, notModified }: CallOptions<z.infer<S>> = {},
  ): Promise<{ data: z.infer<S>; headers: Headers }> {
    const read = method === 'GET' ? new AbortController() : null
    const timer = read && setTimeout(() => read.abort(), READ_TIMEOUT_MS)
    try {
      let res: Response
      try {
        res = await doFetch(`${API_BASE}${path}`, {
          method,
          credentials: 'same-origin',
          headers: {
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...headers,
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          ...(read && { signal: read.signal }),
        })
      } catch {
        throw new ConsoleApiError('network', 0)
      }
      if (res.status === 304 && notModified !== undefined)
        return { data: notModified, headers: res.headers }
      const data: unknown = await res.json().catch(() => undefined)
      // The body stalled halfway and was given up: not a bad answer, a lost connection.
      if (read?.signal.aborted === true) throw new ConsoleApiError('network', 0)
      return answerOf({ status: res.status, headers: res.headers, data }, schema, {
        signIn,
        refusal,
      })
    } finally {
      if (timer !== null) clearTimeout(timer)
    }
  }

  /** An answer read (fetch or XHR) as its schema, a refusal the call understands, or the error. */
  function answerOf<S extends z.ZodType>(
    res: { status: number; headers: Headers; data: unknown },
    schema: S,
    { signIn = false, refusal }: CallOptions<z.infer<S>>,
  ): { data: z.infer<S>; headers: Headers } {
    const { status, data } = res
    if (status < 200 || status > 299) {
      const refused = refusal?.(status, data)
      if (refused !== undefined) return { data: refused, headers: res.headers }
      const code = errorCodeOf(status, data)
      const error = new ConsoleApiError(
        code,
        status,
        parseRetryAfter(res.headers.get('retry-after')),
        eligibleOf(status, data),
        storeRefusalIn(status, data),
      )
      if (status === 401 && !signIn) options.onUnauthorized?.(error)
      throw error
    }
    const parsed = schema.safeParse(data)
    if (!parsed.success) throw new ConsoleApiError('bad_response', status)
    return { data: parsed.data, headers: res.headers }
  }

  /**
   * A file as the body over XMLHttpRequest, which (unlike fetch) tells how much of the body is
   * sent: `onProgress` hears each step, `signal` aborts it (`cancelled`; a body cut short is never
   * stored). The answer is read as `request` reads one.
   */
  async function sendFile<S extends z.ZodType>(
    path: string,
    schema: S,
    file: Blob,
    contentType: string,
    { onProgress, signal }: UploadOptions,
    call: CallOptions<z.infer<S>> = {},
  ): Promise<z.infer<S>> {
    const res = await new Promise<{ status: number; headers: Headers; data: unknown }>(
      (resolve, reject) => {
        if (signal?.aborted) {
          reject(new ConsoleApiError('cancelled', 0))
          return
        }
        const xhr = makeXhr()
        const abort = (): void => xhr.abort()
        signal?.addEventListener('abort', abort, { once: true })
        const settle = (): void => signal?.removeEventListener('abort', abort)
        const total = file.size
        xhr.upload.onprogress = (e) => onProgress?.({ sent: Math.min(e.loaded, total), total })
        // The body is all out: the relay now reads it in (`sent === total` reads "processing").
        xhr.upload.onload = () => onProgress?.({ sent: total, total })
        xhr.onload = () => {
          settle()
          let data: unknown
          try {
            data = JSON.parse(xhr.responseText)
          } catch {
            data = undefined
          }
          resolve({ status: xhr.status, headers: headersOf(xhr.getAllResponseHeaders()), data })
        }
        xhr.onerror = () => {
          settle()
          reject(new ConsoleApiError('network', 0))
        }
        xhr.ontimeout = xhr.onerror
        xhr.onabort = () => {
          settle()
          reject(new ConsoleApiError('cancelled', 0))
        }
        xhr.open('POST', `${API_BASE}${path}`)
        xhr.withCredentials = true
        xhr.setRequestHeader('accept', 'application/json')
        xhr.setRequestHeader('content-type', contentType)
        for (const [name, value] of Object.entries(call.headers ?? {}))
          xhr.setRequestHeader(name, value)
        onProgress?.({ sent: 0, total })
        xhr.send(file)
      },
    )
    return answerOf(res, schema, call).data
  }

  /**
   * A new pairing code with its expiry moved onto this browser's clock: the relay's `expiresAt`
   * is on the relay's, and a laptop 7 minutes fast counted its 15 minutes down from 8:00 (20
   * minutes fast: "expired" beside a code that still works; a day behind: a day left). The
   * answer's `Date` is the relay's clock to the second, read as it arrives; clocks within two
   * seconds of each other are left alone.
   */
  function onOurClock(answer: { data: AddKioskResponse; headers: Headers }): AddKioskResponse {
    const date = Date.parse(answer.headers.get('date') ?? '')
    if (!Number.isFinite(date)) return answer.data
    // `Date` drops the milliseconds: the relay's clock was in [date, date + 1 s).
    const relayAhead = date + 500 - Date.now()
    if (Math.abs(relayAhead) <= 2000) return answer.data
    return { ...answer.data, expiresAt: answer.data.expiresAt - relayAhead }
  }

  return {
    async session() {
      try {
        return await call('GET', '/session', sessionInfoSchema, undefined, { signIn: true })
      } catch (e) {
        // Nobody signed in; two session cookies (one planted) are refused with their own code,
        // which the sign-in page explains.
        if (e instanceof ConsoleApiError && e.status === 401 && e.code !== 'ambiguous_session')
          return null
        throw e
      }
    },
    login: (name, password) =>
      call('POST', '/login', sessionInfoSchema, { name, password }, { signIn: true }),
    logout: async () => {
      await call('POST', '/logout', z.unknown(), {}, { signIn: true })
    },
    kiosks: () => call('GET', '/kiosks', consoleKioskListSchema),
    addKiosk: async (id) =>
      onOurClock(await request('POST', '/kiosks', addKioskResponseSchema, { id })),
    pairKiosk: async (id) =>
      onOurClock(
        await request('POST', `/kiosks/${encodeURIComponent(id)}/pairing`, addKioskResponseSchema),
      ),
    revokeKiosk: async (id) => {
      await call('DELETE', `/kiosks/${encodeURIComponent(id)}`, z.unknown())
    },
    adminUnlockKiosk: (id) =>
      call('POST', `/kiosks/${encodeURIComponent(id)}/admin-unlock`, adminUnlockResponseSchema),
    kiosk: async (id) => {
      const answer = await request('GET', `/kiosks/${encodeURIComponent(id)}`, consoleKioskSchema)
      return { kiosk: answer.data, etag: answer.headers.get('etag') }
    },
    assignKiosk: (kioskId, campaignId, ifMatch) =>
      call(
        'PUT',
        `/kiosks/${encodeURIComponent(kioskId)}`,
        consoleKioskSchema,
        { campaignId },
        ifMatch ? { headers: { 'if-match': ifMatch } } : {},
      ),
    campaigns,
    campaign: (id) => tagged('GET', `/campaigns/${encodeURIComponent(id)}`),
    followUp: (id) =>
      call('GET', `/campaigns/${encodeURIComponent(id)}/follow-up`, followUpReportSchema),
    createCampaign: (input) => call('POST', '/campaigns', consoleCampaignSchema, input),
    updateCampaign: (id, input, ifMatch) =>
      tagged(
        'PUT',
        `/campaigns/${encodeURIComponent(id)}`,
        input,
        ifMatch ? { 'if-match': ifMatch } : {},
      ),
    rotateScreenKey: (id) => tagged('POST', `/campaigns/${encodeURIComponent(id)}/screen-key`, {}),
    uploadRoster: async (
      id,
      file,
      format,
      { skipBadRows = false, ifMatch = null, ...follow } = {},
    ) => {
      const path = `/campaigns/${encodeURIComponent(id)}/roster${skipBadRows ? '?skipBadRows=1' : ''}`
      const stored = consoleRosterUploadSchema.transform((r): RosterUploadOutcome => ({
        stored: true,
        ...r,
      }))
      return sendFile(path, stored, file, ROSTER_CONTENT_TYPES[format], follow, {
        ...(ifMatch ? { headers: { 'if-match': ifMatch } } : {}),
        refusal: (status, data): RosterUploadOutcome | undefined => {
          const refused = status === 400 ? rosterRefusalSchema.safeParse(data) : null
          return refused?.success ? { stored: false, errors: refused.data.errors } : undefined
        },
      })
    },
    checkRoster: async (
      id,
      file,
      format,
      { skipBadRows = false, ifMatch = null, ...follow } = {},
    ) => {
      const query = new URLSearchParams({ dryRun: '1', ...(skipBadRows && { skipBadRows: '1' }) })
      const path = `/campaigns/${encodeURIComponent(id)}/roster?${query.toString()}`
      const checked = consoleRosterCheckSchema.transform((r): RosterCheckOutcome => r)
      return sendFile(path, checked, file, ROSTER_CONTENT_TYPES[format], follow, {
        ...(ifMatch ? { headers: { 'if-match': ifMatch } } : {}),
        refusal: (status, data): RosterCheckOutcome | undefined => {
          const refused = status === 400 ? rosterRefusalSchema.safeParse(data) : null
          return refused?.success ? { stored: false, errors: refused.data.errors } : undefined
        },
      })
    },
    roster: (id, { offset, limit }) => {
      const query = new URLSearchParams({ offset: String(offset), limit: String(limit) })
      const path = `/campaigns/${encodeURIComponent(id)}/roster?${query.toString()}`
      return call('GET', path, consoleRosterPageSchema)
    },
    screenUrl: (kind, campaignId, screenKey) =>
      `${pageOrigin()}/screen/${encodeURIComponent(campaignId)}/${kind}?key=${encodeURIComponent(screenKey)}`,
    stats: (campaignId) =>
      call(
        'GET',
        campaignId === undefined ? '/stats' : `/stats?campaign=${encodeURIComponent(campaignId)}`,
        consoleStatsSchema,
      ),
    statsDays: (campaignId) =>
      call(
        'GET',
        campaignId === undefined
          ? '/stats/days'
          : `/stats/days?campaign=${encodeURIComponent(campaignId)}`,
        consoleStatsDaysSchema,
      ),
    attendance: ({ q, offset, limit, campaign, day }) => {
      const query = new URLSearchParams({
        format: 'json',
        q,
        offset: String(offset),
        limit: String(limit),
      })
      if (campaign !== undefined) query.set('campaign', campaign)
      if (day !== undefined) query.set('day', day)
      return call('GET', `/attendance?${query.toString()}`, consoleAttendancePageSchema)
    },
    exportUrl: attendanceExportUrl,
    async checkDownload(url, signal) {
      const read = new AbortController()
      const timer = setTimeout(() => read.abort(), READ_TIMEOUT_MS)
      // The caller gave up on the answer (the download went ahead without it).
      const cancel = (): void => read.abort()
      if (signal?.aborted) read.abort()
      signal?.addEventListener('abort', cancel, { once: true })
      let res: Response
      try {
        res = await doFetch(url, {
          method: 'HEAD',
          credentials: 'same-origin',
          signal: read.signal,
        })
      } catch {
        throw new ConsoleApiError('network', 0)
      } finally {
        clearTimeout(timer)
        signal?.removeEventListener('abort', cancel)
      }
      // A HEAD answer has no body: the relay repeats its error in headers (else the status alone).
      answerOf(
        { status: res.status, headers: res.headers, data: headError(res.headers) },
        z.unknown(),
        {},
      )
    },
    draws: (campaignId) =>
      call('GET', `/campaigns/${encodeURIComponent(campaignId)}/draws`, drawAnswerSchema.array()),
    makeDraw: (campaignId, request) =>
      call('POST', `/campaigns/${encodeURIComponent(campaignId)}/draws`, drawAnswerSchema, request),
    redraw: (campaignId, drawId, openid) =>
      call(
        'POST',
        `/campaigns/${encodeURIComponent(campaignId)}/draws/${encodeURIComponent(drawId)}/redraw`,
        drawAnswerSchema,
        { openid },
      ),
    eraseVisitor: (campaignId, openid) =>
      call('POST', `/campaigns/${encodeURIComponent(campaignId)}/erasures`, erasureAnswerSchema, {
        openid,
      }),
    drawWinnersUrl: (campaignId, drawId, format, locale) =>
      `${API_BASE}/campaigns/${encodeURIComponent(campaignId)}/draws/${encodeURIComponent(drawId)}/winners?${new URLSearchParams({ format, locale }).toString()}`,
    drawRecordUrl: (campaignId, drawId) =>
      `${API_BASE}/campaigns/${encodeURIComponent(campaignId)}/draws/${encodeURIComponent(drawId)}/record`,
    events: (onEvent, listener) => openEvents(`${API_BASE}/events`, onEvent, listener),
  }
}

/**
 * EventSource reconnects by itself after a dropped connection; it gives up (CLOSED) only when
 * the relay answered with something other than a stream (401 after the session ended). The
 * relay may name its events (`event: stats`) or not: both arrive here, each validated. A
 * stream that dies without a TCP reset never errors; the relay's named `heartbeat` lets the
 * caller notice the silence (stores/live.ts).
 */
function openEvents(
  url: string,
  onEvent: (event: ConsoleEvent) => void,
  listener: StreamListener,
): () => void {
  const source = new EventSource(url, { withCredentials: true })
  const handle = (message: MessageEvent<unknown>): void => {
    if (typeof message.data !== 'string') return
    let data: unknown
    try {
      data = JSON.parse(message.data)
    } catch {
      return
    }
    const named = message.type === 'message' ? data : { type: message.type, ...asObject(data) }
    const parsed = consoleEventSchema.safeParse(named)
    if (parsed.success) onEvent(parsed.data)
  }
  source.addEventListener('message', handle)
  source.addEventListener('stats', handle)
  source.addEventListener('kiosks', handle)
  source.addEventListener('heartbeat', handle)
  source.addEventListener('open', () => listener('open'))
  source.addEventListener('error', () => {
    listener(source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting')
  })
  return () => source.close()
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {}
}

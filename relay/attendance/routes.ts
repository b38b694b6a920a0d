/**
 * The consolidated-attendance half of `/console/api`: stats, the attendance table and its
 * export, and the live event stream. Plain handler factories with no authentication of their
 * own: the console router mounts them behind its session guard.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { z } from 'zod'
import { campaignIdSchema } from '../../shared/campaign'
import {
  consoleAttendancePageSchema,
  consoleStatsDaysSchema,
  consoleStatsSchema,
  type ConsoleAttendanceRow,
} from '../../shared/console-api'
import { sendApiError, sendJson } from '../http-util'
import { errorMessage, type Logger } from '../log'
import {
  localDay,
  slotOf,
  SLOT_MS,
  type AttendanceRow,
  type AttendanceScope,
  type DaySoFar,
} from '../store/attendance'
import type { SessionRecord } from '../store/console-types'
import type { RelayStore } from '../store/types'
import { LiveEvents, type LiveEventsOptions } from './live-events'
import type { CampaignNames } from './campaign-names'
import type { PeopleLookup } from './people'
import type { RallyLookup } from './rally'
import type { RowNames } from './row-names'
import { sheetGzip, sheetHeaders, streamSheet } from './sheet'
import { queryOrRefuse } from '../query-params'
import { relayBrowserZone } from '../time-zone'
import { dayCounts, dayParam, dayWindow } from './days'

export { localDay }

export interface ConsoleRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  path: string
  /** Reads its query itself (strict); without it the console's guard refuses any query. */
  query?: boolean
  /** `session`: the organizer's, as the console's guard found it (null: no guard in front). */
  handler: (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    session: SessionRecord | null,
  ) => Promise<void>
}

export interface AttendanceRoutesDeps {
  store: Pick<RelayStore, 'attendance' | 'subscribe'>
  now: () => number
  log: Logger
  /** Whether an event stream's session still holds, and how often to ask (LiveEventsOptions). */
  sessionLive: LiveEventsOptions['sessionLive']
  sessionCheckMs?: number
  /**
   * The kiosks a campaign names (null: no such campaign), listed in its stats even without a
   * scan. Absent: `campaign` is refused.
   */
  campaignKiosks?: (campaignId: string) => Promise<string[] | null>
  /**
   * The campaigns' names (the one in scope, or all), for the sheet's 活动 column and a
   * campaign's file name. Absent: both show the id.
   */
  campaignNames?: CampaignNames
  maxEventClients?: number
  /**
   * The relay's config `stopAfterEndsAt`, told to the console with the days (its zone beside
   * it) so a campaign past its last day can say its scans no longer count. Absent: false.
   */
  stopsAfterEndsAt?: boolean
  /** The stamp rally's completions (stats, export column). Absent: neither is given. */
  rally?: RallyLookup
  /** The rows' roster people (the export's name columns). Absent: those columns stay empty. */
  people?: PeopleLookup
  /**
   * The rows' roster names (the table's `name`) and the search by name. Absent: every row's
   * name is null and `q` matches no name.
   */
  names?: Pick<RowNames, 'namesOf' | 'visitorsNamed'>
}

export interface AttendanceRoutes {
  routes: ConsoleRoute[]
  /** The live stream, for the hub to report kiosks coming and going on this instance. */
  events: LiveEvents
  /**
   * Ends the event streams and cuts the sheet downloads under way (relay shutdown): the drain
   * waits for WeChat's pushes, never for an organizer's slow link (the download would be cut
   * when the grace period ends anyway, and meanwhile a relay restarted in place takes no push).
   */
  close(): void
}

/** The console's table asks for one screenful or so at a time. */
export const MAX_PAGE_ROWS = 500

/** Checked before any store or cache sees it: a Redis key takes no brace, and 1–64 is all. */
const campaignParam = campaignIdSchema.optional()
/** Digits only: `1e3`, `0x10` or ` 5` are not a row number. */
const intParam = (min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^[0-9]{1,9}$/, 'expected a whole number')
    .optional()
    .transform((v) => (v === undefined ? fallback : Number(v)))
    .pipe(z.number().int().min(min).max(max))
const statsQuerySchema = z.object({ campaign: campaignParam }).strict()
const attendanceQuerySchema = z
  .object({
    format: z.enum(['json', 'csv', 'xlsx']).default('json'),
    campaign: campaignParam,
    q: z.string().max(64).default(''),
    offset: intParam(0, 100_000_000, 0),
    limit: intParam(1, MAX_PAGE_ROWS, 100),
    locale: z.enum(['zh-CN', 'en']).default('zh-CN'),
    /** One local day's rows (`YYYY-MM-DD`, the relay's zone); absent: every day's. */
    day: dayParam.optional(),
  })
  .strict()

/**
 * Today up to `now` for a count of today's scans: the 10-minute slot of `now` and the next one
 * (another instance's clock a little ahead), not the hours still to come. Each slot is a field
 * a store reads per kiosk: on the booths page, 2,000 booths × 144 slots was most of Redis's time.
 * The slots more than two before `now`'s are closed for good (`closedBefore`: an instance whose
 * clock runs up to 20 minutes behind writes none of them), so a store may remember their sum.
 */
export function soFarToday(now: number): DaySoFar {
  const day = localDay(now)
  return {
    start: day.start,
    end: Math.min(day.end, slotOf(now) + 2 * SLOT_MS),
    closedBefore: Math.max(day.start, slotOf(now) - CLOSED_MARGIN_SLOTS * SLOT_MS),
  }
}

/** Slots before `now`'s still open for another instance's clock running behind. */
const CLOSED_MARGIN_SLOTS = 2

export function toConsoleRow(r: AttendanceRow, name: string | null = null): ConsoleAttendanceRow {
  return {
    kioskId: r.kioskId,
    eventId: r.id,
    openid: r.openid,
    event: r.event,
    scene: r.scene,
    ticket: r.ticket,
    fallback: r.fallback,
    scannedAt: r.createTime * 1000,
    receivedAt: r.receivedAt,
    number: r.number ?? null,
    name,
  }
}

export function createAttendanceRoutes(deps: AttendanceRoutesDeps): AttendanceRoutes {
  const events = new LiveEvents({
    store: deps.store,
    now: deps.now,
    sessionLive: deps.sessionLive,
    ...(deps.sessionCheckMs !== undefined && { sessionCheckMs: deps.sessionCheckMs }),
    ...(deps.maxEventClients !== undefined && { maxClients: deps.maxEventClients }),
  })

  /** Set by `close()`: a download is no longer started, and those under way are cut. */
  let closing = false
  const downloads = new Set<ServerResponse>()

  /** An export asked for as the relay drains: 503 as the relay answers any request then. */
  function refuseClosing(res: ServerResponse): void {
    res.setHeader('Connection', 'close')
    sendApiError(res, 503, 'shutting_down', 'relay shutting down')
  }

  /** The scope of `campaign`, or null after answering 400/404. */
  async function scopeOf(
    res: ServerResponse,
    campaign: string | undefined,
  ): Promise<AttendanceScope | null> {
    if (campaign === undefined) return { kioskIds: null }
    if (deps.campaignKiosks === undefined) {
      sendApiError(res, 400, 'bad_request', 'campaigns are not available on this relay')
      return null
    }
    const booths = await deps.campaignKiosks(campaign)
    if (booths === null) {
      sendApiError(res, 404, 'not_found', 'no such campaign')
      return null
    }
    // The rows that counted in the campaign, wherever their booth runs now; its booths are
    // listed in the stats even before their first scan.
    return { campaignId: campaign, booths }
  }

  async function stats(_req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const q = queryOrRefuse(res, url, statsQuerySchema)
    if (q === null) return
    const scope = await scopeOf(res, q.campaign)
    if (scope === null) return
    const body = await deps.store.attendance.stats(scope, localDay(deps.now()))
    const completed = (await deps.rally?.completed(q.campaign)) ?? null
    if (completed !== null) body.stampsCompleted = completed
    sendJson(res, 200, consoleStatsSchema.parse(body))
  }

  /** Each local day with a scan in scope: the organizer's yesterday, today and day choice. */
  async function statsDays(_req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const q = queryOrRefuse(res, url, statsQuerySchema)
    if (q === null) return
    const scope = await scopeOf(res, q.campaign)
    if (scope === null) return
    const days = await dayCounts(deps.store.attendance, scope)
    const body = {
      timeZone: relayBrowserZone(deps.now()),
      stopsAfterEndsAt: deps.stopsAfterEndsAt === true,
      days,
    }
    sendJson(res, 200, consoleStatsDaysSchema.parse(body))
  }

  async function attendance(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    session: SessionRecord | null,
  ): Promise<void> {
    const q = queryOrRefuse(res, url, attendanceQuerySchema)
    if (q === null) return
    const scope = await scopeOf(res, q.campaign)
    if (scope === null) return
    if (q.format === 'json') {
      const search = q.q.trim()
      const visitors =
        search === '' ? [] : ((await deps.names?.visitorsNamed(search, q.campaign)) ?? [])
      const page = await deps.store.attendance.page({
        ...scope,
        search,
        visitors,
        offset: q.offset,
        limit: q.limit,
        ...(q.day !== undefined && { window: dayWindow(q.day) }),
      })
      const names = (await deps.names?.namesOf(page.rows)) ?? []
      const body = {
        total: page.total,
        rows: page.rows.map((r, i) => toConsoleRow(r, names[i] ?? null)),
      }
      sendJson(res, 200, consoleAttendancePageSchema.parse(body))
      return
    }
    // Draining: refused before the HEAD too, which answers as the GET would.
    if (closing) return refuseClosing(res)
    // The headers a GET would send, without the rows (nor, for every campaign, their names).
    const head = req.method === 'HEAD'
    const names =
      head && q.campaign === undefined ? undefined : await deps.campaignNames?.(q.campaign)
    const campaign =
      q.campaign === undefined
        ? undefined
        : { id: q.campaign, name: names?.get(q.campaign) ?? q.campaign }
    if (head) {
      // The store asked once, cheaply, whatever the scope (the scope's counters, no row): a store
      // that does not answer refuses the HEAD as it would the GET, the whole relay's sheet
      // included (its scope reads nothing else from the store).
      await deps.store.attendance.page({ ...scope, search: '', visitors: [], offset: 0, limit: 0 })
      res
        .writeHead(
          200,
          sheetHeaders({
            format: q.format,
            now: deps.now(),
            locale: q.locale,
            gzip: sheetGzip(q.format, req.headers),
            ...(campaign !== undefined && { campaign }),
            ...(q.day !== undefined && { day: q.day }),
          }),
        )
        .end()
      return
    }
    const started = performance.now()
    downloads.add(res)
    res.once('close', () => downloads.delete(res))
    const completion = (await deps.rally?.completion(q.campaign)) ?? null
    const personOf = (await deps.people?.(q.campaign)) ?? null
    const sheet = await streamSheet(deps.store.attendance, res, {
      format: q.format,
      locale: q.locale,
      scope,
      now: deps.now(),
      ...(campaign !== undefined && { campaign }),
      ...(names !== undefined && { campaignNames: names }),
      ...(completion !== null && { stampsComplete: completion }),
      ...(personOf !== null && { personOf }),
      ...(q.day !== undefined && { day: q.day }),
      gzip: sheetGzip(q.format, req.headers),
    }).catch((err: unknown) => {
      deps.log.error('attendance export failed', { error: errorMessage(err) })
      // Failed before a byte of the sheet (SQLite's rows stored before the request could not
      // be built yet): a clear answer the console can retry, not a download cut short.
      if (!res.headersSent) {
        res.setHeader('Retry-After', '5')
        sendApiError(res, 503, 'internal', 'the attendance could not be read; try again shortly')
      }
      return null
    })
    if (sheet !== null) {
      const ms = Math.round(performance.now() - started)
      // Who took which visitors' data off the relay: the organizer (one relay may serve several)
      // and the scope (a campaign, a day; neither is the whole relay's sheet).
      const fields = {
        format: q.format,
        rows: sheet.rows,
        ms,
        ...(q.campaign !== undefined && { campaignId: q.campaign }),
        ...(q.day !== undefined && { day: q.day }),
        by: session?.name,
      }
      // A cancelled download, or one cut by the idle timeout (idleTimeoutMs): the organizer has
      // no sheet, and whoever reads the log must not think they have one.
      if (sheet.complete) deps.log.info('attendance exported', fields)
      else if (closing) {
        deps.log.warn('attendance export cut short: the relay is shutting down', fields)
      } else deps.log.warn('attendance export abandoned by the client', fields)
    }
  }

  return {
    routes: [
      { method: 'GET', path: '/console/api/stats', query: true, handler: stats },
      { method: 'GET', path: '/console/api/stats/days', query: true, handler: statsDays },
      { method: 'GET', path: '/console/api/attendance', query: true, handler: attendance },
      {
        method: 'GET',
        path: '/console/api/events',
        handler: (req, res, _url, session) => {
          // Behind the guard there is always one; the stream is held to it.
          if (session === null) throw new Error('event stream without a session')
          return events.handle(req, res, session)
        },
      },
    ],
    events,
    close: () => {
      closing = true
      events.close()
      for (const res of downloads) res.destroy()
    },
  }
}

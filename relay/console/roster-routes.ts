/**
 * A campaign's roster in the console (contract v2): `POST /console/api/campaigns/<id>/roster`
 * takes a CSV or XLSX file (by Content-Type; by its bytes when the type names no format) and
 * replaces the roster whole, parsed by the kiosk's own parser (shared/roster/: the same
 * columns, encodings and limits); the campaign's kiosks then get it in roster frames. `GET`
 * the same path pages through it as JSON. Both answer the roster's version as `ETag`; an upload
 * with `If-Match` replaces only the roster of that version (412 otherwise, nothing changed).
 * `?dryRun=1` (added after v2) parses the file exactly so and answers what an upload would store
 * (`{dryRun: true, total, skipped, errors, replacing}`, or the same 400 refusal) without storing
 * anything: the console asks it first, so a file with a header and no rows, or one that leaves
 * out the guests already checked in, is not sent to replace the roster before the organizer
 * confirms. A dry run with a stale `If-Match` is the same 412 (the file is not sent again to learn).
 * Registration ids are a hash of the row's match key, so uploading the same person again keeps
 * their id and any binding to a WeChat user.
 */
import { hash } from 'node:crypto'
import { setImmediate as nextTurn } from 'node:timers/promises'
import type { ServerResponse } from 'node:http'
import { z } from 'zod'
import { campaignIdSchema } from '../../shared/campaign'
import type {
  ConsoleRosterCheck,
  ConsoleRosterPage,
  ConsoleRosterUpload,
} from '../../shared/console-api'
import {
  MAX_ROSTER_FILE_BYTES,
  rosterMatchKey,
  type RosterInput,
} from '../../shared/roster/roster-input'
import { uploadBodyPace } from '../connection-limits'
import {
  BodyTooLargeError,
  closeAfterResponse,
  holdIdleUntilAnswered,
  readBody,
  sendJson,
} from '../http-util'
import type { CampaignStore, StoredRosterEntry } from '../store/campaign-types'
import { eachRosterEntry } from '../attendance/people'
import type { ParsedRoster } from '../../shared/roster/roster-import'
import { readIfMatch, versionEtag } from './if-match'
import {
  refuseMediaType,
  sendConsoleError,
  type ConsoleDeps,
  type ConsoleRoute,
} from './console-router'
import { queryOrRefuse } from '../query-params'

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
/** Most entries one GET returns. */
export const MAX_ROSTER_PAGE = 1000
/** Problems listed in a refusal (the file may have 100,000 bad rows). */
const MAX_LISTED_ERRORS = 200

/**
 * Types that say "some file" rather than which: what curl, scripts and older spreadsheet
 * programs send for a CSV or an XLSX. The bytes tell which (an XLSX is a zip).
 */
const GENERIC_TYPES = new Set([
  '',
  'text/plain',
  'application/octet-stream',
  'application/vnd.ms-excel',
  'application/csv',
  'text/comma-separated-values',
])

function formatOf(contentType: string | undefined): 'csv' | 'xlsx' | 'sniff' | null {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
  if (type === 'text/csv') return 'csv'
  if (type === XLSX_TYPE) return 'xlsx'
  return GENERIC_TYPES.has(type) ? 'sniff' : null
}

/** 412: the roster was replaced since the organizer read it (If-Match); nothing changed. */
function refuseStale(res: ServerResponse): void {
  sendConsoleError(
    res,
    412,
    'precondition_failed',
    'the roster was replaced since it was read (If-Match): nothing was saved; read it again',
  )
}

/** A flag in the query: `0` or `1`, nothing else (`dryRun=true` must not mean a real upload). */
const flagParam = z.enum(['0', '1']).optional()
const uploadQuerySchema = z.object({ dryRun: flagParam, skipBadRows: flagParam }).strict()
const pageQuerySchema = z
  .object({ offset: z.string().optional(), limit: z.string().optional() })
  .strict()

export const registrationIdOf = (key: string): string =>
  'r-' + hash('sha256', key, 'hex').slice(0, 24)

function intParam(v: string | null, fallback: number, max: number): number | null {
  if (v === null) return fallback
  if (!/^[0-9]{1,9}$/.test(v)) return null
  const n = Number(v)
  return n > max ? null : n
}

/**
 * Roster files read at once by one relay. Reading one can take a few hundred MB (exceljs
 * holds a whole workbook; the limits in shared/roster bound one file, not several), so a few
 * uploads in parallel could take the push path's memory with them. Organizers upload rarely:
 * one more waits a few seconds and tries again.
 */
const MAX_ROSTERS_READ_AT_ONCE = 2

/**
 * The campaign's roster as stored, in one read: its version, each registration id by its entry's
 * match key (as rosterMatchKey has it now, so a guest stored when keys held the phone as written,
 * and so an id hashed from that, keeps the id: stored ids never change), and which ids are bound
 * to a WeChat user. Of two stored entries with one key (the same guest uploaded twice before), a
 * bound one is the one kept.
 */
async function currentRoster(
  campaigns: Pick<CampaignStore, 'readRoster' | 'bindings'>,
  campaignId: string,
): Promise<{ version: number; ids: Set<string>; byKey: Map<string, string>; bound: Set<string> }> {
  let ids = new Set<string>()
  let entries: StoredRosterEntry[] = []
  const version = await eachRosterEntry(
    campaigns,
    campaignId,
    () => {
      ids = new Set()
      entries = []
    },
    (e) => {
      ids.add(e.id)
      entries.push(e)
    },
  )
  const bound = new Set((await campaigns.bindings(campaignId)).map((b) => b.registrationId))
  const byKey = new Map<string, string>()
  for (const [i, e] of entries.entries()) {
    if (i > 0 && i % MATCH_ROWS_PER_TURN === 0) await nextTurn()
    const key = rosterMatchKey(e)
    const held = byKey.get(key)
    if (held === undefined || (!bound.has(held) && bound.has(e.id))) byKey.set(key, e.id)
  }
  return { version, ids, byKey, bound }
}

/**
 * Rows matched (a key, a sha256 for a new guest) between two turns of the event loop: 100,000
 * in one go held it ~0.3 s on one core of a small VM, WeChat's pushes waiting.
 */
export const MATCH_ROWS_PER_TURN = 5_000

/**
 * The file's rows by registration id: a guest already stored (by match key, `byKey`) keeps
 * the id stored, a new one gets the id hashed from the key; the same person twice in one file
 * is one registration (the last row wins, in its place).
 */
export async function entriesById(
  rows: readonly RosterInput[],
  byKey: ReadonlyMap<string, string>,
): Promise<Map<string, StoredRosterEntry>> {
  const byId = new Map<string, StoredRosterEntry>()
  for (const [i, r] of rows.entries()) {
    if (i > 0 && i % MATCH_ROWS_PER_TURN === 0) await nextTurn()
    const key = rosterMatchKey(r)
    const regId = byKey.get(key) ?? registrationIdOf(key)
    byId.delete(regId)
    byId.set(regId, { id: regId, ...r })
  }
  return byId
}

/**
 * For a dry run: how much of the current roster a file keeps, and how many checked-in guests
 * (bound to a WeChat user) it leaves out, so the console can say so before last year's roster,
 * or one saved without its code column (or its phone column, for guests without a code: every
 * match key changed), replaces this one.
 */
function whatItReplaces(
  current: { ids: ReadonlySet<string>; bound: ReadonlySet<string> },
  file: ReadonlyMap<string, StoredRosterEntry>,
): NonNullable<ConsoleRosterCheck['replacing']> {
  let kept = 0
  let checkedInDropped = 0
  for (const id of current.ids) {
    if (file.has(id)) kept++
    else if (current.bound.has(id)) checkedInDropped++
  }
  return { total: current.ids.size, kept, checkedInDropped }
}

export function rosterRoutes(deps: ConsoleDeps): ConsoleRoute[] {
  const { store, log } = deps
  let reading = 0
  return [
    {
      method: 'POST',
      path: '/campaigns/:id/roster',
      query: true,
      async handler(ctx) {
        // Before the lookups: the connection's idle timeout (shorter than an upload's gap)
        // must not cut the upload while they are awaited on a slow relay, with no answer at
        // all, nor the answer while the file is parsed and stored (the client waits in
        // silence; up to uploadTimeoutMs then, never unbounded). Its own again once answered;
        // an answer given without reading the file closes the connection.
        holdIdleUntilAnswered(ctx.req, ctx.res, uploadBodyPace(deps.config))
        const id = campaignIdSchema.safeParse(ctx.params.id)
        const campaign = id.success ? await store.campaigns.getCampaign(id.data) : null
        if (campaign === null) {
          sendConsoleError(ctx.res, 404, 'not_found', 'no such campaign')
          return
        }
        // Before the file is read: a dry run asked for in words the route does not know must
        // not become a real upload that replaces the roster.
        const query = queryOrRefuse(ctx.res, ctx.url, uploadQuerySchema)
        if (query === null) return
        // Optional: without it the upload replaces whatever roster is stored, as before.
        const ifVersions = readIfMatch(ctx.req, ctx.res, 'roster')
        if (ifVersions === null) return
        const declared = formatOf(ctx.req.headers['content-type'])
        if (declared === null) {
          refuseMediaType(ctx, ['text/csv', XLSX_TYPE])
          return
        }
        if (reading >= MAX_ROSTERS_READ_AT_ONCE) {
          closeAfterResponse(ctx.res)
          ctx.res.setHeader('Retry-After', '5')
          sendConsoleError(ctx.res, 429, 'rate_limited', 'other rosters are being read; try again')
          return
        }
        reading++
        let parsed: ParsedRoster
        try {
          let data: Buffer
          try {
            // A file from the venue's Wi-Fi: as long as it keeps coming, not within
            // requestTimeoutMs (relay/README.md "Connections").
            data = await readBody(ctx.req, MAX_ROSTER_FILE_BYTES, uploadBodyPace(deps.config))
          } catch (err) {
            if (!(err instanceof BodyTooLargeError)) throw err
            closeAfterResponse(ctx.res)
            sendConsoleError(ctx.res, 413, 'too_large', 'file larger than 10 MiB')
            return
          }
          // The parser reads the bytes as what they are (a ZIP is XLSX), whatever the type says.
          const format = declared === 'sniff' ? 'csv' : declared
          // Loaded on first use: exceljs takes longer to load than the relay takes to start.
          const { parseRosterFile } = await import('../../shared/roster/roster-import')
          parsed = await parseRosterFile(format, data)
        } finally {
          reading--
        }
        const errors = parsed.errors
          .slice(0, MAX_LISTED_ERRORS)
          .map(({ row, column, code, params }) => ({ row, column, code, params }))
        const skip = query.skipBadRows === '1'
        if (parsed.fatal || (errors.length > 0 && !skip)) {
          const message = parsed.fatal
            ? 'the file cannot be imported'
            : parsed.badRows === 1
              ? '1 row has problems; fix it or upload with ?skipBadRows=1'
              : `${parsed.badRows} rows have problems; fix them or upload with ?skipBadRows=1`
          sendJson(ctx.res, 400, { error: { code: 'bad_request', message }, errors })
          return
        }
        const current = await currentRoster(store.campaigns, campaign.campaign.id)
        // A check against a roster replaced since the organizer read it would answer for theirs,
        // and the file would go out a second time (minutes on venue Wi-Fi) only to be refused:
        // told now, as the upload would be.
        if (
          query.dryRun === '1' &&
          ifVersions !== undefined &&
          !ifVersions.includes(current.version)
        ) {
          refuseStale(ctx.res)
          return
        }
        const byId = await entriesById(parsed.rows, current.byKey)
        if (query.dryRun === '1') {
          const check: ConsoleRosterCheck = {
            dryRun: true,
            total: byId.size,
            skipped: parsed.badRows,
            errors,
            replacing: whatItReplaces(current, byId),
          }
          sendJson(ctx.res, 200, check)
          return
        }
        const state = await store.campaigns.replaceRoster(
          campaign.campaign.id,
          [...byId.values()],
          ifVersions,
        )
        if (state === null) {
          sendConsoleError(ctx.res, 404, 'not_found', 'no such campaign')
          return
        }
        if (state === 'stale') {
          refuseStale(ctx.res)
          return
        }
        log.info('campaign roster replaced', {
          campaignId: campaign.campaign.id,
          version: state.version,
          total: state.total,
          by: ctx.session?.name,
        })
        const answer: ConsoleRosterUpload = { ...state, skipped: parsed.badRows, errors }
        ctx.res.setHeader('ETag', versionEtag(state.version))
        sendJson(ctx.res, 200, answer)
      },
    },
    {
      method: 'GET',
      path: '/campaigns/:id/roster',
      query: true,
      async handler(ctx) {
        const id = campaignIdSchema.safeParse(ctx.params.id)
        const campaign = id.success ? await store.campaigns.getCampaign(id.data) : null
        if (campaign === null) {
          sendConsoleError(ctx.res, 404, 'not_found', 'no such campaign')
          return
        }
        const q = queryOrRefuse(ctx.res, ctx.url, pageQuerySchema)
        if (q === null) return
        const offset = intParam(q.offset ?? null, 0, 1_000_000)
        const limit = intParam(q.limit ?? null, 100, MAX_ROSTER_PAGE)
        if (offset === null || limit === null) {
          sendConsoleError(ctx.res, 400, 'bad_request', `offset ≥ 0, limit 0–${MAX_ROSTER_PAGE}`)
          return
        }
        const cid = campaign.campaign.id
        const [slice, bindings] = await Promise.all([
          store.campaigns.readRoster(cid, offset, limit),
          store.campaigns.bindings(cid),
        ])
        const openids = new Map(bindings.map((b) => [b.registrationId, b.openid]))
        const page: ConsoleRosterPage = {
          version: slice.version,
          total: slice.total,
          offset,
          entries: slice.entries.map((e) => ({ ...e, openid: openids.get(e.id) ?? null })),
        }
        ctx.res.setHeader('ETag', versionEtag(slice.version))
        sendJson(ctx.res, 200, page)
      },
    },
  ]
}

/**
 * Lucky draws in the console (issue 21, docs/DESIGN.md "Draws"), behind the console router's
 * guard (session, same origin): `POST|GET /console/api/campaigns/<id>/draws` (draw; list, newest
 * first), `POST …/draws/<drawId>/redraw` (replace an absent winner),
 * `GET …/draws/<drawId>/winners?format=csv|xlsx&locale=…` (the winners sheet: BOM and formula
 * escaping by shared/export, as the attendance export) and `GET …/draws/<drawId>/record` (the
 * stored record, to re-check the draw with).
 */
import { z } from 'zod'
import { campaignIdSchema } from '../../shared/campaign'
import type { Locale } from '../../shared/domain'
import {
  excelLocalTime,
  formatLocalTime,
  SHEET_LABELS,
  SHEET_NAMES,
  type Cell,
} from '../../shared/export/cells'
import {
  campaignFilePart,
  filePart,
  fileStamp,
  rfc5987,
  sheetWord,
} from '../../shared/export/file-name'
import { csvSink } from '../../shared/export/sinks'
import { sheetTitle, xlsxStreamSink } from '../../shared/export/xlsx-writer'
import {
  drawAnswerOf,
  drawRequestSchema,
  redrawRequestSchema,
  type DrawRecord,
  type TooFewEligible,
  type DrawWinner,
} from '../../shared/screen-api'
import { sendJson } from '../http-util'
import {
  readJson,
  sendConsoleError,
  type ConsoleDeps,
  type ConsoleRequestContext,
  type ConsoleRoute,
} from '../console/console-router'
import { makeDraw, redraw, type DrawOutcome } from './draw-service'
import { queryOrRefuse } from '../query-params'
import type { SheetCampaign } from '../attendance/sheet'

const drawIdSchema = z.string().regex(/^d-[A-Za-z0-9_-]{1,32}$/)
const exportQuerySchema = z
  .object({
    format: z.enum(['csv', 'xlsx']).default('csv'),
    locale: z.enum(['zh-CN', 'en']).default('zh-CN'),
  })
  .strict()

interface Row {
  draw: DrawRecord
  winner: DrawWinner
  place: number
  /** When this winner was drawn: the draw's time, or their redraw's. */
  at: number
}

/**
 * Each column's heading and cell; `time` (text in CSV, a serial day in XLSX) for a time, whose
 * column is then a date-time one in XLSX.
 */
export const WINNER_COLUMNS: readonly {
  label: Record<Locale, string>
  value: (r: Row, time: (ms: number) => Cell) => Cell
  time?: true
}[] = [
  { label: { 'zh-CN': '奖项', en: 'Prize' }, value: (r) => r.draw.prize },
  {
    label: { 'zh-CN': '抽奖时间', en: 'Drawn at' },
    value: (r, time) => time(r.at),
    time: true,
  },
  { label: { 'zh-CN': '序号', en: 'Place' }, value: (r) => r.place },
  { label: SHEET_LABELS.checkInNumber, value: (r) => r.winner.number },
  { label: SHEET_LABELS.name, value: (r) => r.winner.name ?? '' },
  { label: SHEET_LABELS.openid, value: (r) => r.winner.openid },
  {
    label: { 'zh-CN': '被替换时间', en: 'Replaced at' },
    value: (r, time) => (r.winner.replacedAt === null ? '' : time(r.winner.replacedAt)),
    time: true,
  },
  { label: { 'zh-CN': '抽奖ID', en: 'Draw ID' }, value: (r) => r.draw.id },
]

const CONTENT_TYPES = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
}

/**
 * Every winner of the draw in stored order (replaced ones too, marked), as sheet rows. A
 * redraw's winner is dated at the redraw: re-checking a later draw from the sheets leaves out
 * the winners drawn before it (docs/DESIGN.md "Draws"), and they were not yet. Their place is
 * the one they were announced in (the console and the draw screen, drawAnswerOf): the place of
 * the winner they replaced.
 */
export function winnerRows(draw: DrawRecord): Row[] {
  const drawn = draw.winners.length - draw.redraws.length
  const places = new Map<string, number>()
  return draw.winners.map((winner, i) => {
    const step = i < drawn ? undefined : draw.redraws[i - drawn]
    const place = step === undefined ? i + 1 : (places.get(step.replaced) ?? i + 1)
    places.set(winner.openid, place)
    return { draw, winner, place, at: step?.at ?? draw.at }
  })
}

export function drawRoutes(deps: Pick<ConsoleDeps, 'store' | 'log' | 'now'>): ConsoleRoute[] {
  const { store, log } = deps

  /** The campaign, or null once a 404 is sent (malformed ids are simply unknown). */
  async function campaignOf(ctx: ConsoleRequestContext): Promise<SheetCampaign | null> {
    const id = campaignIdSchema.safeParse(ctx.params.id)
    const found = id.success ? await store.campaigns.getCampaign(id.data) : null
    if (found !== null) return { id: found.campaign.id, name: found.campaign.name }
    sendConsoleError(ctx.res, 404, 'not_found', 'no such campaign')
    return null
  }

  async function drawOf(
    ctx: ConsoleRequestContext,
  ): Promise<{ draw: DrawRecord; campaign: SheetCampaign } | null> {
    const campaign = await campaignOf(ctx)
    if (campaign === null) return null
    const id = drawIdSchema.safeParse(ctx.params.drawId)
    const draw = id.success ? await store.draws.get(campaign.id, id.data) : null
    if (draw !== null) return { draw, campaign }
    sendConsoleError(ctx.res, 404, 'not_found', 'no such draw')
    return null
  }

  function answer(ctx: ConsoleRequestContext, outcome: DrawOutcome, status: number): void {
    if (!outcome.ok) {
      if (outcome.eligible === undefined) {
        sendConsoleError(ctx.res, outcome.status, outcome.code, outcome.message)
        return
      }
      // Too few eligible: the usual error, plus the number the console shows.
      const body: TooFewEligible = {
        error: { code: 'conflict', message: outcome.message, eligible: outcome.eligible },
      }
      sendJson(ctx.res, outcome.status, body)
      return
    }
    sendJson(ctx.res, status, drawAnswerOf(outcome.record))
  }

  return [
    {
      method: 'POST',
      path: '/campaigns/:id/draws',
      async handler(ctx) {
        const campaignId = (await campaignOf(ctx))?.id
        if (campaignId === undefined) return
        const req = await readJson(ctx, drawRequestSchema)
        if (req === null) return
        const organizer = ctx.session?.name ?? ''
        const outcome = await makeDraw(store.draws, campaignId, req, { organizer, clock: deps.now })
        if (outcome.ok) {
          log.info('draw made', {
            campaignId,
            drawId: outcome.record.id,
            eligible: outcome.record.eligibleCount,
            winners: outcome.record.winners.length,
            by: organizer,
          })
        }
        answer(ctx, outcome, 201)
      },
    },
    {
      method: 'GET',
      path: '/campaigns/:id/draws',
      async handler(ctx) {
        const campaignId = (await campaignOf(ctx))?.id
        if (campaignId === undefined) return
        sendJson(ctx.res, 200, (await store.draws.list(campaignId)).map(drawAnswerOf))
      },
    },
    {
      method: 'POST',
      path: '/campaigns/:id/draws/:drawId/redraw',
      async handler(ctx) {
        const draw = (await drawOf(ctx))?.draw
        if (draw === undefined) return
        const req = await readJson(ctx, redrawRequestSchema)
        if (req === null) return
        const organizer = ctx.session?.name ?? ''
        const outcome = await redraw(store.draws, draw.campaignId, draw.id, req.openid, {
          organizer,
          clock: deps.now,
        })
        if (outcome.ok) {
          log.info('draw redrawn', { campaignId: draw.campaignId, drawId: draw.id, by: organizer })
        }
        answer(ctx, outcome, 200)
      },
    },
    {
      method: 'GET',
      path: '/campaigns/:id/draws/:drawId/record',
      async handler(ctx) {
        // The stored record, as a file: what shows a draw was fair (the draw.json
        // scripts/recheck-draw.ts takes), kept with the exports it is re-checked from.
        const draw = (await drawOf(ctx))?.draw
        if (draw === undefined) return
        ctx.res.writeHead(200, {
          'Content-Type': 'application/json; charset=utf-8',
          'Content-Disposition': `attachment; filename="scandesk-draw-${draw.id}.json"`,
          'Cache-Control': 'no-store',
        })
        ctx.res.end(JSON.stringify(draw, null, 2) + '\n')
      },
    },
    {
      method: 'GET',
      path: '/campaigns/:id/draws/:drawId/winners',
      query: true,
      async handler(ctx) {
        // A repeated parameter is an error, as in the attendance export, not its last value.
        const q = queryOrRefuse(ctx.res, ctx.url, exportQuerySchema)
        if (q === null) return
        const found = await drawOf(ctx)
        if (found === null) return
        const { draw, campaign } = found
        const { format, locale } = q
        // As the attendance sheet: the names organizers gave, in the sheet's language, for every
        // browser since 2011 (`春季展会-中奖名单-一等奖-20260501-1430.xlsx`); ASCII for the rest.
        const named = `${campaignFilePart(campaign)}-${sheetWord(locale, 'winners')}-${filePart(draw.prize, draw.id)}-${fileStamp(draw.at)}.${format}`
        ctx.res.writeHead(200, {
          'Content-Type': CONTENT_TYPES[format],
          'Content-Disposition': `attachment; filename="scandesk-draw-${draw.id}.${format}"; filename*=UTF-8''${rfc5987(named)}`,
          'Cache-Control': 'no-store',
        })
        // HEAD: the headers a GET sends, without building a sheet to throw away.
        if (ctx.req.method === 'HEAD') {
          ctx.res.end()
          return
        }
        const header = WINNER_COLUMNS.map((c) => c.label[locale])
        const time = format === 'csv' ? formatLocalTime : excelLocalTime
        const toCells = (r: Row, cells: Cell[]): void => {
          WINNER_COLUMNS.forEach((c, i) => (cells[i] = c.value(r, time)))
        }
        const sink =
          format === 'csv'
            ? csvSink(ctx.res, header, toCells)
            : await xlsxStreamSink(ctx.res, header, toCells, {
                sheetName: SHEET_NAMES.winners[locale],
                dateTimes: WINNER_COLUMNS.map((c) => c.time === true),
                title: sheetTitle(campaign.name, draw.prize, SHEET_NAMES.winners[locale]),
                locale,
              })
        await sink.write(winnerRows(draw))
        await sink.end()
      },
    },
  ]
}

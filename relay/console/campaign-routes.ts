/**
 * Campaigns in the console (contract v2): `GET|POST /console/api/campaigns`,
 * `GET|PUT /console/api/campaigns/<id>` (every field checked by shared/campaign.ts; each
 * change bumps `version` and reaches the campaign's kiosks as a campaign frame) and
 * `POST /console/api/campaigns/<id>/screen-key` (a new key for the big screens; the old one
 * stops working). Only the console ever sees a screen key. The list has a strong ETag (a hash
 * of its bytes): a matching `If-None-Match` is `304 Not Modified` with no body. `?view=summary`
 * lists each campaign's id, name, dates and mode only (the console's list and pickers).
 */
import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import {
  CAMPAIGN_DEFAULTS,
  CAMPAIGN_LIST_VIEWS,
  campaignIdSchema,
  campaignInputSchema,
  toCampaignSummary,
  type ConsoleCampaign,
} from '../../shared/campaign'
import { sendJson } from '../http-util'
import { queryOrRefuse } from '../query-params'
import type { CampaignRecord } from '../store/campaign-types'
import {
  checkedBody,
  jsonObjectSchema,
  readJson,
  readNoFields,
  sendConsoleError,
  type ConsoleDeps,
  type ConsoleRoute,
} from './console-router'
import { readIfMatch, sendJsonTagged, versionEtag } from './if-match'

type Res = Parameters<ConsoleRoute['handler']>[0]['res']

/**
 * `GET /campaigns?view=summary`: each campaign's id, name, dates and mode only (the console's
 * list and pickers). Without `view` (or `view=full`) every field, as the contract answers.
 */
const listQuerySchema = z
  .object({
    view: z
      .enum(CAMPAIGN_LIST_VIEWS, { error: () => `expected ${CAMPAIGN_LIST_VIEWS.join(' or ')}` })
      .optional(),
  })
  .strict()

/**
 * A campaign's body is larger than the console's usual 16 KiB: every text at its limit in
 * Chinese (3 bytes a character) with 50 named rally booths is ~19 KB, twice that with every
 * character escaped as `\uXXXX`. It stays well under the campaign frame's limit: the frame is
 * the stored campaign (the body, plus a POST's defaults, under 1 KB) in a few dozen bytes more,
 * and a kiosk closes a link whose frame is over MAX_RELAY_FRAME_BYTES (and would again on every
 * reconnect).
 */
export const MAX_CAMPAIGN_BODY_BYTES = 48 * 1024

/** 128 random bits each: ids are not secrets but need not be guessable either. */
export const newCampaignId = (): string => 'c-' + randomBytes(12).toString('base64url')
/** 256 random bits: the key is the only thing guarding a big screen's link. */
export const newScreenKey = (): string => randomBytes(32).toString('base64url')

const shown = (c: CampaignRecord): ConsoleCampaign => c.campaign

/** One campaign as the console reads it, with its ETag for a later `If-Match`. */
function sendCampaign(res: Res, status: number, c: CampaignRecord): void {
  res.setHeader('ETag', versionEtag(c.version))
  sendJson(res, status, shown(c))
}

/** An empty tag or follow-up text means none, as null does. */
function emptyAsNull(body: Record<string, unknown>): Record<string, unknown> {
  const out = { ...body }
  for (const key of ['tag', 'followUp']) if (out[key] === '') out[key] = null
  return out
}

export function campaignRoutes(deps: ConsoleDeps): ConsoleRoute[] {
  const { store, log } = deps

  async function existing(id: string | undefined, res: Res): Promise<CampaignRecord | null> {
    const parsed = campaignIdSchema.safeParse(id)
    const c = parsed.success ? await store.campaigns.getCampaign(parsed.data) : null
    if (c === null) sendConsoleError(res, 404, 'not_found', 'no such campaign')
    return c
  }

  return [
    {
      method: 'GET',
      path: '/campaigns',
      query: true,
      async handler(ctx) {
        const q = queryOrRefuse(ctx.res, ctx.url, listQuerySchema)
        if (q === null) return
        const list = await store.campaigns.listCampaigns()
        // Followed pages re-read it every 5 s: unchanged, it is a 304 of a few hundred bytes. A
        // summary's tag is its own bytes' hash: an edit of a text it leaves out keeps it a 304.
        sendJsonTagged(
          ctx.req,
          ctx.res,
          q.view === 'summary' ? list.map((c) => toCampaignSummary(c.campaign)) : list.map(shown),
        )
      },
    },
    {
      method: 'POST',
      path: '/campaigns',
      async handler(ctx) {
        const sent = await readJson(ctx, jsonObjectSchema, MAX_CAMPAIGN_BODY_BYTES)
        if (sent === null) return
        // Fields left out take the new-campaign defaults (only `name` is needed).
        const fields = checkedBody(ctx.res, campaignInputSchema, {
          ...CAMPAIGN_DEFAULTS,
          ...emptyAsNull(sent),
        })
        if (fields === null) return
        const campaign = { ...fields, id: newCampaignId(), screenKey: newScreenKey() }
        const record = await store.campaigns.createCampaign(campaign, ctx.now)
        if (record === null) {
          sendConsoleError(ctx.res, 409, 'conflict', 'campaign id taken; try again')
          return
        }
        log.info('campaign created', { campaignId: campaign.id, by: ctx.session?.name })
        sendCampaign(ctx.res, 201, record)
      },
    },
    {
      method: 'GET',
      path: '/campaigns/:id',
      async handler(ctx) {
        const c = await existing(ctx.params.id, ctx.res)
        if (c !== null) sendCampaign(ctx.res, 200, c)
      },
    },
    {
      method: 'PUT',
      path: '/campaigns/:id',
      async handler(ctx) {
        const c = await existing(ctx.params.id, ctx.res)
        if (c === null) return
        // Optional: without it the last write wins, as programs written before it expect.
        const ifVersions = readIfMatch(ctx.req, ctx.res, 'campaign')
        if (ifVersions === null) return
        const sent = await readJson(ctx, jsonObjectSchema, MAX_CAMPAIGN_BODY_BYTES)
        if (sent === null) return
        // What GET gave may come back as it was: its id and screen key are not fields to set.
        const { id, screenKey, ...rest } = sent
        if (id !== undefined && id !== c.campaign.id) {
          sendConsoleError(ctx.res, 400, 'bad_request', 'id: not this campaign’s id')
          return
        }
        if (screenKey !== undefined && screenKey !== c.campaign.screenKey) {
          sendConsoleError(
            ctx.res,
            400,
            'bad_request',
            'screenKey: a new key comes from POST …/screen-key only',
          )
          return
        }
        const fields = checkedBody(ctx.res, campaignInputSchema, emptyAsNull(rest))
        if (fields === null) return
        const updated = await store.campaigns.updateCampaign(
          c.campaign.id,
          fields,
          ctx.now,
          ifVersions,
        )
        if (updated === 'stale') {
          sendConsoleError(
            ctx.res,
            412,
            'precondition_failed',
            'the campaign was changed since it was read (If-Match): nothing was saved; read it again and reapply the edit',
          )
          return
        }
        if (updated === null) {
          sendConsoleError(ctx.res, 404, 'not_found', 'no such campaign')
          return
        }
        deps.campaignCache?.forget({ type: 'campaign', campaignId: c.campaign.id })
        log.info('campaign changed', {
          campaignId: c.campaign.id,
          version: updated.version,
          by: ctx.session?.name,
        })
        sendCampaign(ctx.res, 200, updated)
      },
    },
    {
      method: 'POST',
      path: '/campaigns/:id/screen-key',
      async handler(ctx) {
        if (!(await readNoFields(ctx))) return
        const c = await existing(ctx.params.id, ctx.res)
        if (c === null) return
        const updated = await store.campaigns.setScreenKey(c.campaign.id, newScreenKey(), ctx.now)
        if (updated === null) {
          sendConsoleError(ctx.res, 404, 'not_found', 'no such campaign')
          return
        }
        deps.campaignCache?.forget({ type: 'campaign', campaignId: c.campaign.id })
        log.info('campaign screen key rotated', {
          campaignId: c.campaign.id,
          by: ctx.session?.name,
        })
        sendCampaign(ctx.res, 200, updated)
      },
    },
  ]
}

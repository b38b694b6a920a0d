/**
 * Visitor erasure in the console (added after v2): `POST /console/api/campaigns/<id>/erasures
 * {"openid"}` erases the visitor from the campaign (relay/store/erasure-types.ts) and answers
 * what it removed; `GET` the same path lists the audit (who erased, when; never whom). Like
 * every console write it needs a live session and the console's own origin (the router's
 * guard); the id and openid are checked before anything is read; erasures are bounded per
 * organizer (ERASURE_LIMITS), so a stolen session cannot empty a campaign in a loop.
 */
import { randomBytes } from 'node:crypto'
import { campaignIdSchema } from '../../shared/campaign'
import {
  erasureRequestSchema,
  type ErasureAnswer,
  type ErasureAuditList,
} from '../../shared/console-api'
import { sendJson } from '../http-util'
import { TicketLimiter } from '../rate-limit'
import { ERASED_OPENID_PREFIX } from '../store/erasure-types'
import { readJson, sendConsoleError, type ConsoleDeps, type ConsoleRoute } from './console-router'

/**
 * Erasures by one organizer: 10 at once, then one every 6 seconds (a visitor asks at the desk,
 * the organizer finds and erases them: far slower). Per relay instance, like the other limits.
 */
export const ERASURE_LIMITS = { ratePerMinute: 10, burst: 10, concurrency: 1 } as const
/** Audit lines one GET returns. */
const AUDIT_LINES = 200

export function erasureRoutes(deps: ConsoleDeps): ConsoleRoute[] {
  const { store, log } = deps
  const limiter = new TicketLimiter(ERASURE_LIMITS, deps.now)
  return [
    {
      method: 'POST',
      path: '/campaigns/:id/erasures',
      async handler(ctx) {
        const id = campaignIdSchema.safeParse(ctx.params.id)
        if (!id.success) {
          sendConsoleError(ctx.res, 404, 'not_found', 'no such campaign')
          return
        }
        const body = await readJson(ctx, erasureRequestSchema)
        if (body === null) return
        const by = ctx.session?.name ?? ''
        const admitted = limiter.admit(by, 1)
        if (!admitted.granted) {
          ctx.res.setHeader('Retry-After', String(admitted.retryAfterSeconds))
          sendConsoleError(
            ctx.res,
            429,
            'rate_limited',
            'too many erasures at once; wait and retry',
          )
          return
        }
        try {
          const result = await store.erasures.erase({
            campaignId: id.data,
            openid: body.openid,
            by,
            at: ctx.now,
            pseudonym: ERASED_OPENID_PREFIX + randomBytes(9).toString('base64url'),
          })
          if (result === null) {
            sendConsoleError(ctx.res, 404, 'not_found', 'no such campaign')
            return
          }
          // The audit line: who, when, which campaign; never the visitor.
          log.info('visitor erased from a campaign', { campaignId: id.data, by })
          const answer: ErasureAnswer = { campaignId: id.data, at: ctx.now, ...result }
          sendJson(ctx.res, 200, answer)
        } finally {
          admitted.release()
        }
      },
    },
    {
      method: 'GET',
      path: '/campaigns/:id/erasures',
      async handler(ctx) {
        const id = campaignIdSchema.safeParse(ctx.params.id)
        const campaign = id.success ? await store.campaigns.getCampaign(id.data) : null
        if (campaign === null) {
          sendConsoleError(ctx.res, 404, 'not_found', 'no such campaign')
          return
        }
        const lines = await store.erasures.audit(campaign.campaign.id, AUDIT_LINES)
        const answer: ErasureAuditList = { erasures: lines.map(({ by, at }) => ({ by, at })) }
        sendJson(ctx.res, 200, answer)
      },
    },
  ]
}

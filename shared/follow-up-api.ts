/**
 * `GET /console/api/campaigns/<id>/follow-up`: what became of a campaign's tags and follow-up
 * messages (issue 20), for the console's campaign page. Runs in browsers too: no Node imports.
 */
import { z } from 'zod'

const count = z.number().int().nonnegative()

export const followUpCountsSchema = z
  .object({
    /** Visitors in the campaign's WeChat tag / still queued / refused for good. */
    tagged: count,
    pending: count,
    failed: count,
    /** Tagged visitors who were in more than one tagging call (harmless, counted). */
    retagged: count,
    /** Follow-up messages sent / not sent because the scan's window had passed. */
    sent: count,
    outsideWindow: count,
    messageFailed: count,
    messagePending: count,
  })
  .strict()
export type FollowUpCountsView = z.infer<typeof followUpCountsSchema>

/** Every count at zero: a campaign with no visitors yet, and where the stores start counting. */
export function noFollowUpCounts(): FollowUpCountsView {
  return {
    tagged: 0,
    pending: 0,
    failed: 0,
    retagged: 0,
    sent: 0,
    outsideWindow: 0,
    messageFailed: 0,
    messagePending: 0,
  }
}

/** Why a visitor was not tagged or got no follow-up; `errcode` is WeChat's (0: none given). */
export const followUpFailureSchema = z
  .object({
    openid: z.string().min(1).max(128),
    what: z.enum(['tag', 'message']),
    state: z.enum(['failed', 'outside-window']),
    errcode: z.number().int(),
    reason: z.string(),
  })
  .strict()
export type FollowUpFailureView = z.infer<typeof followUpFailureSchema>

export const followUpReportSchema = z
  .object({
    campaignId: z.string(),
    tag: z.string().nullable(),
    followUp: z.boolean(),
    counts: followUpCountsSchema,
    /** At most MAX_FOLLOW_UP_FAILURES, oldest scan first. */
    failures: z.array(followUpFailureSchema),
  })
  .strict()
export type FollowUpReport = z.infer<typeof followUpReportSchema>

export const MAX_FOLLOW_UP_FAILURES = 200

/** What an errcode means to an organizer (docs/WECHAT.md "Tags and follow-up messages"). */
export function followUpReason(f: { what: 'tag' | 'message'; state: string; errcode: number }) {
  if (f.state === 'outside-window') {
    if (f.errcode === 45015) return 'WeChat: the message window had closed (45015)'
    // Tried in time, and retried until the window closed: the last refusal is the reason.
    if (f.errcode === 45009)
      return "the message window closed while WeChat refused the call: the account's API quota was reached (45009)"
    if (f.errcode !== 0)
      return `the message window closed while WeChat refused the call (errcode ${f.errcode})`
    return 'processed after the message window (a minute after the scan) had closed'
  }
  switch (f.errcode) {
    case 40003:
      return 'WeChat does not know this openid (40003)'
    case 45059:
      return 'the visitor already has 20 tags (45059)'
    case 45158:
      return 'the tag name is longer than 30 bytes (45158)'
    case 45056:
      return 'the account has 100 tags already (45056)'
    case 45047:
      return 'no messages left in the window (45047)'
    case 48001:
      return 'the account is not authorized for this WeChat API (48001)'
    case 0:
      return f.what === 'message'
        ? 'unknown: the call was cut short (the relay stopped, or WeChat did not answer in time); not sent again'
        : 'failed'
    default:
      return `WeChat errcode ${f.errcode}`
  }
}

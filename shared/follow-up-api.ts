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

/**
 * The errcode kept on a text WeChat did not take because it could not be reached, answered an
 * error status (5xx) or did not answer in time, any of which left it, and the texts held back
 * behind it, to be tried again. WeChat gives no errcode for these and uses no negative one but
 * -1 (busy), so the report can tell a text held this way until its window closed from one the
 * relay came to after the window.
 */
export const WECHAT_UNAVAILABLE_ERRCODE = -2

/**
 * Why a visitor was not tagged or got no follow-up; `errcode` is WeChat's (0: none given;
 * WECHAT_UNAVAILABLE_ERRCODE: WeChat unreachable, failing or too slow).
 */
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

/** Why a visitor got no tag or follow-up, as a key the console words in its language. */
export type FollowUpReasonKey =
  | 'windowClosed'
  | 'windowQuota'
  | 'windowRefused'
  | 'windowUnavailable'
  | 'windowLate'
  | 'unknownOpenid'
  | 'unfollowed'
  | 'blocked'
  | 'userTagLimit'
  | 'tagTooLong'
  | 'tooManyTags'
  | 'noMessagesLeft'
  | 'notAuthorized'
  | 'cutShort'
  | 'failed'
  | 'errcode'

type FailureFacts = { what: 'tag' | 'message'; state: string; errcode: number }

/** The reason's key (docs/WECHAT.md "Tags and follow-up messages"); `errcode` fills its text. */
export function followUpReasonKey(f: FailureFacts): FollowUpReasonKey {
  if (f.state === 'outside-window') {
    if (f.errcode === 45015) return 'windowClosed'
    // Tried in time, and retried until the window closed: the last refusal is the reason.
    if (f.errcode === 45009) return 'windowQuota'
    if (f.errcode === WECHAT_UNAVAILABLE_ERRCODE) return 'windowUnavailable'
    return f.errcode !== 0 ? 'windowRefused' : 'windowLate'
  }
  switch (f.errcode) {
    case 40003:
    case 49003:
      return 'unknownOpenid'
    case 43004:
      return 'unfollowed'
    case 43019:
      return 'blocked'
    case 45059:
      return 'userTagLimit'
    case 45158:
      return 'tagTooLong'
    case 45056:
      return 'tooManyTags'
    case 45047:
      return 'noMessagesLeft'
    case 48001:
      return 'notAuthorized'
    case 0:
      return f.what === 'message' ? 'cutShort' : 'failed'
    default:
      return 'errcode'
  }
}

/** The reasons in English, as the report's `reason` carries them (the console words its own). */
export const FOLLOW_UP_REASONS_EN: Record<FollowUpReasonKey, string> = {
  windowClosed:
    'WeChat: the message window had closed, or the visitor unfollowed the account (45015)',
  windowQuota:
    "the message window closed while WeChat refused the call: the account's API quota was reached (45009)",
  windowRefused: 'the message window closed while WeChat refused the call (errcode {errcode})',
  windowUnavailable:
    'the message window closed while WeChat could not be reached, failed (HTTP 5xx) or did not answer in time',
  windowLate: 'processed after the message window (a minute after the scan) had closed',
  unknownOpenid:
    'WeChat: not a follower of the account (the visitor unfollowed), or not its openid ({errcode})',
  unfollowed: 'WeChat: the visitor unfollowed the account (43004)',
  blocked: 'WeChat: the visitor is blocked by the account, on its blacklist (43019)',
  userTagLimit: 'the visitor already has 20 tags (45059)',
  tagTooLong: 'the tag name is longer than 30 bytes (45158)',
  tooManyTags: 'the account has 100 tags already (45056)',
  noMessagesLeft: 'no messages left in the window (45047)',
  notAuthorized: 'the account is not authorized for this WeChat API (48001)',
  cutShort:
    'unknown: the call was cut short (the relay stopped, or WeChat did not answer in time); not sent again',
  failed: 'failed',
  errcode: 'WeChat errcode {errcode}',
}

/** What an errcode means to an organizer, in English (the report's `reason`). */
export function followUpReason(f: FailureFacts): string {
  return FOLLOW_UP_REASONS_EN[followUpReasonKey(f)].replace('{errcode}', String(f.errcode))
}

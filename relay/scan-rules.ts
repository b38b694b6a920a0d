/**
 * Which scans count (docs/DESIGN.md "Which scans count"). A per-visitor code belongs to the
 * openid that scanned it first: the store records its scene's first push with the append
 * (store-util.ts `claimsScene`), and another openid's scan of it once the booth has
 * acknowledged that push and more than SCENE_SHARED_SECONDS after it (a photo of the booth's
 * screen passed round a group chat: the booth shows another code by then) is kept as unrouted
 * `scene-taken`. A scan at a booth whose campaign's `endsAt`
 * day is over is kept as unrouted `campaign-ended`, decided here before any store step.
 * Neither reaches the kiosk, takes a number or stamp, or gets the campaign's reply: each gets
 * its own (config `reply.taken`, `reply.ended`).
 */
import type { RelayCampaign } from '../shared/campaign'
import { calendarDay } from './attendance/days'

export const DEFAULT_TAKEN_REPLY =
  '这个二维码已被其他人扫过，本次扫码不计入。请到展位现场扫描屏幕上的新二维码。\n' +
  'This code was already scanned by someone else, so this scan does not count. ' +
  'Please scan the new code on the booth screen.'

export const DEFAULT_ENDED_REPLY =
  '本次活动已结束，感谢关注！\nThis event has ended. Thank you for following us!'

/** Whether a scan received at `at` comes after the campaign's last day (`endsAt`, inclusive). */
export function campaignEnded(campaign: Pick<RelayCampaign, 'endsAt'>, at: number): boolean {
  return campaign.endsAt !== null && calendarDay(at) > campaign.endsAt
}

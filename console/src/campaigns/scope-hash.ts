/**
 * The campaign the stats and attendance pages are about, kept in their hash
 * (`#/attendance?campaign=<id>`), so a reload, a bookmark or a link pasted into a colleague's
 * chat shows the same campaign's figures, and the back and forward buttons follow it.
 */
import { campaignIdSchema } from '../../../shared/campaign'
import { hashParams, pageSegment, withHashParams, type Page } from '../composables/use-route'

/** The pages whose hash carries the campaign chosen. */
export const SCOPED_PAGES: readonly Page[] = ['stats', 'attendance']

/** Said by linkedCampaign of a hash naming something no campaign can be called. */
export const INVALID = Symbol('invalid campaign')

/**
 * The campaign the hash names: null when it names none (every campaign); INVALID when it names
 * something no campaign can be called (a link cut short or made up), which is never sent to the
 * relay.
 */
export function linkedCampaign(hash: string): string | null | typeof INVALID {
  const id = hashParams(hash).get('campaign')
  if (id === null || id === '') return null
  return campaignIdSchema.safeParse(id).success ? id : INVALID
}

/** `hash` saying `campaignId` (null: every campaign, no parameter), its other parameters kept. */
export function withCampaign(hash: string, campaignId: string | null): string {
  return withHashParams(hash, (params) => {
    if (campaignId === null) params.delete('campaign')
    else params.set('campaign', campaignId)
  })
}

/** The scoped page `hash` opens; null for any other. */
export function scopedPageOf(hash: string): Page | null {
  const first = pageSegment(hash)
  return SCOPED_PAGES.find((p) => p === first) ?? null
}

/** A nav link to `page`: the stats and attendance keep the campaign chosen. */
export function pageHref(page: Page, campaignId: string | null): string {
  return SCOPED_PAGES.includes(page) ? withCampaign(`#/${page}`, campaignId) : `#/${page}`
}

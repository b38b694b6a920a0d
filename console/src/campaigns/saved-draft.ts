/**
 * A campaign form's unsaved edits, kept in the tab's sessionStorage per organizer and campaign,
 * so a session that expires mid-edit (the console then shows sign-in and the form is gone)
 * does not cost the organizer what they typed: after signing in the editor offers it back.
 * It keeps the ETag the edits were made from, so a save of them is refused (412) if someone
 * saved the campaign meanwhile, never silently laid over a newer version. Read back through a
 * schema: anything else in that slot is ignored and removed.
 *
 * They are the organizer's alone: a sign-out (theirs, or the idle one) drops them, and so does
 * another organizer signing in in the tab (stores/session.ts); only a session the relay ended
 * keeps them, for the same organizer's next sign-in.
 */
import { z } from 'zod'
import { KIOSK_ID_PATTERN } from '../../../shared/relay-protocol'
import type { CampaignDraft } from './campaign-form'

const PREFIX = 'scandesk.console.draft.v1'
const greetingSchema = z.object({ first: z.string(), returning: z.string(), named: z.string() })
const draftSchema = z.object({
  name: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  rotationSeconds: z.string(),
  ticketTtlSeconds: z.string(),
  mode: z.enum(['booth', 'desk']),
  greetings: z.object({ 'zh-CN': greetingSchema, en: greetingSchema }),
  reply: z.object({ subscribe: z.string(), scan: z.string() }),
  tag: z.string(),
  followUp: z.string(),
  stamps: z.array(z.string()),
  stampNames: z.record(z.string(), z.string()),
  stampProgress: z.string(),
  stampComplete: z.string(),
})
const savedSchema = z.object({
  /** The version the edits were made from (null: a new campaign, or read without one). */
  etag: z.string().nullable(),
  /** When they were last kept (epoch ms). */
  at: z.number().int(),
  draft: draftSchema,
  booths: z.array(z.string().regex(KIOSK_ID_PATTERN)),
  /**
   * The campaign each booth of the form (ticked, or running the campaign) ran when the form read
   * them: restored, only the organizer's own ticks and unticks are laid over the booths as they
   * are then. Absent in edits kept before it: those booths are taken as they were.
   */
  seen: z.record(z.string().regex(KIOSK_ID_PATTERN), z.string().nullable()).optional(),
})
export type SavedDraft = z.infer<typeof savedSchema>

function keyOf(organizer: string, campaignId: string | null): string {
  return `${PREFIX}:${encodeURIComponent(organizer)}:${campaignId ?? '(new)'}`
}

function storage(): Storage | null {
  try {
    return globalThis.sessionStorage ?? null
  } catch {
    return null
  }
}

/** The kept edits, with booth names in a prototype-less object as the form keeps them. */
export function readDraft(organizer: string, campaignId: string | null): SavedDraft | null {
  const store = storage()
  const key = keyOf(organizer, campaignId)
  const text = store?.getItem(key) ?? null
  if (text === null) return null
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    parsed = null
  }
  const checked = savedSchema.safeParse(parsed)
  if (!checked.success) {
    store?.removeItem(key)
    return null
  }
  const names = Object.assign(
    Object.create(null) as Record<string, string>,
    checked.data.draft.stampNames,
  )
  return { ...checked.data, draft: { ...checked.data.draft, stampNames: names } }
}

/** Best effort: a full or disabled storage only means nothing is kept. */
export function keepDraft(
  organizer: string,
  campaignId: string | null,
  saved: {
    etag: string | null
    draft: CampaignDraft
    booths: readonly string[]
    seen?: Readonly<Record<string, string | null>>
  },
): void {
  try {
    storage()?.setItem(
      keyOf(organizer, campaignId),
      JSON.stringify({
        etag: saved.etag,
        at: Date.now(),
        draft: saved.draft,
        booths: [...saved.booths],
        ...(saved.seen === undefined ? {} : { seen: { ...saved.seen } }),
      } satisfies SavedDraft),
    )
  } catch {
    // Quota exceeded or storage disabled.
  }
}

export function dropDraft(organizer: string, campaignId: string | null): void {
  try {
    storage()?.removeItem(keyOf(organizer, campaignId))
  } catch {
    // Storage disabled.
  }
}

/** Whether the tab keeps unsaved edits of `organizer`'s (any campaign's, or a new one's). */
export function hasDrafts(organizer: string): boolean {
  try {
    const store = storage()
    if (store === null) return false
    const mine = `${PREFIX}:${encodeURIComponent(organizer)}:`
    return Array.from({ length: store.length }, (_, i) => store.key(i)).some(
      (key) => key?.startsWith(mine) === true,
    )
  } catch {
    return false
  }
}

/** Drops the kept edits of every organizer but `keep` (null: of everyone); how many went. */
export function dropDraftsExcept(keep: string | null): number {
  let dropped = 0
  try {
    const store = storage()
    if (store === null) return 0
    const mine = keep === null ? null : `${PREFIX}:${encodeURIComponent(keep)}:`
    const keys = Array.from({ length: store.length }, (_, i) => store.key(i))
    for (const key of keys) {
      if (key?.startsWith(`${PREFIX}:`) === true && (mine === null || !key.startsWith(mine))) {
        store.removeItem(key)
        dropped++
      }
    }
  } catch {
    // Storage disabled.
  }
  return dropped
}

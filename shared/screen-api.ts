/**
 * Big screens and lucky draws, contract v2 (docs/DESIGN.md "Contract v2"): what the read-only
 * screen pages (`/screen/<campaignId>/wall|draw?key=…`) receive, and the console's draw API.
 * One zod schema per message; the schema is the type. Nothing a screen receives carries an
 * openid, a token or a secret: a screen shows a visitor as a roster name or "来宾 #<number>".
 */
import { z } from 'zod'
import { checkTypedText } from './typed-text'

/** Winners per draw at most, and the prize name's length. */
export const MAX_DRAW_WINNERS = 100
export const MAX_PRIZE_LENGTH = 60

/**
 * The newest check-ins a wall snapshot carries (the relay's `SCREEN_LIMITS.recentLimit`) and a
 * wall shows (the console's `WALL_TILES`): one number, since a wall reads a tile its snapshot
 * does not carry as a visitor erased since.
 */
export const SCREEN_RECENT_CHECKINS = 60

/** One visitor as a screen shows them: never an openid. */
export const screenVisitorSchema = z.object({
  /** The visitor's check-in number in the campaign. */
  number: z.number().int().positive(),
  /** The roster name bound to the visitor, or null (the screen then says "来宾 #<number>"). */
  name: z.string().max(200).nullable(),
})
export type ScreenVisitor = z.infer<typeof screenVisitorSchema>

/** A check-in on the wall: a visitor's first scan in the campaign. */
export const screenCheckinSchema = screenVisitorSchema.extend({
  /** When the relay stored the scan (epoch ms). */
  at: z.number().int().nonnegative(),
})
export type ScreenCheckin = z.infer<typeof screenCheckinSchema>

/** What the wall shows of the campaign (no screen key, no kiosk ids, no follow-up texts). */
export const screenCampaignSchema = z.object({
  id: z.string(),
  name: z.string(),
})
export type ScreenCampaign = z.infer<typeof screenCampaignSchema>

/** A draw as screens and the console's list show it. */
export const screenDrawSchema = z.object({
  id: z.string(),
  prize: z.string().max(MAX_PRIZE_LENGTH),
  /** When the relay drew (epoch ms); the result was stored before any screen heard of it. */
  at: z.number().int().nonnegative(),
  /** How many visitors were eligible (the animation rolls over this many). */
  eligibleCount: z.number().int().nonnegative(),
  winners: z.array(screenVisitorSchema).max(MAX_DRAW_WINNERS),
})
export type ScreenDraw = z.infer<typeof screenDrawSchema>

/** `GET /screen/api/<campaignId>/wall?key=K`: the wall's state when a screen (re)connects. */
export const wallSnapshotSchema = z.object({
  campaign: screenCampaignSchema,
  /** Visitors checked in so far (each counted once). */
  count: z.number().int().nonnegative(),
  /** The newest check-ins, newest first. */
  recent: z.array(screenCheckinSchema),
  /** The campaign's latest draw (the draw stage shows its winners until the next), or null. */
  draw: screenDrawSchema.nullable().default(null),
})
export type WallSnapshot = z.infer<typeof wallSnapshotSchema>

/** Server-sent events on `GET /screen/api/<campaignId>/events?key=K`. */
export const screenEventSchema = z.discriminatedUnion('type', [
  /** New check-ins, oldest first, batched; `count` is the total after them. */
  z.object({
    type: z.literal('checkins'),
    count: z.number().int().nonnegative(),
    checkins: z.array(screenCheckinSchema),
  }),
  /** The campaign's name changed (or the screen should re-read its snapshot). */
  z.object({ type: z.literal('campaign'), campaign: screenCampaignSchema }),
  /** A draw was made or redrawn: the draw screen plays it. */
  z.object({ type: z.literal('draw'), draw: screenDrawSchema }),
  /**
   * A visitor of the campaign was erased (added after v2; nothing of who): the screen reads its
   * snapshot again, which no longer has them, and takes their tile off.
   */
  z.object({ type: z.literal('erasure') }),
])
export type ScreenEvent = z.infer<typeof screenEventSchema>

/**
 * Also on `GET /screen/api/<campaignId>/events` (added after v2), sent as the named SSE event
 * `event: heartbeat` (so a page listening only to unnamed messages never sees it, and no
 * `ScreenEvent` changes): every `everyMs`, none when the stream opens. It lets a screen tell a
 * dead connection (no TCP reset: a venue Wi-Fi switch, a proxy's idle cut, a laptop asleep)
 * from a quiet one; the `: hb` comment it replaces never reached the page (EventSource hides
 * comments).
 */
export const screenHeartbeatSchema = z.object({
  type: z.literal('heartbeat'),
  at: z.number().int(),
  /** How often the relay sends one on this stream. */
  everyMs: z.number().int().min(10).max(600_000),
})
export type ScreenHeartbeat = z.infer<typeof screenHeartbeatSchema>

/** `POST /console/api/campaigns/<id>/draws`. */
/** Far above the rounds any prize is drawn in; bounds what a client may claim to have seen. */
export const MAX_ROUNDS_BEFORE = 100_000

export const drawRequestSchema = z
  .object({
    count: z.number().int().min(1).max(MAX_DRAW_WINNERS),
    prize: z.string().trim().min(1).max(MAX_PRIZE_LENGTH),
    excludeWinners: z.boolean().default(true),
    /** Only visitors bound to a roster registration, or everyone checked in. */
    rosterOnly: z.boolean().default(false),
    /**
     * The rounds of this prize the console saw (added after v2): drawn only while the campaign
     * still has exactly that many, else 409 `drawn_meanwhile`. Absent: no such check.
     */
    roundsBefore: z.number().int().min(0).max(MAX_ROUNDS_BEFORE).optional(),
  })
  .strict()
  // A prize is a name (shared/typed-text.ts); checked on the request only: stored draws still read.
  .superRefine((d, ctx) => checkTypedText(ctx, ['prize'], d.prize, 'line'))
export type DrawRequest = z.infer<typeof drawRequestSchema>

/**
 * The 409 of a draw or redraw with fewer eligible visitors than it needs: the API's usual
 * `{ error: { code, message } }` plus `eligible`, how many visitors could have been drawn
 * (added after v2; a client that does not know the field reads a plain `conflict`).
 */
export const tooFewEligibleSchema = z.object({
  error: z.object({
    code: z.literal('conflict'),
    message: z.string(),
    eligible: z.number().int().nonnegative(),
  }),
})
export type TooFewEligible = z.infer<typeof tooFewEligibleSchema>

/** A winner as the console sees it (the console may see openids; screens never do). */
export const drawWinnerSchema = screenVisitorSchema.extend({
  openid: z.string(),
  /** Set when this winner was replaced by a redraw (absent at the draw). */
  replacedAt: z.number().int().nonnegative().nullable().default(null),
})
export type DrawWinner = z.infer<typeof drawWinnerSchema>

/** One redraw of a stored draw: who was replaced, and how the replacement was drawn. */
export const redrawStepSchema = z.object({
  at: z.number().int().nonnegative(),
  organizer: z.string(),
  /** The absent winner replaced. */
  replaced: z.string(),
  /** The winner drawn in their place. */
  openid: z.string(),
  eligibleCount: z.number().int().nonnegative(),
  eligibleHash: z.string().regex(/^[0-9a-f]{64}$/),
  rng: z.string().regex(/^[0-9a-f]*$/),
})
export type RedrawStep = z.infer<typeof redrawStepSchema>

/**
 * A stored draw as the console lists it: the result and what it takes to re-check it
 * (docs/DESIGN.md "Contract v2"): the eligible list's size and SHA-256, and the RNG output used.
 */
export const drawRecordSchema = z.object({
  id: z.string(),
  campaignId: z.string(),
  prize: z.string(),
  at: z.number().int().nonnegative(),
  organizer: z.string(),
  excludeWinners: z.boolean(),
  rosterOnly: z.boolean(),
  eligibleCount: z.number().int().nonnegative(),
  /** Hex SHA-256 of the eligible list, in the order the draw indexed it. */
  eligibleHash: z.string().regex(/^[0-9a-f]{64}$/),
  /** Hex of the random bytes drawn (what maps to the chosen indexes). */
  rng: z.string().regex(/^[0-9a-f]*$/),
  winners: z.array(drawWinnerSchema),
  /**
   * Redraws, oldest first (added to the contract by issue 21's draw API): each drew one winner
   * from its own eligible list, re-checkable the same way; its winner is appended to `winners`.
   */
  redraws: z.array(redrawStepSchema).default([]),
})
export type DrawRecord = z.infer<typeof drawRecordSchema>

/**
 * A draw as the console API answers it: `winners` are the current winners (a redraw's winner
 * in the place of the one it replaced, so there are always `count`), `replaced` the winners
 * redraws replaced, each with when. The stored record (`drawRecordSchema`) keeps both in
 * `winners`, in the order they were drawn.
 */
export const drawAnswerSchema = drawRecordSchema.extend({ replaced: z.array(drawWinnerSchema) })
export type DrawAnswer = z.infer<typeof drawAnswerSchema>

/** The API's view of a stored draw (see `drawAnswerSchema`). */
export function drawAnswerOf(d: DrawRecord): DrawAnswer {
  const drawn = d.winners.length - d.redraws.length
  const current = d.winners.slice(0, drawn).map((w) => ({ ...w, replacedAt: null }))
  d.redraws.forEach((step, j) => {
    const at = current.findIndex((w) => w.openid === step.replaced)
    const next = d.winners[drawn + j]
    if (at >= 0 && next !== undefined) current[at] = { ...next, replacedAt: null }
  })
  return { ...d, winners: current, replaced: d.winners.filter((w) => w.replacedAt !== null) }
}

/**
 * The stored record a draw as the console API answers it stands for (`drawAnswerOf` undone):
 * the winners first drawn, in pick order (each redraw's swap undone, newest first), then each
 * redraw's winner. What a re-check replays, whichever of the two it was given.
 */
export function drawRecordOf(answer: DrawAnswer): DrawRecord {
  const { replaced, ...rest } = answer
  const byOpenid = new Map([...answer.winners, ...replaced].map((w) => [w.openid, w]))
  const drawn = answer.winners.map((w) => w.openid)
  for (const step of [...answer.redraws].reverse()) {
    const at = drawn.indexOf(step.openid)
    if (at >= 0) drawn[at] = step.replaced
  }
  const order = [...drawn, ...answer.redraws.map((s) => s.openid)]
  const winners: DrawWinner[] = []
  for (const openid of order) {
    const w = byOpenid.get(openid)
    if (w === undefined) throw new Error(`draw ${answer.id}: winner ${openid} is not listed`)
    winners.push(w)
  }
  return { ...rest, winners }
}

/**
 * A draw as saved from the console (`GET …/draws`, `replaced` present) or as stored: the stored
 * record either way (scripts/recheck-draw.ts).
 */
export function parseDrawRecord(json: unknown): DrawRecord {
  const answer = drawAnswerSchema.safeParse(json)
  return answer.success ? drawRecordOf(answer.data) : drawRecordSchema.parse(json)
}

/** `POST /console/api/campaigns/<id>/draws/<drawId>/redraw`. */
export const redrawRequestSchema = z.object({ openid: z.string().min(1).max(128) }).strict()
export type RedrawRequest = z.infer<typeof redrawRequestSchema>

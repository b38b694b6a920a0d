// Fault switches for tests and demos: they make the WeChat API endpoints slow, broken, busy or
// out of quota, so clients can be seen coping.
import { z } from 'zod'

export const faultsPatchSchema = z
  .object({
    /** Added before every /cgi-bin answer. */
    latencyMs: z.number().int().min(0).max(120_000).optional(),
    /** true answers 503; a number answers that 5xx status; false turns it off. */
    http5xx: z.union([z.boolean(), z.number().int().min(500).max(599)]).optional(),
    /** errcode -1 "system error" from token, stable_token and qrcode/create. */
    busy: z.boolean().optional(),
    /** After this many more successful qrcode/create calls, 45009; null turns it off. */
    quotaAfter: z.number().int().min(0).nullable().optional(),
    /** Share (0–1) of tags/members/batchtagging calls answered -1 "system error". */
    tagFailRate: z.number().min(0).max(1).optional(),
  })
  .strict()

export type FaultsPatch = z.infer<typeof faultsPatchSchema>

export interface Faults {
  latencyMs: number
  http5xx: number | null
  busy: boolean
  quotaAfter: number | null
  tagFailRate: number
}

export const NO_FAULTS: Faults = {
  latencyMs: 0,
  http5xx: null,
  busy: false,
  quotaAfter: null,
  tagFailRate: 0,
}

/** Only the switches named in `patch` change. */
export function applyFaults(current: Faults, patch: FaultsPatch): Faults {
  const next = { ...current }
  if (patch.latencyMs !== undefined) next.latencyMs = patch.latencyMs
  if (patch.http5xx !== undefined) {
    next.http5xx = patch.http5xx === true ? 503 : patch.http5xx === false ? null : patch.http5xx
  }
  if (patch.busy !== undefined) next.busy = patch.busy
  if (patch.quotaAfter !== undefined) next.quotaAfter = patch.quotaAfter
  if (patch.tagFailRate !== undefined) next.tagFailRate = patch.tagFailRate
  return next
}

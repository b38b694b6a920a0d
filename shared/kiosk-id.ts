/** The kiosk id, alone in its file so that relay-protocol.ts and campaign.ts both use it without a loop. */
import { z } from 'zod'

/** `kioskId` is `[a-z0-9-]{1,24}`; it is also the prefix of every scene the kiosk owns. */
export const KIOSK_ID_PATTERN = /^[a-z0-9-]{1,24}$/
export const kioskIdSchema = z
  .string()
  .regex(KIOSK_ID_PATTERN, 'kioskId must match [a-z0-9-]{1,24}')
export type KioskId = z.infer<typeof kioskIdSchema>

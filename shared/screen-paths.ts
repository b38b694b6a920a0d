/**
 * A kiosk's big screen (docs/DESIGN.md "Big screens", its bullet on a kiosk's screen): the
 * relay's paths to the campaign's sign-in wall and draw stage, with the screen key, as the
 * `screens` frame carries them. Only a relative `/screen/<id>/(wall|draw)?key=<key>` path is
 * accepted: a relay cannot make the kiosk frame another site or a `javascript:` URL. Runs in
 * browsers too.
 */
import { z } from 'zod'
import { campaignIdSchema } from './campaign'

/** What the kiosk's screen shows: the QR code (the default), the sign-in wall or the draw. */
export const bigScreenSchema = z.enum(['qr', 'wall', 'draw'])
export type BigScreen = z.infer<typeof bigScreenSchema>

const screenPath = (page: 'wall' | 'draw') =>
  z
    .string()
    .max(300)
    .regex(new RegExp(`^/screen/[A-Za-z0-9_-]{1,64}/${page}\\?key=[A-Za-z0-9_-]{16,128}$`))

export const screenPathsSchema = z
  .object({ wall: screenPath('wall'), draw: screenPath('draw') })
  .strict()
export type ScreenPaths = z.infer<typeof screenPathsSchema>

/** The paths for a campaign and its key (the relay; the key is base64url, so no escaping). */
export function screenPaths(campaignId: string, key: string): ScreenPaths {
  const id = campaignIdSchema.parse(campaignId)
  const k = encodeURIComponent(key)
  return { wall: `/screen/${id}/wall?key=${k}`, draw: `/screen/${id}/draw?key=${k}` }
}

/**
 * A path joined to the relay's origin (http(s); a ws(s) base maps to http(s)), or null when
 * the result would leave it. The path is validated again here. The origin, not the base
 * path: the relay serves its screens (and their assets) at its root.
 */
export function screenUrl(relayUrl: string, path: string): string | null {
  if (!/^\/screen\/[A-Za-z0-9_-]{1,64}\/(wall|draw)\?key=[A-Za-z0-9_-]{16,128}$/.test(path)) {
    return null
  }
  let base: URL
  try {
    base = new URL(relayUrl)
  } catch {
    return null
  }
  if (base.protocol === 'ws:') base.protocol = 'http:'
  else if (base.protocol === 'wss:') base.protocol = 'https:'
  if (base.protocol !== 'http:' && base.protocol !== 'https:') return null
  const url = new URL(path, base.origin)
  return url.origin === base.origin ? url.toString() : null
}

/** The http(s) origin of the relay url (ws(s) maps to http(s)): the kiosk's frame-src. */
export function relayFrameOrigin(relayUrl: string | null): string | null {
  if (relayUrl === null) return null
  try {
    const u = new URL(relayUrl)
    if (u.protocol === 'ws:') u.protocol = 'http:'
    else if (u.protocol === 'wss:') u.protocol = 'https:'
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null
  } catch {
    return null
  }
}

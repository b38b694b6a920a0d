/**
 * Kiosk provisioning shared by the CLI, the console and `RelayHandle` (`addKiosk`, `revokeKiosk`).
 */
import { kioskIdSchema } from '../shared/relay-protocol'
import { issueKioskToken } from './kiosk-tokens'
import { KioskExistsError, type RelayStore, type SceneRange } from './store/types'

export interface AddKioskOptions {
  /** May the kiosk create tickets through the relay (a new kiosk: true; else kept). */
  ticketProxy?: boolean
  /** Integer scenes this kiosk owns (a new kiosk: none; else kept). */
  sceneRanges?: SceneRange[]
  /** Replace the token of an existing, unrevoked kiosk (its live sockets close with 4410). */
  rotate?: boolean
  /**
   * Only create: an existing kiosk, revoked or not, is a KioskExistsError (decided by the
   * store atomically, so of two concurrent creations of one id exactly one succeeds).
   */
  onlyIfNew?: boolean
}

export class KioskAdminError extends Error {
  override name = 'KioskAdminError'
}

/** Creates the kiosk (or re-issues its token) and returns the token; only its hash is kept. */
export async function addKiosk(
  store: RelayStore,
  kioskId: string,
  opts: AddKioskOptions,
  now: number,
): Promise<string> {
  const id = kioskIdSchema.safeParse(kioskId)
  if (!id.success)
    throw new KioskAdminError(`kiosk id ${JSON.stringify(kioskId)}: must match [a-z0-9-]{1,24}`)
  const existing = await store.getKiosk(id.data)
  if (existing !== null && opts.onlyIfNew === true) throw new KioskExistsError(id.data)
  if (existing !== null && existing.revokedAt === null && opts.rotate !== true) {
    throw new KioskAdminError(`kiosk ${id.data} already exists; use --rotate for a new token`)
  }
  // A new token is a new credential: a pairing code the console issued and nobody used would
  // otherwise mint another one for 15 minutes, taking the booth from the kiosk given this one.
  if (existing !== null) await store.console.dropPairingCode(id.data)
  const { token, tokenHash } = issueKioskToken(id.data)
  await store.putKiosk({
    kioskId: id.data,
    tokenHash,
    // A new token (or a revoked kiosk added back) changes only what it is told to: dropping
    // the kiosk's integer scenes would leave their printed codes' scans unrouted.
    ticketProxy: opts.ticketProxy ?? existing?.ticketProxy ?? true,
    sceneRanges: mergeSceneRanges(opts.sceneRanges ?? existing?.sceneRanges ?? []),
    now,
    ...(opts.onlyIfNew === true && { onlyIfNew: true }),
  })
  return token
}

/**
 * Revokes the kiosk (its live sockets close with 4410) and voids its unused pairing code, in
 * one atomic store step (RelayStore.revokeKiosk): redeeming that code gives the kiosk a new
 * token and takes the revocation back. False: no such kiosk. Every revoke goes through here
 * (the CLI, the console's DELETE, RelayHandle).
 */
export function revokeKiosk(store: RelayStore, kioskId: string, now: number): Promise<boolean> {
  return store.revokeKiosk(kioskId, now)
}

/**
 * The ranges sorted, with overlapping or touching ones joined: the stores find a scene's owner
 * by the range starting nearest below it, so a kiosk's own ranges must not overlap (with
 * `1-100,50-60`, scene 70 went unrouted) or repeat (`7,7` broke SQLite's key on `lo`).
 */
export function mergeSceneRanges(ranges: readonly SceneRange[]): SceneRange[] {
  const merged: SceneRange[] = []
  for (const r of [...ranges].sort((a, b) => a.lo - b.lo)) {
    const last = merged[merged.length - 1]
    if (last !== undefined && r.lo <= last.hi + 1) last.hi = Math.max(last.hi, r.hi)
    else merged.push({ lo: r.lo, hi: r.hi })
  }
  return merged
}

/** `100-199,500` → ranges; throws naming the bad part. */
export function parseSceneRanges(text: string): SceneRange[] {
  return text
    .split(',')
    .filter((p) => p.trim() !== '')
    .map((part) => {
      const m = /^\s*([0-9]{1,10})(?:\s*-\s*([0-9]{1,10}))?\s*$/.exec(part)
      const lo = Number(m?.[1])
      const hi = Number(m?.[2] ?? m?.[1])
      if (!m || lo < 1 || hi < lo || hi > 4_294_967_295) {
        throw new KioskAdminError(
          `scene range ${JSON.stringify(part)}: expected LO-HI, 1 ≤ LO ≤ HI`,
        )
      }
      return { lo, hi }
    })
}

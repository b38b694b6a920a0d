/**
 * An erased visitor's tombstone (docs/DESIGN.md "Visitor erasure (added after v2)"): the SHA-256 of
 * the campaign id, a NUL and the visitor's openid, 64 lowercase hex digits. The relay keeps it
 * (never the openid) and sends it to the campaign's kiosks in `erasure` frames; a kiosk hashes its
 * own openids of that campaign the same way to find the visitor's rows. The campaign id in it makes
 * the same visitor's tombstones of two campaigns unlike, so one says nothing of the other.
 */
import { createHash } from 'node:crypto'

export function visitorTombstone(campaignId: string, openid: string): string {
  return createHash('sha256').update(`${campaignId}\0${openid}`, 'utf8').digest('hex')
}

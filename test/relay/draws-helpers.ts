/**
 * Test helpers for lucky draws: visitors checked in to a campaign straight through the store
 * (as a push would store them, numbers included), and roster bindings.
 */
import { createHash } from 'node:crypto'
import type { RelayStore } from '../../relay/store/types'

/**
 * Stores a first scan for each openid at `kioskId` (created when missing) in the campaign,
 * received now or, with `at`, at that instant (its own event: the same visitor again at another
 * `at` is another scan, not a retry).
 */
export async function checkIn(
  store: RelayStore,
  campaignId: string,
  openids: readonly string[],
  kioskId = 'k-draw',
  at?: number,
): Promise<void> {
  const receivedAt = at ?? Date.now()
  if (!(await store.hasKiosk(kioskId))) {
    await store.putKiosk({
      kioskId,
      tokenHash: 'x'.repeat(64),
      ticketProxy: false,
      sceneRanges: [],
      now: receivedAt,
    })
  }
  for (const openid of openids) {
    const key = `${campaignId}/${openid}${at === undefined ? '' : `@${at}`}`
    const id = createHash('sha256').update(key).digest('hex').slice(0, 32)
    await store.appendEvent(
      kioskId,
      {
        id,
        event: 'scan',
        openid,
        scene: `${kioskId}:s`,
        ticket: 't',
        createTime: at === undefined ? 1_700_000_000 : Math.floor(at / 1000),
        receivedAt,
      },
      campaignId,
    )
  }
}

export const visitors = (n: number, prefix = 'o'): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`)

/** A roster of `names` (registration ids r0, r1, …) with the first `bound` openids bound. */
export async function rosterWith(
  store: RelayStore,
  campaignId: string,
  openids: readonly string[],
): Promise<void> {
  await store.campaigns.replaceRoster(
    campaignId,
    openids.map((_, i) => ({ id: `r${i}`, name: `姓名${i}`, company: '', phone: '', code: '' })),
  )
  for (const [i, openid] of openids.entries()) {
    await store.campaigns.putBinding(campaignId, { registrationId: `r${i}`, openid, at: 1000 + i })
  }
}

// A draw on the second day of a three-day fair (venue in Asia/Shanghai), on both stores: the
// eligible visitors are everyone checked in to the campaign on any day so far, not only today's,
// and `excludeWinners` leaves out the first day's winners. The console's hint says the same.
import { describe, expect, it } from 'vitest'
import { makeDraw } from '../../relay/draws/draw-service'
import { createCampaign, relayTestBed, signIn } from './campaign-helpers'
import { checkIn } from './draws-helpers'
import type { Backend } from './harness'

const bed = relayTestBed()

/** 10:00 in Shanghai on day `d` (1–3) of the fair, 1–3 December 2026. */
const shanghai10 = (d: number): number => Date.UTC(2026, 11, d, 2, 0)

const KIOSK = 'k-expo'

const rule = (count: number, excludeWinners: boolean) => ({
  prize: '幸运奖',
  count,
  excludeWinners,
  rosterOnly: false,
})

describe.each<Backend>(['sqlite', 'redis'])('a draw on day 2 of a fair (%s)', (backend) => {
  it("draws among every day's visitors and excludes day 1's winners when asked", async () => {
    const relay = await bed.relayOn(bed.placeFor(backend))
    const c = await signIn(relay)
    const { id } = await createCampaign(c)
    // Day 1: four visitors, one of whom wins. Day 2 morning: two new visitors and one of day 1's.
    await checkIn(relay.store, id, ['d1a', 'd1b', 'd1c', 'd1d'], KIOSK, shanghai10(1))
    const first = await makeDraw(relay.store.draws, id, rule(1, false), {
      organizer: 'alice',
      clock: () => shanghai10(1) + 3_600_000,
    })
    if (!first.ok) throw new Error(first.message)
    const dayOneWinner = first.record.winners[0]?.openid ?? ''
    await checkIn(relay.store, id, ['d2a', 'd2b'], KIOSK, shanghai10(2))
    await checkIn(relay.store, id, ['d1a'], KIOSK, shanghai10(2) + 60_000)

    const day2 = { organizer: 'alice', clock: () => shanghai10(2) + 3_600_000 }
    // All six checked in (day 1 only, day 2 only, both days), less day 1's winner: five.
    const excluding = await makeDraw(relay.store.draws, id, rule(5, true), day2)
    if (!excluding.ok) throw new Error(excluding.message)
    expect(excluding.record.eligibleCount).toBe(5)
    const drawn = excluding.record.winners.map((w) => w.openid).sort()
    expect(drawn).toEqual(
      ['d1a', 'd1b', 'd1c', 'd1d', 'd2a', 'd2b'].filter((o) => o !== dayOneWinner).sort(),
    )
    // Everyone has won now: with the exclusion nobody is left, on any day.
    const none = await makeDraw(relay.store.draws, id, rule(1, true), day2)
    expect(none.ok).toBe(false)
    if (!none.ok) expect(none.eligible).toBe(0)
    // Without it the pool is every visitor of every day, not today's three.
    const all = await makeDraw(relay.store.draws, id, rule(6, false), day2)
    if (!all.ok) throw new Error(all.message)
    expect(all.record.eligibleCount).toBe(6)
  })
})

/**
 * A season's worth of booths: the follow-up worker's round reads only the kiosks with new scans,
 * not the cursor and rows of every kiosk ever added, each round.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { CampaignDirectory } from '../../relay/campaign-directory'
import { FollowUpWorker } from '../../relay/follow-up/worker'
import { openSqliteStore } from '../../relay/store/sqlite/store'
import type { NewEvent, RelayStore } from '../../relay/store/types'
import { campaignBody } from './campaign-helpers'
import { unusedWechat } from './follow-up-helpers'
import { silentLogger } from '../../shared/server/log'

const KIOSKS = 40
const kioskId = (i: number) => `booth-${i}`

let store: RelayStore | null = null
afterEach(async () => {
  await store?.close()
  store = null
})

describe('follow-up worker over many idle kiosks', () => {
  it("reads a kiosk's cursor and rows again only once it has new scans", async () => {
    const s = (store = openSqliteStore({ data: ':memory:' }))
    const t0 = Date.UTC(2026, 4, 1, 2)
    // A tag makes the campaign one with follow-up work: rounds run.
    await s.campaigns.createCampaign(
      { ...campaignBody({ tag: '春季展' }), id: 'spring', screenKey: 'k'.repeat(43) },
      t0,
    )
    for (let i = 0; i < KIOSKS; i++) {
      await s.putKiosk({
        kioskId: kioskId(i),
        tokenHash: 'h',
        ticketProxy: true,
        sceneRanges: [],
        now: t0,
      })
    }
    let n = 0
    const scan = (kiosk: string): NewEvent => {
      const i = n++
      return {
        id: `ev-${i}`,
        event: 'scan',
        openid: `o-${i}`,
        scene: `${kiosk}:${i}`,
        ticket: 't',
        createTime: 1_700_000_000,
        receivedAt: t0 + i,
      }
    }
    // Every kiosk scanned once (no campaign: nothing for WeChat to do).
    for (let i = 0; i < KIOSKS; i++) await s.appendEvent(kioskId(i), scan(kioskId(i)), null)
    // Built into the table the worker reads, as within moments at a venue: a round waits only
    // 200 ms for that (a row not in yet is read next round), too little on a loaded machine.
    await s.attendance.settled()

    const worker = new FollowUpWorker({
      store: s,
      campaigns: new CampaignDirectory(s, () => t0),
      client: unusedWechat(),
      log: silentLogger,
      now: () => t0,
      batchWindowMs: 0,
      windowMs: 60_000,
    })
    const cursor = vi.spyOn(s.followUp, 'cursor')
    const rowsAfter = vi.spyOn(s.followUp, 'rowsAfter')
    try {
      await worker.round()
      expect(rowsAfter).toHaveBeenCalledTimes(KIOSKS)
      expect(await s.followUp.cursor(kioskId(7))).toBe(1)
      cursor.mockClear()
      rowsAfter.mockClear()

      // Idle: nothing read per kiosk.
      await worker.round()
      expect(cursor).not.toHaveBeenCalled()
      expect(rowsAfter).not.toHaveBeenCalled()

      // One booth scans again: only its rows are read, and its cursor moves on.
      await s.appendEvent(kioskId(7), scan(kioskId(7)), null)
      await s.attendance.settled()
      await worker.round()
      expect(rowsAfter.mock.calls.map((c) => c[0])).toEqual([kioskId(7)])
      expect(await s.followUp.cursor(kioskId(7))).toBe(2)
    } finally {
      await worker.stop()
    }
  })
})

// A visitor erased while the big screens are up (they asked the organizer to take their name
// off the wall): every open screen of the campaign is told at once, on both stores, with a
// message that says nothing of who, and the snapshot it then reads no longer has them, read
// afresh, not the one the screens shared a moment before.
import { describe, expect, it } from 'vitest'
import { wallSnapshotSchema, type WallSnapshot } from '../../shared/screen-api'
import type { RelayHandle } from '../../relay/server'
import { relayTestBed } from './campaign-helpers'
import { EventReader, scan, screenPath, screenSetup, until } from './screen-helpers'

const { cleanups, placeFor, relayOn } = relayTestBed()

async function snapshotOf(relay: RelayHandle, id: string, key: string): Promise<WallSnapshot> {
  const res = await fetch(`${relay.url}${screenPath('wall', id, key)}`)
  expect(res.status).toBe(200)
  return wallSnapshotSchema.parse(await res.json())
}

describe('a visitor erased while the screens are up', () => {
  for (const backend of ['sqlite', 'redis'] as const) {
    it(`${backend}: the screens hear of it and their next snapshot has no tile of them`, async () => {
      // A shared snapshot lives far longer than this test: only the erasure can drop it.
      const relay = await relayOn(placeFor(backend), {}, { screens: { snapshotMs: 600_000 } })
      const { console: c, campaign } = await screenSetup(relay)
      await relay.store.campaigns.replaceRoster(campaign.id, [
        { id: 'r1', name: '王小明', company: 'ACME', phone: '13800000000', code: 'C1' },
      ])
      await relay.store.campaigns.putBinding(campaign.id, {
        registrationId: 'r1',
        openid: 'oErase-named-visitor',
        at: Date.now(),
      })
      const events = await EventReader.open(
        `${relay.url}${screenPath('events', campaign.id, campaign.screenKey)}`,
      )
      cleanups.push(() => events.close())
      await scan(relay.url, 'oErase-named-visitor', 'k1', 1)
      await scan(relay.url, 'oErase-other-visitor', 'k1', 2)
      await until(() => events.numbers().length >= 2, 15_000, 'two check-ins')
      // A screen reads its snapshot (shared with the campaign's other screens for a moment).
      const before = await snapshotOf(relay, campaign.id, campaign.screenKey)
      expect(before.recent.map((r) => [r.number, r.name])).toEqual([
        [2, null],
        [1, '王小明'],
      ])

      const erased = await c.call('POST', `/console/api/campaigns/${campaign.id}/erasures`, {
        openid: 'oErase-named-visitor',
      })
      expect(erased.status, erased.text).toBe(200)
      await until(
        () => events.events.some((e) => e.type === 'erasure'),
        15_000,
        'the erasure on the stream',
      )
      // Read at once, within the moment a snapshot is shared: a new one, without them.
      const after = await snapshotOf(relay, campaign.id, campaign.screenKey)
      expect(after.recent.map((r) => r.number)).toEqual([2])
      expect(after.count).toBe(2)
      expect(JSON.stringify(after)).not.toContain('王小明')
      // Who was erased is on no screen's stream.
      expect(events.raw).not.toMatch(/oErase/)
      const said = events.events.filter((e) => e.type === 'erasure')
      expect(said).toEqual([{ type: 'erasure' }])
    })
  }
})

// The relay's campaign as the kiosk keeps it: a stored row that is no longer JSON (a damaged
// file, a torn copy restored from a backup) is left out like a row that fails the schema; it
// must not throw out of the screen's read and stop the kiosk from showing anything.
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { RelayCampaignStore } from '../../electron/core/campaigns/relay-campaign'
import { openKioskDb } from '../../electron/core/db/db'
import { relayCampaign } from './fake-v2-relay'
import { cleanup, tempDir } from './helpers'

afterEach(cleanup)

const T = Date.UTC(2025, 4, 20, 1, 0, 0)

describe('relay campaign rows read back', () => {
  it('leaves out a campaign or screens column that is not JSON instead of throwing', () => {
    const db = openKioskDb(join(tempDir(), 'kiosk.db'))
    try {
      const store = new RelayCampaignStore(db)
      const frame = { type: 'campaign', version: 1, campaign: relayCampaign() } as const
      expect(store.apply('c1', frame, 'e1', T)).toBe(true)
      expect(new RelayCampaignStore(db).held('c1')?.campaign?.id).toBe(relayCampaign().id)

      db.prepare(`UPDATE relay_campaigns SET campaign = '{"id":"torn', screens = '{'`).run()
      db.prepare(`UPDATE relay_campaign_history SET campaign = '{"id":'`).run()
      const fresh = new RelayCampaignStore(db)
      expect(fresh.held('c1')).toEqual({ version: 1, campaign: null, screens: null })
      expect(fresh.known('c1')).toEqual([])

      // The next frame from the relay replaces the damaged row as usual.
      expect(fresh.apply('c1', { ...frame, version: 2 }, 'e1', T + 1)).toBe(true)
      expect(new RelayCampaignStore(db).held('c1')?.campaign?.id).toBe(relayCampaign().id)
    } finally {
      db.close()
    }
  })
})

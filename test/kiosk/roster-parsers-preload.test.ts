// A kiosk's first roster import after a start loaded the parsers (exceljs, csv-parse) then, while
// staff waited: 1.2–1.6 s of module loading on a loaded 2-core box before the file was read.
// Unlocking the admin area now loads them, so the import staff start from there finds them
// ready.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { MemoryVault } from '../../electron/core/config/vault'
import { openCampaignStore } from '../../electron/core/campaigns/campaign-store'
import { defaultSettings, saveSettings } from '../../electron/core/config/settings'
import { cleanup, importCsvRoster, startCore, tempDir, testCampaign, TEST_PIN } from './helpers'
import { UNDER_LOAD } from '../helpers/wait'

const loads = vi.hoisted(() => ({ count: 0 }))
vi.mock('../../shared/roster/roster-import', async (original) => {
  loads.count++
  return original()
})

afterEach(cleanup)

function kiosk() {
  const dir = tempDir()
  openCampaignStore(dir).save(testCampaign())
  saveSettings(dir, { ...defaultSettings(), activeCampaignId: 'expo' })
  return startCore(dir, new MemoryVault(), { tickMs: 0 })
}

describe('the roster parsers', () => {
  it('load when staff unlock the admin area, before the first import', async () => {
    const core = kiosk()
    expect(loads.count).toBe(0)
    await core.call('unlockAdmin', { pin: TEST_PIN })
    await vi.waitFor(() => expect(loads.count).toBe(1), UNDER_LOAD)
    const result = await importCsvRoster(core, '姓名,公司,手机号,编号\n张三,甲,13800000000,1\n')
    expect(result).toMatchObject({ imported: 1, errors: [] })
    expect(loads.count).toBe(1)
  })
})

// Folder campaigns/: the campaigns an organizer set up (campaigns.json), in campaign-store.ts.
/** campaigns.json: the campaigns an organizer set up, validated like settings.json. */
import { join } from 'node:path'
import { z } from 'zod'
import { campaignSchema, type Campaign } from '../../../shared/domain'
import { readJsonFile, writeJsonFile } from '../config/json-file'

const campaignsFileSchema = z
  .object({ version: z.literal(1), campaigns: z.array(campaignSchema) })
  .strict()

export interface CampaignStore {
  list(): Campaign[]
  get(id: string): Campaign | null
  save(campaign: Campaign): void
  /** false when there was no such campaign. */
  remove(id: string): boolean
}

export function openCampaignStore(dataDir: string): CampaignStore {
  const file = join(dataDir, 'campaigns.json')
  // Loaded once: a broken file throws here, before anything could overwrite it.
  const campaigns = readJsonFile(file, campaignsFileSchema)?.campaigns ?? []
  return {
    list: () => campaigns.map((c) => structuredClone(c)),
    get: (id) => {
      const c = campaigns.find((x) => x.id === id)
      return c ? structuredClone(c) : null
    },
    save(campaign) {
      const valid = campaignSchema.parse(campaign)
      const i = campaigns.findIndex((x) => x.id === valid.id)
      const next = i === -1 ? [...campaigns, valid] : campaigns.with(i, valid)
      writeJsonFile(file, { version: 1, campaigns: next }) // written first: a failure changes nothing
      if (i === -1) campaigns.push(valid)
      else campaigns[i] = valid
    },
    remove(id) {
      const i = campaigns.findIndex((x) => x.id === id)
      if (i === -1) return false
      const rest = campaigns.filter((x) => x.id !== id)
      writeJsonFile(file, { version: 1, campaigns: rest }) // written first: a failure changes nothing
      campaigns.splice(i, 1)
      return true
    },
  }
}

/**
 * Who a row's visitor is, for the consolidated export's 姓名, 公司, 电话 and 编号 columns: the
 * roster entry a desk bound the visitor's openid to, in the campaign the row's scan counted in.
 * Read once per export, kept only for bound visitors (a roster's unbound entries are skipped),
 * so memory follows the visitors who checked in at a desk, not the roster's size.
 */
import type { AttendanceRow } from '../store/attendance'
import type { CampaignStore, StoredRosterEntry } from '../store/campaign-types'

export interface RosterPerson {
  name: string
  company: string
  phone: string
  code: string
}

/** The row's person, or null (no campaign on the row, or the visitor is bound to no entry). */
export type PersonOf = (r: Pick<AttendanceRow, 'campaignId' | 'openid'>) => RosterPerson | null

const ROSTER_PAGE = 1000

/** For an export: the people of `campaignId`, or of every campaign (undefined). */
export type PeopleLookup = (campaignId: string | undefined) => Promise<PersonOf | null>

export function createPeopleLookup(
  campaigns: Pick<CampaignStore, 'bindings' | 'readRoster' | 'listCampaigns'>,
): PeopleLookup {
  return async (campaignId) => {
    const ids =
      campaignId !== undefined
        ? [campaignId]
        : (await campaigns.listCampaigns()).map((r) => r.campaign.id)
    return loadPeople(campaigns, ids)
  }
}

/** The people of `campaignIds`; null when none of them has a bound visitor. */
export async function loadPeople(
  campaigns: Pick<CampaignStore, 'bindings' | 'readRoster'>,
  campaignIds: readonly string[],
): Promise<PersonOf | null> {
  const byCampaign = new Map<string, Map<string, RosterPerson>>()
  for (const campaignId of campaignIds) {
    const bindings = await campaigns.bindings(campaignId)
    if (bindings.length === 0) continue
    const openidOf = new Map(bindings.map((b) => [b.registrationId, b.openid]))
    const people = await boundPeople(campaigns, campaignId, openidOf)
    if (people.size > 0) byCampaign.set(campaignId, people)
  }
  if (byCampaign.size === 0) return null
  return (r) =>
    r.campaignId === undefined ? null : (byCampaign.get(r.campaignId)?.get(r.openid) ?? null)
}

/**
 * The roster's bound entries, by openid (`openidOf`: registration id → openid), all of one
 * roster version (eachRosterEntry).
 */
export async function boundPeople(
  campaigns: Pick<CampaignStore, 'readRoster'>,
  campaignId: string,
  openidOf: ReadonlyMap<string, string>,
): Promise<Map<string, RosterPerson>> {
  let people = new Map<string, RosterPerson>()
  await eachRosterEntry(
    campaigns,
    campaignId,
    () => (people = new Map()),
    (e) => {
      const openid = openidOf.get(e.id)
      if (openid !== undefined) {
        people.set(openid, { name: e.name, company: e.company, phone: e.phone, code: e.code })
      }
    },
  )
  return people
}

/**
 * Every entry of the campaign's roster, all of one version: a roster replaced while it is read
 * is read again (`restart` first; up to 3 times, then the last read stands, mixed versions and
 * all). Answers the version read (of its first page, on the last attempt).
 */
export async function eachRosterEntry(
  campaigns: Pick<CampaignStore, 'readRoster'>,
  campaignId: string,
  restart: () => void,
  visit: (entry: StoredRosterEntry) => void,
): Promise<number> {
  let version = 0
  for (let attempt = 0; attempt < 3; attempt++) {
    restart()
    let read: number | null = null
    let changed = false
    for (let offset = 0; ; offset += ROSTER_PAGE) {
      const slice = await campaigns.readRoster(campaignId, offset, ROSTER_PAGE)
      if (read !== null && slice.version !== read) {
        changed = true
        break
      }
      read = version = slice.version
      for (const e of slice.entries) visit(e)
      if (slice.entries.length < ROSTER_PAGE || offset + ROSTER_PAGE >= slice.total) break
    }
    if (!changed) break
  }
  return version
}

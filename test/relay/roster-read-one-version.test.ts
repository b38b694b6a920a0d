// A roster replaced while a reader pages through it: the big screens' name book and the
// follow-up's {name} read the roster page by page (1,000 entries a page); a roster replaced
// between two pages (a new upload) gave them the first page of one version and the rest of the
// other. Both now read it through eachRosterEntry, which reads a roster that changed mid-read
// again: every name is of one version, the current one.
import { describe, expect, it, vi } from 'vitest'
import { NameBook } from '../../relay/screens/name-book'
import type { StoredRosterEntry } from '../../relay/store/campaign-types'
import type { RelayStore } from '../../relay/store/types'
import { assign, campaignBody, createCampaign, relayTestBed } from './campaign-helpers'
import { boothCodes, report, sandboxRelay, scanAll, waitFor } from './follow-up-helpers'
import type { Backend } from './harness'
import { storeBackends } from './store-backends'

const backends = storeBackends('roster-one-version')
const bed = relayTestBed()

/** 1,001 entries r0…r1000 (two pages), named `<prefix><n>`. */
function roster(prefix: string): StoredRosterEntry[] {
  return Array.from({ length: 1001 }, (_, n) => ({
    id: `r${n}`,
    name: `${prefix}${n}`,
    company: '',
    phone: '',
    code: `C${n}`,
  }))
}

/**
 * The first read of the roster's second page first replaces the roster with roster('b'): a new
 * upload landing between two pages of a reader.
 */
function replaceBeforeSecondPage(campaigns: RelayStore['campaigns'], campaignId: string) {
  const read = campaigns.readRoster.bind(campaigns)
  let replaced = false
  return vi
    .spyOn(campaigns, 'readRoster')
    .mockImplementation(async (id: string, offset: number, limit: number) => {
      if (!replaced && id === campaignId && offset >= 1000) {
        replaced = true
        const done = await campaigns.replaceRoster(campaignId, roster('b'))
        if (done === null || done === 'stale') throw new Error('the roster was not replaced')
      }
      return read(id, offset, limit)
    })
}

describe.each(backends)('a roster replaced between two pages ($name)', ({ open }) => {
  it('the name book holds the names of one version, the current one', async () => {
    const store = await open()
    await store.campaigns.createCampaign(
      { ...campaignBody(), id: 'c1', screenKey: 'k'.repeat(43) },
      0,
    )
    const first = await store.campaigns.replaceRoster('c1', roster('a'))
    expect(first).toMatchObject({ total: 1001 })
    await store.campaigns.putBinding('c1', { registrationId: 'r0', openid: 'o-first', at: 1 })
    await store.campaigns.putBinding('c1', { registrationId: 'r1000', openid: 'o-last', at: 2 })
    replaceBeforeSecondPage(store.campaigns, 'c1')
    // The store's change feed would read a new version again: left out, the first read is seen.
    const book = new NameBook({ campaigns: store.campaigns, subscribe: () => () => {} }, 1000)
    try {
      expect(await book.nameOf('c1', 'o-first')).toBe('b0')
      expect(await book.nameOf('c1', 'o-last')).toBe('b1000')
      expect(await book.visitorsNamed('c1', 'a0')).toEqual([])
    } finally {
      book.close()
      await store.close()
    }
  })
})

describe.each<Backend>(['sqlite', 'redis'])('a follow-up naming a guest (%s)', (backend) => {
  it('names them from the roster current when it is read, not half of the one before', async () => {
    const { sandbox, relay, c } = await sandboxRelay(
      bed,
      { tickMs: 50, backoffMs: 100, maxBackoffMs: 400 },
      backend,
    )
    const campaign = await createCampaign(c, { mode: 'desk', followUp: '{name}，欢迎光临' })
    await relay.store.campaigns.replaceRoster(campaign.id, roster('a'))
    // Only the worker pages through it (once the guest is bound): nothing else reads it here.
    replaceBeforeSecondPage(relay.store.campaigns, campaign.id)
    await relay.addKiosk('desk-a')
    await assign(c, 'desk-a', campaign.id)
    await scanAll(sandbox, await boothCodes(sandbox, ['desk-a']), ['oguest'], 1)
    await relay.store.campaigns.putBinding(campaign.id, {
      registrationId: 'r0',
      openid: 'oguest',
      at: Date.now(),
    })
    await waitFor('sent', async () => (await report(c, campaign.id)).counts.sent === 1)
    expect(sandbox.users.messages().map((m) => m.text)).toEqual(['b0，欢迎光临'])
  })
})

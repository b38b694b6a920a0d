/**
 * The follow-up worker's campaign list remembers which campaigns the feed named only while a
 * read that may ask about them is open: a season of edits leaves nothing behind (it kept one
 * entry per campaign ever edited), and a read still says which of its campaigns changed since.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { CampaignDirectory } from '../../relay/campaign-directory'
import { FollowUpCampaigns } from '../../relay/follow-up/campaigns'
import { openSqliteStore } from '../../relay/store/sqlite/store'
import type { RelayStore } from '../../relay/store/types'

let store: RelayStore | null = null
afterEach(async () => {
  await store?.close()
  store = null
})

function setUp() {
  const s = (store = openSqliteStore({ data: ':memory:' }))
  const directory = new CampaignDirectory(s, () => 0)
  const list = new FollowUpCampaigns(s, directory)
  const edit = (id: string) => directory.forget({ type: 'campaign', campaignId: id })
  return { directory, list, edit }
}

describe('follow-up campaign list: changes heard', () => {
  it('keeps none with no read open, however many campaigns were edited', async () => {
    const { list, edit } = setUp()
    for (let i = 0; i < 1000; i++) edit(`c${i}`)
    expect(list.kept).toBe(0)
    const read = await list.read()
    for (let i = 0; i < 1000; i++) edit(`c${i}`)
    expect(list.kept).toBe(1000)
    read.done()
    expect(list.kept).toBe(0)
    // Done twice (a finally after an early return) changes nothing.
    read.done()
    expect(list.kept).toBe(0)
  })

  it('drops what the oldest open read no longer needs, and each read still sees its own', async () => {
    const { list, edit } = setUp()
    const first = await list.read()
    edit('a')
    const second = await list.read()
    edit('b')
    expect(first.changed('a')).toBe(true)
    expect(first.changed('b')).toBe(true)
    expect(second.changed('a')).toBe(false)
    expect(second.changed('b')).toBe(true)
    expect(list.kept).toBe(2)

    first.done()
    // 'a' was heard before the second read began: no open read asks about it.
    expect(list.kept).toBe(1)
    expect(second.changed('b')).toBe(true)
    expect(second.changed('a')).toBe(false)
    // Heard again while the second is open: kept again.
    edit('a')
    expect(second.changed('a')).toBe(true)
    second.done()
    expect(list.kept).toBe(0)
  })

  it('a resync is a change of every campaign for the reads open when it comes', async () => {
    const { directory, list } = setUp()
    const read = await list.read()
    directory.forget({ type: 'resync' })
    expect(read.changed('any')).toBe(true)
    read.done()
    const next = await list.read()
    expect(next.changed('any')).toBe(false)
    next.done()
  })
})

/**
 * One relay, several organizers (an agency running campaigns for more than one client): the
 * relay's log says which organizer did what, for every console action that changes something
 * or takes visitors' data off the relay, so "who exported this sheet" or "who revoked that
 * booth" has an answer without a stored audit table.
 */
import { describe, expect, it } from 'vitest'
import { jsonLogger } from '../../relay/log'
import {
  assign,
  campaignBody,
  createCampaign,
  guestRosterCsv,
  relayTestBed,
  signIn,
  until,
} from './campaign-helpers'
import type { ConsoleClient } from './console-helpers'
import { checkIn, visitors } from './draws-helpers'

const bed = relayTestBed()

type Line = Record<string, unknown>

async function twoOrganizers() {
  const lines: string[] = []
  const relay = await bed.relayOn(
    bed.placeFor('sqlite'),
    {},
    { log: jsonLogger((l) => lines.push(l)) },
  )
  const alice = await signIn(relay, 'alice')
  const bob = await signIn(relay, 'bob')
  const logged = (): Line[] => lines.map((l) => JSON.parse(l) as Line)
  /** The one line logged with `msg` since the last call, after waiting for it. */
  const lineFor = async (msg: string): Promise<Line> => {
    await until(() => logged().some((l) => l.msg === msg), `logged: ${msg}`, 10_000)
    const found = logged().filter((l) => l.msg === msg)
    lines.length = 0
    expect(found).toHaveLength(1)
    return found[0] ?? {}
  }
  return { relay, alice, bob, lineFor }
}

async function ok(c: ConsoleClient, method: string, path: string, body?: unknown) {
  const a = await c.call(method, path, body)
  expect(a.status, `${method} ${path}: ${a.text}`).toBeLessThan(300)
  return a
}

describe('the audit lines: which organizer did what', () => {
  it('names the organizer (and the scope) of each console write and of an attendance export', async () => {
    const { relay, alice, bob, lineFor } = await twoOrganizers()
    const made = await createCampaign(alice)
    expect(await lineFor('campaign created')).toMatchObject({ campaignId: made.id, by: 'alice' })

    await ok(bob, 'PUT', `/console/api/campaigns/${made.id}`, { ...campaignBody(), name: '秋季展' })
    expect(await lineFor('campaign changed')).toMatchObject({ campaignId: made.id, by: 'bob' })

    await relay.store.campaigns.replaceRoster(made.id, [])
    const roster = await fetch(`${alice.relayUrl}/console/api/campaigns/${made.id}/roster`, {
      method: 'POST',
      headers: { origin: alice.relayUrl, cookie: alice.cookie ?? '', 'content-type': 'text/csv' },
      body: guestRosterCsv(3),
    })
    expect(roster.status).toBe(200)
    expect(await lineFor('campaign roster replaced')).toMatchObject({
      campaignId: made.id,
      by: 'alice',
    })

    await ok(bob, 'POST', '/console/api/kiosks', { id: 'booth-1' })
    expect(await lineFor('kiosk added from the console')).toMatchObject({
      kioskId: 'booth-1',
      by: 'bob',
    })
    await relay.addKiosk('k1')
    await assign(alice, 'k1', made.id)
    expect(await lineFor('kiosk assigned')).toMatchObject({ kioskId: 'k1', by: 'alice' })

    await checkIn(relay.store, made.id, visitors(3))
    await ok(bob, 'POST', `/console/api/campaigns/${made.id}/draws`, { prize: '一等奖', count: 1 })
    expect(await lineFor('draw made')).toMatchObject({ campaignId: made.id, by: 'bob' })

    await ok(alice, 'POST', `/console/api/campaigns/${made.id}/erasures`, { openid: 'o0001' })
    expect(await lineFor('visitor erased from a campaign')).toMatchObject({
      campaignId: made.id,
      by: 'alice',
    })

    // The sheet carries visitors' names and companies: whoever downloaded it is on record.
    const sheet = await bob.call('GET', `/console/api/attendance?format=csv&campaign=${made.id}`)
    expect(sheet.status).toBe(200)
    expect(await lineFor('attendance exported')).toMatchObject({
      format: 'csv',
      campaignId: made.id,
      by: 'bob',
    })
    // The whole relay's sheet (no campaign): still the organizer's name, and no campaign.
    expect((await alice.call('GET', '/console/api/attendance?format=csv')).status).toBe(200)
    const whole = await lineFor('attendance exported')
    expect(whole.by).toBe('alice')
    expect(whole).not.toHaveProperty('campaignId')

    await ok(bob, 'DELETE', '/console/api/kiosks/k1')
    expect(await lineFor('kiosk revoked from the console')).toMatchObject({
      kioskId: 'k1',
      by: 'bob',
    })
  }, 60_000)
})

/**
 * Two organizers of one relay (an agency's) acting on the same thing at the same moment, with
 * real parallel requests (on Redis, each on their own relay instance): a campaign saved from one
 * version, a roster uploaded by both, a booth one revokes while the other's pairing code is
 * being redeemed. Each ends in one clear, consistent state: one save, one whole roster, no live
 * token for a revoked booth.
 */
import { describe, expect, it } from 'vitest'
import { consoleCampaignSchema } from '../../shared/campaign'
import { addKioskResponseSchema, pairResponseSchema } from '../../shared/console-api'
import type { RelayHandle } from '../../relay/server'
import { campaignBody, createCampaign, relayTestBed, signIn, until } from './campaign-helpers'
import { ConsoleClient, ConsoleEvents } from './console-helpers'
import { removeOrganizer } from '../../relay/console/organizer-admin'
import { KioskClient, type Backend } from './harness'

const bed = relayTestBed()

/** Alice and bob signed in; on Redis each on an instance of their own, sharing the store. */
async function twoOrganizers(backend: Backend) {
  const place = bed.placeFor(backend)
  // Streams re-check their session every 200 ms (10 s by default), so a removal shows soon.
  const a = await bed.relayOn(place, {}, { sessionCheckMs: 200 })
  const b = backend === 'redis' ? await bed.relayOn(place, {}, { sessionCheckMs: 200 }) : a
  const alice = await signIn(a, 'alice')
  const bob = await signIn(b, 'bob')
  return { a, b, alice, bob }
}

function rosterCsv(prefix: string, rows: number): string {
  const lines = ['姓名,公司,手机,编号']
  for (let i = 0; i < rows; i++)
    lines.push(`${prefix}${i},公司,1380000${String(i).padStart(4, '0')},R${i}`)
  return lines.join('\n')
}

async function uploadRoster(c: ConsoleClient, campaignId: string, body: string, ifMatch: string) {
  const res = await fetch(`${c.relayUrl}/console/api/campaigns/${campaignId}/roster`, {
    method: 'POST',
    headers: {
      origin: c.relayUrl,
      cookie: c.cookie ?? '',
      'content-type': 'text/csv',
      'if-match': ifMatch,
    },
    body,
  })
  await res.arrayBuffer()
  return res.status
}

async function pair(relay: RelayHandle, code: string) {
  const res = await fetch(`${relay.url}/api/pair`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code }),
  })
  const json: unknown = await res.json()
  return { status: res.status, json }
}

describe.each<Backend>(['sqlite', 'redis'])('two organizers at once (%s)', (backend) => {
  it('save one campaign from the same version: exactly one save wins, the other is told', async () => {
    const { alice, bob } = await twoOrganizers(backend)
    const made = await createCampaign(alice)
    const path = `/console/api/campaigns/${made.id}`
    for (let round = 0; round < 3; round++) {
      const tag = (await alice.call('GET', path)).headers.get('etag') ?? ''
      const saves = await Promise.all(
        [alice, bob].map((c, i) =>
          c.call('PUT', path, campaignBody({ name: `第${round}轮 ${i}` }), { 'if-match': tag }),
        ),
      )
      expect(saves.map((s) => s.status).sort()).toEqual([200, 412])
      const won = saves.find((s) => s.status === 200)
      const stored = consoleCampaignSchema.parse((await bob.call('GET', path)).json)
      expect(stored.name).toBe(consoleCampaignSchema.parse(won?.json).name)
    }
  })

  it('upload rosters to one campaign at once: one whole roster stands, never a mix', async () => {
    const { a, alice, bob } = await twoOrganizers(backend)
    const made = await createCampaign(alice)
    const rosterPath = `/console/api/campaigns/${made.id}/roster`
    for (let round = 0; round < 3; round++) {
      const tag = (await alice.call('GET', `${rosterPath}?offset=0&limit=1`)).headers.get('etag')
      expect(tag).not.toBeNull()
      const statuses = await Promise.all([
        uploadRoster(alice, made.id, rosterCsv('甲', 300), tag ?? ''),
        uploadRoster(bob, made.id, rosterCsv('乙', 200), tag ?? ''),
      ])
      // One is stored; the other is told the roster moved (412) or to retry (429): never both.
      expect(statuses.filter((s) => s === 200)).toHaveLength(1)
      for (const s of statuses) expect([200, 412, 429]).toContain(s)
      const winner = statuses[0] === 200 ? '甲' : '乙'
      const roster = await a.store.campaigns.readRoster(made.id, 0, 1000)
      expect(roster.total).toBe(winner === '甲' ? 300 : 200)
      expect(roster.entries.every((e) => e.name.startsWith(winner))).toBe(true)
    }
  })

  it("revoke a booth while another organizer's code for it is redeemed: no working token is left", async () => {
    const { a, b, alice, bob } = await twoOrganizers(backend)
    const outcomes = new Set<string>()
    for (let i = 0; i < 6; i++) {
      const id = `booth-${i}`
      const added = await alice.call('POST', '/console/api/kiosks', { id })
      expect(added.status, added.text).toBe(201)
      const { pairingCode } = addKioskResponseSchema.parse(added.json)
      const [paired, revoked] = await Promise.all([
        pair(a, pairingCode),
        bob.call('DELETE', `/console/api/kiosks/${id}`),
      ])
      expect(revoked.status).toBe(204)
      expect((await b.store.getKiosk(id))?.revokedAt).not.toBeNull()
      if (paired.status === 200) {
        outcomes.add('paired, then revoked')
        const { token } = pairResponseSchema.parse(paired.json)
        for (const relay of new Set([a, b])) {
          await expect(KioskClient.connect(relay.url, token)).rejects.toThrow('HTTP 401')
        }
      } else {
        outcomes.add('code voided')
        expect([404, 410]).toContain(paired.status)
      }
    }
    expect(outcomes.size).toBeGreaterThan(0)
  })

  it("removing one organizer ends their tabs and live streams on every instance; the other's stay", async () => {
    const { a, b, alice, bob } = await twoOrganizers(backend)
    // Alice has a second tab on the other instance (the same session cookie).
    const aliceElsewhere = new ConsoleClient(b.url)
    aliceElsewhere.cookie = alice.cookie
    const streams = {
      alice: await ConsoleEvents.open(alice),
      aliceElsewhere: await ConsoleEvents.open(aliceElsewhere),
      bob: await ConsoleEvents.open(bob),
    }
    bed.cleanups.push(() => {
      for (const s of Object.values(streams)) s.close()
    })
    for (const s of Object.values(streams)) expect(s.ended).toBe(false)
    // `relay organizer remove alice`: another process, so no instance is told; each finds out.
    expect(await removeOrganizer(a.store, 'Alice')).toBe('alice')
    await until(
      () => streams.alice.ended && streams.aliceElsewhere.ended,
      "alice's streams to end",
      15_000,
    )
    expect((await alice.call('GET', '/console/api/session')).status).toBe(401)
    expect((await aliceElsewhere.call('GET', '/console/api/campaigns')).status).toBe(401)
    // Bob's session and stream are untouched.
    expect(streams.bob.ended).toBe(false)
    expect((await bob.call('GET', '/console/api/session')).status).toBe(200)
    expect((await createCampaign(bob)).name).toBe('春季展')
  })
})

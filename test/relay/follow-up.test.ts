/**
 * Campaign tags and follow-up messages (issue 20), against the sandbox, on both stores: every
 * visitor tagged exactly once in few batchtagging calls, permanent refusals recorded and not
 * retried, a follow-up only inside the scan's window (and the console says why not), no double
 * send by two instances on one Redis, and the console report behind the session guard.
 */
import { describe, expect, it } from 'vitest'
import type { RelayConfigInput } from '../../relay/config'
import type { RelayHandle, StartRelayOptions } from '../../relay/server'
import type { Sandbox } from '../../sandbox/server'
import { assign, createCampaign, relayTestBed, signIn } from './campaign-helpers'
import { ConsoleClient, startOn, type Place } from './console-helpers'
import {
  boothCodes,
  followUpSandbox,
  report,
  sandboxClient,
  scanAll,
  visitors,
  waitFor,
  wechatOf,
} from './follow-up-helpers'

const bed = relayTestBed()
const FAST = { tickMs: 50, backoffMs: 100, maxBackoffMs: 400 }

async function sandboxFor(): Promise<Sandbox> {
  const sandbox = await followUpSandbox()
  bed.cleanups.push(() => sandbox.close())
  return sandbox
}

async function relayFor(
  place: Place,
  sandbox: Sandbox,
  config: RelayConfigInput = {},
  opts: StartRelayOptions = {},
  credentials = true,
): Promise<RelayHandle> {
  const relay = await startOn(
    place,
    { followUp: FAST, ...opts },
    { ...config, wechat: wechatOf(sandbox, credentials) },
  )
  bed.cleanups.push(() => relay.close())
  return relay
}

/**
 * A booth in a campaign with a follow-up text, and a relay whose WeChat calls give up after
 * 300 ms; `latency` makes the sandbox answer every call that late.
 */
async function slowWechatBooth(backend: 'sqlite' | 'redis') {
  const sandbox = await sandboxFor()
  const place = bed.placeFor(backend)
  const client = sandboxClient(sandbox, { busyRetries: 0, timeoutMs: 300 })
  const relay = await relayFor(place, sandbox, {}, { followUp: { ...FAST, client } })
  sandbox.setPushUrl(`${relay.url}/wechat`)
  const c = await signIn(relay)
  const campaign = await createCampaign(c, { followUp: '谢谢' })
  await relay.addKiosk('booth-a')
  await assign(c, 'booth-a', campaign.id)
  const codes = await boothCodes(sandbox, ['booth-a'])
  const latency = async (latencyMs: number): Promise<void> => {
    const res = await fetch(`${sandbox.url}/sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ latencyMs }),
    })
    expect(res.ok).toBe(true)
  }
  return { sandbox, client, c, campaign, codes, latency }
}

describe.each(['sqlite', 'redis'] as const)('campaign tags and follow-ups on %s', (backend) => {
  it('tags 300 visitors of 3 booths exactly once each in at most 7 batchtagging calls', async () => {
    const sandbox = await sandboxFor()
    const place = bed.placeFor(backend)
    // Scans arrive over some seconds on a busy machine: a window that gathers full batches.
    const relay = await relayFor(place, sandbox, { followUp: { batchWindowMs: 5000 } })
    sandbox.setPushUrl(`${relay.url}/wechat`)
    const c = await signIn(relay)
    const campaign = await createCampaign(c, { tag: '春季展 2026' })
    const booths = ['booth-a', 'booth-b', 'booth-c']
    for (const b of booths) {
      await relay.addKiosk(b)
      await assign(c, b, campaign.id)
    }
    const openids = visitors(300)
    await scanAll(sandbox, await boothCodes(sandbox, booths), openids)
    // A visitor scanning a second booth is still one visitor to tag.
    await scanAll(sandbox, await boothCodes(sandbox, ['booth-b']), openids.slice(0, 20))

    await waitFor('300 tagged', async () => (await report(c, campaign.id)).counts.tagged === 300)
    const tags = sandbox.users.tags()
    expect(tags.map((t) => t.name)).toEqual(['春季展 2026'])
    const members = tags[0]?.openids ?? []
    expect(members).toHaveLength(300)
    expect(new Set(members)).toEqual(new Set(openids))
    expect(sandbox.users.taggingCalls).toBeLessThanOrEqual(7)
    const r = await report(c, campaign.id)
    expect(r.counts).toMatchObject({ tagged: 300, pending: 0, failed: 0, retagged: 0 })
    expect(r.failures).toEqual([])
  })

  it('finds WeChat’s built-in 星标组 by name and tags into it rather than creating a tag', async () => {
    const sandbox = await sandboxFor()
    const relay = await relayFor(bed.placeFor(backend), sandbox)
    sandbox.setPushUrl(`${relay.url}/wechat`)
    const c = await signIn(relay)
    const campaign = await createCampaign(c, { tag: '星标组' })
    await relay.addKiosk('booth-a')
    await assign(c, 'booth-a', campaign.id)
    await scanAll(sandbox, await boothCodes(sandbox, ['booth-a']), ['o1', 'o2'], 1)
    await waitFor('2 tagged', async () => (await report(c, campaign.id)).counts.tagged === 2)
    expect(sandbox.users.tags()).toEqual([])
    const starred = sandbox.users.listedTags().find((t) => t.id === 2)
    expect(new Set(starred?.openids)).toEqual(new Set(['o1', 'o2']))
  })

  it('records permanent refusals per visitor (20-tag limit, unknown openid, another AppID) and does not retry them', async () => {
    const sandbox = await sandboxFor()
    const place = bed.placeFor(backend)
    const relay = await relayFor(place, sandbox, { followUp: { batchWindowMs: 2000 } })
    sandbox.setPushUrl(`${relay.url}/wechat`)
    const c = await signIn(relay)
    const campaign = await createCampaign(c, { tag: 'expo' })
    await relay.addKiosk('booth-a')
    await assign(c, 'booth-a', campaign.id)
    const openids = visitors(10)
    const [full, gone, foreign] = [openids[3] ?? '', openids[7] ?? '', openids[5] ?? '']
    sandbox.users.preTag(full, 20)
    await scanAll(sandbox, await boothCodes(sandbox, ['booth-a']), openids, 1)
    // Unfollowed before the batch goes: WeChat no longer knows the openid (40003).
    await sandbox.unsubscribe(gone)
    // Another AppID's openid (49003): refused for that visitor alone, like the two above.
    sandbox.users.otherAccount(foreign)

    await waitFor('all settled', async () => {
      const r = await report(c, campaign.id)
      return r.counts.tagged + r.counts.failed === 10
    })
    const r = await report(c, campaign.id)
    expect(r.counts).toMatchObject({ tagged: 7, failed: 3, pending: 0 })
    expect(r.failures).toHaveLength(3)
    expect(r.failures).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ openid: full, what: 'tag', errcode: 45059 }),
        expect.objectContaining({ openid: gone, what: 'tag', errcode: 40003 }),
        expect.objectContaining({ openid: foreign, what: 'tag', errcode: 49003 }),
      ]),
    )
    expect(r.failures.find((f) => f.openid === full)?.reason).toContain('20 tags')
    expect(r.failures.find((f) => f.openid === foreign)?.reason).toContain('49003')
    expect(r.failures.find((f) => f.openid === foreign)?.reason).toContain('not its openid')
    expect(sandbox.users.tags()[0]?.openids.sort()).toEqual(
      openids.filter((o) => o !== full && o !== gone && o !== foreign).sort(),
    )
    // Not retried: a while later, no further calls.
    const calls = sandbox.users.taggingCalls
    const rounds = { n: 0 }
    await waitFor('more rounds', () => ++rounds.n > 20)
    expect(sandbox.users.taggingCalls).toBe(calls)
  })

  it('sends the follow-up with {number} filled inside the window, once', async () => {
    const sandbox = await sandboxFor()
    const place = bed.placeFor(backend)
    const relay = await relayFor(place, sandbox)
    sandbox.setPushUrl(`${relay.url}/wechat`)
    const c = await signIn(relay)
    const campaign = await createCampaign(c, { followUp: '感谢光临，您是第 {number} 位' })
    await relay.addKiosk('booth-a')
    await assign(c, 'booth-a', campaign.id)
    const codes = await boothCodes(sandbox, ['booth-a'])
    await scanAll(sandbox, codes, ['ofirst', 'osecond'], 1)
    await scanAll(sandbox, codes, ['ofirst'], 1)
    await waitFor('2 sent', async () => (await report(c, campaign.id)).counts.sent === 2)
    // Sent side by side: in either order.
    const msgs = sandbox.users.messages()
    expect(msgs.map((m) => [m.openid, m.text]).sort()).toEqual([
      ['ofirst', '感谢光临，您是第 1 位'],
      ['osecond', '感谢光临，您是第 2 位'],
    ])
  })

  // At a desk the kiosk binds the guest just after the scan; the admin area's desk page works
  // whatever the campaign's mode, so staff at a booth-mode campaign with a roster check
  // registered guests in there too, and their message must name them as well.
  it.each([
    { mode: 'desk' as const, kioskId: 'desk-a' },
    { mode: 'booth' as const, kioskId: 'hall-b' },
  ])(
    'in a $mode-mode campaign with a roster, {name} waits for the binding made just after the scan',
    async ({ mode, kioskId }) => {
      const sandbox = await sandboxFor()
      const place = bed.placeFor(backend)
      const relay = await relayFor(place, sandbox)
      sandbox.setPushUrl(`${relay.url}/wechat`)
      const c = await signIn(relay)
      const campaign = await createCampaign(c, { mode, followUp: '{name}，欢迎光临' })
      await relay.store.campaigns.replaceRoster(campaign.id, [
        { id: 'r1', name: '韩梅梅', company: 'ACME', phone: '13900000000', code: 'C1' },
      ])
      await relay.addKiosk(kioskId)
      await assign(c, kioskId, campaign.id)
      const codes = await boothCodes(sandbox, [kioskId])
      // The guest's personal code is scanned: the relay stores the check-in, then the kiosk,
      // which alone knows whose code it was, binds them (here: once the worker has seen the scan).
      await scanAll(sandbox, codes, ['oguest'], 1)
      await waitFor('the visitor recorded', async () => {
        const r = (await report(c, campaign.id)).counts
        return r.messagePending + r.sent + r.messageFailed > 0
      })
      await relay.store.campaigns.putBinding(campaign.id, {
        registrationId: 'r1',
        openid: 'oguest',
        at: Date.now(),
      })
      await waitFor('sent', async () => (await report(c, campaign.id)).counts.sent === 1)
      expect(sandbox.users.messages().map((m) => m.text)).toEqual(['韩梅梅，欢迎光临'])
    },
  )

  it('a tag or a text added later reaches the visitors who came before it', async () => {
    const sandbox = await sandboxFor()
    const place = bed.placeFor(backend)
    const relay = await relayFor(place, sandbox)
    sandbox.setPushUrl(`${relay.url}/wechat`)
    const c = await signIn(relay)
    // Only a text at first: early is messaged, not tagged (there is no tag yet).
    const campaign = await createCampaign(c, { followUp: '谢谢 {number}' })
    await relay.addKiosk('booth-a')
    await assign(c, 'booth-a', campaign.id)
    const codes = await boothCodes(sandbox, ['booth-a'])
    await scanAll(sandbox, codes, ['oearly'], 1)
    await waitFor('early messaged', async () => (await report(c, campaign.id)).counts.sent === 1)
    expect(sandbox.users.tags()).toEqual([])
    // A tag now: early is tagged without scanning again; late too, once.
    const { id: _id, screenKey: _key, ...fields } = campaign
    const put = await c.call('PUT', `/console/api/campaigns/${campaign.id}`, {
      ...fields,
      tag: 'vip',
    })
    expect(put.status, put.text).toBe(200)
    await scanAll(sandbox, codes, ['olate'], 1)
    await waitFor('both tagged', async () => (await report(c, campaign.id)).counts.tagged === 2)
    expect(new Set(sandbox.users.tags()[0]?.openids)).toEqual(new Set(['oearly', 'olate']))
    await waitFor('late messaged', async () => (await report(c, campaign.id)).counts.sent === 2)
    // Each once: early's second scan changes nothing.
    await scanAll(sandbox, codes, ['oearly'], 1)
    const rounds = { n: 0 }
    await waitFor('more rounds', () => ++rounds.n > 10)
    expect(
      sandbox.users
        .messages()
        .map((m) => m.openid)
        .sort(),
    ).toEqual(['oearly', 'olate'])
    expect((await report(c, campaign.id)).counts).toMatchObject({ tagged: 2, retagged: 0 })
  })

  it('visitors go to the campaign they scanned in, though the booth moved before the worker ran', async () => {
    const sandbox = await sandboxFor()
    const place = bed.placeFor(backend)
    // No app secret: no worker while the booth runs spring and then moves to autumn.
    const first = await relayFor(place, sandbox, {}, {}, false)
    sandbox.setPushUrl(`${first.url}/wechat`)
    const c1 = await signIn(first)
    const spring = await createCampaign(c1, { tag: 'spring' })
    const autumn = await createCampaign(c1, { tag: 'autumn' })
    await first.addKiosk('booth-a')
    await assign(c1, 'booth-a', spring.id)
    await scanAll(sandbox, await boothCodes(sandbox, ['booth-a']), ['oa', 'ob'], 1)
    await assign(c1, 'booth-a', autumn.id)
    await scanAll(sandbox, await boothCodes(sandbox, ['booth-a']), ['oc'], 1)
    await first.close()
    const later = await relayFor(place, sandbox)
    const c = await signIn(later, 'bob')
    await waitFor('all tagged', async () => {
      const [a, b] = [await report(c, spring.id), await report(c, autumn.id)]
      return a.counts.tagged === 2 && b.counts.tagged === 1
    })
    const byName = new Map(sandbox.users.tags().map((t) => [t.name, new Set(t.openids)]))
    expect(byName).toEqual(
      new Map([
        ['spring', new Set(['oa', 'ob'])],
        ['autumn', new Set(['oc'])],
      ]),
    )
  })

  it('sends no follow-up for a scan processed after its window, and says why', async () => {
    const sandbox = await sandboxFor()
    const place = bed.placeFor(backend)
    // The first relay has no app secret, so no worker: the scan is stored, nothing is sent.
    const first = await relayFor(place, sandbox, {}, {}, false)
    sandbox.setPushUrl(`${first.url}/wechat`)
    const c1 = await signIn(first)
    const campaign = await createCampaign(c1, { followUp: '谢谢', tag: 'late' })
    await first.addKiosk('booth-a')
    await assign(c1, 'booth-a', campaign.id)
    await scanAll(sandbox, await boothCodes(sandbox, ['booth-a']), ['olate'], 1)
    await first.close()
    // Back two minutes later (the window is one): the row is read after the window.
    const later = await relayFor(place, sandbox, {}, { now: () => Date.now() + 120_000 })
    const c = await signIn(later, 'bob')
    await waitFor('settled', async () => {
      const r = await report(c, campaign.id)
      return r.counts.outsideWindow === 1 && r.counts.tagged === 1
    })
    expect(sandbox.users.messages()).toEqual([])
    const r = await report(c, campaign.id)
    expect(r.failures).toEqual([
      expect.objectContaining({ openid: 'olate', what: 'message', state: 'outside-window' }),
    ])
    expect(r.failures[0]?.reason).toContain('window')
  })

  it('never sends again a message WeChat did not answer in time (it may have gone out)', async () => {
    const { sandbox, client, c, campaign, codes, latency } = await slowWechatBooth(backend)
    // The token first, at full speed; then every call answers after the client gave up.
    await client.getAccessToken()
    await latency(1500)
    await scanAll(sandbox, codes, ['oslow'], 1)
    await waitFor('failed', async () => (await report(c, campaign.id)).counts.messageFailed === 1)
    const rounds = { n: 0 }
    await waitFor('more rounds', () => ++rounds.n > 20)
    const r = await report(c, campaign.id)
    expect(r.counts).toMatchObject({ sent: 0, messagePending: 0, messageFailed: 1 })
    expect(r.failures).toEqual([
      expect.objectContaining({ openid: 'oslow', what: 'message', state: 'failed', errcode: 0 }),
    ])
    expect(r.failures[0]?.reason).toContain('not sent again')
  })

  it('a token WeChat was slow to give sent nothing: the message waits and goes out after', async () => {
    const { sandbox, c, campaign, codes, latency } = await slowWechatBooth(backend)
    // No token yet, and WeChat answers every call (the token's too) after the client gave up.
    await latency(1500)
    await scanAll(sandbox, codes, ['otoken'], 1)
    const rounds = { n: 0 }
    await waitFor('tried', () => ++rounds.n > 10)
    expect((await report(c, campaign.id)).counts).toMatchObject({ messageFailed: 0, sent: 0 })
    await latency(0)
    await waitFor('sent', async () => (await report(c, campaign.id)).counts.sent === 1)
    expect(sandbox.users.messages().map((m) => m.openid)).toEqual(['otoken'])
  })

  it('a visitor whose earlier scan is past the window is messaged for a later one inside it', async () => {
    const sandbox = await sandboxFor()
    const place = bed.placeFor(backend)
    // No worker while both scans are stored: one at T, one at T + 100 s (the window is 60 s).
    const early = await relayFor(place, sandbox, {}, {}, false)
    sandbox.setPushUrl(`${early.url}/wechat`)
    const c1 = await signIn(early)
    const campaign = await createCampaign(c1, { followUp: '谢谢' })
    await early.addKiosk('booth-a')
    await assign(c1, 'booth-a', campaign.id)
    const codes = await boothCodes(sandbox, ['booth-a'])
    await scanAll(sandbox, codes, ['otwice'], 1)
    await early.close()
    const later = await relayFor(place, sandbox, {}, { now: () => Date.now() + 100_000 }, false)
    sandbox.setPushUrl(`${later.url}/wechat`)
    await scanAll(sandbox, codes, ['otwice'], 1)
    await later.close()
    // The worker reads both at T + 120 s: the second is 20 s old.
    const worker = await relayFor(place, sandbox, {}, { now: () => Date.now() + 120_000 })
    const c = await signIn(worker, 'bob')
    await waitFor('sent', async () => (await report(c, campaign.id)).counts.sent === 1)
    expect(sandbox.users.messages().map((m) => m.openid)).toEqual(['otwice'])
  })

  it('never sends again a message whose call a stopped relay left in flight', async () => {
    const sandbox = await sandboxFor()
    const place = bed.placeFor(backend)
    const first = await relayFor(place, sandbox, {}, {}, false)
    const c1 = await signIn(first)
    const campaign = await createCampaign(c1, { followUp: 'hello' })
    // As a relay killed between marking the message and recording the call's outcome leaves it.
    await first.store.followUp.record('booth-a', 1, [
      {
        campaignId: campaign.id,
        openid: 'oinflight',
        kioskId: 'booth-a',
        number: 1,
        scannedAt: Date.now(),
        tag: null,
        message: 'pending',
      },
    ])
    await first.store.followUp.updateMessages(campaign.id, [
      { openid: 'oinflight', u: { state: 'sending', attempted: true } },
    ])
    await first.close()
    const later = await relayFor(place, sandbox)
    const c = await signIn(later, 'bob')
    await waitFor('settled', async () => (await report(c, campaign.id)).counts.messageFailed === 1)
    expect(sandbox.users.messages()).toEqual([])
    const r = await report(c, campaign.id)
    expect(r.failures[0]).toMatchObject({ openid: 'oinflight', what: 'message', errcode: 0 })
    expect(r.failures[0]?.reason).toContain('not sent again')
  })

  it('guards the report: 401 without a session, 403 from another origin, 404 for an unknown or bad id', async () => {
    const sandbox = await sandboxFor()
    const place = bed.placeFor(backend)
    const relay = await relayFor(place, sandbox)
    const c = await signIn(relay)
    const campaign = await createCampaign(c, { tag: 't' })
    const anon = new ConsoleClient(relay.url)
    const path = `/console/api/campaigns/${campaign.id}/follow-up`
    expect((await report(c, campaign.id)).counts.tagged).toBe(0)
    expect((await anon.call('GET', path)).status).toBe(401)
    const foreign = new ConsoleClient(relay.url, 'https://evil.example')
    foreign.cookie = c.cookie
    expect((await foreign.call('POST', path, {})).status).toBe(403)
    expect((await foreign.call('DELETE', path)).status).toBe(403)
    expect((await c.call('GET', '/console/api/campaigns/nope/follow-up')).status).toBe(404)
    const braces = encodeURIComponent('a{b}')
    expect((await c.call('GET', `/console/api/campaigns/${braces}/follow-up`)).status).toBe(404)
  })
})

describe('two relay instances on one Redis', () => {
  it('send each follow-up once and tag each visitor once', async () => {
    const sandbox = await sandboxFor()
    const place = bed.placeFor('redis')
    const a = await relayFor(place, sandbox, { followUp: { batchWindowMs: 300 } })
    const b = await relayFor(place, sandbox, { followUp: { batchWindowMs: 300 } })
    sandbox.setPushUrl(`${a.url}/wechat`)
    const c = await signIn(a)
    const campaign = await createCampaign(c, { followUp: 'hi {number}', tag: 'both' })
    await a.addKiosk('booth-a')
    await assign(c, 'booth-a', campaign.id)
    const openids = visitors(40)
    const codes = await boothCodes(sandbox, ['booth-a'])
    await scanAll(sandbox, codes, openids.slice(0, 20), 4)
    sandbox.setPushUrl(`${b.url}/wechat`)
    await scanAll(sandbox, codes, openids.slice(20), 4)
    await waitFor('all sent and tagged', async () => {
      const r = await report(c, campaign.id)
      return r.counts.sent === 40 && r.counts.tagged === 40
    })
    const msgs = sandbox.users.messages()
    expect(msgs).toHaveLength(40)
    expect(new Set(msgs.map((m) => m.openid)).size).toBe(40)
    expect(sandbox.users.tags()[0]?.openids).toHaveLength(40)
  })
})

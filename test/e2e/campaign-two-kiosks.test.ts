/**
 * Issue 19's "Done when", both halves together: two real kiosk cores (plain Node, each with its
 * own data dir and SQLite, token-provisioned) on one real relay, both put in one campaign through
 * the console API, on both relay stores. A visitor who scans at A and then at B is "first" at A
 * with number N and "welcome back" with A's N at B; a visitor bound to a registration at A's desk
 * is greeted by name at B. Scans go through the WeChat sandbox (a phone reading a real code).
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { Greeting } from '../../shared/domain'
import { MemoryVault } from '../../electron/core/config/vault'
import type { KioskCore } from '../../electron/core/kiosk-core'
import type { RelayHandle } from '../../relay/server'
import { startSandbox, type Sandbox } from '../../sandbox/server'
import { cleanup, provisionDir, startCore, tempDir, waitFor } from '../kiosk/helpers'
import { assign, createCampaign, relayTestBed, signIn } from '../relay/campaign-helpers'
import type { ConsoleClient } from '../relay/console-helpers'
import type { Backend } from '../relay/harness'

const { cleanups, placeFor, relayOn } = relayTestBed()
afterEach(cleanup)

interface Booth {
  id: string
  core: KioskCore
  greetings: Greeting[]
}

async function platform(backend: Backend): Promise<{ sandbox: Sandbox; relay: RelayHandle }> {
  const sandbox = await startSandbox({ port: 0, host: '127.0.0.1' })
  cleanups.push(() => sandbox.close())
  const relay = await relayOn(placeFor(backend), { wechat: sandbox.credentials() })
  sandbox.setPushUrl(`${relay.url}/wechat`)
  return { sandbox, relay }
}

/** A kiosk core on its own data dir, provisioned with a token the relay issued. */
async function booth(relay: RelayHandle, id: string): Promise<Booth> {
  const token = await relay.addKiosk(id)
  const dataDir = tempDir()
  const vault = new MemoryVault()
  provisionDir(dataDir, vault, { relayUrl: relay.url, kioskId: id, token })
  const core = startCore(dataDir, vault)
  const greetings: Greeting[] = []
  core.on('greeting', (g) => greetings.push(g))
  return { id, core, greetings }
}

/** Both booths run the relay's campaign `campaignId` (the frame applied, not just sent). */
async function inCampaign(booths: Booth[], campaignId: string): Promise<void> {
  for (const b of booths) {
    await waitFor(
      () =>
        b.core.activeCampaign()?.id === campaignId &&
        b.core.activeCampaign()?.managedBy === 'relay',
      `${b.id} in the relay's campaign`,
      30_000,
    )
  }
}

/** A phone scanning the code on `b`'s screen; resolves with the greeting `b` emits for it. */
async function scanScreen(sandbox: Sandbox, b: Booth, openid: string): Promise<Greeting> {
  const shown = await waitFor(() => b.core.pool.current() ?? undefined, `${b.id}'s code`, 30_000)
  const before = b.greetings.length
  await sandbox.scan(shown.url, openid)
  return waitFor(() => b.greetings[before], `${b.id}'s greeting`, 30_000)
}

describe.each<Backend>(['sqlite', 'redis'])('two kiosk cores on one campaign (%s)', (backend) => {
  it('a visitor first at A is welcomed back at B with A’s number', async () => {
    const { sandbox, relay } = await platform(backend)
    const a = await booth(relay, 'booth-a')
    const b = await booth(relay, 'booth-b')
    const c = await signIn(relay)
    const made = await createCampaign(c)
    await assign(c, a.id, made.id)
    await assign(c, b.id, made.id)
    await inCampaign([a, b], made.id)

    // Two others first, so the visitor's number is not 1 by accident.
    await scanScreen(sandbox, b, 'o-early-1')
    await scanScreen(sandbox, a, 'o-early-2')
    const atA = await scanScreen(sandbox, a, 'o-visitor')
    expect(atA).toMatchObject({ kind: 'first-visit', checkInNumber: 3 })
    expect(atA.texts.en).toBe('Welcome 3')
    const atB = await scanScreen(sandbox, b, 'o-visitor')
    expect(atB).toMatchObject({ kind: 'welcome-back', checkInNumber: 3 })
    expect(atB.texts.en).toBe('Welcome back 3')
    expect(atB.texts['zh-CN']).toBe('欢迎回来 3')
    // The booths' own records carry the relay's number too.
    expect(b.core.attendance.byEventId(atB.eventId)).toMatchObject({
      checkInNumber: 3,
      firstVisit: false,
    })
    // And a visitor new to the campaign at B is the next number, not B's own "1".
    const fresh = await scanScreen(sandbox, b, 'o-new-at-b')
    expect(fresh).toMatchObject({ kind: 'first-visit', checkInNumber: 4 })
  }, 180_000)

  it('a visitor bound to a registration at A’s desk is greeted by name at B', async () => {
    const { sandbox, relay } = await platform(backend)
    const a = await booth(relay, 'booth-a')
    const b = await booth(relay, 'booth-b')
    const c = await signIn(relay)
    const made = await createCampaign(c, { mode: 'desk' })
    await uploadRoster(c, made.id, ['姓名,公司,手机,编号', '王小明,星辰科技,13800001111,R1'])
    await assign(c, a.id, made.id)
    await assign(c, b.id, made.id)
    await inCampaign([a, b], made.id)
    for (const k of [a, b]) {
      await waitFor(
        () => k.core.relayRoster.held(k.core.settings().connectionId)?.offset === 1,
        `${k.id}'s roster`,
        30_000,
      )
    }
    const [entry] = await Promise.resolve(
      a.core.handlers.searchRoster({ query: '王小明', limit: 5 }),
    )
    if (!entry) throw new Error('the registration did not reach booth A')

    // A's desk: staff pick the registration, the visitor scans the code A shows for it.
    const desk = await waitFor(async () => {
      try {
        return await Promise.resolve(a.core.handlers.showDeskTicket({ rosterEntryId: entry.id }))
      } catch {
        return undefined
      }
    }, 'a desk code at A')
    const before = a.greetings.length
    await sandbox.scan(desk.url, 'o-registered')
    const atA = await waitFor(() => a.greetings[before], 'A’s greeting')
    expect(atA).toMatchObject({ kind: 'named', name: '王小明', checkInNumber: 1 })

    // The binding travels A → relay → B: B's copy of the roster learns the openid.
    await waitFor(
      () =>
        b.core.db
          .prepare<[string], { openid: string | null }>(
            'SELECT openid FROM roster_entries WHERE id = ?',
          )
          .get(entry.id)?.openid === 'o-registered',
      'the binding at B',
      30_000,
    )
    // At B the visitor scans one of B's own codes (B is a desk too: none is on its screen).
    const code = await waitFor(
      () =>
        b.core.db
          .prepare<[], { url: string }>(
            "SELECT url FROM tickets WHERE state = 'ready' ORDER BY expires_at DESC LIMIT 1",
          )
          .get(),
      'a code of B’s',
      30_000,
    )
    const beforeB = b.greetings.length
    await sandbox.scan(code.url, 'o-registered')
    const atB = await waitFor(() => b.greetings[beforeB], 'B’s greeting', 30_000)
    expect(atB).toMatchObject({ kind: 'named', name: '王小明', checkInNumber: 1 })
    expect(atB.texts.en).toBe('Hi 王小明')
  }, 180_000)
})

async function uploadRoster(c: ConsoleClient, campaignId: string, lines: string[]): Promise<void> {
  const res = await fetch(`${c.relayUrl}/console/api/campaigns/${campaignId}/roster`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv', origin: c.relayUrl, cookie: c.cookie ?? '' },
    body: lines.join('\n'),
  })
  expect(res.status, await res.text()).toBe(200)
}

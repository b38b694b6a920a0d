// A booth moved to another campaign while its link was down: the relay kept the scans made
// meanwhile at the codes the booth still showed (the old campaign's), counting each in the
// campaign the booth was in when it arrived. Back online (restarted or not), the kiosk files
// every one of them where the relay counted it, with the relay's number there, so its own
// sheet, check-in numbers and greetings agree with the relay's consolidated attendance (no
// second no. 1 in the old campaign).
import { afterEach, describe, expect, it } from 'vitest'
import { MemoryVault } from '../../electron/core/config/vault'
import type { KioskCore } from '../../electron/core/kiosk-core'
import type { Greeting } from '../../shared/domain'
import { startRelay } from '../../relay/server'
import { startSandbox } from '../../sandbox/server'
import {
  attendanceRows,
  cleanup,
  onCleanup,
  provisionDir,
  startCore,
  startCutProxy,
  tempDir,
  waitFor,
} from './helpers'
import { assign, createCampaign, signIn } from '../relay/campaign-helpers'

afterEach(cleanup)

const greetingsB = {
  'zh-CN': { first: 'B 欢迎 {number}', returning: 'B 欢迎回来 {number}', named: 'B {name}' },
  en: { first: 'B first {number}', returning: 'B back {number}', named: 'B {name}' },
}

function visitors(core: KioskCore): Array<{ c: string; openid: string; n: number }> {
  return core.db
    .prepare('SELECT campaign_id AS c, openid, check_in_number AS n FROM visitors')
    .all() as Array<{ c: string; openid: string; n: number }>
}

describe('a booth moved to another campaign while offline', () => {
  it.each([
    ['stays up', false],
    ['is restarted while offline', true],
  ])(
    'files each replayed scan where the relay counted it when the kiosk %s',
    async (_what, restart) => {
      const sandbox = await startSandbox({ port: 0 })
      onCleanup(() => sandbox.close())
      const relay = await startRelay(
        { port: 0, data: tempDir(), wechat: sandbox.credentials() },
        { shutdownGraceMs: 500, storePollMs: 50 },
      )
      onCleanup(() => relay.close())
      sandbox.setPushUrl(`${relay.url}/wechat`)
      const proxy = await startCutProxy(relay.url)
      const c = await signIn(relay)
      const a = await createCampaign(c, { name: '春季展 A' })
      const b = await createCampaign(c, { name: '夏季展 B', greetings: greetingsB })
      const token = await relay.addKiosk('booth-1')
      await assign(c, 'booth-1', a.id)
      const dataDir = tempDir()
      const vault = new MemoryVault()
      provisionDir(dataDir, vault, { relayUrl: proxy.url, kioskId: 'booth-1', token })
      let core = startCore(dataDir, vault)
      const codeOf = (k: KioskCore, campaignId: string) =>
        waitFor(() => {
          const t = k.pool.current()
          return t && k.tickets.byScene(t.scene)?.campaignId === campaignId ? t : undefined
        }, `a code of ${campaignId}`)
      const codeA = await codeOf(core, a.id)
      await sandbox.scan(codeA.url, 'o_1') // live: A no. 1
      await waitFor(() => attendanceRows(core).length === 1, 'the live scan')

      proxy.cut()
      await waitFor(() => core.status().relay.state === 'reconnecting', 'cut noticed')
      // The booth still shows A's code: o_2 scans it, the organizer moves the booth to B, o_3
      // and o_2 again scan that same A code. The relay counts o_2 in A (no. 2), then o_3 (no. 1)
      // and o_2 (no. 2) in B.
      const scanned = async (openid: string) =>
        expect((await sandbox.scan(codeA.url, openid)).attempts.at(-1)?.status).toBe(200)
      await scanned('o_2')
      await assign(c, 'booth-1', b.id)
      await scanned('o_3')
      await scanned('o_2')
      if (restart) {
        await core.stop()
        core = startCore(dataDir, vault)
      }
      const greeted: Greeting[] = []
      core.on('greeting', (g) => greeted.push(g))
      proxy.restore()
      await waitFor(() => attendanceRows(core).length === 4, 'the replayed scans', 30_000)
      await core.whenIdle()

      await relay.store.attendance.settled()
      const page = await relay.store.attendance.page({
        kioskIds: null,
        search: '',
        offset: 0,
        limit: 100,
      })
      const atRelay = page.rows.map((r) => ({ openid: r.openid, c: r.campaignId, n: r.number }))
      expect(atRelay).toEqual([
        { openid: 'o_1', c: a.id, n: 1 },
        { openid: 'o_2', c: a.id, n: 2 },
        { openid: 'o_3', c: b.id, n: 1 },
        { openid: 'o_2', c: b.id, n: 2 },
      ])
      // The kiosk's rows say the same, event for event.
      for (const r of page.rows) {
        expect(core.attendance.byEventId(r.id), r.openid).toMatchObject({
          campaignId: r.campaignId,
          checkInNumber: r.number,
          firstVisit: r.firstInCampaign,
        })
      }
      // One no. 1 per campaign: none of B's numbers given in A.
      const name = (id: string) => (id === a.id ? 'A' : id === b.id ? 'B' : id)
      const numbers = visitors(core).map((v) => `${name(v.c)} ${v.n} ${v.openid}`)
      expect(numbers.sort()).toEqual(['A 1 o_1', 'A 2 o_2', 'B 1 o_3', 'B 2 o_2'])
      // Greeted (scans seconds old) with B's words and numbers, not A's.
      expect(greeted.map((g) => g.texts.en).filter((t) => t.startsWith('B '))).toEqual([
        'B first 1',
        'B first 2',
      ])

      // And the booth goes on in B: a new visitor at its B code is B's no. 3.
      const codeB = await codeOf(core, b.id)
      await sandbox.scan(codeB.url, 'o_4')
      await waitFor(() => attendanceRows(core).length === 5, 'a live scan in B')
      const last = attendanceRows(core).at(-1)
      expect(core.attendance.byEventId(last?.event_id ?? '')).toMatchObject({
        campaignId: b.id,
        checkInNumber: 3,
        firstVisit: true,
      })
    },
    60_000,
  )
})

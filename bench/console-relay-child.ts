/**
 * The real relay (SQLite, the built console) in its own process for the `console-relay` bench,
 * so its CPU is not mixed with the load generator's or Playwright's client. Driven over IPC:
 * `start` → `{ url, password }` (the kiosks, campaigns if asked, and an organizer made), `stop`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { z } from 'zod'
import { addOrganizer } from '../relay/console/organizer-admin'
import { startRelay, type RelayHandle } from '../relay/server'
import { CONSOLE_DIR } from '../test/e2e/fake-console-relay'
import { answerParent } from './child'
import { BENCH_CAMPAIGN, TOKEN } from './env'

const msgSchema = z.discriminatedUnion('cmd', [
  z.object({
    cmd: z.literal('start'),
    booths: z.array(z.string()),
    /** Campaigns made, the booths assigned to them in turn (0: none). */
    campaigns: z.number().default(0),
    /**
     * A season's dates on the campaigns: every 30th from 7 running (to 2099), from 11 not
     * started (2099), the rest ended (2025). Without it they have no dates.
     */
    season: z.boolean().default(false),
  }),
  z.object({ cmd: z.literal('stop') }),
])
function seasonDates(c: number): { startsAt: string; endsAt: string } {
  if (c % 30 === 7) return { startsAt: '2000-01-01', endsAt: `2099-0${1 + (c % 9)}-01` }
  if (c % 30 === 11) return { startsAt: `2099-1${c % 3}-01`, endsAt: '2099-12-31' }
  const month = String(1 + (c % 12)).padStart(2, '0')
  return { startsAt: `2025-${month}-01`, endsAt: `2025-${month}-${10 + (c % 18)}` }
}
const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }
const dir = mkdtempSync(join(tmpdir(), 'bench-console-relay-'))
let relay: RelayHandle | null = null

answerParent(async (raw) => {
  const msg = msgSchema.parse(raw)
  if (msg.cmd === 'start') {
    relay = await startRelay(
      { port: 0, host: '127.0.0.1', data: dir, wechat: { token: TOKEN }, consoleDir: CONSOLE_DIR },
      { log: silent },
    )
    for (const id of msg.booths) await relay.addKiosk(id)
    for (let c = 0; c < msg.campaigns; c++) {
      const campaign = {
        ...BENCH_CAMPAIGN,
        id: `c${c}`,
        name: `活动 ${c}`,
        screenKey: 'k'.repeat(43),
        ...(msg.season && seasonDates(c)),
      }
      await relay.store.campaigns.createCampaign(campaign, Date.now())
    }
    if (msg.campaigns > 0) {
      for (const [i, id] of msg.booths.entries())
        await relay.store.campaigns.assignKiosk(id, `c${i % msg.campaigns}`)
    }
    const password = await addOrganizer(relay.store, 'bench', Date.now())
    return { url: relay.url, password }
  }
  await relay?.close()
  rmSync(dir, { recursive: true, force: true })
  setImmediate(() => process.exit(0))
  return null
})

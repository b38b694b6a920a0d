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
  }),
  z.object({ cmd: z.literal('stop') }),
])
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

/**
 * The real relay (SQLite, the built console and screen app) in its own process for the
 * `screen-wall` bench. Driven over IPC: `start` → `{ url, campaignId, key }` (a campaign with a
 * screen key and one booth in it), `numbers` → `[[number, openid], …]` (which visitor took which
 * check-in number, from the change feed), `stop`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { z } from 'zod'
import { startRelay, type RelayHandle } from '../relay/server'
import { consoleCampaignSchema } from '../shared/campaign'
import { CONSOLE_DIR } from '../test/e2e/fake-console-relay'
import { answerParent } from './child'
import { assignBooth, TOKEN } from './env'

const msgSchema = z.discriminatedUnion('cmd', [
  z.object({ cmd: z.literal('start'), booth: z.string() }),
  z.object({ cmd: z.literal('numbers') }),
  z.object({ cmd: z.literal('stop') }),
])
const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }
const dir = mkdtempSync(join(tmpdir(), 'bench-screen-wall-'))
const numbers: Array<[number, string]> = []
let relay: RelayHandle | null = null

const greeting = { first: '欢迎 {number}', returning: '欢迎回来', named: '你好 {name}' }

answerParent(async (raw) => {
  const msg = msgSchema.parse(raw)
  if (msg.cmd === 'start') {
    relay = await startRelay(
      { port: 0, host: '127.0.0.1', data: dir, wechat: { token: TOKEN }, consoleDir: CONSOLE_DIR },
      { log: silent },
    )
    await relay.addKiosk(msg.booth)
    const campaign = consoleCampaignSchema.parse({
      id: 'bench-wall',
      screenKey: 'bench-screen-key-0123456789abcdef0123456789',
      name: '签到墙压测',
      startsAt: null,
      endsAt: null,
      rotationSeconds: 60,
      ticketTtlSeconds: 600,
      mode: 'booth',
      greetings: { 'zh-CN': greeting, en: greeting },
      reply: { subscribe: '感谢关注', scan: '欢迎光临' },
      tag: null,
      followUp: null,
      stamps: [],
    })
    await relay.store.campaigns.createCampaign(campaign, Date.now())
    await assignBooth(relay.store, msg.booth, campaign.id)
    relay.store.subscribe((c) => {
      if (c.type === 'event' && c.event?.firstInCampaign === true && c.event.number) {
        numbers.push([c.event.number, c.event.openid])
      }
    })
    return { url: relay.url, campaignId: campaign.id, key: campaign.screenKey }
  }
  if (msg.cmd === 'numbers') return numbers
  await relay?.close()
  rmSync(dir, { recursive: true, force: true })
  setImmediate(() => process.exit(0))
  return null
})

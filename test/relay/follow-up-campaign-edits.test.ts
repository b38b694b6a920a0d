/**
 * The follow-up worker keeps the campaigns in memory (relay/follow-up/campaigns.ts) instead of
 * reading the whole list every round: an edit made through another relay instance (a second
 * store handle on the same Redis, or on the same SQLite file, where no feed crosses) is in the
 * worker's next round; a text turned off there stops the texts here; an edit heard mid-round
 * means no text is claimed with the old words after it; and an idle round reads no campaign.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { z } from 'zod'
import { silentLogger } from '../../shared/server/log'
import { WechatClient } from '../../shared/wechat'
import { CampaignDirectory } from '../../relay/campaign-directory'
import { FollowUpWorker } from '../../relay/follow-up/worker'
import { openRedisStore } from '../../relay/store/redis/store'
import { openSqliteStore } from '../../relay/store/sqlite/store'
import type { NewFollowUpVisitor } from '../../relay/store/follow-up-types'
import type { RelayStore, StoreChange } from '../../relay/store/types'
import { campaignBody } from './campaign-helpers'
import { storePlaces } from './store-backends'

const places = storePlaces('follow-up-edits')
const SEND = 'cgi-bin/message/custom/send'
const sendBody = z.object({ touser: z.string(), text: z.object({ content: z.string() }) })

/** WeChat as the worker sees it: every text taken at once, and kept here. */
class RecordingClient extends WechatClient {
  readonly texts: Array<{ openid: string; content: string }> = []
  /** Runs once a text is taken (the test edits the campaign from there). */
  onSend: (() => Promise<void>) | null = null
  constructor() {
    super({ appId: 'wxtest', appSecret: 's', apiBase: 'http://127.0.0.1:9' })
  }
  override getAccessToken(): Promise<string> {
    return Promise.resolve('token')
  }
  override async callApi(_method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    if (path !== SEND) throw new Error(`unexpected call ${path}`)
    const { touser, text } = sendBody.parse(body)
    this.texts.push({ openid: touser, content: text.content })
    const then = this.onSend
    this.onSend = null
    if (then !== null) await then()
    return { errcode: 0 }
  }
}

/** Two handles on one store, as two relay instances have: A edits, B runs the worker. */
async function twoRelays(backend: 'sqlite' | 'redis'): Promise<[RelayStore, RelayStore]> {
  if (backend === 'sqlite') {
    const data = places.dir()
    return [openSqliteStore({ data }), openSqliteStore({ data })]
  }
  const prefix = places.prefix()
  const url = places.redis.url
  return [await openRedisStore({ url, prefix }), await openRedisStore({ url, prefix })]
}

const open: RelayStore[] = []
const workers: FollowUpWorker[] = []
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()))
  await Promise.all(open.splice(0).map((s) => s.close()))
})

function workerOn(store: RelayStore, client: WechatClient): FollowUpWorker {
  const w = new FollowUpWorker({
    store,
    campaigns: new CampaignDirectory(store, Date.now),
    client,
    log: silentLogger,
    now: Date.now,
    batchWindowMs: 0,
    windowMs: 60_000,
    // Rounds run by the test alone; no backlog read beside them.
    backlogRefreshMs: 3_600_000,
  })
  workers.push(w)
  return w
}

let seq = 0
/** `n` visitors of the campaign waiting for their text (as the worker records a scan). */
async function waiting(
  store: RelayStore,
  campaignId: string,
  n: number,
  from = 0,
  message: 'pending' | null = 'pending',
) {
  const list: NewFollowUpVisitor[] = Array.from({ length: n }, (_, i) => ({
    campaignId,
    openid: `o${campaignId}v${from + i}`,
    kioskId: 'booth-a',
    number: from + i + 1,
    scannedAt: Date.now(),
    tag: null,
    message,
  }))
  await store.followUp.record('booth-a', ++seq, list)
}

async function campaignWith(store: RelayStore, id: string, followUp: string | null) {
  const body = { ...campaignBody({ name: id, followUp }), id, screenKey: 'k'.repeat(43) }
  expect(await store.campaigns.createCampaign(body, Date.now())).not.toBeNull()
}

async function edit(store: RelayStore, id: string, followUp: string | null) {
  const r = await store.campaigns.updateCampaign(
    id,
    campaignBody({ name: id, followUp }),
    Date.now(),
  )
  expect(r).not.toBeNull()
}

/** Resolves once `store`'s change feed names the campaign (another instance's edit heard). */
function heard(store: RelayStore, campaignId: string): Promise<void> {
  return new Promise((resolve) => {
    const off = store.subscribe((c: StoreChange) => {
      if (c.type === 'campaign' && c.campaignId === campaignId && c.kioskId === undefined) {
        off()
        resolve()
      }
    })
  })
}

describe.each(['sqlite', 'redis'] as const)(
  'follow-up campaigns kept in memory on %s',
  (backend) => {
    it("another instance's edit of the text is in the worker's next round", async () => {
      const [a, b] = await twoRelays(backend)
      open.push(a, b)
      await campaignWith(a, 'spring', 'old {number}')
      const client = new RecordingClient()
      const w = workerOn(b, client)
      await waiting(a, 'spring', 1)
      await w.round()
      expect(client.texts).toEqual([{ openid: 'ospringv0', content: 'old 1' }])

      // Edited on A: B's next round sends the new words (SQLite: no feed between handles, the
      // campaign clock alone tells B).
      await edit(a, 'spring', 'new {number}')
      await waiting(a, 'spring', 1, 1)
      await w.round()
      expect(client.texts.slice(1)).toEqual([{ openid: 'ospringv1', content: 'new 2' }])

      // A campaign created on A is worked on by B too.
      await campaignWith(a, 'autumn', 'autumn {number}')
      await waiting(a, 'autumn', 1)
      await w.round()
      expect(client.texts.slice(2)).toEqual([{ openid: 'oautumnv0', content: 'autumn 1' }])
    })

    it('a text turned off on another instance stops the texts there; turned on, they go again', async () => {
      const [a, b] = await twoRelays(backend)
      open.push(a, b)
      await campaignWith(a, 'spring', 'hi {number}')
      const client = new RecordingClient()
      const w = workerOn(b, client)
      await w.round()
      // Recorded waiting, then the text is taken off before the worker gets to them.
      await waiting(a, 'spring', 3)
      await edit(a, 'spring', null)
      await w.round()
      await w.round()
      expect(client.texts).toEqual([])
      // One recorded while it is off: no text state, as the worker records a scan then.
      await waiting(a, 'spring', 1, 3, null)

      // On again: those waiting get it, and the one recorded meanwhile too (promoted).
      await edit(a, 'spring', 'back {number}')
      await w.round()
      const sent = client.texts.map((t) => t.content).sort()
      expect(sent).toEqual(['back 1', 'back 2', 'back 3', 'back 4'])
    })

    it('an idle round reads the campaign clock, not the campaigns; an edit reads them once', async () => {
      const [a, b] = await twoRelays(backend)
      open.push(a, b)
      for (let i = 0; i < 5; i++) await campaignWith(a, `c${i}`, 'hi')
      const w = workerOn(b, new RecordingClient())
      await w.round()
      await w.round()
      const list = vi.spyOn(b.campaigns, 'listCampaigns')
      const one = vi.spyOn(b.campaigns, 'getCampaign')
      // Nobody waits: no campaign is asked for its due visitors either.
      const due = vi.spyOn(b.followUp, 'dueMessages')
      for (let i = 0; i < 5; i++) await w.round()
      expect(list).not.toHaveBeenCalled()
      expect(one).not.toHaveBeenCalled()
      expect(due).not.toHaveBeenCalled()

      await edit(a, 'c3', 'changed')
      for (let i = 0; i < 3; i++) await w.round()
      // One full read (the clock moved), and the edited campaign once more when the feed named
      // it after that read began: never one per round. (Redis's list reads each campaign through
      // getCampaign: 5 of those calls are the list's own.)
      expect(list).toHaveBeenCalledTimes(1)
      expect(one.mock.calls.length).toBeLessThanOrEqual(backend === 'redis' ? 6 : 1)
    })

    it('no text is claimed with the old words once the edit is heard mid-round', async () => {
      // SQLite: the relay that answered the edit is the one working (no feed between handles);
      // Redis: the worker on B, once B heard A's edit.
      const [a, b] = await twoRelays(backend)
      open.push(a, b)
      const editor = backend === 'sqlite' ? b : a
      await campaignWith(editor, 'spring', 'old {number}')
      const client = new RecordingClient()
      const w = workerOn(b, client)
      // 40 waiting: two groups of 20 claims in one round.
      await waiting(editor, 'spring', 40)
      client.onSend = async () => {
        const got = heard(b, 'spring')
        await edit(editor, 'spring', 'new {number}')
        await got
      }
      await w.round()
      await w.round()
      const contents = client.texts.map((t) => t.content.split(' ')[0])
      expect(client.texts).toHaveLength(40)
      // The first group was claimed before the edit; none claimed after it has the old words.
      expect(contents.filter((c) => c === 'old')).toHaveLength(20)
      expect(contents.slice(20)).toEqual(Array.from({ length: 20 }, () => 'new'))
      expect(new Set(client.texts.map((t) => t.openid)).size).toBe(40)
    })
  },
)

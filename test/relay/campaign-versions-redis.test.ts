// Redis store: a campaign's version and its roster's version only ever grow, whatever order two
// instances' writes reach Redis in. Each write takes its version from the relay-wide clock
// (INCR) before its script runs, so a write with an older version can land after a newer one;
// kiosks drop a campaign or roster frame older than the one they hold, so such a write would
// never reach them (and the relay would serve a roster they refuse). One store here plays both
// instances: its client holds back one script until the other write is done.
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { consoleCampaignSchema, type ConsoleCampaign } from '../../shared/campaign'
import { RedisCampaignStore } from '../../relay/store/redis/campaigns'
import { redisKeys } from '../../relay/store/redis/keys'
import { campaignBody } from './campaign-helpers'
import { startRedis, type TestRedis } from '../helpers/redis'

let redis: TestRedis
let prefixN = 0
const clients: Redis[] = []

beforeAll(async () => {
  redis = await startRedis()
})
afterEach(() => {
  for (const c of clients.splice(0)) c.disconnect()
})
afterAll(() => redis.stop())

/** A Redis client whose next EVAL of a script containing `marker` waits for `release()`. */
function gatedClient(): {
  client: Redis
  hold: (marker: string) => { held: Promise<void>; release: () => void }
} {
  const client = new Redis(redis.url)
  clients.push(client)
  let gate: { marker: string; reached: () => void; open: Promise<void> } | null = null
  const realEval = client.eval.bind(client) as (...args: unknown[]) => Promise<unknown>
  const gated = async (...args: unknown[]): Promise<unknown> => {
    const g = gate
    if (g !== null && typeof args[0] === 'string' && args[0].includes(g.marker)) {
      gate = null
      g.reached()
      await g.open
    }
    return realEval(...args)
  }
  Object.defineProperty(client, 'eval', { value: gated })
  return {
    client,
    hold: (marker) => {
      let reached = (): void => {}
      let release = (): void => {}
      const held = new Promise<void>((r) => (reached = r))
      const open = new Promise<void>((r) => (release = r))
      gate = { marker, reached, open }
      return { held, release }
    },
  }
}

function storeOn(client: Redis): RedisCampaignStore {
  return new RedisCampaignStore(
    client,
    redisKeys(`cv${++prefixN}:`),
    () => Promise.resolve(),
    (script, keys, args) => client.eval(script, keys.length, ...keys, ...args),
  )
}

/** Roster row `n` as an upload gives it to the store. */
const entry = (n: number) => ({ id: `r-${n}`, name: `来宾${n}`, company: '', phone: '', code: '' })

function newCampaign(): ConsoleCampaign {
  return consoleCampaignSchema.parse({
    ...campaignBody(),
    id: 'spring',
    screenKey: 'k'.repeat(43),
  })
}

it('an edit whose version was taken before another edit landed does not lower the version', async () => {
  const { client, hold } = gatedClient()
  const store = storeOn(client)
  const made = await store.createCampaign(newCampaign(), 1)
  expect(made).not.toBeNull()
  const { screenKey: _key, id: _id, ...fields } = newCampaign()

  // Instance 1 renames the campaign; its script is held after it took its version.
  const gate = hold("'campaign'")
  const rename = store.updateCampaign('spring', { ...fields, name: '秋季展' }, 2)
  await gate.held
  // Instance 2 saves the campaign unchanged (the console's Save with nothing edited).
  const same = await store.updateCampaign('spring', fields, 3)
  const seen = same === 'stale' ? 0 : (same?.version ?? 0)
  gate.release()
  const renamed = await rename

  const now = await store.getCampaign('spring')
  expect(now?.campaign.name).toBe('秋季展')
  expect(renamed === 'stale' ? 0 : renamed?.version).toBe(now?.version)
  // A kiosk that got `seen` must get the rename: its version has to be higher.
  expect(now?.version ?? 0).toBeGreaterThan(seen)
})

it('a roster whose version was taken before another upload landed does not lower the version', async () => {
  const { client, hold } = gatedClient()
  const store = storeOn(client)
  await store.createCampaign(newCampaign(), 1)

  // Upload 1's swap is held after it took its version; upload 2 goes through meanwhile.
  const gate = hold('RENAME')
  const first = store.replaceRoster('spring', [entry(1)])
  await gate.held
  const second = await store.replaceRoster('spring', [entry(2), entry(3)])
  gate.release()
  const firstState = await first

  const now = await store.readRoster('spring', 0, 10)
  // Whichever upload is the roster now, its version is above every version handed out before.
  if (second === null || second === 'stale' || firstState === null || firstState === 'stale')
    throw new Error(
      `uploads without If-Match are never stale: ${JSON.stringify([second, firstState])}`,
    )
  expect(now.version).toBeGreaterThan(second.version)
  expect(firstState.version).toBe(now.version)
  expect(now.entries.map((e) => e.id)).toEqual(['r-1'])
})

it('an If-Match edit held between its read and its write loses to an edit that landed meanwhile', async () => {
  const { client, hold } = gatedClient()
  const store = storeOn(client)
  const made = await store.createCampaign(newCampaign(), 1)
  const read = made?.version ?? 0
  const { screenKey: _key, id: _id, ...fields } = newCampaign()

  // Instance 1 read version `read` and checked it; its write is held.
  const gate = hold("'campaign'")
  const mine = store.updateCampaign('spring', { ...fields, name: '我的' }, 2, [read])
  await gate.held
  // Instance 2 saves from the same version first.
  const theirs = await store.updateCampaign('spring', { ...fields, name: '他的' }, 3, [read])
  expect(theirs).not.toBe('stale')
  gate.release()
  expect(await mine).toBe('stale')
  expect((await store.getCampaign('spring'))?.campaign.name).toBe('他的')
})

it('the If-Match check is in the write: a save of the same fields that landed after the read counts', async () => {
  const client = new Redis(redis.url)
  clients.push(client)
  const store = storeOn(client)
  const made = await store.createCampaign(newCampaign(), 1)
  const read = made?.version ?? 0
  const { screenKey: _key, id: _id, ...fields } = newCampaign()

  // Instance 1 has read and checked version `read`; it is held before it takes its version.
  let reached = (): void => {}
  let release = (): void => {}
  const held = new Promise<void>((r) => (reached = r))
  const open = new Promise<void>((r) => (release = r))
  const realIncr = client.incr.bind(client)
  let gated = true
  Object.defineProperty(client, 'incr', {
    value: async (key: string) => {
      if (gated) {
        gated = false
        reached()
        await open
      }
      return realIncr(key)
    },
  })
  const mine = store.updateCampaign('spring', { ...fields, name: '我的' }, 2, [read])
  await held
  // Instance 2 saves the campaign as it is (Save with nothing edited): a new version.
  const theirs = await store.updateCampaign('spring', fields, 3)
  expect(theirs === 'stale' ? 0 : (theirs?.version ?? 0)).toBeGreaterThan(read)
  release()
  expect(await mine).toBe('stale')
  expect((await store.getCampaign('spring'))?.campaign.name).toBe(fields.name)
})

it("reads a roster's head (version, total) without fetching its rows", async () => {
  // Each kiosk's hello and each roster transfer's start read only the head: fetched whole,
  // a 50,000-row roster crossed from Redis at every reconnect of every booth.
  const client = new Redis(redis.url)
  clients.push(client)
  const replies: unknown[] = []
  const realEval = client.eval.bind(client) as (...args: unknown[]) => Promise<unknown>
  const recorded = async (...args: unknown[]): Promise<unknown> => {
    const reply = await realEval(...args)
    replies.push(reply)
    return reply
  }
  Object.defineProperty(client, 'eval', { value: recorded })
  const store = storeOn(client)
  await store.createCampaign(newCampaign(), 1)
  const rows = Array.from({ length: 500 }, (_, n) => entry(n))
  const state = await store.replaceRoster('spring', rows)
  if (state === null || state === 'stale') throw new Error(`no roster: ${String(state)}`)

  replies.length = 0
  const head = await store.readRoster('spring', 0, 0)
  expect(head).toEqual({ version: state.version, total: 500, entries: [] })
  const rowsFetched = replies.map((r) => (Array.isArray(r) ? (r[2] as unknown) : null))
  expect(rowsFetched).toEqual([[]])
  // A slice still reads its rows.
  expect((await store.readRoster('spring', 498, 10)).entries.map((e) => e.id)).toEqual([
    'r-498',
    'r-499',
  ])
})

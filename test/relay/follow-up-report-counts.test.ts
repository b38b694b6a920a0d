/**
 * The console's follow-up report is read from counters and a list of failures kept with each
 * state change, not by reading every visitor of the campaign on every poll (50,000 visitors
 * cost 1.2 s and 22 MB of Redis answer per read: docs/BENCHMARKS.md "Follow-up report reads").
 * Its figures must stay exactly those of a full recount, whatever the sequence of changes:
 * new and re-seen visitors, promotions, tag and text outcomes, the claim of a text by two
 * instances at once (a lease taken over), and texts left `sending` recorded failed at start.
 * On each store, two store instances on the same data (as two relays).
 */
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { openStore } from '../../relay/store/open-store'
import { migrations } from '../../relay/store/sqlite/migrations'
import { migrate } from '../../shared/server/migrate'
import type {
  FollowUpMessageState,
  NewFollowUpVisitor,
  TagState,
} from '../../relay/store/follow-up-types'
import type { RelayStore } from '../../relay/store/types'
import { noFollowUpCounts } from '../../shared/follow-up-api'
import { prng } from '../helpers/random'
import { monitorCommands } from '../helpers/redis'
import { relayTestBed } from './campaign-helpers'
import type { Place } from './console-helpers'

const bed = relayTestBed()
const LIMIT = 200

async function storeOn(place: Place): Promise<RelayStore> {
  const store = await openStore(
    { redis: place.backend === 'redis' ? place.redisUrl : null, data: place.dir },
    { prefix: place.prefix },
  )
  bed.cleanups.push(() => store.close())
  return store
}

describe.each(['sqlite', 'redis'] as const)('follow-up report figures on %s', (backend) => {
  it('equal a full recount after a random sequence of state changes by two instances', async () => {
    const place = bed.placeFor(backend)
    const a = await storeOn(place)
    const b = await storeOn(place)
    const rnd = prng(backend === 'sqlite' ? 11 : 29)
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T
    const campaigns = ['c1', 'c2']
    const openids = Array.from({ length: 60 }, (_, i) => `orc${String(i).padStart(3, '0')}`)
    const some = (): string[] => openids.filter(() => rnd() < 0.2)
    const tagStates: TagState[] = ['pending', 'tagged', 'failed']
    const msgStates: FollowUpMessageState[] = [
      'pending',
      'sending',
      'sent',
      'outside-window',
      'failed',
    ]
    const now = 1_800_000_000_000
    let seq = 0
    async function step(s: RelayStore): Promise<void> {
      const f = s.followUp
      const campaignId = pick(campaigns)
      const op = Math.floor(rnd() * 7)
      if (op === 0) {
        const list: NewFollowUpVisitor[] = some().map((openid) => ({
          campaignId,
          openid,
          kioskId: 'k1',
          number: 1,
          // Few distinct times: failures ordered by scan time must break ties the same way.
          scannedAt: now + Math.floor(rnd() * 5) * 1000,
          tag: rnd() < 0.7 ? 'pending' : null,
          message: pick(['pending', 'outside-window', null] as const),
        }))
        await f.record('k1', ++seq, list)
      } else if (op === 1) {
        await f.promote(
          campaignId,
          { tag: rnd() < 0.5, message: rnd() < 0.5 },
          now + 30_000,
          60_000,
        )
      } else if (op === 2) {
        await f.updateTags(campaignId, some(), {
          state: pick(tagStates),
          errcode: pick([0, 40003, 45159]),
          attempted: rnd() < 0.7,
          ...(rnd() < 0.5 && { from: ['pending' as const] }),
        })
      } else if (op === 3) {
        // Both instances claim the same texts at once (a lease taken over mid-batch).
        const claims = some().map((openid) => ({
          openid,
          u: { state: 'sending' as const, attempted: true },
          from: ['pending' as const],
        }))
        await Promise.all([
          a.followUp.updateMessages(campaignId, claims),
          b.followUp.updateMessages(campaignId, claims),
        ])
      } else if (op === 4) {
        // The start of a relay: texts left `sending` are recorded failed (errcode 0).
        const left = await f.sendingMessages(campaignId, 100)
        await f.updateMessages(
          campaignId,
          left.map((v) => ({
            openid: v.openid,
            u: { state: 'failed' as const, errcode: 0 },
            from: ['sending' as const],
          })),
        )
      } else {
        await f.updateMessages(
          campaignId,
          some().map((openid) => ({
            openid,
            u: { state: pick(msgStates), errcode: pick([0, 45015, 45047, 45009]) },
            ...(rnd() < 0.5 && { from: [pick(msgStates)] }),
          })),
        )
      }
    }
    // Which figures the sequence reached (a test of nothing would pass too).
    const reached = new Set<string>()
    let mostFailures = 0
    const full0 = noFollowUpCounts()
    for (let i = 0; i < 120; i++) {
      await (rnd() < 0.5 ? step(a) : Promise.all([step(a), step(b)]))
      if (i % 10 !== 9) continue
      for (const campaignId of campaigns) {
        const full = await a.followUp.recount(campaignId, LIMIT)
        for (const [name, n] of Object.entries(full.counts)) if (n > 0) reached.add(name)
        mostFailures = Math.max(mostFailures, full.failures.length)
        for (const s of [a, b]) {
          expect(await s.followUp.counts(campaignId)).toEqual(full.counts)
          expect(await s.followUp.failures(campaignId, LIMIT)).toEqual(full.failures)
          expect(await s.followUp.failures(campaignId, 3)).toEqual(full.failures.slice(0, 3))
        }
      }
    }
    expect(Object.keys(full0).filter((name) => !reached.has(name))).toEqual([])
    expect(mostFailures).toBeGreaterThan(3)
  }, 60_000)
})

describe('follow-up report read on redis', () => {
  it('costs Redis answers of the report’s size, not of every visitor', async () => {
    const place = bed.placeFor('redis')
    const store = await storeOn(place)
    const admin = new Redis({ path: place.redisUrl ?? '' })
    bed.cleanups.push(() => admin.disconnect())
    const n = 3000
    for (let start = 0; start < n; start += 500) {
      const list: NewFollowUpVisitor[] = Array.from({ length: 500 }, (_, i) => ({
        campaignId: 'c1',
        openid: `ocost${String(start + i).padStart(5, '0')}`,
        kioskId: 'k1',
        number: start + i + 1,
        scannedAt: 1_800_000_000_000 + start + i,
        tag: 'pending',
        message: 'pending',
      }))
      await store.followUp.record('k1', start + 500, list)
      const ids = list.map((v) => v.openid)
      await store.followUp.updateTags('c1', ids, { state: 'tagged', attempted: true })
      await store.followUp.updateMessages(
        'c1',
        ids.slice(0, 2).map((openid) => ({ openid, u: { state: 'failed', errcode: 45015 } })),
      )
    }
    const sent = async (): Promise<number> =>
      Number(/total_net_output_bytes:(\d+)/.exec(await admin.info('stats'))?.[1])
    const read = async () => {
      const before = await sent()
      const got = await Promise.all([
        store.followUp.counts('c1'),
        store.followUp.failures('c1', LIMIT),
      ])
      return { got, bytes: (await sent()) - before }
    }
    await read() // a store from before the counters builds them once, here
    const { got, bytes } = await read()
    expect(got[0]).toMatchObject({ tagged: n, messageFailed: 12, messagePending: n - 12 })
    expect(got[1]).toHaveLength(12)
    // 12 failures and 8 counters (~3 KB with the INFO answer), where every visitor's state
    // (3,000 × ~250 bytes, twice) was sent for each read.
    expect(bytes).toBeLessThan(20_000)
    // The console's poll (every 5 s): the counters in one read (their hash says itself that
    // it is built) and the failures in one script (which finds that itself), where a HEXISTS
    // of that field went before each, one more round trip in series.
    const sentCommands = async (read: () => Promise<unknown>): Promise<string[]> =>
      (await monitorCommands(place.redisUrl ?? '', async () => void (await read())))
        .map((a) => (a[0] ?? '').toLowerCase())
        // Not the monitor's own marks, nor its connection's ready check.
        .filter((name) => name !== 'echo' && name !== 'info')
    expect(await sentCommands(() => store.followUp.counts('c1'))).toEqual(['hgetall'])
    expect(await sentCommands(() => store.followUp.failures('c1', LIMIT))).toEqual(['evalsha'])
    expect(await store.followUp.counts('c1')).toEqual(got[0])
    expect(await store.followUp.failures('c1', LIMIT)).toEqual(got[1])
  }, 60_000)
})

describe('follow-up failures read on redis', () => {
  it('reads a list longer than a Lua call takes arguments', async () => {
    const store = await storeOn(bed.placeFor('redis'))
    const n = 9000
    for (let start = 0; start < n; start += 1000) {
      await store.followUp.record(
        'k1',
        start + 1000,
        Array.from({ length: 1000 }, (_, i) => ({
          campaignId: 'c1',
          openid: `olong${String(start + i).padStart(5, '0')}`,
          kioskId: 'k1',
          number: start + i + 1,
          scannedAt: 1_800_000_000_000 + start + i,
          tag: null,
          message: 'outside-window' as const,
        })),
      )
    }
    const full = await store.followUp.recount('c1', n)
    expect(full.failures).toHaveLength(n)
    expect(await store.followUp.failures('c1', n)).toEqual(full.failures)
  }, 60_000)
})

describe('SQLite migration 20', () => {
  it('counts the visitors recorded before it', async () => {
    const place = bed.placeFor('sqlite')
    const db = new Database(join(place.dir, 'relay.sqlite'))
    try {
      migrate(db, migrations.slice(0, 19), 'relay store')
      const insert = db.prepare(
        `INSERT INTO follow_up_visitors (campaign_id, openid, kiosk_id, number, scanned_at,
           tag_state, tag_errcode, tag_attempts, msg_state, msg_errcode)
         VALUES (?, ?, 'k1', 1, ?, ?, ?, ?, ?, ?)`,
      )
      insert.run('c1', 'o1', 3, 'tagged', 0, 2, 'sent', 0)
      insert.run('c1', 'o2', 2, 'failed', 40003, 1, 'outside-window', 45015)
      insert.run('c1', 'o3', 1, null, 0, 0, 'sending', 0)
      insert.run('c2', 'o1', 1, 'pending', 0, 0, null, 0)
    } finally {
      db.close()
    }
    const store = await storeOn(place)
    for (const campaignId of ['c1', 'c2', 'none']) {
      const full = await store.followUp.recount(campaignId, LIMIT)
      expect(await store.followUp.counts(campaignId)).toEqual(full.counts)
      expect(await store.followUp.failures(campaignId, LIMIT)).toEqual(full.failures)
    }
    expect(await store.followUp.counts('c1')).toMatchObject({ tagged: 1, retagged: 1, failed: 1 })
  })
})

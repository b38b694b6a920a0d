// The Redis store's attendance rows on the wire: each row one packed stream field (its values
// joined by U+001F), so an export reads one string per row; a row whose values hold U+001F is
// written field by field, as every row was before, and the readers take both kinds, mixed in
// one stream.
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AttendanceRow, ExportRow } from '../../relay/store/attendance'
import { attendanceFields } from '../../relay/store/redis/attendance'
import { redisKeys } from '../../relay/store/redis/keys'
import { PACKED_ROW_FIELD } from '../../relay/store/redis/scripts'
import { openRedisStore } from '../../relay/store/redis/store'
import { eventIdOf } from '../../relay/store/store-util'
import type { NewEvent, RelayStore } from '../../relay/store/types'
import { startRedis, type TestRedis } from '../helpers/redis'
import { campaignBody } from './campaign-helpers'

let redis: TestRedis
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await redis?.stop()
})

const PREFIX = 'rows:'

function ev(n: number, over: Partial<NewEvent> = {}): NewEvent {
  return {
    id: eventIdOf(`rows/${n}`),
    event: 'scan',
    openid: `o-${n}`,
    scene: `k1:${n}`,
    ticket: `t${n}`,
    createTime: 1_764_633_600 + n,
    receivedAt: 1_764_633_600_000 + n * 1000,
    ...over,
  }
}

async function allRows(store: RelayStore): Promise<ExportRow[]> {
  const out: ExportRow[] = []
  for await (const page of store.attendance.rows({ kioskIds: null }, 2)) out.push(...page)
  return out
}

describe('Redis attendance rows', () => {
  it('packs each row into one field, falls back field by field, and reads both back', async () => {
    const store = await openRedisStore({ url: redis.url, prefix: PREFIX })
    const raw = new Redis(redis.url)
    try {
      await store.putKiosk({
        kioskId: 'k1',
        tokenHash: 'h',
        ticketProxy: true,
        sceneRanges: [],
        now: 1,
      })
      await store.campaigns.createCampaign(
        { ...campaignBody(), id: 'fair', screenKey: 'k'.repeat(43) },
        0,
      )
      const plain = ev(1, { event: 'subscribe', ticket: '' })
      const inCampaign = ev(2)
      const odd = ev(3, { scene: 'k1:a\u001fb' }) // no XML push carries U+001F; a row may
      await store.appendEvent('k1', plain)
      await store.appendEvent('k1', inCampaign, 'fair')
      await store.appendEvent('k1', odd)
      const key = redisKeys(PREFIX).attendance('k1').rows
      // A row stored before rows were packed, field by field.
      const old: Omit<AttendanceRow, 'kioskId' | 'seq'> = {
        ...ev(4),
        fallback: true,
        number: 7,
        firstInCampaign: false,
        campaignId: 'fair',
      }
      await raw.xadd(key, '10-0', ...attendanceFields(old))

      const entries = await raw.xrange(key, '-', '+')
      expect(entries.map(([, f]) => f.length)).toEqual([2, 2, 16, 22])
      expect(entries[0]?.[1][0]).toBe(PACKED_ROW_FIELD)

      const rows = await allRows(store)
      const base = (e: NewEvent, seq: number) => ({ ...e, kioskId: 'k1', seq, fallback: false })
      expect(rows).toEqual([
        base(plain, 1),
        { ...base(inCampaign, 2), number: 1, firstInCampaign: true, campaignId: 'fair' },
        base(odd, 3),
        { ...old, kioskId: 'k1', seq: 10 },
      ])
      // The console's table reads the same rows.
      const page = await store.attendance.page({
        kioskIds: null,
        search: '',
        offset: 0,
        limit: 10,
      })
      expect(page.rows.slice(0, 3)).toEqual(rows.slice(0, 3))
    } finally {
      raw.disconnect()
      await store.close()
    }
  })
})

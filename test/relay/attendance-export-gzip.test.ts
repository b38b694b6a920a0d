// The attendance CSV over a slow link: gzip-compressed to a client whose Accept-Encoding takes
// it, byte for byte the same sheet once decompressed (BOM included), `Vary: Accept-Encoding`
// either way, the plain bytes to a client that does not ask; XLSX (a zip already) never
// compressed; HEAD says what the GET would send; a compressed download the organizer abandons
// still stops the store reads and is logged as abandoned.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jsonLogger } from '../../relay/log'
import { openSqliteStore } from '../../relay/store/sqlite/store'
import type { RelayStore } from '../../relay/store/types'
import {
  countingReader,
  seedLongRows,
  serveAttendanceRoutes,
  type ServedRoutes,
} from './attendance-helpers'
import { until } from './campaign-helpers'
import { abandonAfter, rawRequest, type RawAnswer } from './raw-http'

let tmp: string
let store: RelayStore
let served: ServedRoutes
const ROWS = 3000

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'relay-att-gzip-'))
  store = openSqliteStore({ data: tmp })
  await seedLongRows(store, ROWS)
  served = await serveAttendanceRoutes(store)
})
afterAll(async () => {
  await served.close()
  await store.close()
  rmSync(tmp, { recursive: true, force: true })
})

function get(
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<RawAnswer> {
  return rawRequest(served.url, path, headers, method)
}

describe('the attendance CSV compressed', () => {
  it('is gzip to a client that takes it, the same bytes as the plain sheet once decompressed', async () => {
    const plain = await get('/console/api/attendance?format=csv')
    expect(plain.status).toBe(200)
    expect(plain.headers['content-encoding']).toBeUndefined()
    expect(plain.headers.vary).toBe('Accept-Encoding')
    expect([...plain.body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    for (const header of ['gzip', 'gzip, deflate, br', 'br;q=1, gzip;q=0.5', '*', 'x-gzip']) {
      const packed = await get('/console/api/attendance?format=csv', { 'Accept-Encoding': header })
      expect(packed.status, header).toBe(200)
      expect(packed.headers['content-encoding'], header).toBe('gzip')
      expect(packed.headers.vary).toBe('Accept-Encoding')
      expect(packed.headers['content-type']).toBe('text/csv; charset=utf-8')
      expect(packed.headers['content-disposition']).toBe(plain.headers['content-disposition'])
      expect(packed.headers['cache-control']).toBe('no-store')
      expect(gunzipSync(packed.body).equals(plain.body), header).toBe(true)
      expect(packed.body.length).toBeLessThan(plain.body.length / 3)
    }
  })

  it('is the plain sheet to a client that does not take gzip', async () => {
    for (const header of ['identity', 'br', 'gzip;q=0', '*;q=0', 'deflate', 'junk;;q=x']) {
      const a = await get('/console/api/attendance?format=csv', { 'Accept-Encoding': header })
      expect(a.headers['content-encoding'], header).toBeUndefined()
      expect([...a.body.subarray(0, 3)], header).toEqual([0xef, 0xbb, 0xbf])
    }
  })

  it('never compresses the XLSX (a zip already), and a HEAD says what its GET sends', async () => {
    const xlsx = await get('/console/api/attendance?format=xlsx', { 'Accept-Encoding': 'gzip' })
    expect(xlsx.headers['content-encoding']).toBeUndefined()
    expect(xlsx.headers.vary).toBeUndefined()
    expect(xlsx.body.subarray(0, 2).toString()).toBe('PK')
    for (const [format, header] of [
      ['csv', 'gzip'],
      ['csv', 'identity'],
      ['xlsx', 'gzip'],
    ] as const) {
      const path = `/console/api/attendance?format=${format}`
      const got = await get(path, { 'Accept-Encoding': header })
      const head = await get(path, { 'Accept-Encoding': header }, 'HEAD')
      expect(head.status).toBe(200)
      expect(head.body.length).toBe(0)
      for (const name of ['content-encoding', 'vary', 'content-type'])
        expect(head.headers[name], `${format} ${header} ${name}`).toBe(got.headers[name])
    }
  })

  it('a compressed download the organizer abandons stops the store reads and is logged as abandoned', async () => {
    const big = mkdtempSync(join(tmp, 'big-'))
    const bigStore = openSqliteStore({ data: big })
    const total = 20_000
    // Rows that compress little, so 1 MB of the download is well short of the sheet.
    await seedLongRows(bigStore, total, () => randomBytes(600).toString('base64'))
    const counting = countingReader(bigStore.attendance)
    const lines: string[] = []
    const s = await serveAttendanceRoutes(
      { attendance: counting.reader, subscribe: (l) => bigStore.subscribe(l) },
      { log: jsonLogger((l) => lines.push(l)) },
    )
    const logged = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>)
    try {
      // The organizer's browser takes 1 MB of the compressed sheet, then the download is cancelled.
      const sent = await abandonAfter(`${s.url}/console/api/attendance?format=csv`, 1024 * 1024, {
        'Accept-Encoding': 'gzip',
      })
      expect(sent['content-encoding']).toBe('gzip')
      await until(() => counting.finished(), 'the store reads ended', 10_000)
      expect(counting.handedOut()).toBeLessThan(total)
      await until(() => logged().length > 0, 'the export logged', 10_000)
      expect(logged().map((l) => [l.level, l.msg])).toEqual([
        ['warn', 'attendance export abandoned by the client'],
      ])
      // One read to its end compressed is logged as exported, every row counted.
      lines.length = 0
      const whole = (
        await rawRequest(s.url, '/console/api/attendance?format=csv', { 'Accept-Encoding': 'gzip' })
      ).body
      expect(gunzipSync(whole).toString('utf8').split('\r\n').length).toBe(total + 2)
      await until(() => logged().length > 0, 'the export logged', 10_000)
      expect(logged().map((l) => [l.level, l.msg, l.rows])).toEqual([
        ['info', 'attendance exported', total],
      ])
    } finally {
      await s.close()
      await bigStore.close()
    }
  }, 60_000)
})

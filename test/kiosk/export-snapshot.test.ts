// An export reads one snapshot of the attendance: a change committed while its pages go out (an
// erasure pseudonymising a visitor's rows, a new scan) is in none of its rows or in all of them.
// Paged on the core's connection, each page read the table as it was then: an erasure applied
// mid-export left some of the erased visitor's rows in the sheet under their openid and the
// rest under the pseudonym.
import { Writable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import type { KioskDb } from '../../electron/core/db/db'
import { exportAttendance } from '../../electron/core/export/export'
import { attendanceDb, cleanup } from './helpers'

afterEach(cleanup)

const ROWS = 30
const PAGE = 5

function seeded(): KioskDb {
  // One visitor's scans spread over every page, among others'.
  return attendanceDb(ROWS, (i) => (i % 3 === 0 ? 'o_erased' : `o-${i}`))
}

/** A destination that keeps the CSV's text. */
function collect(): { out: Writable; text: () => string } {
  const chunks: Buffer[] = []
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk)
      done()
    },
  })
  return { out, text: () => Buffer.concat(chunks).toString('utf8') }
}

describe('an export and a change made while it runs', () => {
  it('reads the attendance as it was when the export started, in every page', async () => {
    const db = seeded()
    const { out, text } = collect()
    let changed = false
    const { rows } = await exportAttendance({
      db,
      campaignId: null,
      format: 'csv',
      out,
      locale: 'en',
      pageSize: PAGE,
      onProgress: (done) => {
        if (done !== PAGE || changed) return
        // After the first page, as the relay's erasure frame and a new scan would be stored.
        changed = true
        db.prepare("UPDATE attendance SET openid = 'erased:1' WHERE openid = 'o_erased'").run()
        db.prepare(
          `INSERT INTO attendance (event_id, campaign_id, kiosk_id, openid, scene, ticket, kind,
             create_time, received_at, first_visit, check_in_number, roster_entry_id,
             unknown_ticket)
           VALUES ('ev-new', 'expo', 'k1', 'o-new', 'k1:abc', 'T', 'scan', 1700000000,
             1700000000000, 1, 99, NULL, 0)`,
        ).run()
      },
    })
    expect(changed).toBe(true)
    const sheet = text()
    expect(rows).toBe(ROWS)
    expect(sheet.match(/o_erased/g)?.length).toBe(ROWS / 3)
    expect(sheet).not.toContain('erased:1')
    expect(sheet).not.toContain('ev-new')
    // The change itself is stored: the next export has it whole.
    const next = collect()
    await exportAttendance({ db, campaignId: null, format: 'csv', out: next.out, locale: 'en' })
    expect(next.text()).not.toContain('o_erased')
    expect(next.text().match(/erased:1/g)?.length).toBe(ROWS / 3)
    expect(next.text()).toContain('ev-new')
  })
})

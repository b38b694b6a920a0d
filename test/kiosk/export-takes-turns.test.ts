// An export runs on the kiosk core's event loop, the one scans, greetings and the screen's
// calls arrive on. A local file takes a whole export without ever asking the writer to wait,
// so the export must give the loop a turn itself: after each page, whatever the destination.
// Else a day-3 booth's 60,000 rows went out in long stretches with every scan's greeting held.
import { Writable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import type { KioskDb } from '../../electron/core/db/db'
import { exportAttendance } from '../../electron/core/export/export'
import { attendanceDb, cleanup } from './helpers'

afterEach(cleanup)

const ROWS = 50
const PAGE = 10

function seeded(): KioskDb {
  return attendanceDb(ROWS)
}

/** A destination that takes everything at once, as a local file does. */
function takesAll(): Writable {
  return new Writable({
    highWaterMark: 1 << 30,
    write(_chunk, _encoding, done) {
      done()
    },
  })
}

describe('an export and the event loop', () => {
  for (const format of ['csv', 'xlsx'] as const) {
    it(`${format}: work queued on the loop runs between the export's pages`, async () => {
      const db = seeded()
      let turns = 0
      let running = true
      const tick = (): void => {
        turns++
        if (running) setImmediate(tick)
      }
      setImmediate(tick)
      const turnsAtPage: number[] = []
      try {
        await exportAttendance({
          db,
          campaignId: null,
          format,
          out: takesAll(),
          locale: 'zh-CN',
          pageSize: PAGE,
          onProgress: (done) => {
            if (done > 0) turnsAtPage.push(turns)
          },
        })
      } finally {
        running = false
      }
      expect(turnsAtPage).toHaveLength(ROWS / PAGE)
      // Each page after the first was read only after the loop had had a turn.
      for (let i = 1; i < turnsAtPage.length; i++) {
        expect(turnsAtPage[i]).toBeGreaterThan(turnsAtPage[i - 1] ?? Infinity)
      }
    })
  }
})

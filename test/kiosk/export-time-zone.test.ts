// The kiosk's export in the kiosk's time zone: the file's name and the sheet's times are the same
// local time. The zone is set for this process (Asia/Shanghai, 8 hours ahead of UTC), so the
// test means the same on a machine on UTC and on one in China.
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ExportJobs } from '../../electron/core/export/export-jobs'
import { openKioskDb } from '../../electron/core/db/db'
import type { ExportProgress } from '../../shared/domain'
import { cleanup, onCleanup, tempDir, waitFor } from './helpers'

const zoneBefore = process.env.TZ
beforeAll(() => {
  process.env.TZ = 'Asia/Shanghai'
})
afterAll(() => {
  if (zoneBefore === undefined) delete process.env.TZ
  else process.env.TZ = zoneBefore
})
afterEach(cleanup)

describe('kiosk export in the local time zone', () => {
  it("names the admin area's export file by local time, as the sheet's times are", async () => {
    const dir = tempDir()
    const db = openKioskDb(join(dir, 'kiosk.db'))
    onCleanup(() => {
      db.close()
    })
    const seen: ExportProgress[] = []
    // 2026-05-01 23:30:15 UTC is 2026-05-02 07:30:15 in China.
    const now = Date.UTC(2026, 4, 1, 23, 30, 15)
    const jobs = new ExportJobs({
      db,
      dir: join(dir, 'exports'),
      now: () => now,
      locale: () => 'zh-CN',
      onProgress: (p) => seen.push(p),
    })
    jobs.start('expo', 'csv')
    await jobs.whenIdle()
    const done = await waitFor(() => seen.find((p) => p.state === 'done'), 'export done')
    expect(done.fileName).toBe('attendance-expo-20260502-073015.csv')
  })
})

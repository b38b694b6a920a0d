// The admin area's export jobs: each export's entry was kept for as long as the kiosk ran, so a
// booth left up for a season (every export of every day) held one per export, for good. Now a
// failed export is forgotten once reported, and only the latest finished ones stay downloadable;
// an older one's link is refused as not found (the Export page then offers it again).
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type * as ExportModule from '../../electron/core/export/export'
import { KEPT_EXPORTS } from '../../electron/core/export/export-jobs'
import { cleanup, exportJobsIn, tempDir } from './helpers'

afterEach(cleanup)

/** Campaign `slow`'s and `slower`'s exports wait to be let go: long exports beside short ones. */
const gates = vi.hoisted(() => {
  const opened = new Map<string, () => void>()
  const gate = new Map<string, Promise<void>>()
  for (const id of ['slow', 'slower']) {
    gate.set(id, new Promise<void>((resolve) => opened.set(id, resolve)))
  }
  return { gate, open: (id: string) => opened.get(id)?.() }
})
vi.mock('../../electron/core/export/export', async (importOriginal) => {
  const actual = await importOriginal<typeof ExportModule>()
  return {
    ...actual,
    exportAttendance: async (o: Parameters<typeof actual.exportAttendance>[0]) => {
      if (o.campaignId !== null) await gates.gate.get(o.campaignId)
      return actual.exportAttendance(o)
    },
  }
})

const jobsIn = (dir: string) =>
  exportJobsIn(dir, { locale: () => 'en', downloadUrl: (id) => `/api/export/${id}` })

describe('the export jobs a kiosk keeps', () => {
  it('keeps the latest finished exports downloadable and forgets the older ones', async () => {
    const { jobs } = jobsIn(tempDir())
    const ids: string[] = []
    for (let i = 0; i < KEPT_EXPORTS + 5; i++) {
      ids.push(jobs.start('expo', 'csv'))
      await jobs.whenIdle()
    }
    expect(jobs.size()).toBe(KEPT_EXPORTS)
    for (const id of ids.slice(0, 5)) expect(jobs.file(id)).toBeNull()
    for (const id of ids.slice(5)) expect(jobs.file(id)?.fileName).toMatch(/\.csv$/)
  })

  it('forgets a failed export once it has been reported', async () => {
    // A file where the folder should be: every export fails (mkdir refuses).
    const blocked = join(tempDir(), 'not-a-folder')
    writeFileSync(blocked, '')
    const { jobs, seen } = jobsIn(blocked)
    for (let i = 0; i < 3; i++) {
      jobs.start('expo', 'csv')
      await jobs.whenIdle()
    }
    expect(seen.filter((p) => p.state === 'failed')).toHaveLength(3)
    expect(jobs.size()).toBe(0)
  })

  it('never forgets an export still running', async () => {
    const { jobs, seen } = jobsIn(tempDir())
    const ids = Array.from({ length: KEPT_EXPORTS + 3 }, () => jobs.start('expo', 'csv'))
    expect(jobs.size()).toBe(KEPT_EXPORTS + 3)
    await jobs.whenIdle()
    for (const id of ids)
      expect(seen.some((p) => p.exportId === id && p.state === 'done')).toBe(true)
    expect(jobs.size()).toBe(KEPT_EXPORTS)
    expect(jobs.file(ids.at(-1) ?? '')).not.toBeNull()
  })

  it('keeps a long export downloadable when it finishes, however early it started', async () => {
    // Started first, finished last: the export staff are waiting on, not the oldest to forget.
    const { jobs, seen } = jobsIn(tempDir())
    const finished = (id: string) => seen.some((p) => p.exportId === id && p.state === 'done')
    const long = jobs.start('slow', 'csv')
    for (let i = 0; i < KEPT_EXPORTS; i++) {
      const id = jobs.start('expo', 'csv')
      await vi.waitFor(() => expect(finished(id)).toBe(true), { timeout: 10_000 })
    }
    // Another long one still running when the first finishes.
    const last = jobs.start('slower', 'csv')
    gates.open('slow')
    await vi.waitFor(() => expect(finished(long)).toBe(true), { timeout: 10_000 })
    gates.open('slower')
    await jobs.whenIdle()
    const done = seen.find((p) => p.exportId === long && p.state === 'done')
    expect(done?.downloadUrl).toBe(`/api/export/${long}`)
    expect(jobs.file(long)).not.toBeNull()
    expect(jobs.file(last)).not.toBeNull()
    expect(jobs.size()).toBe(KEPT_EXPORTS)
  })
})

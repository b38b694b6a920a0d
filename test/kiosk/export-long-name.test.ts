// A kiosk export is named after its campaign (up to 60 characters of it), and written first
// under a longer hidden temporary name. Linux and macOS (APFS) take at most 255 bytes of UTF-8
// in a file's name: a campaign named in emoji or rare (4-byte) characters made the export fail
// with ENAMETOOLONG ("export failed, retry"), however often staff retried.
import { existsSync } from 'node:fs'
import { basename } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { ExportProgress, Locale } from '../../shared/domain'
import { cleanup, exportJobsIn, tempDir, waitFor } from './helpers'

afterEach(cleanup)

async function exported(name: string, locale: Locale): Promise<ExportProgress> {
  const { jobs, seen } = exportJobsIn(tempDir(), { locale: () => locale, campaignName: () => name })
  jobs.start('expo', 'xlsx')
  await jobs.whenIdle()
  return waitFor(() => seen.find((p) => p.state !== 'running'), 'export over')
}

describe('an export of a campaign with a long name', () => {
  it.each([
    ['emoji', '🎉'.repeat(80), 'zh-CN'],
    ['rare characters (4 bytes each)', '𠀀𡈽'.repeat(40), 'en'],
    ['Chinese and emoji', `${'春季展会'.repeat(14).slice(1)}🎉🎉🎉🎉🎉`, 'zh-CN'],
  ] as const)('named in %s is saved, its name within 255 bytes', async (_, name, locale) => {
    const done = await exported(name, locale)
    expect(done.error).toBeNull()
    expect(done.state).toBe('done')
    const saved = done.savedPath ?? ''
    expect(existsSync(saved)).toBe(true)
    expect(Buffer.byteLength(basename(saved))).toBeLessThanOrEqual(255)
    expect(done.fileName.startsWith(name.slice(0, 8))).toBe(true)
  })
})

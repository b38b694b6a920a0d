// `kiosk export` takes no folder lock (a running booth keeps its own), so a clear can begin
// after the export has checked for clearing.json and while it reads: on Linux and macOS the
// clear's removal of kiosk.db does not stop a reader that has it open, and the sheet of the
// guests being erased was written whole. The export looks again before its file appears.
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, expect, it, vi } from 'vitest'
import { runExportCommand } from '../../electron/core/cli/cli-export'
import type * as ExportModule from '../../electron/core/export/export'
import { cleanup, seededExportDir, tempDir } from './helpers'

/** Called as the export starts reading the database. */
let startsReading: () => void = () => {}

vi.mock('../../electron/core/export/export', async (importOriginal) => {
  const real = await importOriginal<typeof ExportModule>()
  return {
    ...real,
    exportAttendance: (...args: Parameters<typeof real.exportAttendance>) => {
      startsReading()
      return real.exportAttendance(...args)
    },
  }
})

afterEach(async () => {
  startsReading = () => {}
  vi.restoreAllMocks()
  await cleanup()
})

it('a clear begun while the export reads: no file, exit 1 saying the check-ins are being erased', async () => {
  const data = seededExportDir()
  const outDir = tempDir()
  const stderr: string[] = []
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr.push(String(chunk))
    return true
  })
  // What `kiosk clear` puts on disk before it removes anything.
  startsReading = () => writeFileSync(join(data, 'clearing.json'), '{"version":1,"since":1}\n')
  const out = join(outDir, 'att.csv')
  const status = await runExportCommand(['--data', data, '--campaign', 'expo', '--out', out])
  expect(status).toBe(1)
  expect(existsSync(out)).toBe(false)
  expect(readdirSync(outDir)).toEqual([])
  expect(stderr.join('')).toContain('签到记录正在被清除')
  expect(stderr.join('')).toContain('its check-ins are being erased')
})

it('the same export with no clear begun writes its file', async () => {
  const data = seededExportDir()
  const outDir = tempDir()
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
  const out = join(outDir, 'att.csv')
  expect(await runExportCommand(['--data', data, '--campaign', 'expo', '--out', out])).toBe(0)
  expect(readdirSync(outDir)).toEqual(['att.csv'])
})

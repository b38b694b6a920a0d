// A file sent as XLSX that is no ZIP at all (a PNG, a PDF renamed .xlsx) is refused without
// starting the XLSX worker thread, with the answer the worker gave it; a ZIP still goes to the
// worker.
import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import JSZip from 'jszip'
import { Workbook } from '../../shared/roster/xlsx'
import { parseRosterFile } from '../../shared/roster/roster-import'
import type * as XlsxThread from '../../shared/roster/xlsx-thread'

const started = vi.hoisted(() => ({ count: 0 }))

vi.mock('../../shared/roster/xlsx-thread', async (importOriginal) => {
  const real = await importOriginal<typeof XlsxThread>()
  return {
    ...real,
    readXlsxInWorker: (data: Buffer) => {
      started.count++
      return real.readXlsxInWorker(data)
    },
  }
})

/** What the worker answered for bytes JSZip cannot open: its error, worded by parseRosterFile. */
async function workerAnswer(data: Buffer) {
  const err = await JSZip.loadAsync(data).then(
    () => null,
    (e: unknown) => e,
  )
  if (!(err instanceof Error)) throw new Error('JSZip read the bytes')
  return {
    rows: [],
    badRows: 0,
    fatal: true,
    errors: [
      {
        row: 1,
        column: null,
        code: 'unreadable',
        params: { format: 'XLSX' },
        message: `the file cannot be read as XLSX: ${err.message}`,
      },
    ],
  }
}

async function workbook(): Promise<Buffer> {
  const wb = new Workbook()
  const ws = wb.addWorksheet('a')
  ws.addRow(['name'])
  ws.addRow(['Ann'])
  return Buffer.from(await wb.xlsx.writeBuffer())
}

describe('an XLSX upload that is no ZIP', () => {
  it('a PNG is refused as unreadable XLSX, with the worker’s answer, and no worker is started', async () => {
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]),
      Buffer.alloc(4000, 7),
    ])
    started.count = 0
    expect(await parseRosterFile('xlsx', png)).toEqual(await workerAnswer(png))
    expect(started.count).toBe(0)
  })

  it('any bytes with no ZIP header or directory get the same answer, a worker never started', async () => {
    const header = Buffer.from([0x50, 0x4b, 0x03, 0x04])
    const end = Buffer.from([0x50, 0x4b, 0x05, 0x06])
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 300 }), async (bytes) => {
        // A NUL byte: no text, so it is read as what it was declared (XLSX).
        const data = Buffer.concat([Buffer.from(bytes), Buffer.from([0])])
        fc.pre(!data.subarray(0, 4).equals(header) && !data.includes(end))
        started.count = 0
        expect(await parseRosterFile('xlsx', data)).toEqual(await workerAnswer(data))
        expect(started.count).toBe(0)
      }),
      { seed: 202, numRuns: 60 },
    )
  })

  it('a workbook, one with bytes before it, and an empty ZIP still go to the worker', async () => {
    const xlsx = await workbook()
    started.count = 0
    expect((await parseRosterFile('xlsx', xlsx)).rows).toHaveLength(1)
    // JSZip finds a ZIP after other bytes by its directory: read as before.
    const prefixed = Buffer.concat([Buffer.from('MZ\0\0stub'), xlsx])
    expect((await parseRosterFile('xlsx', prefixed)).rows).toHaveLength(1)
    // An empty ZIP (only its end record) is an empty file, as before.
    const empty = Buffer.concat([Buffer.from([0x50, 0x4b, 0x05, 0x06]), Buffer.alloc(18)])
    expect((await parseRosterFile('xlsx', empty)).errors).toMatchObject([{ code: 'file_empty' }])
    expect(started.count).toBe(3)
  })

  it('a workbook after more than 8 KiB of text is a workbook, whatever it was sent as', async () => {
    // Only the first 8 KiB were looked at: a ZIP behind a longer text preamble (as JSZip reads
    // it, by its end record) was read as a CSV of garbage, on the relay (a generic type is sent
    // as CSV) and on the kiosk (a .csv name, or an .xlsx name past the NUL check).
    const xlsx = await workbook()
    for (const preamble of [8 * 1024 + 1, 40 * 1024]) {
      const prefixed = Buffer.concat([Buffer.from('x,'.repeat(preamble / 2 + 1) + '\n'), xlsx])
      for (const declared of ['csv', 'xlsx'] as const) {
        const parsed = await parseRosterFile(declared, prefixed)
        expect(parsed.errors).toEqual([])
        expect(parsed.rows.map((r) => r.name)).toEqual(['Ann'])
      }
    }
  })

  it('a CSV holding the bytes of a ZIP end record is still read as CSV', async () => {
    // The record must add up (its comment reaching the last byte, its directory before it).
    const end = '\u0050\u004b\u0005\u0006'
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 30 }), fc.nat({ max: 40 }), async (note, pad) => {
        const text = `name,note\r\nAnn,"${end}${note.replace(/"/g, '')}${' '.repeat(pad)}"`
        const parsed = await parseRosterFile('csv', Buffer.from(text))
        expect(parsed.fatal).toBe(false)
        expect(parsed.rows.map((r) => r.name)).toEqual(['Ann'])
      }),
      { seed: 216, numRuns: 40 },
    )
  })
})

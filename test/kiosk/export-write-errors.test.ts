/**
 * A sheet whose destination fails part-way (a full disk, a file that could not be opened) must
 * say so: the export fails with the destination's own error and nothing reads it as done.
 * Before, the error came and went while the rows were written, `end` waited for 'finish' or an
 * 'error' that had already passed, and the sheet read finished (or the error went uncaught).
 */
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import type { Cell } from '../../shared/export/cells'
import { csvSink, type SheetSink } from '../../shared/export/sinks'
import { xlsxStreamSink } from '../../shared/export/xlsx-writer'
import { writeAtomically } from '../../electron/core/export/atomic-file'

type Row = { name: string }
const toCells = (r: Row, cells: Cell[]): void => {
  cells[0] = r.name
}
const ROWS: Row[] = Array.from({ length: 50 }, (_, i) => ({ name: `访客 ${i}` }))

/** A destination whose every write fails, after a turn of the event loop, as a disk would. */
function fullDisk(): Writable {
  const out = new Writable({
    write(_chunk, _enc, cb) {
      setImmediate(() => cb(new Error('ENOSPC: no space left on device')))
    },
  })
  // The caller's own listener (as writeAtomically has): the error is kept in out.errored.
  out.on('error', () => undefined)
  return out
}

const sinks: Array<[string, (out: Writable) => Promise<SheetSink<Row>>]> = [
  ['csv', (out) => Promise.resolve(csvSink(out, ['姓名'], toCells))],
  ['xlsx', (out) => xlsxStreamSink(out, ['姓名'], toCells)],
]

describe.each(sinks)('a %s sheet on a destination that fails', (_format, make) => {
  it('fails its end with the destination error, when the error passed while rows were written', async () => {
    const out = fullDisk()
    const settle = async (): Promise<void> => {
      const sink = await make(out)
      await sink.write(ROWS)
      await new Promise((r) => setTimeout(r, 20))
      await sink.end()
    }
    await expect(settle()).rejects.toThrow('ENOSPC')
  })

  it('fails its end when the error comes during the end itself', async () => {
    let writes = 0
    let failing = false
    const out = new Writable({
      write(_chunk, _enc, cb) {
        writes++
        setImmediate(() => cb(failing ? new Error('EIO: i/o error') : null))
      },
      final(cb) {
        failing = true
        cb()
      },
    })
    out.on('error', () => undefined)
    const sink = await make(out)
    await sink.write(ROWS)
    // The writes so far succeed; a late failure shows in end's own callback.
    out.destroy(new Error('EIO: i/o error'))
    await expect(sink.end()).rejects.toThrow('EIO')
    expect(writes).toBeGreaterThan(0)
  })
})

describe('writeAtomically around a sheet', () => {
  it('a folder that cannot take the file fails the export with the open error and leaves nothing', async () => {
    const missing = `/nonexistent-${process.pid}/sheet.csv`
    await expect(
      writeAtomically(missing, async (out) => {
        const sink = csvSink(out, ['姓名'], toCells)
        await sink.write(ROWS)
        await new Promise((r) => setTimeout(r, 20))
        await sink.end()
      }),
    ).rejects.toMatchObject({ code: 'ENOENT', syscall: 'open' })
  })
})

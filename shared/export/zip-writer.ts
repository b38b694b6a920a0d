/**
 * A streamed ZIP writer, just enough for an OOXML package: small parts deflated whole, one large
 * part deflated as it is produced (data descriptor, general-purpose bit 3), then the central
 * directory. Hand-written because no streaming zip library is a direct dependency (archiver
 * and zip-stream are only exceljs's own, and exceljs's writer is what did not respect
 * backpressure). Every write waits for the destination, so memory stays flat.
 *
 * No ZIP64: it is only needed past 4 GiB in one part or in the file, or past 65,535 parts. A
 * part or file that would pass 4 GiB fails the write instead (about 7,000,000 attendance rows);
 * the download is then cut short, never silently wrong.
 */
import { once } from 'node:events'
import type { Writable } from 'node:stream'
import { constants, crc32, createDeflateRaw, deflateRawSync } from 'node:zlib'

const LIMIT = 0xffffffff
/** Deflate level: 1 is several times faster than the default 6 for ~1.3× the bytes here. */
export const ZIP_DEFLATE_LEVEL = constants.Z_BEST_SPEED
const FLAG_DESCRIPTOR = 0x0008
const FLAG_UTF8 = 0x0800

interface Entry {
  name: Buffer
  flags: number
  crc: number
  compressed: number
  size: number
  offset: number
}

/** Why `out` takes nothing more: its own error (a full disk), else its reader went away. */
export function closedError(out: Writable): Error {
  return out.errored ?? new Error('destination closed')
}

/**
 * Waits until `out` drains; fails if it closes or errors first (a reader that went away), with
 * the destination's own error when it has one (a full disk).
 */
export async function drained(out: Writable): Promise<void> {
  if (out.destroyed) throw closedError(out)
  const ac = new AbortController()
  try {
    await Promise.race([
      once(out, 'drain', { signal: ac.signal }),
      once(out, 'close', { signal: ac.signal }).then(() => {
        throw closedError(out)
      }),
    ])
  } finally {
    ac.abort()
  }
}

/** The local date and time as MS-DOS packs them (2-second resolution, from 1980). */
function dosTime(at: Date): { time: number; date: number } {
  const year = Math.max(1980, at.getFullYear())
  return {
    time: (at.getHours() << 11) | (at.getMinutes() << 5) | (at.getSeconds() >> 1),
    date: ((year - 1980) << 9) | ((at.getMonth() + 1) << 5) | at.getDate(),
  }
}

/** A part being written: `write` deflates, counts and checksums as it goes. */
export interface ZipPart {
  write(data: Buffer): Promise<void>
  end(): Promise<void>
}

export class ZipWriter {
  private readonly entries: Entry[] = []
  private offset = 0
  private readonly stamp: { time: number; date: number }

  constructor(
    private readonly out: Writable,
    at = new Date(),
  ) {
    this.stamp = dosTime(at)
  }

  private async emit(chunk: Buffer): Promise<void> {
    this.offset += chunk.length
    if (this.offset > LIMIT) throw new Error('zip larger than 4 GiB (ZIP64 not supported)')
    if (!this.out.write(chunk)) await drained(this.out)
  }

  private localHeader(e: Entry): Buffer {
    const h = Buffer.alloc(30)
    h.writeUInt32LE(0x04034b50, 0)
    h.writeUInt16LE(20, 4)
    h.writeUInt16LE(e.flags, 6)
    h.writeUInt16LE(8, 8)
    h.writeUInt16LE(this.stamp.time, 10)
    h.writeUInt16LE(this.stamp.date, 12)
    // With a data descriptor these stay 0 here and follow the data.
    h.writeUInt32LE(e.crc, 14)
    h.writeUInt32LE(e.compressed, 18)
    h.writeUInt32LE(e.size, 22)
    h.writeUInt16LE(e.name.length, 26)
    h.writeUInt16LE(0, 28)
    return Buffer.concat([h, e.name])
  }

  /** A small part, deflated in one go (sizes known up front: no descriptor). */
  async add(name: string, text: string): Promise<void> {
    const data = Buffer.from(text, 'utf8')
    const body = deflateRawSync(data, { level: ZIP_DEFLATE_LEVEL })
    const e: Entry = {
      name: Buffer.from(name, 'utf8'),
      flags: FLAG_UTF8,
      crc: crc32(data),
      compressed: body.length,
      size: data.length,
      offset: this.offset,
    }
    this.entries.push(e)
    await this.emit(this.localHeader(e))
    await this.emit(body)
  }

  /**
   * A part streamed through deflate. Backpressure end to end: `write` waits while deflate's
   * intake is full, and deflate's output is only read as fast as the destination drains.
   */
  async open(name: string): Promise<ZipPart> {
    const e: Entry = {
      name: Buffer.from(name, 'utf8'),
      flags: FLAG_UTF8 | FLAG_DESCRIPTOR,
      crc: 0,
      compressed: 0,
      size: 0,
      offset: this.offset,
    }
    this.entries.push(e)
    await this.emit(this.localHeader(e))
    const deflate = createDeflateRaw({ level: ZIP_DEFLATE_LEVEL })
    const pumped = (async () => {
      for await (const chunk of deflate as AsyncIterable<Buffer>) {
        e.compressed += chunk.length
        await this.emit(chunk)
      }
    })()
    // Settled here too, so a failed pump is not an unhandled rejection before `end`.
    const state: { failure: Error | null } = { failure: null }
    pumped.catch((err: unknown) => {
      state.failure = err instanceof Error ? err : new Error(String(err))
      deflate.destroy()
    })
    const check = (): void => {
      if (state.failure !== null) throw state.failure
    }
    return {
      write: async (data) => {
        check()
        e.size += data.length
        if (e.size > LIMIT) throw new Error('zip part larger than 4 GiB (ZIP64 not supported)')
        e.crc = crc32(data, e.crc)
        if (!deflate.write(data)) {
          await Promise.race([once(deflate, 'drain'), pumped])
          check()
        }
      },
      end: async () => {
        deflate.end()
        await pumped
        const d = Buffer.alloc(16)
        d.writeUInt32LE(0x08074b50, 0)
        d.writeUInt32LE(e.crc, 4)
        d.writeUInt32LE(e.compressed, 8)
        d.writeUInt32LE(e.size, 12)
        await this.emit(d)
      },
    }
  }

  /** The central directory and its end record; the destination is not ended. */
  async finish(): Promise<void> {
    const start = this.offset
    for (const e of this.entries) {
      const c = Buffer.alloc(46)
      c.writeUInt32LE(0x02014b50, 0)
      c.writeUInt16LE(20, 4)
      c.writeUInt16LE(20, 6)
      c.writeUInt16LE(e.flags, 8)
      c.writeUInt16LE(8, 10)
      c.writeUInt16LE(this.stamp.time, 12)
      c.writeUInt16LE(this.stamp.date, 14)
      c.writeUInt32LE(e.crc, 16)
      c.writeUInt32LE(e.compressed, 20)
      c.writeUInt32LE(e.size, 24)
      c.writeUInt16LE(e.name.length, 28)
      // extra, comment, disk, internal and external attributes: 0
      c.writeUInt32LE(e.offset, 42)
      await this.emit(Buffer.concat([c, e.name]))
    }
    const end = Buffer.alloc(22)
    end.writeUInt32LE(0x06054b50, 0)
    end.writeUInt16LE(this.entries.length, 8)
    end.writeUInt16LE(this.entries.length, 10)
    end.writeUInt32LE(this.offset - start, 12)
    end.writeUInt32LE(start, 16)
    await this.emit(end)
  }
}

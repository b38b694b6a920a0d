/**
 * A minimal zip writer for tests that need zips no well-behaved library writes: entries whose
 * headers lie about their sizes, and deflate streams that inflate a thousandfold.
 */
import { createGzip, deflateRawSync } from 'node:zlib'
import JSZip from 'jszip'

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

export function crc32(data: Buffer, previous = 0): number {
  let c = ~previous >>> 0
  for (const byte of data) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8)
  return ~c >>> 0
}

export interface ZipEntry {
  name: string
  /** Raw deflate data. */
  deflated: Buffer
  crc: number
  /** The real inflated size. */
  size: number
  /** What the local and central headers claim instead of `size`. */
  declaredSize?: number
}

export function deflatedEntry(name: string, data: Buffer): ZipEntry {
  return { name, deflated: deflateRawSync(data), crc: crc32(data), size: data.length }
}

/**
 * `size` bytes of `byte`, deflated a MiB at a time (never held inflated).
 */
export function bombEntry(name: string, size: number, byte = 0x20): Promise<ZipEntry> {
  const chunk = Buffer.alloc(1024 * 1024, byte)
  function* chunks() {
    for (let left = size; left > 0; left -= chunk.length)
      yield left >= chunk.length ? chunk : chunk.subarray(0, left)
  }
  return streamedEntry(name, chunks())
}

/**
 * An entry whose content is the concatenated `chunks`, deflated as they come (never held whole).
 * Gzip is deflate with a 10-byte header and a trailer holding the CRC-32 and the size, so zlib
 * computes both natively.
 */
export async function streamedEntry(
  name: string,
  chunks: Iterable<Buffer>,
  level = 9,
): Promise<ZipEntry> {
  const gzip = createGzip({ level })
  const out: Buffer[] = []
  gzip.on('data', (b: Buffer) => out.push(b))
  const done = new Promise<void>((resolve, reject) => {
    gzip.on('end', resolve)
    gzip.on('error', reject)
  })
  let size = 0
  for (const part of chunks) {
    size += part.length
    if (!gzip.write(part)) await new Promise((r) => gzip.once('drain', r))
  }
  gzip.end()
  await done
  const gz = Buffer.concat(out)
  return {
    name,
    deflated: gz.subarray(10, gz.length - 8),
    crc: gz.readUInt32LE(gz.length - 8),
    size,
  }
}

export function writeZip(entries: ZipEntry[]): Buffer {
  const parts: Buffer[] = []
  const central: Buffer[] = []
  let offset = 0
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8')
    const size = e.declaredSize ?? e.size
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4) // version needed
    local.writeUInt16LE(0x0800, 6) // flags: UTF-8 names
    local.writeUInt16LE(8, 8) // deflate
    local.writeUInt16LE(0, 10) // time
    local.writeUInt16LE(0x21, 12) // date: 1980-01-01
    local.writeUInt32LE(e.crc, 14)
    local.writeUInt32LE(e.deflated.length, 18)
    local.writeUInt32LE(size, 22)
    local.writeUInt16LE(name.length, 26)
    local.writeUInt16LE(0, 28)
    const cd = Buffer.alloc(46)
    cd.writeUInt32LE(0x02014b50, 0)
    cd.writeUInt16LE(20, 4) // made by
    local.copy(cd, 6, 4, 30) // version needed … name length, as in the local header
    cd.writeUInt16LE(0, 30) // extra
    cd.writeUInt16LE(0, 32) // comment
    cd.writeUInt32LE(offset, 42)
    central.push(cd, name)
    parts.push(local, name, e.deflated)
    offset += local.length + name.length + e.deflated.length
  }
  const cdBytes = Buffer.concat(central)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(cdBytes.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...parts, cdBytes, end])
}

/** The entries of an existing zip (e.g. a workbook exceljs wrote), to rebuild it with extras. */
export async function entriesOf(zip: Buffer): Promise<ZipEntry[]> {
  const z = await JSZip.loadAsync(zip)
  const out: ZipEntry[] = []
  for (const f of Object.values(z.files)) {
    if (!f.dir) out.push(deflatedEntry(f.name, await f.async('nodebuffer')))
  }
  return out
}

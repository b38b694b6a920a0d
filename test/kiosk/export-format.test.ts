// The CSV writer is hand-rolled for speed: its output must stay byte for byte what
// csv-stringify (which it replaced) wrote for the same cells, with formula escaping, and local
// times must read as before.
import { createWriteStream, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough, Writable } from 'node:stream'
import { stringify } from 'csv-stringify/sync'
import { afterEach, describe, expect, it } from 'vitest'
import { openKioskDb } from '../../electron/core/db/db'
import {
  csvRecord,
  escapeFormula,
  EXPORT_COLUMNS,
  exportAttendance,
  formatLocalTime,
  type ExportRecord,
} from '../../electron/core/export/export'
import { CSV_CHUNK_CHARS, csvSink, QUEUED_BYTES } from '../../shared/export/sinks'
import { cleanup, onCleanup, tempDir } from './helpers'

afterEach(cleanup)

const reference = (cells: Array<string | number>) =>
  stringify([cells], { record_delimiter: 'windows' })
/** docs/DESIGN.md "The kiosk", formula escaping: a trigger first, or after leading white space; tab, CR. */
const dangerous = /^(?:[\t\r]|\s*[=+\-@])/
const referenceEscape = (c: string | number) =>
  typeof c === 'string' && dangerous.test(c) ? `'${c}` : c

/** Deterministic pseudo-random strings over the characters CSV cares about. */
function strings(count: number): string[] {
  const alphabet = [
    'a',
    'Z',
    '0',
    ' ',
    ',',
    '"',
    '\r',
    '\n',
    '\t',
    '=',
    '+',
    '-',
    '@',
    "'",
    '王',
    ';',
  ]
  let seed = 42
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31)
  return Array.from({ length: count }, () =>
    Array.from({ length: next() % 7 }, () => alphabet[next() % alphabet.length]).join(''),
  )
}

describe('CSV format', () => {
  it('escapes what a spreadsheet opens as a formula, also behind leading white space', () => {
    // Before: only a trigger in first place. LibreOffice's CSV import trims spaces when asked
    // (the choice is remembered), and Google Sheets and many converters trim them, after which
    // the cell starts with = and is run.
    for (const cell of [
      '=1+1',
      '+86 138',
      '-2',
      '@SUM(A1)',
      '\t1',
      '\r1',
      ' =HYPERLINK("http://x","y")',
      '   +1',
      '\n=1',
      '\u00a0=1',
      '\u3000@A1',
      ' \t-1',
    ]) {
      expect(escapeFormula(cell), JSON.stringify(cell)).toBe(`'${cell}`)
    }
    // Text that only starts with white space, or holds a trigger later, stays as it is; so do
    // the full-width ＝＋－＠, which neither Excel nor LibreOffice reads as a formula start.
    for (const cell of [
      ' a',
      '\nb',
      'a=1',
      "'=1",
      '＝1+1',
      '＋86',
      '－2',
      '＠A1',
      ' ',
      '',
      'x -1',
    ]) {
      expect(escapeFormula(cell), JSON.stringify(cell)).toBe(cell)
    }
    expect(escapeFormula(-5)).toBe(-5)
  })

  it('fields and records match csv-stringify, escaped or not', () => {
    const all = strings(3000)
    for (let i = 0; i < all.length; i += 6) {
      const cells: Array<string | number> = [...all.slice(i, i + 6), i, -i, 0]
      expect(csvRecord(cells, false)).toBe(reference(cells))
      expect(csvRecord(cells, true)).toBe(reference(cells.map(referenceEscape)))
    }
  })

  it('the sink writes plain columns as they are and escapes and quotes every other one', async () => {
    const rows = strings(600)
    const chunks: Buffer[] = []
    const out = new PassThrough()
    out.on('data', (c: Buffer) => chunks.push(c))
    const sink = csvSink<[string, string]>(
      out,
      ['free', 'plain'],
      (r, cells) => {
        cells[0] = r[0]
        cells[1] = r[1]
      },
      [false, true],
    )
    const records: Array<[string, string]> = rows.map((free, i) => [free, `=${i}:00`])
    await sink.write(records)
    await sink.end()
    const expected =
      '\uFEFF' +
      reference(['free', 'plain']) +
      records
        .map(([free, plain]) => `${reference([referenceEscape(free)]).slice(0, -2)},${plain}\r\n`)
        .join('')
    expect(Buffer.concat(chunks).toString('utf8')).toBe(expected)
  })

  it('the sink cuts its chunks anywhere without splitting a character, and takes records larger than a chunk', async () => {
    // Multi-byte text (3-byte CJK, 4-byte emoji) over many chunks, and cells past 64 KiB.
    const rows: string[] = []
    for (let i = 0; i < 3000; i++) rows.push(`王${'展'.repeat(i % 97)}😀${i}`)
    rows.splice(1000, 0, '签'.repeat(70_000)) // 210 KB of UTF-8 in one record
    rows.splice(2000, 0, 'x'.repeat(200_000))
    const chunks: Buffer[] = []
    const out = new PassThrough()
    out.on('data', (c: Buffer) => chunks.push(c))
    const sink = csvSink<string>(out, ['text'], (r, cells) => {
      cells[0] = r
    })
    await sink.write(rows.slice(0, 1500))
    await sink.write(rows.slice(1500))
    await sink.end()
    const expected = '\uFEFF' + reference(['text']) + rows.map((r) => reference([r])).join('')
    expect(Buffer.concat(chunks).toString('utf8')).toBe(expected)
    // Every chunk is whole UTF-8 on its own (no character cut between two writes).
    for (const c of chunks) expect(Buffer.from(c.toString('utf8')).equals(c)).toBe(true)
    expect(chunks.length).toBeGreaterThan(3)
  })

  it('the sink runs ahead of a slow reader by at most QUEUED_BYTES, then waits for it to drain', async () => {
    // A destination that takes nothing until released: the sink's writes queue in it.
    const taken: Buffer[] = []
    let released = false
    const pending: Array<() => void> = []
    const out = new Writable({
      write(chunk: Buffer, _enc, done) {
        taken.push(chunk)
        if (released) done()
        else pending.push(done)
      },
    })
    const sink = csvSink<string>(out, ['text'], (r, cells) => {
      cells[0] = r
    })
    // ~4 MiB of records, one page: the sink must stop part way.
    const rows = Array.from({ length: 4096 }, (_, i) => `${i}`.padEnd(1023, 'x'))
    let finished = false
    const writing = sink.write(rows).then(() => (finished = true))
    await new Promise((r) => setTimeout(r, 50))
    expect(finished).toBe(false)
    const queued = out.writableLength + taken.reduce((n, c) => n + c.length, 0)
    // It stopped once QUEUED_BYTES were queued (within one ~64 KiB chunk), not at the
    // destination's own 16 KiB mark, and not after the whole page.
    expect(queued).toBeGreaterThanOrEqual(QUEUED_BYTES)
    expect(queued).toBeLessThan(QUEUED_BYTES + 2 * CSV_CHUNK_CHARS)
    released = true
    for (const done of pending.splice(0)) done()
    await writing
    await sink.end()
    const text = Buffer.concat(taken).toString('utf8')
    expect(text).toBe('\uFEFF' + reference(['text']) + rows.map((r) => reference([r])).join(''))
  })

  it('the sink fails on a destination already destroyed (its reader gone) instead of formatting every page for nobody', async () => {
    // `kiosk export | head -1`: stdout's writable is destroyed while the export is between
    // pages; the next page must stop the export, not be written into nothing (and the one
    // after it, through the whole database).
    const out = new Writable({ write: (_chunk, _enc, done) => done() })
    out.on('error', () => {})
    out.destroy()
    const sink = csvSink<string>(out, ['text'], (r, cells) => {
      cells[0] = r
    })
    await expect(sink.write(['a', 'b'])).rejects.toThrow('destination closed')
  })

  it('a whole export is what csv-stringify made of the same records', async () => {
    const dir = tempDir()
    const db = openKioskDb(join(dir, 'kiosk.db'))
    onCleanup(() => {
      db.close()
    })
    const names = strings(400)
    db.prepare(
      `INSERT INTO roster_entries (id, campaign_id, name, company, phone, code, match_key, imported_at)
       VALUES ('r1', 'c1', ?, ?, ?, ?, 'm1', 0)`,
    ).run(names[1], names[2], names[3], names[4])
    const insert = db.prepare(
      `INSERT INTO attendance (event_id, campaign_id, kiosk_id, openid, scene, ticket, kind,
         create_time, received_at, first_visit, check_in_number, roster_entry_id, unknown_ticket)
       VALUES (?, 'c1', 'k1', ?, ?, 't', ?, ?, ?, ?, ?, ?, ?)`,
    )
    const t = Date.UTC(2025, 0, 1)
    for (let i = 0; i < 250; i++) {
      insert.run(
        `e${i}${names[i] ?? ''}`,
        `o${names[i + 100] ?? ''}`,
        `k1:${names[i + 50] ?? ''}`,
        i % 4 === 0 ? 'subscribe' : 'scan',
        Math.floor(t / 1000) + i * 3607,
        t + i * 86_400_123,
        i % 2,
        i + 1,
        i % 3 === 0 ? 'r1' : null,
        i % 5 === 0 ? 1 : 0,
      )
    }
    for (const locale of ['en', 'zh-CN'] as const) {
      const file = join(dir, `${locale}.csv`)
      await exportAttendance({
        db,
        campaignId: null,
        format: 'csv',
        out: createWriteStream(file),
        locale,
        pageSize: 64,
      })
      const records = db
        .prepare<[], ExportRecord>(
          `SELECT a.id, a.campaign_id AS campaignId, a.check_in_number AS checkInNumber, r.name,
             r.company, r.phone, r.code, a.first_visit AS firstVisit, a.kind,
             a.create_time AS createTime, a.received_at AS receivedAt, a.openid, a.scene,
             a.unknown_ticket AS unknownTicket, a.event_id AS eventId
           FROM attendance a LEFT JOIN roster_entries r ON r.id = a.roster_entry_id ORDER BY a.id`,
        )
        .all()
      const expected =
        '\uFEFF' +
        reference(EXPORT_COLUMNS.map((c) => c.label[locale])) +
        stringify(
          records.map((r) =>
            EXPORT_COLUMNS.map((c) =>
              referenceEscape(c.value(r, { locale, time: formatLocalTime, campaign: (id) => id })),
            ),
          ),
          { record_delimiter: 'windows' },
        )
      expect(readFileSync(file, 'utf8')).toBe(expected)
    }
  })

  it('local times as YYYY-MM-DD HH:mm:ss', () => {
    const pad = (v: number) => String(v).padStart(2, '0')
    for (
      let ms = Date.UTC(1999, 11, 31, 20);
      ms < Date.UTC(2031, 0, 1);
      ms += 86_400_000 * 37 + 3_723_456
    ) {
      const d = new Date(ms)
      const want = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
      expect(formatLocalTime(ms)).toBe(want)
    }
  })
})

/** `importRoster`: decode, parse, and write the rows unless the file has errors. */
import type { Logger } from '../../../shared/server/log'
import type { RosterImportResult } from '../../../shared/ipc'
import { KioskError } from '../api/kiosk-error'
import { MAX_ROSTER_FILE_BYTES } from '../../../shared/roster/roster-input'
import type { RosterStore } from './roster-store'
import type * as RosterImport from '../../../shared/roster/roster-import'

const MAX_BYTES = MAX_ROSTER_FILE_BYTES

export interface RosterImportDeps {
  roster: Pick<RosterStore, 'upsertMany'>
  now: () => number
  log?: Logger
}

type RosterParsers = typeof RosterImport
let parsers: Promise<RosterParsers> | null = null

/**
 * Loaded on first use, not at start: the parsers (exceljs above all) take longer to load than the
 * kiosk takes to start (1.2–1.6 s on a loaded 2-core box), and most starts never import a roster.
 * A load that failed is tried again by the next import, which reports its error.
 */
function rosterParsers(): Promise<RosterParsers> {
  parsers ??= import('../../../shared/roster/roster-import').catch((err: unknown) => {
    parsers = null
    throw err
  })
  return parsers
}

/**
 * Staff opened the admin area, where a roster import starts: the parsers load now, on a later
 * turn (after the answer that opened it), so the first import does not wait for them.
 */
export function preloadRosterParsers(): void {
  setTimeout(() => void rosterParsers().catch(() => undefined), 0)
}

export async function importRoster(
  d: RosterImportDeps,
  campaignId: string,
  input: { fileName: string; format: 'csv' | 'xlsx'; dataBase64: string; skipBadRows: boolean },
): Promise<RosterImportResult> {
  // Buffer.from silently skips junk; insist on real base64 so a truncated upload is noticed.
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(input.dataBase64)) {
    throw new KioskError('bad_input', 'dataBase64: not base64')
  }
  const data = Buffer.from(input.dataBase64, 'base64')
  if (data.length > MAX_BYTES)
    throw new KioskError('bad_input', 'dataBase64: file larger than 10 MiB')
  const { parseRosterFile } = await rosterParsers()
  const parsed = await parseRosterFile(input.format, data)
  // Codes and params go to the admin area, which words them; the English detail (a parser's
  // own message with its positions) only to the log.
  const errors = parsed.errors.map(({ row, column, code, params }) => ({
    row,
    column,
    code,
    params,
  }))
  if (parsed.fatal) {
    d.log?.info(`roster import refused (${input.format}): ${parsed.errors[0]?.message ?? ''}`)
    return { imported: 0, skipped: 0, errors }
  }
  if (errors.length > 0 && !input.skipBadRows) return { imported: 0, skipped: 0, errors }
  const imported = d.roster.upsertMany(campaignId, parsed.rows, d.now())
  return { imported, skipped: parsed.badRows, errors }
}

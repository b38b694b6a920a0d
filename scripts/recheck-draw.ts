/**
 * Re-checks a stored lucky draw (docs/DESIGN.md "Draws"): `npx tsx scripts/recheck-draw.ts
 * draw.json eligible.txt [redraw-1.txt …]`. draw.json is one draw as the console's
 * `GET …/draws` lists it (or its stored record); each .txt holds the openids of an eligible list, one per line, in any
 * order. Prints OK, or why the record does not follow from the lists (exit 1).
 */
import { readFileSync } from 'node:fs'
import { recheckDraw } from '../relay/draws/fair-draw'
import { parseDrawRecord } from '../shared/screen-api'

const [drawFile, eligibleFile, ...redrawFiles] = process.argv.slice(2)
if (drawFile === undefined || eligibleFile === undefined) {
  console.error('usage: recheck-draw draw.json eligible.txt [redraw-1.txt …]')
  process.exit(2)
}
const lines = (file: string): string[] =>
  readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
const record = parseDrawRecord(JSON.parse(readFileSync(drawFile, 'utf8')))
const result = recheckDraw(record, lines(eligibleFile), redrawFiles.map(lines))
console.log(result.ok ? `OK: draw ${record.id} follows from the lists` : result.reason)
process.exit(result.ok ? 0 : 1)

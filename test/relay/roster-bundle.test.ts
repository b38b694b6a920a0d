// The relay bundle reads an XLSX roster: its reader runs in a worker thread whose file is an
// entry of its own (scripts/bundle-node.mjs), looked for beside the bundle. Imported from the
// built bundle, so a bundle without the worker's file fails here, not at an organizer's upload.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { ParsedRoster } from '../../shared/roster/roster-import'
import { Workbook } from '../../shared/roster/xlsx'
import { ROOT, buildRelayBundle } from './relay-process'

let bundle: ReturnType<typeof buildRelayBundle>
beforeAll(() => {
  bundle = buildRelayBundle()
}, 120_000)
afterAll(() => bundle.remove())

const metaSchema = z.object({
  outputs: z.record(z.string(), z.looseObject({ entryPoint: z.string().optional() })),
})

describe('the relay bundle', () => {
  it('reads an XLSX roster (its worker thread is in the bundle)', async () => {
    const outdir = join(bundle.entry, '..')
    const meta = metaSchema.parse(JSON.parse(readFileSync(join(outdir, 'meta.json'), 'utf8')))
    // The chunk the console's roster upload imports, as the relay loads it.
    const chunk = Object.entries(meta.outputs).find(
      ([, o]) => o.entryPoint === 'shared/roster/roster-import.ts',
    )?.[0]
    expect(chunk).toBeDefined()
    const mod = (await import(pathToFileURL(join(ROOT, chunk ?? '')).href)) as {
      parseRosterFile: (format: 'xlsx', data: Buffer) => Promise<ParsedRoster>
    }
    const wb = new Workbook()
    const ws = wb.addWorksheet('名单')
    ws.addRow(['姓名', '手机'])
    ws.addRow(['张三', '13800000000'])
    ws.addRow(['李四', '13900000000'])
    const data = Buffer.from(await wb.xlsx.writeBuffer())
    const r = await mod.parseRosterFile('xlsx', data)
    expect(r.errors).toEqual([])
    expect(r.rows.map((row) => row.name)).toEqual(['张三', '李四'])
  })
})

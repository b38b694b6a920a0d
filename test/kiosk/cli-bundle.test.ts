// The bundled CLI (scripts/build-cli.mjs) keeps startup-imports.test.ts's guarantee: what
// `node out/cli/cli.mjs` loads at start holds neither exceljs, the roster parsers nor ioredis.
// Built here into a scratch folder under out/, so the test checks the build, not a stale out/cli.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { isBuiltin } from 'node:module'
import { join, relative, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'

const ROOT = resolve(import.meta.dirname, '../..')

const metaSchema = z.object({
  outputs: z.record(
    z.string(),
    z.object({
      inputs: z.record(z.string(), z.unknown()),
      imports: z.array(
        z.object({ path: z.string(), kind: z.string(), external: z.boolean().optional() }),
      ),
    }),
  ),
})
type Meta = z.infer<typeof metaSchema>

/** Sources and packages in the outputs `entry` loads through static imports. */
function staticPart(meta: Meta, entry: string): { inputs: Set<string>; packages: Set<string> } {
  const inputs = new Set<string>()
  const packages = new Set<string>()
  const seen = new Set<string>()
  const todo = [entry]
  while (todo.length > 0) {
    const out = todo.pop() as string
    if (seen.has(out)) continue
    seen.add(out)
    const o = meta.outputs[out]
    if (o === undefined) throw new Error(`no output ${out}`)
    for (const input of Object.keys(o.inputs)) inputs.add(input)
    for (const imp of o.imports) {
      if (imp.kind !== 'import-statement') continue
      if (!imp.external) todo.push(imp.path)
      // A package's own `require('net')` is Node's, as `node:net` is.
      else if (!isBuiltin(imp.path)) packages.add(imp.path.split('/')[0] as string)
    }
  }
  return { inputs, packages }
}

describe('the bundled kiosk CLI', () => {
  let dir: string
  let meta: Meta
  let entry: string
  beforeAll(() => {
    mkdirSync(join(ROOT, 'out'), { recursive: true })
    dir = mkdtempSync(join(ROOT, 'out', 'cli-test-'))
    execFileSync(process.execPath, ['scripts/build-cli.mjs', '--outdir', dir], { cwd: ROOT })
    meta = metaSchema.parse(JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')))
    entry = relative(ROOT, join(dir, 'cli.mjs'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('loads neither exceljs, the roster parsers nor ioredis until they are used', () => {
    const { inputs, packages } = staticPart(meta, entry)
    expect(inputs).toContain('electron/core/kiosk-core.ts')
    expect(inputs).toContain('electron/core/export/export.ts')
    expect(inputs).toContain('relay/server.ts')
    expect(packages).toEqual(new Set(['better-sqlite3']))
    for (const f of inputs) expect(f).not.toMatch(/node_modules\/(exceljs|csv-parse|ioredis)\//)
    expect(inputs).not.toContain('shared/roster/xlsx.ts')
    expect(inputs).not.toContain('shared/roster/roster-import.ts')
    expect(inputs).not.toContain('relay/store/redis/store.ts')
    // …and they are still there, in the chunks loaded on first use.
    const lazy = Object.values(meta.outputs).flatMap((o) => o.imports.map((i) => i.path))
    expect(lazy).toEqual(expect.arrayContaining(['exceljs', 'csv-parse', 'ioredis']))
  })

  it('runs on plain node', () => {
    const usage = execFileSync(process.execPath, [join(dir, 'cli.mjs'), '--help'], {
      encoding: 'utf8',
    })
    expect(usage).toMatch(/^usage:\n {2}kiosk web/)
  })

  it('answers --help after a command with the usage, not "Unknown option"', () => {
    // `npm run kiosk:web -- --help` runs `cli.mjs web --help`: it said "Unknown option
    // '--help'" (exit 2), `export --help` "error: Unknown option" (exit 1), and no usage.
    for (const args of [
      ['web', '--help'],
      ['export', '-h'],
      ['web', '--port', '0', '--help'],
    ]) {
      const usage = execFileSync(process.execPath, [join(dir, 'cli.mjs'), ...args], {
        encoding: 'utf8',
      })
      expect(usage, args.join(' ')).toMatch(/^usage:\n {2}kiosk web/)
    }
  })
})

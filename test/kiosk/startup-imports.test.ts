// What `kiosk web` loads before it can serve the first code: exceljs (and the roster parsers)
// took longer to load than the rest of the kiosk's start, so they are imported on first use.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../..')

/** Files and packages reachable from `entry` through static (non-type) imports. */
function staticGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>()
  const packages = new Set<string>()
  const todo = [entry]
  const importRe = /^\s*(?:import|export)\s+(?!type\b)(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]/gm
  while (todo.length > 0) {
    const file = todo.pop() as string
    if (files.has(file)) continue
    files.add(file)
    for (const m of readFileSync(file, 'utf8').matchAll(importRe)) {
      const spec = m[1] as string
      if (spec.startsWith('node:')) continue
      if (!spec.startsWith('.')) {
        packages.add(
          spec.startsWith('@')
            ? spec.split('/').slice(0, 2).join('/')
            : (spec.split('/')[0] as string),
        )
        continue
      }
      const base = resolve(dirname(file), spec)
      const found = [`${base}.ts`, `${base}/index.ts`, base].find((f) => existsSync(f))
      if (found) todo.push(found)
    }
  }
  return { files, packages }
}

describe('kiosk start-up imports', () => {
  it('the CLI loads neither exceljs nor the roster parsers until they are used', () => {
    const { files, packages } = staticGraph(resolve(ROOT, 'electron/core/cli/cli.ts'))
    expect(files).toContain(resolve(ROOT, 'electron/core/kiosk-core.ts'))
    expect(files).toContain(resolve(ROOT, 'electron/core/export/export.ts'))
    expect(packages).toContain('better-sqlite3')
    expect(packages).not.toContain('exceljs')
    expect(packages).not.toContain('csv-parse')
    expect(files).not.toContain(resolve(ROOT, 'shared/roster/xlsx.ts'))
    expect(files).not.toContain(resolve(ROOT, 'shared/roster/roster-import.ts'))
  })

  it('the demo relay does not load ioredis unless a Redis store is asked for', () => {
    const { files, packages } = staticGraph(resolve(ROOT, 'electron/core/cli/cli.ts'))
    expect(files).toContain(resolve(ROOT, 'relay/server.ts'))
    expect(packages).not.toContain('ioredis')
  })
})

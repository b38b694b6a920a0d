// No import cycles between the project's modules: a cycle means two files that cannot be
// understood, tested or loaded one without the other (and, at runtime, one of them sees the
// other half-initialised). Type-only imports count too: they tie the files together for a
// reader just the same. The graph is read with the TypeScript compiler's own import scanner.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '..', '..')
const FOLDERS = ['electron', 'relay', 'shared', 'sandbox']
const SKIP_DIRS = new Set(['node_modules', 'out', 'dist'])

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name)
    if (d.isDirectory()) return SKIP_DIRS.has(d.name) ? [] : sourceFiles(path)
    return /\.(ts|mts|vue)$/.test(d.name) && !d.name.endsWith('.d.ts') ? [path] : []
  })
}

/** The project file a relative specifier names (`./x` → x.ts or x/index.ts), else null. */
function resolveSpecifier(from: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null
  const base = resolve(dirname(from), specifier)
  for (const candidate of [
    base,
    `${base}.ts`,
    `${base}.mts`,
    join(base, 'index.ts'),
    base.replace(/\.js$/, '.ts'),
  ]) {
    try {
      if (statSync(candidate).isFile()) return candidate
    } catch {
      // Not this one.
    }
  }
  return null
}

/** Every relative import, re-export and dynamic `import()` of each file, as a graph. */
function importGraph(files: readonly string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const file of files) {
    let text = readFileSync(file, 'utf8')
    if (file.endsWith('.vue')) text = /<script[^>]*>([\s\S]*?)<\/script>/.exec(text)?.[1] ?? ''
    const { importedFiles } = ts.preProcessFile(text, true, true)
    const targets = importedFiles
      .map((f) => resolveSpecifier(file, f.fileName))
      .filter((t): t is string => t !== null && t !== file)
    graph.set(file, [...new Set(targets)])
  }
  return graph
}

/** Each strongly connected set of more than one file (Tarjan), as sorted relative paths. */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const found: string[][] = []
  const visit = (v: string): void => {
    index.set(v, next)
    low.set(v, next)
    next++
    stack.push(v)
    onStack.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0))
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0))
      }
    }
    if (low.get(v) !== index.get(v)) return
    const members: string[] = []
    for (let w = stack.pop(); w !== undefined; w = stack.pop()) {
      onStack.delete(w)
      members.push(relative(ROOT, w))
      if (w === v) break
    }
    if (members.length > 1) found.push(members.sort())
  }
  for (const v of graph.keys()) if (!index.has(v)) visit(v)
  return found
}

describe('import graph', () => {
  it('finds a cycle when there is one (the check works)', () => {
    const graph = new Map([
      ['/r/a.ts', ['/r/b.ts']],
      ['/r/b.ts', ['/r/c.ts']],
      ['/r/c.ts', ['/r/a.ts']],
      ['/r/d.ts', ['/r/a.ts']],
    ])
    expect(cycles(graph).map((c) => c.length)).toEqual([3])
  })

  it('reads type-only, re-exported and dynamic imports', () => {
    const { importedFiles } = ts.preProcessFile(
      "import type { A } from './a'\nexport * from './b'\nconst c = await import('./c')\n",
      true,
      true,
    )
    expect(importedFiles.map((f) => f.fileName)).toEqual(['./a', './b', './c'])
  })

  it.each(FOLDERS)('%s/ has no import cycle (across every project folder)', (folder) => {
    const files = FOLDERS.flatMap((f) => sourceFiles(join(ROOT, f)))
    const graph = importGraph(files)
    const inFolder = cycles(graph).filter((c) => c.some((f) => f.startsWith(`${folder}/`)))
    expect(inFolder).toEqual([])
  })
})

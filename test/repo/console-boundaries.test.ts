// The console (console/src) is a browser page: eslint refuses Node built-ins, Electron, the
// kiosk's renderer and the relay's code there, and what it shares with the kiosk comes only
// from top-level shared/*.ts (the files eslint keeps free of Node and the DOM) and shared/ui
// (the browser controls both apps use).
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { ESLint } from 'eslint'
import tseslint from 'typescript-eslint'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '..', '..')

const eslint = new ESLint({
  cwd: ROOT,
  overrideConfig: [
    tseslint.configs.disableTypeChecked,
    { languageOptions: { parserOptions: { project: null, projectService: false } } },
  ],
})

async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) })
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports')
    .map((m) => m.message)
}

/** From console/src/stores/ up to the repo root (built, so no path here seems to leave the repo). */
const TOP = '../'.repeat(3)

const REFUSED = [
  "import { readFileSync } from 'node:fs'",
  "import path from 'path'",
  "import { app } from 'electron'",
  `import { drawQr } from '${TOP}renderer/src/kiosk/QrCode.vue'`,
  `import { createRelayServer } from '${TOP}relay/server'`,
  `import { decrypt } from '${TOP}shared/wechat/crypto'`,
]

describe('the console’s import boundaries', () => {
  it.each(REFUSED)('%s is refused in console/src', async (line) => {
    expect(await boundaryErrors('console/src/stores/probe.ts', `${line}\nvoid 0\n`)).not.toEqual([])
  })

  it('is refused in a console .vue component too', async () => {
    const sfc =
      '<script setup lang="ts">\nimport { readFileSync } from \'node:fs\'\nvoid readFileSync\n</script>\n'
    expect(await boundaryErrors('console/src/pages/Probe.vue', sfc)).not.toEqual([])
  })

  it('allows the shared contract and helpers', async () => {
    const code = `import { consoleStatsSchema } from '${TOP}shared/console-api'\nimport { drawQr } from '${TOP}shared/qr-path'\nvoid [consoleStatsSchema, drawQr]\n`
    expect(await boundaryErrors('console/src/stores/probe.ts', code)).toEqual([])
  })

  it('reaches only top-level shared/*.ts and shared/ui files, directly or not', () => {
    const reached = sharedFilesReachedFrom(join(ROOT, 'console', 'src'))
    expect(reached).toEqual(expect.arrayContaining(['shared/console-api.ts', 'shared/qr-path.ts']))
    for (const file of reached) expect(file).toMatch(/^shared\/(ui\/)?[^/]+\.ts$/)
  })
})

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile() && /\.(ts|vue)$/.test(d.name))
    .map((d) => join(d.parentPath, d.name))
}

function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].flatMap(([, spec]) => {
    const base = resolve(dirname(file), spec ?? '')
    const found = [base, `${base}.ts`, join(base, 'index.ts')].find(
      (p) => existsSync(p) && p.endsWith('.ts'),
    )
    return found ? [found] : []
  })
}

function sharedFilesReachedFrom(dir: string): string[] {
  const sharedDir = join(ROOT, 'shared')
  const seen = new Set<string>()
  const queue = sourceFiles(dir).flatMap(relativeImports)
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (!file.startsWith(sharedDir + '/') || seen.has(file)) continue
    seen.add(file)
    queue.push(...relativeImports(file))
  }
  return [...seen].map((f) => relative(ROOT, f)).sort()
}

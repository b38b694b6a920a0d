// The process boundaries eslint.config.js draws: raw IPC (ipcMain, ipcRenderer, contextBridge)
// only in the shell's IPC wiring and the preload; no Node built-ins or Electron in what the
// renderer runs. Linted with the project's own config, on snippets that never touch the disk.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { ESLint } from 'eslint'
import tseslint from 'typescript-eslint'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '..', '..')
const BOUNDARY_RULES = new Set(['no-restricted-imports', 'no-restricted-syntax'])

// Type information is not what these rules need, and building both programs takes long.
const eslint = new ESLint({
  cwd: ROOT,
  overrideConfig: [
    tseslint.configs.disableTypeChecked,
    { languageOptions: { parserOptions: { project: null, projectService: false } } },
  ],
})

/** The boundary rules' complaints about `code` as if it were the file at `file`. */
async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) })
  return (result?.messages ?? [])
    .filter((m) => m.ruleId !== null && BOUNDARY_RULES.has(m.ruleId))
    .map((m) => `${m.ruleId}: ${m.message}`)
}

const IPC_IMPORTS = [
  "import { ipcMain } from 'electron'",
  "import { ipcRenderer } from 'electron'",
  "import { contextBridge } from 'electron'",
  "import * as electron from 'electron'",
  "import electron from 'electron'",
]

describe('raw IPC stays in the shell IPC module and the preload', () => {
  it.each(IPC_IMPORTS)(
    '%s is refused elsewhere in the shell, in tests and scripts',
    async (line) => {
      for (const file of [
        'electron/main/kiosk-window.ts',
        'test/shell/probe.test.ts',
        'scripts/probe.mjs',
      ]) {
        expect(await boundaryErrors(file, `${line}\nvoid 0\n`), file).not.toEqual([])
      }
    },
  )

  it('is allowed in electron/main/ipc.ts, electron/main/index.ts and the preload', async () => {
    const code =
      "import { contextBridge, ipcMain, ipcRenderer } from 'electron'\nvoid [contextBridge, ipcMain, ipcRenderer]\n"
    for (const file of [
      'electron/main/ipc.ts',
      'electron/main/index.ts',
      'electron/preload/index.ts',
    ]) {
      expect(await boundaryErrors(file, code), file).toEqual([])
    }
  })

  it('leaves the rest of Electron to the shell', async () => {
    const code = "import { app, BrowserWindow } from 'electron'\nvoid [app, BrowserWindow]\n"
    expect(await boundaryErrors('electron/main/kiosk-window.ts', code)).toEqual([])
  })
})

const NODE_AND_ELECTRON = [
  "import { readFileSync } from 'node:fs'",
  "import { readFile } from 'fs/promises'",
  "import path from 'path'",
  "import { createHash } from 'crypto'",
  "import { EventEmitter } from 'events'",
  "import { app } from 'electron'",
  "import { ipcRenderer } from 'electron'",
]

describe('what the renderer runs has no Node and no Electron', () => {
  it.each(NODE_AND_ELECTRON)(
    '%s is refused in renderer/, top-level shared/ and shared/ui',
    async (line) => {
      for (const file of [
        'renderer/src/stores/probe.ts',
        'shared/probe.ts',
        'shared/ui/probe.ts',
      ]) {
        expect(await boundaryErrors(file, `${line}\nvoid 0\n`), file).not.toEqual([])
      }
    },
  )

  it('is refused in a .vue component too', async () => {
    const sfc =
      '<script setup lang="ts">\nimport { readFileSync } from \'node:fs\'\nvoid readFileSync\n</script>\n'
    expect(await boundaryErrors('renderer/src/components/Probe.vue', sfc)).not.toEqual([])
  })

  it('does not mistake a local module for a built-in', async () => {
    const code = "import { x } from './path'\nimport { y } from '../events'\nvoid [x, y]\n"
    expect(await boundaryErrors('shared/probe.ts', code)).toEqual([])
  })

  it('lets Node-only shared code use Node', async () => {
    const code = "import { createHash } from 'node:crypto'\nvoid createHash\n"
    expect(await boundaryErrors('shared/wechat/probe.ts', code)).toEqual([])
  })

  it('keeps the server kit out of what the renderer runs', async () => {
    const code = "import { readBody } from '../../shared/server/body'\nvoid readBody\n"
    expect(await boundaryErrors('renderer/src/stores/probe.ts', code)).not.toEqual([])
    const fromShared = "import { readBody } from './server/body'\nvoid readBody\n"
    expect(await boundaryErrors('shared/probe.ts', fromShared)).not.toEqual([])
    const node = "import { createServer } from 'node:http'\nvoid createServer\n"
    expect(await boundaryErrors('shared/server/probe.ts', node)).toEqual([])
  })

  // The rules cover shared/*.ts and shared/ui; a deeper shared/ file the renderer reached would
  // escape them.
  it('covers every shared/ file the renderer imports, directly or not', () => {
    const reached = sharedFilesReachedFromRenderer()
    expect(reached).toContain('shared/ipc.ts')
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
    const base = resolve(dirname(file), spec!)
    const found = [base, `${base}.ts`, join(base, 'index.ts')].find(
      (p) => existsSync(p) && p.endsWith('.ts'),
    )
    return found ? [found] : []
  })
}

function sharedFilesReachedFromRenderer(): string[] {
  const sharedDir = join(ROOT, 'shared')
  const seen = new Set<string>()
  const queue = sourceFiles(join(ROOT, 'renderer')).flatMap(relativeImports)
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (!file.startsWith(sharedDir + '/') || seen.has(file)) continue
    seen.add(file)
    queue.push(...relativeImports(file))
  }
  return [...seen].map((f) => relative(ROOT, f)).sort()
}

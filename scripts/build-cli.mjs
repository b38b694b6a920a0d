// `node scripts/build-cli.mjs [--outdir out/DIR]`: bundles the kiosk CLI (electron/core/cli/cli.ts)
// so `kiosk:web`, `kiosk export`, `npm start`'s browser fallback and the e2e tests run it on
// plain `node`, without tsx's loader (about half of the kiosk's start-up). Output: out/cli/cli.mjs,
// lazy chunks in out/cli/chunks/, source maps (`node --enable-source-maps` gives .ts stack
// traces; without sources' text, which halves the ~30 ms they add to the start) and meta.json
// (esbuild's metafile: what each output holds and imports).
//
// External: better-sqlite3 (native addon), and exceljs, csv-parse and ioredis, which the kiosk
// loads by dynamic import on first use; `splitting` keeps those imports (and the modules making
// them) in chunks not loaded at start (test/kiosk/cli-bundle.test.ts). Everything else (zod, ws,
// qrcode, …) is bundled: measured, that starts ~0.1 s sooner than `packages: 'external'`.
import { build } from 'esbuild'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { isAbsolute, join, relative, resolve } from 'node:path'
import process from 'node:process'
import { parseArgs } from 'node:util'

const root = resolve(import.meta.dirname, '..')
const { values } = parseArgs({ options: { outdir: { type: 'string' } } })
const outdir = resolve(root, values.outdir ?? 'out/cli')
const inOut = relative(join(root, 'out'), outdir)
if (inOut === '' || inOut.startsWith('..') || isAbsolute(inOut)) {
  // It is emptied first; and bare imports (better-sqlite3) resolve from node_modules above it.
  process.stderr.write(`--outdir must be a folder inside ${join(root, 'out')}\n`)
  process.exit(2)
}

rmSync(outdir, { recursive: true, force: true })
mkdirSync(outdir, { recursive: true })
try {
  const { metafile } = await build({
    absWorkingDir: root,
    entryPoints: { cli: 'electron/core/cli/cli.ts' },
    outdir,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    sourcesContent: false,
    metafile: true,
    external: ['better-sqlite3', 'exceljs', 'csv-parse', 'ioredis'],
    // Bundled CommonJS packages (ws, qrcode) require() Node's own modules.
    banner: {
      js: "import { createRequire as __cliCreateRequire } from 'node:module'; const require = __cliCreateRequire(import.meta.url);",
    },
    logLevel: 'warning',
  })
  writeFileSync(join(outdir, 'meta.json'), JSON.stringify(metafile))
} catch {
  process.exit(1) // esbuild has printed the errors
}

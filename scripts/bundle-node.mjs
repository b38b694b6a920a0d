// One esbuild set-up for the programs we ship as bundles that run on plain `node` (the kiosk CLI,
// the relay): ESM with code splitting (lazy imports stay in chunks not loaded at start), source
// maps without the sources' text, and esbuild's metafile beside the output (meta.json).
import { build } from 'esbuild'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { isAbsolute, join, relative, resolve } from 'node:path'
import process from 'node:process'
import { parseArgs } from 'node:util'

const root = resolve(import.meta.dirname, '..')

/**
 * How every program we ship for plain `node` is compiled (the relay, the kiosk CLI), and what a
 * bench that measures one runs (bench/child.ts): esbuild's defaults otherwise, so no `keepNames`
 * (tsx turns it on, and then each function a request creates is named by a call of its own).
 */
export const NODE_BUNDLE_BASE = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Bundled CommonJS packages (ws, qrcode) require() Node's own modules.
  banner: {
    js: "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);",
  },
}

/**
 * Worker threads every program that reads rosters starts, each an entry of its own beside the
 * program (`<outdir>/<name>.mjs`): shared/roster/xlsx-thread.ts looks for it there.
 */
const WORKERS = { 'roster-xlsx-worker': 'shared/roster/xlsx-worker.ts' }

/**
 * Bundles `entry` into `out/<name>.mjs` under `--outdir` (default `defaultOutdir`), and the
 * worker threads (`WORKERS`) beside it, leaving the packages in `external` to node_modules.
 * Exits the process on bad arguments or build errors. Returns the output folder (absolute).
 */
export async function bundleNodeProgram({ name, entry, defaultOutdir, external }) {
  const { values } = parseArgs({ options: { outdir: { type: 'string' } } })
  const outdir = resolve(root, values.outdir ?? defaultOutdir)
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
      entryPoints: { [name]: entry, ...WORKERS },
      outdir,
      outExtension: { '.js': '.mjs' },
      chunkNames: 'chunks/[name]-[hash]',
      ...NODE_BUNDLE_BASE,
      splitting: true,
      sourcemap: true,
      sourcesContent: false,
      metafile: true,
      external,
      logLevel: 'warning',
    })
    writeFileSync(join(outdir, 'meta.json'), JSON.stringify(metafile))
  } catch {
    process.exit(1) // esbuild has printed the errors
  }
  return outdir
}

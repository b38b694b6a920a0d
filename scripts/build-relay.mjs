// `node scripts/build-relay.mjs [--outdir out/DIR]`: bundles the relay (relay/cli.ts) so a
// server runs it with plain `node` and only the relay's runtime dependencies installed
// (`npm ci --omit=dev`): no tsx, no TypeScript. Output: out/relay/relay.mjs, lazy chunks in
// out/relay/chunks/ (the Redis store, loaded only when `redis` is set), source maps
// (`node --enable-source-maps` gives .ts stack traces) and meta.json (esbuild's metafile).
// Static assets the relay serves in later versions go beside it in out/relay/.
//
// External: better-sqlite3 (a native addon, built for the server's Node by npm ci) and
// ioredis (loaded by dynamic import with the Redis store only). Everything else (zod, ws,
// fast-xml-parser) is bundled: fewer files to read at start, and the same choice as the
// kiosk CLI (scripts/build-cli.mjs). test/relay/relay-bundle.test.ts checks the result.
import { build } from 'esbuild'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { isAbsolute, join, relative, resolve } from 'node:path'
import process from 'node:process'
import { parseArgs } from 'node:util'

const root = resolve(import.meta.dirname, '..')
const { values } = parseArgs({ options: { outdir: { type: 'string' } } })
const outdir = resolve(root, values.outdir ?? 'out/relay')
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
    entryPoints: { relay: 'relay/cli.ts' },
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
    external: ['better-sqlite3', 'ioredis'],
    // Bundled CommonJS packages (ws) require() Node's own modules.
    banner: {
      js: "import { createRequire as __relayCreateRequire } from 'node:module'; const require = __relayCreateRequire(import.meta.url);",
    },
    logLevel: 'warning',
  })
  writeFileSync(join(outdir, 'meta.json'), JSON.stringify(metafile))
} catch {
  process.exit(1) // esbuild has printed the errors
}

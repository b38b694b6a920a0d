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
import { bundleNodeProgram } from './bundle-node.mjs'

await bundleNodeProgram({
  name: 'cli',
  entry: 'electron/core/cli/cli.ts',
  defaultOutdir: 'out/cli',
  external: ['better-sqlite3', 'exceljs', 'csv-parse', 'ioredis'],
})

// `node scripts/build-relay.mjs [--outdir out/DIR]`: bundles the relay (relay/cli.ts) so a
// server runs it with plain `node` and only the relay's runtime dependencies installed
// (`npm ci --omit=dev`): no tsx, no TypeScript. Output: out/relay/relay.mjs, lazy chunks in
// out/relay/chunks/ (the Redis store, loaded only when `redis` is set), source maps
// (`node --enable-source-maps` gives .ts stack traces) and meta.json (esbuild's metafile).
// The organizer's console (console/, built by vite into out/console) goes beside the bundle,
// in `<outdir>/../console`, where the relay serves /console/ from.
//
// External: better-sqlite3 (a native addon, built for the server's Node by npm ci) and
// ioredis (loaded by dynamic import with the Redis store only). Everything else (zod, ws,
// fast-xml-parser) is bundled: fewer files to read at start, and the same choice as the
// kiosk CLI (scripts/build-cli.mjs). test/relay/production-install.test.ts and
// deploy-files.test.ts run the result.
import { cpSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { buildConsole } from './build-console.mjs'
import { bundleNodeProgram } from './bundle-node.mjs'

const outdir = await bundleNodeProgram({
  name: 'relay',
  entry: 'relay/cli.ts',
  defaultOutdir: 'out/relay',
  external: ['better-sqlite3', 'ioredis'],
})

const built = await buildConsole({ ifStale: true })
const target = join(dirname(outdir), 'console')
if (target !== built) {
  rmSync(target, { recursive: true, force: true })
  // With their times: the relay sends a compressed copy only if it is not older than its file.
  cpSync(built, target, { recursive: true, preserveTimestamps: true })
}

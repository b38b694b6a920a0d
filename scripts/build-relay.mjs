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
// kiosk CLI (scripts/build-cli.mjs). test/relay/production-install.test.ts and
// deploy-files.test.ts run the result.
import { bundleNodeProgram } from './bundle-node.mjs'

await bundleNodeProgram({
  name: 'relay',
  entry: 'relay/cli.ts',
  defaultOutdir: 'out/relay',
  external: ['better-sqlite3', 'ioredis'],
})

// `node scripts/build-console.mjs`: builds the organizer's console (console/, Vue 3 + Pinia) with
// vite into out/console, which the relay serves at /console/ (console/vite.config.ts).
// `buildConsole({ ifStale: true })` skips the build when out/console is newer than every source
// file it comes from: scripts/build-relay.mjs calls it that way, so the test suite's many relay
// bundles reuse the one console build `npm test`'s pretest made.
// Each text file of the build gets a brotli (quality 11) and a gzip (level 9) copy beside it
// (`x.js.br`, `x.js.gz`), which the relay sends to a browser that accepts them
// (relay/console/static-console.ts): made once here, at the highest settings, instead of on every
// request or in a cache the relay would hold.
import {
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import { basename, dirname, join, resolve } from 'node:path'
import process from 'node:process'
import { pathToFileURL } from 'node:url'

const root = resolve(import.meta.dirname, '..')
export const CONSOLE_OUT = join(root, 'out', 'console')
const SOURCES = ['console', 'shared', 'package-lock.json']

function newestMtime(path) {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = stat.mtimeMs
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)))
  return newest
}

function isFresh() {
  const index = join(CONSOLE_OUT, 'index.html')
  if (!existsSync(index)) return false
  const built = statSync(index).mtimeMs
  return SOURCES.every((s) => !existsSync(join(root, s)) || newestMtime(join(root, s)) <= built)
}

/**
 * What the relay may send compressed: the same list as its COMPRESSIBLE
 * (relay/console/static-console.ts; test/relay/console-compression.test.ts checks they agree).
 */
const COMPRESSIBLE = /\.(html|js|mjs|css|json|svg|txt|map)$/i

/**
 * Writes `<file>.br` and `<file>.gz` beside every compressible file under `dir`, each given its
 * file's time (the relay sends a copy only when the two times agree), unless a copy with that
 * time is there already. A copy is written to a temporary file in the same folder and renamed,
 * so a relay serving the folder meanwhile sees the old copy or the new one, never half of one.
 * When a copy would be no smaller than its file none is kept (the relay then sends the file),
 * an old one from an earlier build deleted.
 */
export function compressAssets(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      compressAssets(path)
      continue
    }
    if (!entry.isFile() || !COMPRESSIBLE.test(entry.name)) continue
    const stat = statSync(path)
    let bytes = null
    for (const [suffix, compress] of [
      [
        '.br',
        (b) =>
          brotliCompressSync(b, {
            params: {
              [constants.BROTLI_PARAM_QUALITY]: 11,
              [constants.BROTLI_PARAM_SIZE_HINT]: b.length,
            },
          }),
      ],
      ['.gz', (b) => gzipSync(b, { level: 9 })],
    ]) {
      const copy = path + suffix
      if (existsSync(copy) && Math.abs(statSync(copy).mtimeMs - stat.mtimeMs) < 1) continue
      bytes ??= readFileSync(path)
      const packed = compress(bytes)
      if (packed.length >= bytes.length) {
        rmSync(copy, { force: true })
        continue
      }
      const temp = join(dirname(copy), `.${basename(copy)}.${process.pid}.tmp`)
      try {
        writeFileSync(temp, packed)
        utimesSync(temp, stat.atime, stat.mtime)
        renameSync(temp, copy)
      } finally {
        rmSync(temp, { force: true })
      }
    }
  }
}

export async function buildConsole({ ifStale = false } = {}) {
  if (!(ifStale && isFresh())) {
    // Loaded here, not at the top: a fresh build needs no vite.
    const { build } = await import('vite')
    await build({ configFile: join(root, 'console', 'vite.config.ts'), logLevel: 'warn' })
  }
  // A fresh build made before the copies existed gets them too.
  compressAssets(CONSOLE_OUT)
  return CONSOLE_OUT
}

// `--if-stale`: as build-relay.mjs calls it (`npm start` and `kiosk:web` too, for the demo's
// console).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await buildConsole({ ifStale: process.argv.slice(2).includes('--if-stale') })
}

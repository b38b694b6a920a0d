// `node scripts/build-console.mjs`: builds the organizer's console (console/, Vue 3 + Pinia) with
// vite into out/console, which the relay serves at /console/ (console/vite.config.ts).
// `buildConsole({ ifStale: true })` skips the build when out/console is newer than every source
// file it comes from: scripts/build-relay.mjs calls it that way, so the test suite's many relay
// bundles reuse the one console build `npm test`'s pretest made.
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
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

export async function buildConsole({ ifStale = false } = {}) {
  if (ifStale && isFresh()) return CONSOLE_OUT
  // Loaded here, not at the top: a fresh build needs no vite.
  const { build } = await import('vite')
  await build({ configFile: join(root, 'console', 'vite.config.ts'), logLevel: 'warn' })
  return CONSOLE_OUT
}

// `--if-stale`: as build-relay.mjs calls it (`npm start` and `kiosk:web` too, for the demo's
// console).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await buildConsole({ ifStale: process.argv.slice(2).includes('--if-stale') })
}

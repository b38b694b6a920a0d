// `npm start`: the Electron kiosk when Electron's binary is installed; otherwise (offline
// installs, ELECTRON_SKIP_BINARY_DOWNLOAD) one line saying so, then the same kiosk served to a
// browser exactly as `npm run kiosk:web` does. Arguments after `--` are passed on.
//
// Electron's own `require('electron')` would try to download a missing binary, so the binary
// is located here from node_modules/electron/path.txt without running that code.
/* global AbortController */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import process from 'node:process'
import { fetchElectron } from './electron-fetch.mjs'

const root = resolve(import.meta.dirname, '..')
const require = createRequire(join(root, 'package.json'))
const args = process.argv.slice(2)

function electronBinary() {
  try {
    const pkgDir = dirname(require.resolve('electron/package.json'))
    const pathFile = join(pkgDir, 'path.txt')
    if (!existsSync(pathFile)) return null
    const rel = readFileSync(pathFile, 'utf8').trim()
    const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(pkgDir, 'dist')
    const bin = join(dist, rel)
    return rel !== '' && existsSync(bin) ? bin : null
  } catch {
    return null
  }
}

function binScript(pkg, rel) {
  return join(dirname(require.resolve(`${pkg}/package.json`)), rel)
}

function run(command, commandArgs) {
  return new Promise((resolveRun) => {
    const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit' })
    const forward = (signal) => child.kill(signal)
    process.on('SIGINT', forward)
    process.on('SIGTERM', forward)
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward)
      process.off('SIGTERM', forward)
      resolveRun(code ?? (signal ? 1 : 0))
    })
  })
}

// Electron 45 fetches its binary on first use rather than at install: try once, quietly,
// unless the user asked to skip it. Offline this fails within a second; on slow Wi-Fi it says
// what it is doing after a few seconds, and Ctrl-C stops it: the kiosk goes to a browser.
async function fetchElectronBinary() {
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) return { code: 1, stopped: false }
  const interrupt = new AbortController()
  const stop = () => interrupt.abort()
  process.on('SIGINT', stop)
  try {
    return await fetchElectron({
      command: process.execPath,
      args: [binScript('electron', 'install.js')],
      cwd: root,
      out: process.stdout,
      signal: interrupt.signal,
    })
  } finally {
    process.off('SIGINT', stop)
  }
}

let electron = electronBinary()
let fetchStopped = false
if (!electron) {
  const fetched = await fetchElectronBinary()
  fetchStopped = fetched.stopped
  if (fetched.code === 0) electron = electronBinary()
}
if (!electron) {
  const why = process.env.ELECTRON_SKIP_BINARY_DOWNLOAD
    ? 'is not installed (ELECTRON_SKIP_BINARY_DOWNLOAD is set)'
    : fetchStopped
      ? 'is missing and its download was stopped (Ctrl-C)'
      : 'is missing and could not be downloaded'
  process.stdout.write(
    `Electron's binary ${why}, so the kiosk is served to a browser instead: after the build, open the address on the line starting "kiosk:".\n`,
  )
}
const electronVite = binScript('electron-vite', 'bin/electron-vite.js')
const build = await run(process.execPath, [electronVite, 'build'])
if (build !== 0) process.exit(build)
// The organizer's console the demo's relay serves (a no-op when out/console is fresh). The
// kiosk does not need it: without it the demo prints no console line.
const consoleBuild = await run(process.execPath, [
  join(root, 'scripts/build-console.mjs'),
  '--if-stale',
])
if (consoleBuild !== 0) {
  process.stderr.write(
    "The organizer's console did not build, so the demo runs without it (no console: line).\n",
  )
}

if (electron) {
  // The Electron app loads its own build of better-sqlite3 (docs/NATIVE-MODULES.md); make it
  // once per Electron version (a no-op when it is already there).
  const native = await run(process.execPath, [join(root, 'scripts/electron-native.mjs')])
  if (native !== 0) process.exit(native)
  process.exit(await run(electron, ['.', ...args]))
} else {
  const cli = await run(process.execPath, [join(root, 'scripts/build-cli.mjs')])
  if (cli !== 0) process.exit(cli)
  process.exit(
    await run(process.execPath, ['--enable-source-maps', 'out/cli/cli.mjs', 'web', ...args]),
  )
}

// `npm start`: the Electron kiosk when Electron's binary is installed and can open a window;
// otherwise (offline installs, ELECTRON_SKIP_BINARY_DOWNLOAD, a Linux machine with no display)
// one line saying so, then the same kiosk served to a browser exactly as `npm run kiosk:web`
// does. The choice is scripts/kiosk-start.mjs's. Arguments after `--` are passed on.
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
import { runElectron, startKiosk } from './kiosk-start.mjs'

const root = resolve(import.meta.dirname, '..')
const require = createRequire(join(root, 'package.json'))

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

process.exit(
  await startKiosk({
    args: process.argv.slice(2),
    platform: process.platform,
    env: process.env,
    out: process.stdout,
    err: process.stderr,
    findElectron: electronBinary,
    fetchElectron: fetchElectronBinary,
    build: () =>
      run(process.execPath, [binScript('electron-vite', 'bin/electron-vite.js'), 'build']),
    buildConsole: () =>
      run(process.execPath, [join(root, 'scripts/build-console.mjs'), '--if-stale']),
    buildNative: () => run(process.execPath, [join(root, 'scripts/electron-native.mjs')]),
    buildCli: () => run(process.execPath, [join(root, 'scripts/build-cli.mjs')]),
    electron: (command, args) => runElectron({ command, args, cwd: root, err: process.stderr }),
    web: (args) =>
      run(process.execPath, ['--enable-source-maps', 'out/cli/cli.mjs', 'web', ...args]),
  }),
)

/* global process, console */
/**
 * Builds better-sqlite3's native addon for Electron's ABI into native/electron/<platform>-<arch>/,
 * leaving node_modules (the Node build that tests, the relay and `kiosk:web` use) untouched.
 * See docs/NATIVE-MODULES.md.
 *
 * Used two ways:
 *   - electron-builder's `beforePack` hook (electron-builder.yml), for each target platform/arch;
 *   - by hand for development runs of the Electron app: `node scripts/electron-native.mjs
 *     [--platform linux] [--arch x64] [--electron 45.4.1]`.
 *
 * It first tries better-sqlite3's prebuilt Electron binary (prebuild-install; works for other
 * platforms too), then compiles with node-gyp against Electron's headers (host platform only).
 * Both work on a copy of the package in a temporary folder.
 */
import { execFileSync } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const require = createRequire(import.meta.url)
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const ADDON = 'better_sqlite3.node'
/** electron-builder's Arch enum, by value. */
const ARCH_NAMES = ['ia32', 'x64', 'armv7l', 'arm64', 'universal']

export function installedElectronVersion() {
  return JSON.parse(readFileSync(join(root, 'node_modules/electron/package.json'), 'utf8')).version
}

export function electronAbi(version) {
  return require('node-abi').getAbi(version, 'electron')
}

export function outputDir(platform, arch) {
  return join(root, 'native', 'electron', `${platform}-${arch}`)
}

/**
 * What electron-builder packs as <app>/native/ (electron-builder.yml `files`). Refilled before
 * each platform/arch is packed: packing runs one target at a time, and a build-time folder
 * avoids relying on electron-builder's ${platform} macro, which names the host, not the target.
 */
export const PACK_DIR = join(root, 'native', 'pack')

/** Builds (or reuses) the addon; returns the folder holding better_sqlite3.node + binding.json. */
export function buildElectronSqlite({ platform, arch, electron }) {
  const abi = electronAbi(electron)
  const out = outputDir(platform, arch)
  const infoFile = join(out, 'binding.json')
  if (existsSync(join(out, ADDON)) && existsSync(infoFile)) {
    const info = JSON.parse(readFileSync(infoFile, 'utf8'))
    if (info.abi === abi && info.electron === electron) return out
  }

  const moduleDir = dirname(require.resolve('better-sqlite3/package.json'))
  const { version } = JSON.parse(readFileSync(join(moduleDir, 'package.json'), 'utf8'))
  const work = mkdtempSync(join(tmpdir(), 'scandesk-native-'))
  try {
    const copy = join(work, 'better-sqlite3')
    for (const part of ['package.json', 'binding.gyp', 'src', 'deps', 'lib']) {
      cpSync(join(moduleDir, part), join(copy, part), { recursive: true })
    }
    const built = join(copy, 'build', 'Release', ADDON)
    const run = (bin, args) =>
      execFileSync(process.execPath, [require.resolve(bin), ...args], {
        cwd: copy,
        stdio: 'inherit',
      })
    try {
      run('prebuild-install/bin.js', [
        '--runtime=electron',
        `--target=${electron}`,
        `--platform=${platform}`,
        `--arch=${arch}`,
        '--verbose',
      ])
    } catch (error) {
      if (platform !== process.platform) throw error
      console.warn('electron-native: no prebuilt binary; compiling against Electron headers')
      run('node-gyp/bin/node-gyp.js', [
        'rebuild',
        '--release',
        `--target=${electron}`,
        `--arch=${arch}`,
        '--dist-url=https://electronjs.org/headers',
      ])
    }
    if (!existsSync(built)) throw new Error(`electron-native: ${built} was not produced`)
    mkdirSync(out, { recursive: true })
    cpSync(built, join(out, ADDON))
    const info = { module: 'better-sqlite3', version, electron, abi, platform, arch }
    writeFileSync(infoFile, `${JSON.stringify(info, null, 2)}\n`)
    return out
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

/** electron-builder `beforePack` hook. */
export default async function beforePack(context) {
  const platform = context.electronPlatformName
  const arch = ARCH_NAMES[context.arch] ?? String(context.arch)
  if (arch === 'universal') throw new Error('electron-native: build x64 and arm64 separately')
  const electron = context.packager?.config?.electronVersion ?? installedElectronVersion()
  const out = buildElectronSqlite({ platform, arch, electron })
  rmSync(PACK_DIR, { recursive: true, force: true })
  cpSync(out, PACK_DIR, { recursive: true })
  console.log(`electron-native: better-sqlite3 for Electron ${electron} ${platform}-${arch} packed`)
}

function flag(name, fallback) {
  const index = process.argv.indexOf(`--${name}`)
  return index === -1 ? fallback : (process.argv[index + 1] ?? fallback)
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const out = buildElectronSqlite({
    platform: flag('platform', process.platform),
    arch: flag('arch', process.arch),
    electron: flag('electron', installedElectronVersion()),
  })
  console.log(`electron-native: ${join(out, ADDON)}`)
}

/**
 * Finds better-sqlite3's native addon built for Electron's ABI. node_modules keeps the Node
 * build (tests, relay, `kiosk:web`); the Electron build lives apart and is handed to
 * better-sqlite3 through its `nativeBinding` option. See docs/NATIVE-MODULES.md.
 *
 *   packaged app: <resources>/app.asar.unpacked/native/better_sqlite3.node
 *   development:  <app>/native/electron/<platform>-<arch>/better_sqlite3.node
 *                 (made by `node scripts/electron-native.mjs`)
 *
 * Each build has a binding.json beside it naming the ABI it was built for; a build for another
 * Electron version is skipped rather than loaded (it would crash with NODE_MODULE_VERSION).
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

export const ADDON_FILE = 'better_sqlite3.node'
export const BINDING_INFO_FILE = 'binding.json'

export interface NativeBindingQuery {
  isPackaged: boolean
  /** app.getAppPath(): …/resources/app.asar when packaged, the project folder otherwise. */
  appPath: string
  /** process.resourcesPath */
  resourcesPath: string
  platform: string
  arch: string
  /** process.versions.modules: the ABI of the running Electron. */
  abi: string
  exists?: (file: string) => boolean
  readText?: (file: string) => string
}

export interface NativeBindingResult {
  /** The addon to pass as `nativeBinding`, or null to let better-sqlite3 use node_modules. */
  file: string | null
  /** Why each candidate was passed over (for the log). */
  skipped: string[]
}

export function sqliteBindingCandidates(q: NativeBindingQuery): string[] {
  if (q.isPackaged) {
    return [
      join(`${q.appPath}.unpacked`, 'native', ADDON_FILE),
      join(q.resourcesPath, 'app.asar.unpacked', 'native', ADDON_FILE),
      join(q.resourcesPath, 'native', ADDON_FILE),
    ]
  }
  return [join(q.appPath, 'native', 'electron', `${q.platform}-${q.arch}`, ADDON_FILE)]
}

export function findSqliteBinding(q: NativeBindingQuery): NativeBindingResult {
  const exists = q.exists ?? existsSync
  const readText = q.readText ?? ((file: string) => readFileSync(file, 'utf8'))
  const skipped: string[] = []
  for (const file of new Set(sqliteBindingCandidates(q))) {
    if (!exists(file)) {
      skipped.push(`${file}: missing`)
      continue
    }
    const abi = builtForAbi(join(dirname(file), BINDING_INFO_FILE), exists, readText)
    if (abi !== null && abi !== q.abi) {
      skipped.push(`${file}: built for ABI ${abi}, this Electron is ${q.abi}`)
      continue
    }
    return { file, skipped }
  }
  return { file: null, skipped }
}

function builtForAbi(
  infoFile: string,
  exists: (file: string) => boolean,
  readText: (file: string) => string,
): string | null {
  if (!exists(infoFile)) return null
  try {
    const info = JSON.parse(readText(infoFile)) as { abi?: unknown }
    return typeof info.abi === 'string' ? info.abi : null
  } catch {
    return null
  }
}

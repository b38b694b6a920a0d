/** A temp kiosk data folder for a test file's `kiosk web` processes (apart from kiosk-process.ts, which bench imports: this one registers vitest hooks). */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import { startKioskProcess, type KioskProcess } from './kiosk-process'

export interface KioskDataFolder {
  /** The temp folder, removed after the file's tests. */
  dir: string
  /** `dir`/kiosk: the data folder every kiosk `start()`s on. */
  dataDir: string
  /** `kiosk web` on `dataDir`, port 0; killed after the file's tests. */
  start: () => Promise<KioskProcess>
}

/** A temp kiosk data folder shared by a test file's kiosks, all cleaned up in its afterAll. */
export function kioskDataFolder(prefix: string): KioskDataFolder {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  const dataDir = join(dir, 'kiosk')
  const kiosks: KioskProcess[] = []
  afterAll(async () => {
    for (const k of kiosks) await k.kill()
    rmSync(dir, { recursive: true, force: true })
  })
  return {
    dir,
    dataDir,
    start: async () => {
      const kiosk = await startKioskProcess(['--port', '0', '--data', dataDir])
      kiosks.push(kiosk)
      return kiosk
    },
  }
}

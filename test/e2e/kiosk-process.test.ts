/**
 * The e2e helper that runs `kiosk web` must not leave a kiosk behind: the kiosk is the child
 * itself (no tsx CLI grandchild), so a SIGKILL — `stop()`'s fallback, or a crash test — ends it.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startKioskProcess, type KioskProcess } from './kiosk-process'

/** pids of the processes whose command line names `dataDir`. */
function processesFor(dataDir: string): number[] {
  return execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(dataDir))
    .map((line) => Number(line.trim().split(/\s+/, 1)[0]))
}

let kiosk: KioskProcess | undefined
let dataDir: string | undefined
afterEach(async () => {
  await kiosk?.stop()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

describe('kiosk web as a test child process', () => {
  for (const how of ['kill', 'stop'] as const) {
    it(`is one process, and ${how}() leaves none behind`, async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'scandesk-e2e-proc-'))
      kiosk = await startKioskProcess(['--port', '0', '--data', dataDir])
      expect(processesFor(dataDir)).toEqual([kiosk.pid])
      // The kiosk answers from that process.
      expect((await fetch(kiosk.kioskUrl)).status).toBe(200)
      await kiosk[how]()
      expect(processesFor(dataDir)).toEqual([])
      await expect(fetch(kiosk.kioskUrl)).rejects.toThrow()
    }, 90_000)
  }
})

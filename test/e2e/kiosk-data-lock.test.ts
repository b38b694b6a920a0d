/**
 * One kiosk per data folder, on the built CLI (`node out/cli/cli.mjs web`) as processes: a
 * second kiosk on the folder is refused at start (zh-CN and English: who holds it, what to do)
 * instead of sharing the first one's identity and settings; a SIGKILLed kiosk never blocks the
 * restart; a normal stop frees the folder; `kiosk export` still reads the folder of a running
 * kiosk.
 */
import { execFile, spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { assertCliBuilt } from './kiosk-process'
import { kioskDataFolder } from './kiosk-data-folder'

const ROOT = resolve(import.meta.dirname, '../..')
const run = promisify(execFile)
const { dataDir, start } = kioskDataFolder('kiosk-lock-')

/** A kiosk expected to stop by itself (bounded: killed after 30 s). */
function runToExit(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  assertCliBuilt()
  const child = spawn(
    process.execPath,
    ['out/cli/cli.mjs', 'web', '--port', '0', '--data', dataDir],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  return new Promise((done) =>
    child.once('exit', (code) => {
      clearTimeout(timer)
      done({ code, stdout, stderr })
    }),
  )
}

describe('kiosk data folder lock', () => {
  it('refuses a second kiosk on the folder, restarts after SIGKILL and after a stop', async () => {
    const first = await start()
    const filesBefore = readdirSync(dataDir).sort()

    const second = await runToExit()
    expect(second.code).toBe(1)
    // Refused before anything else: no demo services, no kiosk address, no PIN.
    expect(second.stdout).toBe('')
    expect(second.stderr).toContain(
      `数据文件夹 ${dataDir} 正被另一个 kiosk web 进程（pid ${first.pid}`,
    )
    expect(second.stderr).toContain('请先关闭那个进程')
    expect(second.stderr).toContain(
      `The data folder ${dataDir} is in use by another kiosk web (pid ${first.pid}, since `,
    )
    expect(second.stderr).toContain('close that one first, or start this one with --data')
    // It left the folder as it was (no second vault key, settings or database files).
    expect(readdirSync(dataDir).sort()).toEqual(filesBefore)

    // The export reads a running kiosk's folder: it takes no lock.
    const exported = await run(process.execPath, ['out/cli/cli.mjs', 'export', '--data', dataDir], {
      cwd: ROOT,
    })
    expect(exported.stdout.split('\n')[0]).toContain(',')

    await first.kill()
    const afterCrash = await start()
    expect(afterCrash.kioskUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//)

    await afterCrash.stop()
    const afterStop = await start()
    expect(afterStop.kioskUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//)
    await afterStop.stop()
  }, 180_000)
})

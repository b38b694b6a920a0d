/**
 * `kiosk web --port N` when N is taken (the demo or another booth on 5170): the start stops
 * with one line before it touches the data folder. Before, the kiosk was set up first (its
 * settings, its admin PIN, a pairing code spent) and only the web server's listen failed, so
 * the PIN made by that start was never printed and the next start, finding a PIN, printed none.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import type { AddressInfo } from 'node:net'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { assertCliBuilt } from './kiosk-process'
import { kioskDataFolder } from './kiosk-data-folder'

const ROOT = resolve(import.meta.dirname, '../..')
const execFileP = promisify(execFile)
const { dataDir, start } = kioskDataFolder('kiosk-port-in-use-')

let held: Server | null = null
afterAll(async () => {
  const server = held
  if (server) await new Promise<void>((done) => server.close(() => done()))
})

async function holdPort(): Promise<number> {
  const server = createServer()
  held = server
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  return (server.address() as AddressInfo).port
}

describe('kiosk web on a port in use', () => {
  it('stops before setting anything up, so the next start still prints its admin PIN', async () => {
    assertCliBuilt()
    const port = await holdPort()
    const run = await execFileP(
      process.execPath,
      ['out/cli/cli.mjs', 'web', '--port', String(port), '--data', dataDir],
      { cwd: ROOT, timeout: 60_000 },
    ).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (err: { code?: unknown; stdout?: string; stderr?: string }) => ({
        code: typeof err.code === 'number' ? err.code : null,
        stdout: err.stdout ?? '',
        stderr: err.stderr ?? '',
      }),
    )
    expect(run.code).toBe(1)
    expect(run.stderr).toBe(
      `error: 端口 ${port} 已被其他程序占用：请用 --port 换一个端口。\n` +
        `Port ${port} is in use by another program; pick another with --port.\n`,
    )
    expect(run.stdout).not.toContain('admin PIN')
    expect(existsSync(join(dataDir, 'settings.json'))).toBe(false)

    const kiosk = await start()
    expect(kiosk.adminPin).toMatch(/^\d{6}$/)
  }, 120_000)
})

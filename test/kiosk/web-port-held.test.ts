// `kiosk web --port N`: the web server's own listen is the check that N is free, made before the
// kiosk is set up, and the port stays the kiosk's from then on. Before, a probe listened and let
// the port go, the kiosk was set up (settings, admin PIN, a pairing code spent), and only then
// did the real listen come: another process taking the port in between made the start fail
// after all that. Here the other process tries while the kiosk pairs (the stand-in relay
// answers the pairing request only once it has tried).
import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { lockFolder } from '../../shared/server/folder-lock'
import { closedPort } from '../helpers/closed-port'
import { cleanup, onCleanup, runKioskWeb, tempDir, waitFor } from './helpers'
import { PAIR_TOKEN, startPairStub } from './pair-stub'

afterEach(cleanup)

/** Listens on `port` as another program would: the server, or the error code it met. */
function takePort(port: number): Promise<Server | string> {
  return new Promise((resolve) => {
    const rival = createServer()
    rival.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? String(err)))
    rival.listen(port, '127.0.0.1', () => {
      onCleanup(() => new Promise<void>((done) => rival.close(() => done())))
      resolve(rival)
    })
  })
}

describe('kiosk web holds its port from the check on', () => {
  it('a port taken before the start: one message (zh-CN, English), exit 1, nothing set up', async () => {
    const port = await closedPort()
    expect(await takePort(port)).not.toBeTypeOf('string')
    const dataDir = tempDir()
    const run = runKioskWeb(['--port', String(port), '--data', dataDir])
    expect(await run.exited).toBe(1)
    expect(run.stderr()).toBe(
      `error: 端口 ${port} 已被其他程序占用：请用 --port 换一个端口。\n` +
        `Port ${port} is in use by another program; pick another with --port.\n`,
    )
    expect(run.out).toEqual([])
    expect(existsSync(join(dataDir, 'settings.json'))).toBe(false)
  }, 60_000)

  // A second `npm start` / `kiosk:web` on the folder of one still running: the port is the
  // first kiosk's, and another port would only meet the folder's lock.
  it('a port taken while a kiosk runs on the data folder: says that kiosk runs (its pid), not --port', async () => {
    const port = await closedPort()
    expect(await takePort(port)).not.toBeTypeOf('string')
    const dataDir = tempDir()
    const first = lockFolder(dataDir, {
      program: 'kiosk web',
      now: () => Date.UTC(2026, 11, 3, 8, 0, 0),
    })
    onCleanup(() => first.release())
    const run = runKioskWeb(['--port', String(port), '--data', dataDir])
    expect(await run.exited).toBe(1)
    const since = '2026-12-03 08:00:00 UTC'
    expect(run.stderr()).toBe(
      `error: 端口 ${port} 已被占用，且已有签到程序在这个数据文件夹上运行：${dataDir} 正被` +
        `另一个 kiosk web 进程（pid ${process.pid}，自 ${since} 起）使用。` +
        '请继续使用那个签到程序，或先关闭它再启动。\n' +
        `Port ${port} is in use, and a kiosk is already running on the data folder ${dataDir}: ` +
        `another kiosk web (pid ${process.pid}, since ${since}). ` +
        'Use that one, or close it before starting this again.\n',
    )
    expect(run.stderr()).not.toContain('--port')
    expect(run.out).toEqual([])
    expect(existsSync(join(dataDir, 'settings.json'))).toBe(false)
  }, 60_000)

  it('another program cannot take the port while the kiosk starts (here: pairs); the kiosk serves on it', async () => {
    const port = await closedPort()
    const stub = await startPairStub()
    let rival: Server | string | null = null
    // The pairing request comes after the port check and before the kiosk is up.
    stub.override = (_req, res) => {
      void takePort(port).then((taken) => {
        rival = taken
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ kioskId: 'booth-7', token: PAIR_TOKEN }))
      })
      return true
    }
    const dataDir = tempDir()
    const run = runKioskWeb([
      ...['--port', String(port), '--data', dataDir],
      ...['--relay', stub.url, '--pairing-code', 'ACDE-FGHJ'],
    ])
    const line = await Promise.race([
      waitFor(() => run.out.find((l) => l.startsWith('kiosk: ')), 'kiosk line', 40_000),
      run.exited.then((code) => `exited ${code}: ${run.stderr()}`),
    ])
    expect(rival).toBe('EADDRINUSE')
    expect(line).toMatch(new RegExp(`^kiosk: http://127\\.0\\.0\\.1:${port}/\\?key=`))
    // It answers there.
    const page = await fetch(`http://127.0.0.1:${port}/`)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<html')
  }, 60_000)
})

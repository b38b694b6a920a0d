/**
 * `npm start` on a machine where Electron's binary is installed but cannot open a window
 * (scripts/kiosk-start.mjs): on Linux with no DISPLAY and no WAYLAND_DISPLAY it says so in one
 * line and serves the kiosk to a browser without starting Electron; when Electron exits at once
 * with Chromium's no-display error it does the same, once. Any other exit of Electron (a crash,
 * or the no-display line after its first seconds) is still npm start's exit, with its code.
 *
 * Electron here is a small executable script standing in for its binary (never the real one);
 * the build steps and the browser kiosk are stubs that record what ran.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  browserLine,
  noDisplayReason,
  runElectron,
  startKiosk,
} from '../../scripts/kiosk-start.mjs'

const dirs: string[] = []
const helperPids: string[] = []
afterEach(() => {
  for (const file of helperPids.splice(0)) {
    try {
      process.kill(Number(readFileSync(file, 'utf8')), 'SIGKILL')
    } catch {
      // gone already (or never started)
    }
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** What Electron 45 prints on Linux when DISPLAY names no reachable X server. */
const CHROMIUM_NO_DISPLAY =
  '[4821:1206/182133.017:ERROR:ui/ozone/platform/x11/ozone_platform_x11.cc:249] Missing X server or $DISPLAY\n' +
  '[4821:1206/182133.017:ERROR:ui/aura/env.cc:257] The platform failed to initialize.  Exiting.\n'

/**
 * An executable standing in for Electron's binary: it writes its arguments to `ran` (so a test
 * can tell whether it was started), then runs `body` (plain Node).
 */
function fakeElectron(body: string): { bin: string; ran: string } {
  const dir = mkdtempSync(join(tmpdir(), 'scandesk-fake-electron-'))
  dirs.push(dir)
  const bin = join(dir, 'electron')
  const ran = join(dir, 'ran.json')
  writeFileSync(
    bin,
    `#!${process.execPath}\n` +
      `require('node:fs').writeFileSync(${JSON.stringify(ran)}, JSON.stringify(process.argv.slice(2)))\n` +
      `${body}\n`,
  )
  chmodSync(bin, 0o755)
  return { bin, ran }
}

function sink(): { write: (text: string | Uint8Array) => void; text: () => string } {
  let text = ''
  return {
    write: (t) => void (text += typeof t === 'string' ? t : Buffer.from(t).toString('utf8')),
    text: () => text,
  }
}

interface Run {
  code: number
  out: string
  err: string
  steps: string[]
  webArgs: (readonly string[])[]
  fetched: number
}

async function start(o: {
  platform?: string
  env?: Record<string, string | undefined>
  bin: string | null
  args?: readonly string[]
  webCode?: number
  startWindowMs?: number
}): Promise<Run> {
  const out = sink()
  const err = sink()
  const steps: string[] = []
  const webArgs: (readonly string[])[] = []
  let fetched = 0
  const step = (name: string) => () => {
    steps.push(name)
    return Promise.resolve(0)
  }
  const code = await startKiosk({
    args: o.args ?? [],
    platform: o.platform ?? 'linux',
    env: o.env ?? { DISPLAY: ':0' },
    out,
    err,
    findElectron: () => o.bin,
    fetchElectron: () => {
      fetched += 1
      return Promise.resolve({ code: 1, stopped: false })
    },
    build: step('build'),
    buildConsole: step('console'),
    buildNative: step('native'),
    buildCli: step('cli'),
    electron: (command, args) => {
      steps.push('electron')
      return runElectron({
        command,
        args,
        err,
        ...(o.startWindowMs !== undefined && { startWindowMs: o.startWindowMs }),
      })
    },
    web: (args) => {
      steps.push('web')
      webArgs.push(args)
      return Promise.resolve(o.webCode ?? 0)
    },
  })
  return { code, out: out.text(), err: err.text(), steps, webArgs, fetched }
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '')
}

describe('npm start where Electron cannot open a window', () => {
  it('Linux with neither DISPLAY nor WAYLAND_DISPLAY: one line, then the browser kiosk; Electron is never started', async () => {
    const fake = fakeElectron('process.exit(0)')
    const r = await start({ env: {}, bin: fake.bin, args: ['--port', '5171'], webCode: 4 })
    expect(lines(r.out)).toHaveLength(1)
    expect(r.out).toContain('DISPLAY')
    expect(r.out).toContain('WAYLAND_DISPLAY')
    expect(r.out).toContain('served to a browser instead')
    expect(r.out).toContain('"kiosk:"')
    expect(r.steps).toEqual(['build', 'console', 'cli', 'web'])
    expect(r.webArgs).toEqual([['--port', '5171']])
    expect(existsSync(fake.ran)).toBe(false)
    expect(r.code).toBe(4)
  })

  it('an empty DISPLAY counts as none', async () => {
    const fake = fakeElectron('process.exit(0)')
    const r = await start({ env: { DISPLAY: '', WAYLAND_DISPLAY: '' }, bin: fake.bin })
    expect(r.steps).toEqual(['build', 'console', 'cli', 'web'])
    expect(existsSync(fake.ran)).toBe(false)
  })

  it('with no display a missing binary is not fetched, and the line still says it is missing', async () => {
    const r = await start({ env: {}, bin: null })
    expect(r.fetched).toBe(0)
    expect(lines(r.out)).toHaveLength(1)
    expect(r.out).toMatch(/^Electron's binary is missing \(not downloaded: .*WAYLAND_DISPLAY/)
    expect(r.steps).toEqual(['build', 'console', 'cli', 'web'])
  })

  it('a headless machine with ELECTRON_SKIP_BINARY_DOWNLOAD says what it always said (CI, offline installs)', async () => {
    const r = await start({ env: { ELECTRON_SKIP_BINARY_DOWNLOAD: '1' }, bin: null })
    expect(lines(r.out)).toEqual([
      browserLine(
        "Electron's binary is not installed (ELECTRON_SKIP_BINARY_DOWNLOAD is set)",
      ).trimEnd(),
    ])
    expect(r.steps).toEqual(['build', 'console', 'cli', 'web'])
  })

  it('Electron exiting at once with the no-display error: its error shown, one line, the browser kiosk, once', async () => {
    const fake = fakeElectron(
      `process.stderr.write(${JSON.stringify(CHROMIUM_NO_DISPLAY)}); process.exit(1)`,
    )
    const r = await start({ env: { DISPLAY: ':99' }, bin: fake.bin, args: ['--data', 'd'] })
    expect(JSON.parse(readFileSync(fake.ran, 'utf8'))).toEqual(['.', '--data', 'd'])
    expect(r.err).toContain('Missing X server or $DISPLAY')
    expect(lines(r.out)).toEqual([
      browserLine('Electron could not open a window (no display it can reach)').trimEnd(),
    ])
    expect(r.steps).toEqual(['build', 'console', 'native', 'electron', 'cli', 'web'])
    expect(r.webArgs).toEqual([['--data', 'd']])
    expect(r.code).toBe(0)
  })

  it('the no-display error ending in a signal (as Chromium may) falls back the same way', async () => {
    const fake = fakeElectron(
      `process.stderr.write(${JSON.stringify(CHROMIUM_NO_DISPLAY)}, () => process.kill(process.pid, 'SIGTRAP'))`,
    )
    const r = await start({ env: { WAYLAND_DISPLAY: 'wayland-0' }, bin: fake.bin, webCode: 2 })
    expect(r.steps).toEqual(['build', 'console', 'native', 'electron', 'cli', 'web'])
    expect(r.code).toBe(2)
  })

  it('a helper process still holding its stderr does not hold npm start (no-display and crash alike)', async () => {
    // Chromium's helpers (zygote, GPU) share Electron's stderr and may outlive it: this one
    // lives until the test ends, so npm start must judge Electron at its own exit.
    const lingering = (): string => {
      const pidFile = join(mkdtempSync(join(tmpdir(), 'scandesk-fake-helper-')), 'pid')
      dirs.push(dirname(pidFile))
      helperPids.push(pidFile)
      return (
        `const h = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: ['ignore', 'ignore', 'inherit'] });` +
        `require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(h.pid));`
      )
    }
    const noDisplay = fakeElectron(
      `${lingering()} process.stderr.write(${JSON.stringify(CHROMIUM_NO_DISPLAY)}, () => process.exit(1))`,
    )
    const r = await start({ bin: noDisplay.bin, webCode: 6 })
    expect(r.steps).toEqual(['build', 'console', 'native', 'electron', 'cli', 'web'])
    expect(r.code).toBe(6)
    const crash = fakeElectron(`${lingering()} process.exit(3)`)
    const c = await start({ bin: crash.bin })
    expect(c.code).toBe(3)
    expect(c.steps).toEqual(['build', 'console', 'native', 'electron'])
  })

  it('a crash is reported as a crash with its exit code: no browser kiosk', async () => {
    const fake = fakeElectron(
      `process.stderr.write('FATAL: kiosk window crashed\\n'); process.exit(3)`,
    )
    const r = await start({ bin: fake.bin })
    expect(r.code).toBe(3)
    expect(r.err).toContain('FATAL: kiosk window crashed')
    expect(r.out).toBe('')
    expect(r.steps).toEqual(['build', 'console', 'native', 'electron'])
  })

  it('the no-display error after Electron is past its start is a crash too, with its code', async () => {
    const fake = fakeElectron(
      `process.stderr.write(${JSON.stringify(CHROMIUM_NO_DISPLAY)}); process.exit(5)`,
    )
    // A start window of 0 ms: any exit comes after it, as one minutes into an event would.
    const r = await start({ bin: fake.bin, startWindowMs: 0 })
    expect(r.code).toBe(5)
    expect(r.out).toBe('')
    expect(r.steps).toEqual(['build', 'console', 'native', 'electron'])
  })

  it('Electron closed normally (exit 0) is the end of npm start, even after a no-display line', async () => {
    const fake = fakeElectron(
      `process.stderr.write(${JSON.stringify(CHROMIUM_NO_DISPLAY)}); process.exit(0)`,
    )
    const r = await start({ bin: fake.bin })
    expect(r.code).toBe(0)
    expect(r.steps).toEqual(['build', 'console', 'native', 'electron'])
  })

  it('macOS and Windows are not judged by DISPLAY: Electron starts', async () => {
    for (const platform of ['darwin', 'win32']) {
      const fake = fakeElectron('process.exit(0)')
      const r = await start({ platform, env: {}, bin: fake.bin })
      expect(r.out).toBe('')
      expect(r.steps).toEqual(['build', 'console', 'native', 'electron'])
      expect(existsSync(fake.ran)).toBe(true)
    }
  })

  it('a missing binary still says so and goes to the browser (DISPLAY set)', async () => {
    const r = await start({ env: { DISPLAY: ':0', ELECTRON_SKIP_BINARY_DOWNLOAD: '1' }, bin: null })
    expect(r.fetched).toBe(1)
    expect(lines(r.out)).toEqual([
      browserLine(
        "Electron's binary is not installed (ELECTRON_SKIP_BINARY_DOWNLOAD is set)",
      ).trimEnd(),
    ])
    expect(r.steps).toEqual(['build', 'console', 'cli', 'web'])
  })

  it('a binary that cannot be run is a failure that says why, not a hang', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scandesk-fake-electron-'))
    dirs.push(dir)
    const err = sink()
    const ran = await runElectron({ command: join(dir, 'no-such-electron'), args: ['.'], err })
    expect(ran).toEqual({ code: 1, noDisplay: false })
    expect(err.text()).toContain('Electron could not be run')
  })
})

describe('noDisplayReason', () => {
  it('only a Linux machine with neither variable set has a reason', () => {
    expect(noDisplayReason('linux', {})).not.toBeNull()
    expect(noDisplayReason('linux', { DISPLAY: ':0' })).toBeNull()
    expect(noDisplayReason('linux', { WAYLAND_DISPLAY: 'wayland-0' })).toBeNull()
    expect(noDisplayReason('darwin', {})).toBeNull()
    expect(noDisplayReason('win32', {})).toBeNull()
  })
})

// `npm start`'s choice between the Electron kiosk and the same kiosk served to a browser
// (scripts/start.mjs runs it with the real build steps; the tests with a stand-in electron).
//
// The browser is used when Electron's binary is missing, and when Electron is there but cannot
// open a window: on Linux with neither DISPLAY nor WAYLAND_DISPLAY set (a server, a container,
// an SSH session), it is not even started; and when it exits at once with Chromium's no-display
// error (DISPLAY names an X server that is gone), the kiosk goes to the browser then, once. Any
// other exit, and an exit after its first seconds, is Electron's own and its code is npm start's.
import { spawn } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import process from 'node:process'
import { clearTimeout, setTimeout } from 'node:timers'

/** What Chromium writes to stderr when it finds no display to open a window on. */
export const NO_DISPLAY_ERROR =
  /Missing X server or \$DISPLAY|Failed to connect to Wayland display|The platform failed to initialize/

/**
 * How soon after its start Electron must have exited for its no-display error to count as
 * "cannot open a window" (it fails within a second; a loaded machine gets room to spare).
 */
export const START_WINDOW_MS = 20_000

/** How long Electron's stderr may stay open after its exit before the exit is judged. */
const STDERR_GRACE_MS = 1_000

/** How much of Electron's first stderr is searched for NO_DISPLAY_ERROR. */
const SEARCHED_BYTES = 64 * 1024

/**
 * Why Electron cannot open a window on this machine, or null when it may. Only Linux is
 * judged (macOS and Windows always have their desktop).
 *
 * @param {string} platform
 * @param {Record<string, string | undefined>} env
 * @returns {string | null}
 */
export function noDisplayReason(platform, env) {
  if (platform !== 'linux') return null
  if ((env.DISPLAY ?? '') !== '' || (env.WAYLAND_DISPLAY ?? '') !== '') return null
  return 'cannot open a window here (Linux with neither DISPLAY nor WAYLAND_DISPLAY set)'
}

/**
 * Runs Electron with stdin and stdout inherited and its stderr passed on to `err` as it comes.
 * Resolves its exit code (1 for a signal or a binary that could not run) and whether it was
 * the no-display failure: a failed exit within `startWindowMs` of the start, after stderr
 * said NO_DISPLAY_ERROR. SIGINT and SIGTERM sent to this process are passed on to Electron.
 *
 * @param {{
 *   command: string,
 *   args: readonly string[],
 *   cwd?: string,
 *   env?: Record<string, string | undefined>,
 *   err: { write(text: string | Uint8Array): unknown },
 *   startWindowMs?: number,
 * }} o
 * @returns {Promise<{ code: number, noDisplay: boolean }>}
 */
export function runElectron(o) {
  return new Promise((resolveRun) => {
    const started = performance.now()
    const window = o.startWindowMs ?? START_WINDOW_MS
    const child = spawn(o.command, [...o.args], {
      ...(o.cwd !== undefined && { cwd: o.cwd }),
      ...(o.env !== undefined && { env: o.env }),
      stdio: ['inherit', 'inherit', 'pipe'],
    })
    let searched = ''
    let sawNoDisplay = false
    child.stderr.on('data', (chunk) => {
      o.err.write(chunk)
      if (sawNoDisplay || searched.length >= SEARCHED_BYTES) return
      searched += chunk.toString('utf8')
      sawNoDisplay = NO_DISPLAY_ERROR.test(searched)
    })
    const forward = (signal) => child.kill(signal)
    process.on('SIGINT', forward)
    process.on('SIGTERM', forward)
    let done = false
    const finish = (code, noDisplay) => {
      if (done) return
      done = true
      process.off('SIGINT', forward)
      process.off('SIGTERM', forward)
      resolveRun({ code, noDisplay })
    }
    child.on('error', (error) => {
      o.err.write(`Electron could not be run (${o.command}): ${error.message}\n`)
      finish(1, false)
    })
    // Electron's helper processes (zygote, GPU) share its stderr and may outlive it a moment, so
    // its exit is judged at its 'exit', once stderr has been read to its end (a no-display line
    // written just before the exit is seen) or after STDERR_GRACE_MS when a helper holds it.
    let stderrClosed = false
    let judge = null
    child.stderr.on('close', () => {
      stderrClosed = true
      judge?.()
    })
    child.on('exit', (code, signal) => {
      const failed = code !== 0
      const atOnce = performance.now() - started <= window
      judge = () => {
        clearTimeout(grace)
        finish(code ?? (signal ? 1 : 0), failed && atOnce && sawNoDisplay)
      }
      const grace = setTimeout(judge, STDERR_GRACE_MS)
      if (stderrClosed) judge()
    })
  })
}

/**
 * The one line saying why the kiosk goes to a browser.
 *
 * @param {string} why
 * @returns {string}
 */
export function browserLine(why) {
  return `${why}, so the kiosk is served to a browser instead: after the build, open the address on the line starting "kiosk:".\n`
}

/**
 * `npm start`: resolves the exit code for the process.
 *
 * @param {{
 *   args: readonly string[],
 *   platform: string,
 *   env: Record<string, string | undefined>,
 *   out: { write(text: string): unknown },
 *   err: { write(text: string): unknown },
 *   findElectron: () => string | null,
 *   fetchElectron: () => Promise<{ code: number, stopped: boolean }>,
 *   build: () => Promise<number>,
 *   buildConsole: () => Promise<number>,
 *   buildNative: () => Promise<number>,
 *   buildCli: () => Promise<number>,
 *   electron: (command: string, args: readonly string[]) => Promise<{ code: number, noDisplay: boolean }>,
 *   web: (args: readonly string[]) => Promise<number>,
 * }} o
 * @returns {Promise<number>}
 */
export async function startKiosk(o) {
  const noDisplay = noDisplayReason(o.platform, o.env)
  let electron = o.findElectron()
  if (electron && noDisplay !== null) {
    o.out.write(browserLine(`Electron ${noDisplay}`))
    electron = null
  } else if (!electron && noDisplay !== null && !o.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
    // The line still says the binary is missing, as it always has (a headless machine is where
    // that is most often read); no point fetching a binary that could not show its window.
    o.out.write(browserLine(`Electron's binary is missing (not downloaded: Electron ${noDisplay})`))
  } else if (!electron) {
    const fetched = await o.fetchElectron()
    if (fetched.code === 0) electron = o.findElectron()
    if (!electron) {
      const why = o.env.ELECTRON_SKIP_BINARY_DOWNLOAD
        ? 'is not installed (ELECTRON_SKIP_BINARY_DOWNLOAD is set)'
        : fetched.stopped
          ? 'is missing and its download was stopped (Ctrl-C)'
          : 'is missing and could not be downloaded'
      o.out.write(browserLine(`Electron's binary ${why}`))
    }
  }
  const build = await o.build()
  if (build !== 0) return build
  // The organizer's console the demo's relay serves (a no-op when out/console is fresh). The
  // kiosk does not need it: without it the demo prints no console line.
  if ((await o.buildConsole()) !== 0) {
    o.err.write(
      "The organizer's console did not build, so the demo runs without it (no console: line).\n",
    )
  }
  if (electron) {
    // The Electron app loads its own build of better-sqlite3 (docs/NATIVE-MODULES.md); made
    // once per Electron version (a no-op when it is already there).
    const native = await o.buildNative()
    if (native !== 0) return native
    const ran = await o.electron(electron, ['.', ...o.args])
    if (!ran.noDisplay) return ran.code
    // Once: the browser kiosk's own exit is npm start's, whatever it is.
    o.out.write(browserLine('Electron could not open a window (no display it can reach)'))
  }
  const cli = await o.buildCli()
  if (cli !== 0) return cli
  return o.web(o.args)
}

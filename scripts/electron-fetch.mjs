// `npm start`'s fetch of Electron's missing binary (scripts/start.mjs), run with its output
// hidden: offline it fails within a second and start.mjs says so in one line, so nothing is
// shown while it runs. A fetch still running after a few seconds (slow venue Wi-Fi: it may
// take minutes) says once what it is doing and how to have the kiosk in a browser instead.
import { spawn } from 'node:child_process'
import { clearTimeout, setTimeout } from 'node:timers'

export const FETCH_NOTICE =
  '正在下载 Electron（仅首次启动，网络慢时可能需要几分钟）；按 Ctrl-C 或设置 ' +
  'ELECTRON_SKIP_BINARY_DOWNLOAD=1 可改用浏览器打开签到屏。' +
  ' Downloading Electron (first start only; minutes on slow Wi-Fi): Ctrl-C, or ' +
  'ELECTRON_SKIP_BINARY_DOWNLOAD=1, serves the kiosk to a browser instead.'

/**
 * Runs `command args` with its output hidden, for at most `timeoutMs`; resolves its exit code
 * (1 when it could not run, was ended at the limit or was stopped) and whether `signal` stopped
 * it. FETCH_NOTICE goes to `out` once when it is still running after `noticeAfterMs`.
 *
 * @param {{
 *   command: string,
 *   args: readonly string[],
 *   cwd?: string,
 *   timeoutMs?: number,
 *   noticeAfterMs?: number,
 *   out: { write(text: string): unknown },
 *   signal?: AbortSignal,
 *   onPid?: (pid: number) => void,
 * }} o
 * @returns {Promise<{ code: number, stopped: boolean }>}
 */
export function fetchElectron(o) {
  return new Promise((resolveFetch) => {
    let stopped = false
    const child = spawn(o.command, [...o.args], {
      ...(o.cwd !== undefined && { cwd: o.cwd }),
      stdio: 'ignore',
      timeout: o.timeoutMs ?? 300_000,
    })
    if (child.pid !== undefined) o.onPid?.(child.pid)
    const notice = setTimeout(() => o.out.write(`${FETCH_NOTICE}\n`), o.noticeAfterMs ?? 3_000)
    const stop = () => {
      stopped = true
      child.kill('SIGTERM')
    }
    if (o.signal?.aborted) stop()
    else o.signal?.addEventListener('abort', stop, { once: true })
    const done = (code) => {
      clearTimeout(notice)
      o.signal?.removeEventListener('abort', stop)
      resolveFetch({ code: stopped ? 1 : code, stopped })
    }
    child.on('error', () => done(1))
    child.on('exit', (code) => done(code ?? 1))
  })
}

/**
 * `npm start` fetching Electron's missing binary (scripts/electron-fetch.mjs): quiet when the
 * fetch ends quickly (offline it fails within a second, and start.mjs then says so in its one
 * line), one line saying what it is doing when it runs past a few seconds (slow venue Wi-Fi
 * showed nothing for up to five minutes), and Ctrl-C stops it so the kiosk goes to a browser.
 * The fetch here is a `node -e` standing in for Electron's install.js.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { fetchElectron, FETCH_NOTICE } from '../../scripts/electron-fetch.mjs'
import { cleanup, onCleanup, waitFor } from './helpers'

afterEach(cleanup)

/** Never ends by itself: prints its pid, then waits. */
const SLOW = ['-e', 'console.log(process.pid); setInterval(() => {}, 1000)']

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

function sink(): { write: (text: string) => void; text: () => string } {
  let text = ''
  return { write: (t) => void (text += t), text: () => text }
}

describe('fetching Electron at npm start', () => {
  it('a fetch that fails fast (offline) says nothing and resolves its failure', async () => {
    const out = sink()
    const result = await fetchElectron({
      command: process.execPath,
      args: ['-e', 'process.exit(3)'],
      noticeAfterMs: 60_000,
      out,
    })
    expect(result).toEqual({ code: 3, stopped: false })
    expect(out.text()).toBe('')
  })

  it('a fetch that succeeds fast resolves 0, quietly', async () => {
    const out = sink()
    const result = await fetchElectron({
      command: process.execPath,
      args: ['-e', ''],
      noticeAfterMs: 60_000,
      out,
    })
    expect(result).toEqual({ code: 0, stopped: false })
    expect(out.text()).toBe('')
  })

  it('a slow fetch says once, in zh-CN and English, what it is doing; Ctrl-C stops it', async () => {
    const out = sink()
    const stop = new AbortController()
    let pid = 0
    const fetching = fetchElectron({
      command: process.execPath,
      args: SLOW,
      noticeAfterMs: 20,
      out,
      signal: stop.signal,
      onPid: (p) => (pid = p),
    })
    onCleanup(async () => {
      stop.abort()
      await fetching
    })
    await waitFor(() => out.text() !== '', 'the notice', 20_000)
    expect(out.text()).toBe(`${FETCH_NOTICE}\n`)
    expect(FETCH_NOTICE).not.toContain('\n')
    expect(FETCH_NOTICE).toMatch(/^正在下载 Electron/)
    expect(FETCH_NOTICE).toContain('Downloading Electron')
    expect(FETCH_NOTICE).toContain('Ctrl-C')
    expect(FETCH_NOTICE).toContain('ELECTRON_SKIP_BINARY_DOWNLOAD=1')
    expect(pid).toBeGreaterThan(0)
    expect(alive(pid)).toBe(true)
    stop.abort()
    expect(await fetching).toEqual({ code: 1, stopped: true })
    expect(alive(pid)).toBe(false)
    expect(out.text()).toBe(`${FETCH_NOTICE}\n`)
  })

  it('a fetch past its time limit is ended and counts as failed', async () => {
    const out = sink()
    const result = await fetchElectron({
      command: process.execPath,
      args: SLOW,
      timeoutMs: 300,
      noticeAfterMs: 60_000,
      out,
    })
    expect(result).toEqual({ code: 1, stopped: false })
  })

  it('a command that cannot run counts as failed', async () => {
    const result = await fetchElectron({
      command: '/nonexistent/scandesk-no-such-node',
      args: [],
      noticeAfterMs: 60_000,
      out: sink(),
    })
    expect(result).toEqual({ code: 1, stopped: false })
  })
})

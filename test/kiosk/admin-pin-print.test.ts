// `kiosk web` prints the admin PIN only when it generated it: a PIN given in
// SCANDESK_ADMIN_PIN is the operator's own and must not be copied into terminals and logs.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterEach, describe, expect, it } from 'vitest'
import { createKioskCore } from '../../electron/core/kiosk-core'
import { MemoryVault } from '../../electron/core/config/vault'
import { cleanup, onCleanup, tempDir, waitFor } from './helpers'

afterEach(cleanup)

const ROOT = join(import.meta.dirname, '..', '..')

/** Starts `kiosk web` provisioned for an unreachable relay (no demo to start); its stdout lines. */
function kioskWeb(env: Record<string, string>, dataDir = tempDir()) {
  const child = spawn(
    process.execPath,
    [
      join('node_modules', 'tsx', 'dist', 'cli.mjs'),
      'electron/core/cli/cli.ts',
      'web',
      '--port',
      '0',
      '--data',
      dataDir,
      '--relay',
      'https://relay.invalid',
      '--kiosk-id',
      'booth-1',
      '--ticket-source',
      'proxy',
    ],
    {
      cwd: ROOT,
      env: { ...process.env, SCANDESK_KIOSK_TOKEN: 't'.repeat(32), ...env },
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  )
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  onCleanup(async () => {
    if (child.exitCode === null) child.kill('SIGKILL')
    await exited
  })
  const lines: string[] = []
  createInterface({ input: child.stdout }).on('line', (l) => lines.push(l))
  return { child, exited, lines }
}

describe('the admin PIN on the terminal', () => {
  it('kiosk web does not print a PIN that came from SCANDESK_ADMIN_PIN', async () => {
    const web = kioskWeb({ SCANDESK_ADMIN_PIN: '8642' })
    await waitFor(() => web.lines.some((l) => l.startsWith('kiosk: ')), 'kiosk line', 30_000)
    // Everything is printed together with the kiosk line; let the process end to read it all.
    web.child.kill('SIGTERM')
    await web.exited
    expect(web.lines.join('\n')).not.toMatch(/PIN|8642/)
  }, 60_000)

  it('kiosk web prints a PIN it made once: the next start keeps it', async () => {
    const dataDir = tempDir()
    const first = kioskWeb({}, dataDir)
    await waitFor(() => first.lines.find((l) => l.startsWith('admin PIN: ')), 'PIN line', 30_000)
    first.child.kill('SIGTERM')
    await first.exited
    const pin = /^admin PIN: (\d{6}) /m.exec(first.lines.join('\n'))?.[1]
    expect(pin).toBeDefined()
    // Started again on the folder: no new PIN (the printed one stands), and it unlocks.
    const second = kioskWeb({}, dataDir)
    await waitFor(() => second.lines.some((l) => l.startsWith('kiosk: ')), 'kiosk line', 30_000)
    second.child.kill('SIGTERM')
    await second.exited
    expect(second.lines.join('\n')).not.toMatch(/PIN/)
    const core = createKioskCore({ dataDir, vault: new MemoryVault(), tickMs: 0 })
    onCleanup(() => core.stop())
    expect(core.initialPin).toBeNull()
    expect(core.auth.unlock(pin ?? '').ok).toBe(true)
  }, 90_000)

  it('a generated PIN is offered for showing once; a given one is not', () => {
    const start = (initialPin?: string) => {
      const core = createKioskCore({
        dataDir: tempDir(),
        vault: new MemoryVault(),
        tickMs: 0,
        ...(initialPin !== undefined ? { initialPin } : {}),
      })
      onCleanup(() => core.stop())
      return core
    }
    expect(start().initialPin).toMatch(/^\d{6}$/)
    expect(start('8642').initialPin).toBeNull()
  })
})

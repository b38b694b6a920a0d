// An empty flag value (`--data ""`, a variable that expanded to nothing) is a usage error that
// names the flag, never a silent fall back to the default folder or port.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { parseWebArgs } from '../../electron/core/cli/cli-web'
import { runResetPinCommand } from '../../electron/core/cli/cli-reset-pin'
import { parseLaunchArgs, UsageError } from '../../electron/core/config/provisioning-args'

afterEach(() => {
  vi.restoreAllMocks()
})

describe('an empty flag value', () => {
  it('kiosk web --data "": a usage error, not ./kiosk-data or SCANDESK_DATA', () => {
    expect(() => parseWebArgs(['--data', ''], { SCANDESK_DATA: '/srv/kiosk' })).toThrow(
      new UsageError('--data needs a folder'),
    )
    expect(() => parseWebArgs(['--data='], {})).toThrow(UsageError)
  })

  it('kiosk web --port "": a usage error, not a random free port', () => {
    expect(() => parseWebArgs(['--port', ''], {})).toThrow(new UsageError('--port must be 0–65535'))
    expect(() => parseWebArgs(['--port', ' '], {})).toThrow(UsageError)
    expect(parseWebArgs(['--port', '0'], {}).port).toBe(0)
  })

  it('the Electron shell --data "": a usage error, not the app folder', () => {
    expect(() => parseLaunchArgs(['.', '--no-sandbox', '--data', ''])).toThrow(
      new UsageError('--data needs a folder'),
    )
    expect(parseLaunchArgs(['.', '--data', '/srv/kiosk']).dataDir).toBe('/srv/kiosk')
    expect(parseLaunchArgs(['.']).dataDir).toBeNull()
  })

  it('kiosk reset-pin --data "": exit 2 naming --data', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    expect(await runResetPinCommand(['--data', ''])).toBe(2)
    expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toMatch(/--data needs a folder/)
  })
})

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

  // `--api-base ""` was kept as the ticket API's address, `--pairing-code ""` sent to the relay.
  it.each([
    ['--relay', /--relay needs the relay URL/],
    ['--kiosk-id', /--kiosk-id needs a kiosk id/],
    ['--api-base', /--api-base needs a URL/],
    ['--appid', /--appid needs an AppID/],
    ['--pairing-code', /--pairing-code needs a pairing code/],
    ['--ticket-source', /--ticket-source must be proxy or direct, not ""/],
  ])('kiosk web and the Electron shell %s "": a usage error naming it', (flag, says) => {
    // A complete provisioning otherwise, the flag's own value (if any) left out.
    const given: Record<string, string> = {
      '--relay': 'https://relay.example',
      '--kiosk-id': 'k1',
      '--ticket-source': 'direct',
    }
    const others = Object.entries(given).flatMap(([f, v]) => (f === flag ? [] : [f, v]))
    const args = [...others, flag, '']
    expect(() => parseWebArgs(args, {})).toThrow(UsageError)
    expect(() => parseWebArgs(args, {})).toThrow(says)
    expect(() => parseWebArgs([...others, `${flag}=`], {})).toThrow(says)
    expect(() => parseLaunchArgs(['.', ...args])).toThrow(says)
  })

  it('kiosk reset-pin --data "": exit 2 naming --data', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    expect(await runResetPinCommand(['--data', ''])).toBe(2)
    expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toMatch(/--data needs a folder/)
  })
})

// As `kiosk export` and the relay's and sandbox's flags: the last of two silently won, so
// `reset-pin --data ./hall-a --data ./hall-b` replaced hall-b's PIN, not the one asked first.
describe('a flag given twice', () => {
  it('kiosk web --port/--data/--relay twice: a usage error naming it, never its values', () => {
    expect(() => parseWebArgs(['--port', '5170', '--port', '5171'], {})).toThrow(
      new UsageError('--port is given twice; give it once'),
    )
    expect(() => parseWebArgs(['--data=./a', '--data', './b'], {})).toThrow(
      new UsageError('--data is given twice; give it once'),
    )
    expect(() =>
      parseWebArgs(['--relay', 'https://a.example', '--relay=https://b.example'], {}),
    ).toThrow(new UsageError('--relay is given twice; give it once'))
    expect(parseWebArgs(['--port', '5171', '--data', './a'], {}).port).toBe(5171)
  })

  it('kiosk reset-pin --data twice: exit 2 naming --data, no folder touched', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    expect(await runResetPinCommand(['--data', './hall-a', '--data', './hall-b'])).toBe(2)
    const said = stderr.mock.calls.map((c) => String(c[0])).join('')
    expect(said).toMatch(/--data is given twice; give it once/)
    expect(said).not.toMatch(/hall-/)
  })
})

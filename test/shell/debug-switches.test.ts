/**
 * The switches the packaged kiosk refuses (electron/main/debug-switches.ts): Chromium's remote
 * debugging, Node's inspector, V8 flags and DevTools, written as Chromium reads them on each
 * platform; the kiosk's own flags (and --no-sandbox, which some Linux kiosks need) pass.
 */
import { describe, expect, it } from 'vitest'
import { refusedSwitch } from '../../electron/main/debug-switches'

describe('refusedSwitch', () => {
  it.each([
    ['--remote-debugging-port=9222', '--remote-debugging-port'],
    ['--remote-debugging-pipe', '--remote-debugging-pipe'],
    ['--remote-debugging-address=0.0.0.0', '--remote-debugging-address'],
    ['--remote-allow-origins=*', '--remote-allow-origins'],
    ['-remote-debugging-port=9222', '-remote-debugging-port'],
    ['--inspect', '--inspect'],
    ['--inspect-brk=0', '--inspect-brk'],
    ['--inspect-port=9229', '--inspect-port'],
    ['--debug', '--debug'],
    ['--js-flags=--allow-natives-syntax', '--js-flags'],
    ['--auto-open-devtools-for-tabs', '--auto-open-devtools-for-tabs'],
  ])('%s is refused as %s', (arg, shown) => {
    expect(refusedSwitch(['--data', '/k', arg], 'linux')).toBe(shown)
  })

  it('on Windows, /switch and any letter case are switches too (Chromium reads them so)', () => {
    expect(refusedSwitch(['/remote-debugging-port=9222'], 'win32')).toBe('/remote-debugging-port')
    expect(refusedSwitch(['--Remote-Debugging-Port=9222'], 'win32')).toBe('--Remote-Debugging-Port')
    // Elsewhere a leading slash is a path, not a switch.
    expect(refusedSwitch(['/remote-debugging-port=9222'], 'linux')).toBeNull()
  })

  it("passes the kiosk's own flags and Electron's harmless ones", () => {
    expect(
      refusedSwitch(
        [
          '--data',
          '/srv/kiosk',
          '--relay=https://relay.example',
          '--kiosk-id',
          'k1',
          '--ticket-source',
          'proxy',
          '--pairing-code',
          'ABCD-EFGH',
          '--kiosk',
          '--no-sandbox',
          '--password-store=basic',
          '--',
          '--no-sandbox-please',
        ],
        'linux',
      ),
    ).toBeNull()
  })
})

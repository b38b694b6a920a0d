/**
 * Command-line switches the packaged kiosk refuses to start with. Electron's fuses turn off
 * running as Node, NODE_OPTIONS and Node's --inspect flags, but Chromium's own switches are
 * still honoured: `--remote-debugging-port=9222` in a shortcut or an autostart entry lets anyone
 * on the machine (or the network, with --remote-debugging-address) drive the kiosk page, read
 * what it shows and call the admin API once it is unlocked. A kiosk has no use for any of them;
 * a developer's unpackaged run keeps them. `--no-sandbox` is not refused: some Linux kiosks need
 * it to start at all (an AppImage where unprivileged user namespaces are off), and it opens no
 * way in from outside.
 */

/**
 * Switch names (lower case, without the dashes) refused as given or with `=value`, and
 * prefixes refused with anything after them (`inspect` covers --inspect-brk, --inspect-port…).
 */
const REFUSED_NAMES = new Set(['js-flags', 'debug', 'debug-brk', 'auto-open-devtools-for-tabs'])
const REFUSED_PREFIXES = ['remote-debugging-', 'remote-allow-origins', 'inspect']

/**
 * The first refused switch on `argv` (as it was written, without its value), or null. Chromium
 * reads `--x` and `-x` as switches on every platform, also `/x` on Windows, where it lower-cases
 * their names: they are matched the same way here.
 */
export function refusedSwitch(argv: readonly string[], platform: NodeJS.Platform): string | null {
  const prefixes = platform === 'win32' ? ['--', '-', '/'] : ['--', '-']
  for (const arg of argv) {
    const prefix = prefixes.find((p) => arg.startsWith(p))
    if (prefix === undefined || arg === '--') continue
    const written = arg.split('=', 1)[0] ?? arg
    const name = written.slice(prefix.length).toLowerCase()
    if (REFUSED_NAMES.has(name) || REFUSED_PREFIXES.some((p) => name.startsWith(p))) return written
  }
  return null
}

/** Thrown at start-up by the packaged app; the start-up error box words it (index.ts). */
export class RefusedSwitchError extends Error {
  override readonly name = 'RefusedSwitchError'
  constructor(readonly switchName: string) {
    super(`refused to start with ${switchName}`)
  }
}

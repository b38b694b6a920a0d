/**
 * A port and a `host[:port]` as a person typed them (a flag, a config value, a Host header).
 * Number() and z.coerce read '' and ' ' as 0 (a random free port nobody asked for) and
 * '0x1F90', '1e3' or '+80' as other ports (a slip that silently reaches another server): only
 * decimal digits count here. Each caller says in its own words what it expected.
 *
 * No Node imports: any program may use it.
 */

/** 1–5 decimal digits (a leading zero is fine: '080' is 80), 0 (or `min`) to 65535; else null. */
export function portFromText(text: string, opts: { min?: 0 | 1 } = {}): number | null {
  if (!/^[0-9]{1,5}$/.test(text)) return null
  const port = Number(text)
  return port >= (opts.min ?? 0) && port <= 65535 ? port : null
}

/**
 * `args` with `--port -1` written as `--port=-1`, for Node's parseArgs: it refuses a value that
 * starts with a dash as "argument is ambiguous…", so a negative port never reached the program's
 * own "--port must be …". Only the `flags` named (number-valued), and only a value that reads as
 * a negative number; everything after `--` is left as it is.
 */
export function negativeValuesJoined(
  args: readonly string[],
  flags: ReadonlySet<string>,
): string[] {
  const out: string[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? ''
    if (arg === '--') return [...out, ...args.slice(i)]
    const next = args[i + 1]
    if (
      arg.startsWith('--') &&
      flags.has(arg.slice(2)) &&
      next !== undefined &&
      /^-[0-9.]/.test(next)
    ) {
      out.push(`${arg}=${next}`)
      i++
    } else {
      out.push(arg)
    }
  }
  return out
}

export interface HostPortText {
  /** The name or address, brackets off (`::1` for `[::1]`); its characters are the caller's to check. */
  host: string
  /** The host was written in brackets (an IPv6 address). */
  ipv6: boolean
  /** The text after the colon (check it with portFromText), or null without one. */
  port: string | null
}

/**
 * `host`, `host:port`, `[v6]` or `[v6]:port` split, or null: an empty host or port, a bracket
 * out of place, or a bare IPv6 address (`::1:80` could be `[::1]:80` or `[::1:80]`).
 */
export function splitHostPort(text: string): HostPortText | null {
  const m = /^(?:\[([^[\]]+)\]|([^:[\]]+))(?::([^:[\]]+))?$/.exec(text)
  if (!m) return null
  const bracketed = m[1]
  return { host: bracketed ?? m[2] ?? '', ipv6: bracketed !== undefined, port: m[3] ?? null }
}

/** `host:port` as a URL writes it: an IPv6 address in brackets. */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`
}

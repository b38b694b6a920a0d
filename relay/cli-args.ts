/**
 * A small argv parser: `--name value`, `--name=value` (each name once), boolean switches,
 * positionals.
 */
export interface ParsedArgs {
  positionals: string[]
  flags: Record<string, string>
  switches: Set<string>
}

export class UsageError extends Error {
  override name = 'UsageError'
}

export function parseArgs(
  argv: readonly string[],
  valued: ReadonlySet<string>,
  switches: ReadonlySet<string>,
): ParsedArgs {
  const out: ParsedArgs = { positionals: [], flags: {}, switches: new Set() }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    if (arg === '--') {
      out.positionals.push(...argv.slice(i + 1))
      break
    }
    if (!arg.startsWith('--')) {
      out.positionals.push(arg)
      continue
    }
    const eq = arg.indexOf('=')
    const name = arg.slice(2, eq === -1 ? undefined : eq)
    if (switches.has(name) && eq === -1) {
      out.switches.add(name)
    } else if (valued.has(name)) {
      const value = eq === -1 ? argv[++i] : arg.slice(eq + 1)
      if (value === undefined) throw new UsageError(`--${name} needs a value`)
      // Not the last one silently: `kiosk add k1 --data ./a --data ./b` would write to ./b. The
      // values are not echoed (a flag may carry a secret).
      if (Object.hasOwn(out.flags, name))
        throw new UsageError(`--${name} is given twice; give it once`)
      out.flags[name] = value
    } else {
      throw new UsageError(`unknown option --${name}`)
    }
  }
  return out
}

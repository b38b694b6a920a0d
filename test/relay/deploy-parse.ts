/**
 * Just enough of the Dockerfile, systemd unit, env file and Compose interpolation syntaxes to
 * run what deploy/ and the Dockerfile describe; anything outside that subset throws, so a
 * change to those files that these readers cannot follow fails the test instead of passing it.
 */

export interface ImageSpec {
  workdir: string
  env: Record<string, string>
  cmd: string[]
  healthcheck: string[]
  expose: string[]
  volumes: string[]
  user: string | null
  stopSignal: string | null
}

function execForm(text: string, what: string): string[] {
  const parsed: unknown = JSON.parse(text)
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) {
    throw new Error(`${what} must be in exec form (a JSON array of strings): ${text}`)
  }
  return parsed
}

/** The final stage of a Dockerfile (what `docker run` starts). */
export function parseDockerfile(text: string): ImageSpec {
  const lines = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
  const lastFrom = lines.findLastIndex((l) => /^FROM\s/i.test(l))
  const spec: ImageSpec = {
    workdir: '/',
    env: {},
    cmd: [],
    healthcheck: [],
    expose: [],
    volumes: [],
    user: null,
    stopSignal: null,
  }
  for (const line of lines.slice(lastFrom + 1)) {
    const [, instruction = '', rest = ''] = /^(\S+)\s+(.*)$/.exec(line) ?? []
    switch (instruction.toUpperCase()) {
      case 'WORKDIR':
        spec.workdir = rest
        break
      case 'ENV':
        for (const pair of rest.split(/\s+/)) {
          const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(pair)
          if (!m || /["'$]/.test(m[2] ?? '')) throw new Error(`unsupported ENV: ${rest}`)
          spec.env[m[1] ?? ''] = m[2] ?? ''
        }
        break
      case 'CMD':
        spec.cmd = execForm(rest, 'CMD')
        break
      case 'HEALTHCHECK': {
        const m = /\bCMD\s+(\[.*\])$/.exec(rest)
        if (!m) throw new Error(`unsupported HEALTHCHECK: ${rest}`)
        spec.healthcheck = execForm(m[1] ?? '', 'HEALTHCHECK')
        break
      }
      case 'EXPOSE':
        spec.expose.push(...rest.split(/\s+/))
        break
      case 'VOLUME':
        spec.volumes.push(...(rest.startsWith('[') ? execForm(rest, 'VOLUME') : rest.split(/\s+/)))
        break
      case 'USER':
        spec.user = rest
        break
      case 'STOPSIGNAL':
        spec.stopSignal = rest
        break
      default:
        break
    }
  }
  return spec
}

export type UnitFile = Record<string, Array<[key: string, value: string]>>

/** A systemd unit: sections of `Key=value` lines, in order (keys may repeat). */
export function parseUnit(text: string): UnitFile {
  const unit: UnitFile = {}
  let section: Array<[string, string]> | null = null
  for (const raw of text.replace(/\\\n/g, ' ').split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    const head = /^\[(.+)\]$/.exec(line)
    if (head) {
      section = unit[head[1] ?? ''] ??= []
      continue
    }
    const eq = line.indexOf('=')
    if (section === null || eq <= 0) throw new Error(`unsupported unit line: ${line}`)
    section.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()])
  }
  return unit
}

export function unitValues(unit: UnitFile, section: string, key: string): string[] {
  return (unit[section] ?? []).filter(([k]) => k === key).map(([, v]) => v)
}

/** Words of a command line or an `Environment=` value; double quotes group. */
export function unitWords(value: string): string[] {
  const words: string[] = []
  for (const m of value.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)) words.push(m[1] ?? m[2] ?? '')
  return words
}

/** Expands the specifiers this project uses (`%S`, `%%`); any other one throws. */
export function expandSpecifiers(value: string, specifiers: Record<string, string>): string {
  return value.replace(/%(.)/g, (_, c: string) => {
    if (c === '%') return '%'
    const v = specifiers[c]
    if (v === undefined) throw new Error(`specifier %${c} not supported here`)
    return v
  })
}

/** `NAME=value` lines (systemd EnvironmentFile, Compose .env); comments and blanks skipped. */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line)
    if (!m || /^["']/.test(m[2] ?? '')) throw new Error(`unsupported env line: ${line}`)
    env[m[1] ?? ''] = m[2] ?? ''
  }
  return env
}

/** Compose's interpolation: `${V}`, `${V:-d}`, `${V-d}`, `${V:?msg}`, `${V?msg}`, `$$`. */
export function interpolate(value: string, vars: Readonly<Record<string, string>>): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}/g,
    (whole, name: string | undefined, colon: string, op: string, arg: string) => {
      if (whole === '$$') return '$'
      const v = vars[name ?? '']
      const missing = v === undefined || (colon === ':' && v === '')
      if (!missing) return v
      if (op === '?') throw new Error(`${name}: ${arg}`)
      return op === '-' ? arg : ''
    },
  )
}

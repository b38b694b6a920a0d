/** What the command-line programs (kiosk, sandbox) check in `node:util` parseArgs' tokens. */

/** A token of `parseArgs({ tokens: true })`, as far as these checks read it. */
export interface ArgToken {
  kind: string
  name?: string
  value?: string | undefined
}

/**
 * The first valued flag given twice (parseArgs keeps only the last: `--data ./a --data ./b` would
 * act on b), or null. A switch said twice is still one switch. The caller refuses it naming the
 * flag, never its values (a flag may carry a secret).
 */
export function repeatedFlag(tokens: ReadonlyArray<ArgToken>): string | null {
  const seen = new Set<string>()
  for (const t of tokens) {
    if (t.kind !== 'option' || t.name === undefined || t.value === undefined) continue
    if (seen.has(t.name)) return t.name
    seen.add(t.name)
  }
  return null
}

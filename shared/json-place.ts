/**
 * Where JSON.parse gave up, as ` (line L, column C)`, or nothing. Never its message: V8
 * quotes the text around the error there, which in a configuration file may be a secret
 * (an AppSecret, a token, a PIN's hash).
 */
export function jsonErrorPlace(err: unknown, text: string): string {
  const at = err instanceof Error ? /at position (\d+)/.exec(err.message) : null
  // "Unexpected token 'x', "…" is not valid JSON" gives no position: find it ourselves.
  const offset = at === null ? syntaxErrorOffset(text) : Number(at[1])
  if (offset === null) return ''
  const before = text.slice(0, offset)
  const line = before.split('\n').length
  const column = before.length - before.lastIndexOf('\n')
  return ` (line ${line}, column ${column})`
}

/** The offset of the first character that is not JSON (RFC 8259), or null if none is found. */
export function syntaxErrorOffset(text: string): number | null {
  let i = 0
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i] ?? '')) i++
  }
  const take = (re: RegExp): boolean => {
    re.lastIndex = i
    const m = re.exec(text)
    if (m === null) return false
    i += m[0].length
    return true
  }
  // eslint-disable-next-line no-control-regex -- JSON strings may not hold U+0000–U+001F
  const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y
  const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y
  const LITERAL = /true|false|null/y
  // An explicit stack of what each open container expects next, not recursion.
  const open: Array<'{' | '['> = []
  for (;;) {
    ws()
    // A value.
    if (text[i] === '{' || text[i] === '[') {
      open.push(text[i] as '{' | '[')
      i++
      ws()
      if (text[i] === (open.at(-1) === '{' ? '}' : ']')) {
        i++
        open.pop()
      } else {
        if (open.at(-1) === '{' && !(take(STRING) && (ws(), text[i] === ':') && ++i)) return i
        continue
      }
    } else if (!take(STRING) && !take(NUMBER) && !take(LITERAL)) {
      return i
    }
    // After a value: a comma or the end of its container, or of the text.
    for (;;) {
      ws()
      const top = open.at(-1)
      if (top === undefined) return i < text.length ? i : null
      if (text[i] === ',') {
        i++
        ws()
        if (top === '{' && !(take(STRING) && (ws(), text[i] === ':') && ++i)) return i
        break
      }
      if (text[i] !== (top === '{' ? '}' : ']')) return i
      i++
      open.pop()
    }
  }
}

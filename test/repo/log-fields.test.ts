// The relay's log is JSON lines for a log collector (shared/server/log.ts jsonLine): a query
// over one field finds every line only if each thing has one name. Each log call's field names
// (`log.<level>(msg, fields)`, a LogLimiter's `lines.log(log, level, msg, fields)`) are read with
// the TypeScript parser: a booth is `kioskId`, a campaign `campaignId`, a failure
// `error`, and no field is named `time`, `level` or `msg`, which would overwrite the line's own.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '..', '..')
const LEVELS = new Set(['debug', 'info', 'warn', 'error'])
/** A field name and the one the rest of the log uses for the same thing. */
const CANONICAL: Readonly<Record<string, string>> = {
  kiosk: 'kioskId',
  kioskID: 'kioskId',
  kiosk_id: 'kioskId',
  campaign: 'campaignId',
  campaign_id: 'campaignId',
  err: 'error',
  time: '(the line’s own)',
  level: '(the line’s own)',
  msg: '(the line’s own)',
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name)
    if (d.isDirectory()) return sourceFiles(path)
    return d.name.endsWith('.ts') && !d.name.endsWith('.d.ts') ? [path] : []
  })
}

/** The field names an object literal (and the objects spread into it) gives. */
function fieldNames(node: ts.Node): string[] {
  if (ts.isParenthesizedExpression(node)) return fieldNames(node.expression)
  if (ts.isBinaryExpression(node)) return fieldNames(node.right)
  if (ts.isConditionalExpression(node)) {
    return [...fieldNames(node.whenTrue), ...fieldNames(node.whenFalse)]
  }
  if (!ts.isObjectLiteralExpression(node)) return []
  return node.properties.flatMap((p) => {
    if (ts.isSpreadAssignment(p)) return fieldNames(p.expression)
    const name = p.name
    return name !== undefined && (ts.isIdentifier(name) || ts.isStringLiteral(name))
      ? [name.text]
      : []
  })
}

/** Wrappers that log through a LogLimiter, and which of their arguments is the fields. */
const WRAPPERS: Readonly<Record<string, number>> = { storeTrouble: 2 }

/**
 * A log call's fields: `log.<level>(msg, fields)`, a LogLimiter's
 * `lines.log(log, level, msg, fields, key?)` (once a minute with a count), or a wrapper's.
 */
function fieldsArgument(node: ts.CallExpression, source: ts.SourceFile): ts.Expression | undefined {
  const callee = node.expression
  const name = ts.isPropertyAccessExpression(callee)
    ? callee.name.text
    : ts.isIdentifier(callee)
      ? callee.text
      : undefined
  if (name === undefined) return undefined
  const wrapped = WRAPPERS[name]
  if (wrapped !== undefined) return node.arguments[wrapped]
  if (!ts.isPropertyAccessExpression(callee)) return undefined
  const isLogger = (e: ts.Expression | undefined): boolean =>
    e !== undefined && /\blog$/i.test(e.getText(source))
  if (LEVELS.has(name) && isLogger(callee.expression)) return node.arguments[1]
  if (name === 'log' && isLogger(node.arguments[0])) return node.arguments[3]
  return undefined
}

/** `<file>:<line> <field> (use <name>)` for each log field named otherwise than the rest. */
function offNames(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const found: string[] = []
  const visit = (node: ts.Node): void => {
    const fields = ts.isCallExpression(node) ? fieldsArgument(node, source) : undefined
    if (fields !== undefined) {
      for (const field of fieldNames(fields)) {
        const use = CANONICAL[field]
        if (use === undefined) continue
        const { line } = source.getLineAndCharacterOfPosition(node.getStart(source))
        found.push(`${relative(ROOT, file)}:${line + 1} ${field} (use ${use})`)
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

describe("the relay's log fields", () => {
  const files = [...sourceFiles(join(ROOT, 'relay')), ...sourceFiles(join(ROOT, 'shared/server'))]

  it('finds the log calls it checks', () => {
    const calls = files.reduce(
      (n, f) => n + [...readFileSync(f, 'utf8').matchAll(/\blog\.(info|warn|error)\(/g)].length,
      0,
    )
    expect(calls).toBeGreaterThan(50)
    const limited = files.reduce(
      (n, f) =>
        n + [...readFileSync(f, 'utf8').matchAll(/\.(log\(\s*[\w.]*log,|storeTrouble\()/gi)].length,
      0,
    )
    expect(limited).toBeGreaterThan(25)
    expect(offNames(join(ROOT, 'test/fixtures/log-fields-off.ts'))).toEqual([
      'test/fixtures/log-fields-off.ts:10 kiosk (use kioskId)',
      'test/fixtures/log-fields-off.ts:11 campaign (use campaignId)',
      'test/fixtures/log-fields-off.ts:12 msg (use (the line’s own))',
      'test/fixtures/log-fields-off.ts:14 kiosk_id (use kioskId)',
      'test/fixtures/log-fields-off.ts:15 err (use error)',
      'test/fixtures/log-fields-off.ts:17 campaign_id (use campaignId)',
    ])
  })

  it('name one thing one way, and never the line’s own time, level or msg', () => {
    expect(files.flatMap(offNames)).toEqual([])
  })
})

/** The `event` names the relay gives its lines (`event: '<name>'` in a log call's fields). */
function namedEvents(files: readonly string[]): Set<string> {
  return new Set(
    files.flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/\bevent: '([a-z_]+)'/g)].map((m) => m[1] ?? ''),
    ),
  )
}

/** The events a table of docs/DEPLOY.md's half lists: its rows' first cell's `names`. */
function documentedEvents(half: string, heading: string): Set<string> {
  const at = half.indexOf(heading)
  expect(at, `docs/DEPLOY.md has "${heading}"`).toBeGreaterThan(0)
  const table = half.slice(at).split('\n#### ')[0] ?? ''
  // Its rows, not its header (whose first cell is `event`).
  const rows = table.split('\n').filter((l) => l.startsWith('| `') && !l.startsWith('| `event` |'))
  return new Set(
    rows.flatMap((r) =>
      [...(r.split('|')[1] ?? '').matchAll(/`([a-z_]+)`/g)].map((m) => m[1] ?? ''),
    ),
  )
}

describe("the relay's log events an on-call alert matches", () => {
  const files = [...sourceFiles(join(ROOT, 'relay')), ...sourceFiles(join(ROOT, 'shared/server'))]
  const deploy = readFileSync(join(ROOT, 'docs/DEPLOY.md'), 'utf8')
  const [zh = '', en = ''] = deploy.split('\n## English\n')

  it('are every one listed in docs/DEPLOY.md, in both languages, and only those', () => {
    const named = [...namedEvents(files)].sort()
    expect(named.length).toBeGreaterThan(10)
    expect([...documentedEvents(en, '#### Reading the log on call')].sort()).toEqual(named)
    expect([...documentedEvents(zh, '#### 值班时读日志')].sort()).toEqual(named)
  })
})

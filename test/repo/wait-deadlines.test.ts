// A `vi.waitFor` or `expect.poll` left at its 1 s default passes on an idle machine and fails on
// a two-core CI running every test file at once (a Redis round trip plus a relay write can take
// longer). Each `vi.waitFor` in test/ is read with the TypeScript parser: it names its deadline
// (UNDER_LOAD from test/helpers/wait.ts, or options of its own), and a deadline written as a
// number is 10 s or more. `expect.poll` takes UNDER_LOAD's from vitest.config.ts by default.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import config from '../../vitest.config'
import { UNDER_LOAD } from '../helpers/wait'

const ROOT = resolve(import.meta.dirname, '..', '..')
const LEAST_MS = 10_000

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name)
    if (d.isDirectory()) return testFiles(path)
    return d.name.endsWith('.ts') ? [path] : []
  })
}

/** Each `vi.waitFor(...)` whose deadline is missing or under LEAST_MS, as `file:line`. */
function tightWaits(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const found: string[] = []
  const visit = (node: ts.Node): void => {
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.getText(source) === 'vi.waitFor'
    ) {
      const options = node.arguments[1]
      const timeout =
        options && ts.isObjectLiteralExpression(options)
          ? options.properties.find(
              (p): p is ts.PropertyAssignment =>
                ts.isPropertyAssignment(p) && p.name.getText(source) === 'timeout',
            )
          : undefined
      const tight =
        options === undefined ||
        (ts.isObjectLiteralExpression(options) && timeout === undefined) ||
        (timeout !== undefined &&
          ts.isNumericLiteral(timeout.initializer) &&
          Number(timeout.initializer.text.replace(/_/g, '')) < LEAST_MS)
      if (tight) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart(source))
        found.push(`${relative(ROOT, file)}:${line + 1}`)
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

const DEADLINE_NAMES = new Set(['end', 'deadline', 'until'])
/**
 * Files whose short waits are meant: Redis drops a manual failover its master does not answer
 * within 5 s, so the cluster helper asks again after 6 s (three times) instead of waiting on.
 */
const MEANT_SHORT = new Set(['test/helpers/redis-cluster.ts'])
const WAIT_CALLS = new Set(['waitFor', 'waitForScans', 'until'])

/** A numeric literal's value, or undefined for anything else. */
function literal(node: ts.Node | undefined): number | undefined {
  return node !== undefined && ts.isNumericLiteral(node)
    ? Number(node.text.replace(/_/g, ''))
    : undefined
}

/**
 * The test's own waiting loops (`waitFor`, `until` helpers, `for (const end = Date.now() + …)`),
 * as `file:line`, whose deadline is a number under LEAST_MS: a parameter `timeout`/`timeoutMs`
 * defaulting to one, a deadline variable set to `Date.now() + <number>`, or a number of 1 s or
 * more handed to a call named like a wait (a smaller one there is a count, as in
 * `waitForScans(3)`).
 */
function tightOwnWaits(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const found: string[] = []
  const at = (node: ts.Node): void => {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source))
    found.push(`${relative(ROOT, file)}:${line + 1}`)
  }
  const visit = (node: ts.Node): void => {
    if (
      ts.isParameter(node) &&
      ts.isIdentifier(node.name) &&
      /^timeout(Ms)?$/.test(node.name.text) &&
      (literal(node.initializer) ?? LEAST_MS) < LEAST_MS
    ) {
      at(node)
    }
    if (
      ts.isVariableDeclaration(node) &&
      ts.isIdentifier(node.name) &&
      DEADLINE_NAMES.has(node.name.text) &&
      node.initializer !== undefined &&
      ts.isBinaryExpression(node.initializer) &&
      node.initializer.operatorToken.kind === ts.SyntaxKind.PlusToken &&
      /^(Date|performance)\.now\(\)$/.test(node.initializer.left.getText(source)) &&
      (literal(node.initializer.right) ?? LEAST_MS) < LEAST_MS
    ) {
      at(node)
    }
    if (ts.isCallExpression(node)) {
      const callee = node.expression
      const name = ts.isIdentifier(callee)
        ? callee.text
        : ts.isPropertyAccessExpression(callee)
          ? callee.name.text
          : ''
      const tight = node.arguments.slice(1).some((a) => {
        const ms = literal(a)
        return ms !== undefined && ms >= 1000 && ms < LEAST_MS
      })
      if (WAIT_CALLS.has(name) && tight) at(node)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

describe('vi.waitFor deadlines in test/', () => {
  it('UNDER_LOAD itself leaves a loaded CI room', () => {
    expect(UNDER_LOAD.timeout).toBeGreaterThanOrEqual(LEAST_MS)
  })

  it('every call names a deadline of 10 s or more, never the 1 s default', () => {
    const files = testFiles(join(ROOT, 'test'))
    expect(files.length).toBeGreaterThan(100)
    expect(files.flatMap(tightWaits)).toEqual([])
    // Every test file through the TypeScript parser: 18–31 s beside other runs on two cores.
  }, 120_000)
})

describe('the deadlines of the test helpers’ own waits in test/', () => {
  it('none is a number under 10 s (they bound a failure, never what a test checks)', () => {
    const files = testFiles(join(ROOT, 'test')).filter((f) => !MEANT_SHORT.has(relative(ROOT, f)))
    expect(files.flatMap(tightOwnWaits)).toEqual([])
  }, 120_000)
})

describe('expect.poll deadlines in test/', () => {
  it('the default, which most calls take, is UNDER_LOAD’s, not vitest’s 1 s', () => {
    expect(config.test?.expect?.poll).toEqual(UNDER_LOAD)
  })

  it('vitest applies it: a call naming no deadline is still polling after 1 s', async () => {
    // Under vitest's own default this gives up (and fails) at 1 s: a setting vitest no longer
    // reads, or one moved where it does not look, fails here rather than on a loaded CI.
    const start = performance.now()
    await expect.poll(() => performance.now() - start >= 1500).toBe(true)
  })

  it('a failing poll gives up before a test with the default timeout does', () => {
    // Else it is reported as "Test timed out", not as what it waited for.
    expect(UNDER_LOAD.timeout).toBeLessThan(config.test?.testTimeout ?? 5_000)
  })
})

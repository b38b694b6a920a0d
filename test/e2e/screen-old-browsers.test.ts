/**
 * The big screens and the console on the oldest browsers docs/DEPLOY.md "11. Browsers for the
 * console and the big screens" supports: a venue's smart TV, an old iPad (Safari 14), a projector
 * laptop's Chrome 80, WeChat's built-in browser. The built bundles (out/console) must parse there:
 * no syntax newer than the floor (a SyntaxError leaves the projector black), read from the
 * bundles' syntax trees.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseSync, Visitor } from 'vite'
import { describe, expect, it } from 'vitest'
import { assertConsoleBuilt, CONSOLE_DIR } from './fake-console-relay'

/** The built scripts of the console and the screens: name and text. */
function builtScripts(): Array<{ name: string; code: string }> {
  assertConsoleBuilt()
  const dir = join(CONSOLE_DIR, 'assets')
  return readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .map((name) => ({ name, code: readFileSync(join(dir, name), 'utf8') }))
}

/**
 * Syntax in `code` newer than the floor (Chrome 80, Safari 14), each as "what @offset": logical
 * assignment (Chrome 85), class static fields, private names and static blocks (Safari 14.1 /
 * 15 / 16.4), top-level await (Chrome 89).
 */
function syntaxAboveFloor(name: string, code: string): string[] {
  const found: string[] = []
  const { program, errors } = parseSync(name, code, { sourceType: 'module' })
  if (errors.length > 0) return [`parse error: ${errors[0]?.message ?? ''}`]
  let functionDepth = 0
  const enter = (): void => void functionDepth++
  const leave = (): void => void functionDepth--
  new Visitor({
    AssignmentExpression(node) {
      if (['??=', '||=', '&&='].includes(node.operator))
        found.push(`${node.operator} @${node.start}`)
    },
    PropertyDefinition(node) {
      if (node.static) found.push(`static field @${node.start}`)
    },
    PrivateIdentifier(node) {
      found.push(`#${node.name} @${node.start}`)
    },
    StaticBlock(node) {
      found.push(`static block @${node.start}`)
    },
    FunctionDeclaration: enter,
    'FunctionDeclaration:exit': leave,
    FunctionExpression: enter,
    'FunctionExpression:exit': leave,
    ArrowFunctionExpression: enter,
    'ArrowFunctionExpression:exit': leave,
    AwaitExpression(node) {
      if (functionDepth === 0) found.push(`top-level await @${node.start}`)
    },
  }).visit(program)
  return found
}

describe('the console and screen bundles on old browsers', () => {
  it('use no syntax newer than Chrome 80 / Safari 14', () => {
    const scripts = builtScripts()
    expect(scripts.some((s) => s.name.startsWith('screen'))).toBe(true)
    const above = scripts
      .map(({ name, code }) => ({ name, found: syntaxAboveFloor(name, code).slice(0, 5) }))
      .filter((s) => s.found.length > 0)
    expect(above).toEqual([])
  })
})

// Every text font stack of the kiosk, the console and the big screens (CSS `font-family` and
// `--font-ui`, and the canvas one in shared/ui-font.ts) draws Chinese on each platform and
// visitors' emoji ("王小明🎉"): it names a CJK font for macOS, Windows and Linux, and ends
// with the platforms' colour emoji fonts, after every text font (Noto Color Emoji has digits).
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { UI_FONT } from '../../shared/ui-font'

const ROOT = resolve(import.meta.dirname, '..', '..')
const EMOJI = ['Apple Color Emoji', 'Segoe UI Emoji', 'Noto Color Emoji']
const CJK = ['PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC']

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name)
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : filesUnder(path)
    return /\.(css|vue)$/.test(e.name) ? [path] : []
  })
}

/** `file: stack` for each `font-family:` or `--font-ui:` declaration with a sans-serif stack. */
function textStacks(): Map<string, string> {
  const out = new Map<string, string>()
  for (const dir of ['renderer/src', 'console/src', 'shared']) {
    for (const file of filesUnder(join(ROOT, dir))) {
      const css = readFileSync(file, 'utf8')
      for (const m of css.matchAll(/(?:font-family|--font-ui)\s*:\s*([^;{}]+);/g)) {
        const stack = (m[1] ?? '').replace(/\s+/g, ' ').trim()
        // Code and numbers (monospace), or the stack by reference (var(--font-ui)), are not lists.
        if (!stack.includes('sans-serif')) continue
        out.set(`${relative(ROOT, file)}: ${stack}`, stack)
      }
    }
  }
  out.set(`shared/ui-font.ts: ${UI_FONT}`, UI_FONT)
  return out
}

function families(stack: string): string[] {
  return stack.split(',').map((f) => f.trim().replace(/^['"]|['"]$/g, ''))
}

describe('font stacks', () => {
  const stacks = textStacks()

  it('finds the kiosk’s, the console’s (both languages) and the screens’ stacks', () => {
    const files = [...stacks.keys()].map((k) => k.split(':')[0])
    expect(files).toEqual(
      expect.arrayContaining([
        'renderer/src/styles/base.css',
        'console/src/styles/console.css',
        'console/src/screen/screen.css',
        'shared/ui-font.ts',
      ]),
    )
    expect(files.filter((f) => f === 'console/src/styles/console.css')).toHaveLength(2)
  })

  it.each([...stacks.entries()])('%s: CJK on every platform, emoji at the end', (_, stack) => {
    const list = families(stack)
    expect(list).toEqual(expect.arrayContaining(CJK))
    expect(list.slice(-EMOJI.length)).toEqual(EMOJI)
  })
})

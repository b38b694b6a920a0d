/**
 * The profile reader (bench/cpu-profile.ts) on a bundle: the saturation bench runs the relay as
 * it ships, one esbuild bundle (bench/child.ts `bundled`), so every frame is in one file. Its
 * areas must still name each frame's source, or the profile says "relay-child.mjs: 40 %".
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { buildSync } from 'esbuild'
import { afterEach, describe, expect, it } from 'vitest'
import { areaOf, selfTime } from '../../bench/cpu-profile'

let dir: string | null = null
afterEach(() => {
  if (dir !== null) rmSync(dir, { recursive: true, force: true })
  dir = null
})

/** Where `text` starts in the bundle, 0-based, as a `.cpuprofile`'s frames give it. */
function positionOf(code: string, text: string): { lineNumber: number; columnNumber: number } {
  const lines = code.split('\n')
  const lineNumber = lines.findIndex((l) => l.includes(text))
  expect(lineNumber).toBeGreaterThanOrEqual(0)
  return { lineNumber, columnNumber: lines[lineNumber]?.indexOf(text) ?? -1 }
}

describe('cpu-profile on a bundled program', () => {
  it("names each frame by its source's area", () => {
    dir = mkdtempSync(join(tmpdir(), 'cpu-profile-'))
    mkdirSync(join(dir, 'relay'))
    writeFileSync(
      join(dir, 'relay', 'sum.ts'),
      'export function sumOf(xs: number[]): number {\n  return xs.reduce((a, b) => a + b, 0)\n}\n',
    )
    writeFileSync(
      join(dir, 'relay', 'main.ts'),
      "import { sumOf } from './sum'\nexport function pushCost(): number {\n  return sumOf([1, 2])\n}\n",
    )
    const out = join(dir, 'out', 'main.mjs')
    buildSync({
      entryPoints: [join(dir, 'relay', 'main.ts')],
      outfile: out,
      bundle: true,
      format: 'esm',
      platform: 'node',
      sourcemap: true,
      sourcesContent: false,
      logLevel: 'silent',
    })
    const code = readFileSync(out, 'utf8')
    const url = pathToFileURL(out).href
    const frame = (
      id: number,
      functionName: string,
      at: { lineNumber: number; columnNumber: number },
    ) => ({
      id,
      callFrame: { functionName, url, ...at },
    })
    const raw = {
      nodes: [
        { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1, columnNumber: -1 } },
        frame(2, 'pushCost', positionOf(code, 'function pushCost')),
        frame(3, 'sumOf', positionOf(code, 'function sumOf')),
      ],
      startTime: 0,
      // 3 samples in pushCost, 1 in sumOf, 1 ms apart.
      samples: [2, 2, 3, 2],
      timeDeltas: [1000, 1000, 1000, 1000],
    }
    const { total, rows } = selfTime(raw, areaOf, 0, 10_000)
    expect(total).toBe(4000)
    expect(rows).toEqual([
      ['relay/main.ts', 3000],
      ['relay/sum.ts', 1000],
    ])
  })

  it('leaves frames of files without a source map as they are', () => {
    const raw = {
      nodes: [
        {
          id: 1,
          callFrame: {
            functionName: 'x',
            url: 'file:///nowhere/app.mjs',
            lineNumber: 0,
            columnNumber: 0,
          },
        },
      ],
      startTime: 0,
      samples: [1],
      timeDeltas: [1000],
    }
    expect(selfTime(raw, areaOf, 0, 10_000).rows).toEqual([['file:///nowhere/app.mjs', 1000]])
  })
})

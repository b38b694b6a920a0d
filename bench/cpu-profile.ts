/**
 * Reading a V8 `.cpuprofile` (from `node --cpu-prof`): self time per area of the code or per
 * function, over a window of the run. Used by the profiling scripts in bench/.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { SourceMap } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'

const Profile = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({
        functionName: z.string(),
        url: z.string(),
        lineNumber: z.number(),
        columnNumber: z.number(),
      }),
    }),
  ),
  startTime: z.number(),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
})
export type Frame = z.infer<typeof Profile>['nodes'][number]['callFrame']

/** What esbuild writes beside a bundle (`sourcemap: true`, `sourcesContent: false`). */
const MapFile = z.object({
  version: z.number(),
  sources: z.array(z.string()),
  names: z.array(z.string()),
  mappings: z.string(),
})
const sourceMaps = new Map<string, SourceMap | null>()

/** The source map beside a bundled `.mjs` (bench/child.ts `bundled`), or null. */
function sourceMapOf(url: string): SourceMap | null {
  if (!url.startsWith('file://') || !url.endsWith('.mjs')) return null
  let map = sourceMaps.get(url)
  if (map === undefined) {
    try {
      const m = MapFile.parse(JSON.parse(readFileSync(`${fileURLToPath(url)}.map`, 'utf8')))
      map = new SourceMap({ ...m, file: url, sourcesContent: [], sourceRoot: '' })
    } catch {
      map = null
    }
    sourceMaps.set(url, map)
  }
  return map
}

/**
 * A frame as its source names it: a bundle's frames are all in one file, so each is looked up
 * in its source map (its url becomes the source's path, which `areaOf` reads).
 */
function sourceFrame(f: Frame): Frame {
  const map = sourceMapOf(f.url)
  if (map === null || f.lineNumber < 0) return f
  const at = map.findEntry(f.lineNumber, f.columnNumber)
  if (!('originalSource' in at)) return f
  return { ...f, url: at.originalSource, lineNumber: at.originalLine }
}

/** Which part of the code a frame belongs to. */
export function areaOf(f: Frame): string {
  if (f.url === '') return f.functionName // (garbage collector), (program), (idle)
  if (f.url.startsWith('node:')) return 'node: ' + (f.url.slice(5).split('/')[0] ?? '')
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f.url)
  if (pkg?.[1] !== undefined) return pkg[1]
  const ours = /\/(relay|shared|bench)\/(.+)$/.exec(f.url)
  return ours ? `${ours[1]}/${ours[2]}` : f.url
}

/** Self time per key over samples in [from, to] (µs since the profile's clock origin). */
export function selfTime(
  raw: unknown,
  key: (f: Frame) => string,
  from: number,
  to: number,
): { total: number; rows: Array<[string, number]> } {
  const p = Profile.parse(raw)
  const frames = new Map(p.nodes.map((n) => [n.id, sourceFrame(n.callFrame)]))
  const by = new Map<string, number>()
  let t = p.startTime
  let total = 0
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0
    t += dt
    const f = frames.get(id)
    if (f === undefined || t < from || t > to || f.functionName === '(idle)') return
    const k = key(f)
    by.set(k, (by.get(k) ?? 0) + dt)
    total += dt
  })
  return { total, rows: [...by].sort((a, b) => b[1] - a[1]) }
}

/** The one `.cpuprofile` a child wrote into `dir` (`--cpu-prof-dir`), read; `dir` removed. */
export function takeProfile(dir: string): unknown {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
  if (file === undefined) throw new Error('no profile written')
  const raw: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'))
  // BENCH_KEEP_PROFILE=1 keeps it for Chrome's DevTools (its path is printed).
  if (process.env.BENCH_KEEP_PROFILE === '1') console.log(`profile: ${join(dir, file)}`)
  else rmSync(dir, { recursive: true, force: true })
  return raw
}

/** Prints self time in [from, to] by area and by function, as a share of the busy time. */
export function printSelfTime(raw: unknown, from: number, to: number, rows = 25): void {
  const show = (title: string, key: (f: Frame) => string, n: number) => {
    const { total, rows: by } = selfTime(raw, key, from, to)
    console.log(`\n${title} (busy ${Math.round(total / 1000)} ms):`)
    for (const [k, us] of by.slice(0, n)) {
      console.log(`  ${((100 * us) / total).toFixed(1).padStart(5)} %  ${k}`)
    }
  }
  show('self time by area', areaOf, 15)
  show(
    'top functions by self time',
    (f) => `${f.functionName || '(anonymous)'}  ${areaOf(f)}:${f.lineNumber + 1}`,
    rows,
  )
}

/**
 * Reading a V8 `.cpuprofile` (from `node --cpu-prof`): self time per area of the code or per
 * function, over a window of the run. Used by the profiling scripts in bench/.
 */
import { z } from 'zod'

const Profile = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
    }),
  ),
  startTime: z.number(),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
})
export type Frame = z.infer<typeof Profile>['nodes'][number]['callFrame']

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
  const frames = new Map(p.nodes.map((n) => [n.id, n.callFrame]))
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

// The image's build stage gets every file `node scripts/build-relay.mjs` reads (the scripts it
// imports, the console's sources) and the runtime stage keeps the console beside the relay
// bundle, where the relay serves /console/ from. A script import missing from COPY breaks
// `docker build` only, which no other test runs.
import { existsSync, readFileSync } from 'node:fs'
import { join, posix } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..', '..')
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8')

interface Stage {
  name: string
  copies: { from: string | null; sources: string[]; dest: string }[]
}

function stages(dockerfile: string): Stage[] {
  const lines = dockerfile
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
  const out: Stage[] = []
  for (const line of lines) {
    const from = /^FROM\s+\S+(?:\s+AS\s+(\S+))?/i.exec(line)
    if (from) out.push({ name: from[1] ?? `stage${out.length}`, copies: [] })
    const copy = /^COPY\s+(.*)$/i.exec(line)
    if (copy && out.length > 0) {
      const words = (copy[1] ?? '').split(/\s+/)
      const fromFlag = words[0]?.startsWith('--from=') ? (words.shift() ?? '').slice(7) : null
      const dest = words.pop() ?? ''
      out[out.length - 1]?.copies.push({ from: fromFlag, sources: words, dest })
    }
  }
  return out
}

/** Relative imports of a script, and theirs, from the repo root. */
function scriptClosure(entry: string, seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen
  seen.add(entry)
  for (const m of read(entry).matchAll(/from\s+'(\.{1,2}\/[^']+)'|import\('(\.{1,2}\/[^']+)'\)/g)) {
    scriptClosure(posix.join(posix.dirname(entry), m[1] ?? m[2] ?? ''), seen)
  }
  return seen
}

/** Whether the stage's COPYs from the build context bring `path` (a file or a folder above it). */
function copied(stage: Stage, path: string): boolean {
  return stage.copies
    .filter((c) => c.from === null)
    .some((c) => c.sources.some((src) => path === src || path.startsWith(`${src}/`)))
}

describe('Dockerfile build inputs', () => {
  const all = stages(read('Dockerfile'))
  const build = all.find((s) => s.name === 'build')
  const runtime = all.at(-1)

  it('copies every script build-relay.mjs imports, and the console’s sources', () => {
    expect(build).toBeDefined()
    if (!build) return
    const scripts = [...scriptClosure('scripts/build-relay.mjs')]
    expect(scripts).toEqual(
      expect.arrayContaining(['scripts/bundle-node.mjs', 'scripts/build-console.mjs']),
    )
    for (const file of [...scripts, 'console/vite.config.ts', 'console/index.html']) {
      expect(existsSync(join(ROOT, file)), file).toBe(true)
      expect(copied(build, file), `${file} is not copied into the build stage`).toBe(true)
    }
  })

  it('keeps the built console beside the relay bundle in the image', () => {
    const fromBuild = runtime?.copies.filter((c) => c.from === 'build') ?? []
    expect(fromBuild).toContainEqual({
      from: 'build',
      sources: ['/app/out/console'],
      dest: 'out/console',
    })
    expect(fromBuild).toContainEqual({
      from: 'build',
      sources: ['/app/out/relay'],
      dest: 'out/relay',
    })
  })

  it('.dockerignore leaves the console and the build scripts in the context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'))
    for (const path of ['console', 'scripts', 'shared', 'relay']) {
      expect(ignored, path).not.toContain(path)
    }
  })
})

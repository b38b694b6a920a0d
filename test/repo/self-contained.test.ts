// A clone with nothing beside it must pass `npm test`: no project file may read or cite a path
// outside the repo, and every document a comment or doc cites (`docs/WECHAT.md "Access
// token"`) must exist here, with the section it names as a heading.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, resolve, sep } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '..', '..')
const SKIP_DIRS = new Set(['.git', 'node_modules', 'out', 'dist', 'coverage', 'test-artifacts'])
/** Generated, and full of other projects' paths. */
const SKIP_FILES = new Set(['package-lock.json'])
const MAX_BYTES = 2_000_000

/** Tracked and new (not ignored) files, as repo-relative paths with `/`. */
function projectFiles(root: string): string[] {
  let listed: string[]
  try {
    listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 50_000_000,
    })
      .split('\0')
      .filter(Boolean)
  } catch {
    listed = walk(root, '')
  }
  return listed.filter(
    (f) =>
      !SKIP_FILES.has(f) &&
      !f.split('/').some((part) => SKIP_DIRS.has(part)) &&
      existsSync(join(root, f)),
  )
}

/** Without git (an unpacked archive), the file tree less what is built or installed. */
function walk(root: string, rel: string): string[] {
  return readdirSync(join(root, rel), { withFileTypes: true }).flatMap((d) => {
    const child = rel === '' ? d.name : `${rel}/${d.name}`
    if (d.isDirectory()) return SKIP_DIRS.has(d.name) ? [] : walk(root, child)
    return d.isFile() ? [child] : []
  })
}

function readText(root: string, file: string): string | null {
  const abs = join(root, file)
  if (statSync(abs).size > MAX_BYTES) return null
  const buf = readFileSync(abs)
  return buf.subarray(0, 8000).includes(0) ? null : buf.toString('utf8')
}

function inside(root: string, abs: string): boolean {
  return abs === root || abs.startsWith(root + sep)
}

/** Where an import-like path lands: the path itself, or with a source extension or index. */
function pathExists(abs: string): boolean {
  const candidates = [abs, ...['.ts', '.js', '.mjs', '.vue', '/index.ts'].map((e) => abs + e)]
  return candidates.some((c) => existsSync(c))
}

/**
 * Relative paths that start with `..` (quoted, in a link or in prose), and `'..'` segment chains
 * joined onto a file's own folder (`join(import.meta.dirname, '..', …)`), as written.
 */
function upwardPaths(text: string): Array<{ path: string; dirOnly: boolean }> {
  const found: Array<{ path: string; dirOnly: boolean }> = []
  for (const m of text.matchAll(
    /(?<![\w.$}/\\-])\.\.(?=[/'"`\s),\]]|$)((?:\/[^\s'"`)\]>,;*]*)?)/gm,
  ))
    found.push({ path: `..${m[1] ?? ''}`, dirOnly: false })
  const chain = /(?:import\.meta\.dirname|__dirname)\s*,\s*((?:['"]\.\.['"]\s*,?\s*)+)/g
  for (const m of text.matchAll(chain)) {
    const ups = (m[1] ?? '').match(/\.\./g)?.length ?? 0
    found.push({ path: Array.from({ length: ups }, () => '..').join('/'), dirOnly: true })
  }
  return found
}

/**
 * Paths that leave the repo, and paths into a `shared` folder (or any relative path in a Markdown
 * file) that land on nothing here: what a clone with nothing beside it cannot follow.
 */
function escapes(root: string, file: string, text: string): string[] {
  const out: string[] = []
  const dir = dirname(join(root, file))
  for (const { path } of upwardPaths(text)) {
    const abs = resolve(dir, path)
    const mustExist = file.endsWith('.md') || /(^|\/)shared(\/|$)/.test(path)
    if (!inside(root, abs)) out.push(`${file}: ${path} leaves the repo`)
    else if (mustExist && !pathExists(abs)) out.push(`${file}: ${path} is not in the repo`)
  }
  // Copies of outside documents the code once cited by number.
  for (const m of text.matchAll(/\bseeds?\s+\d{3}\b|\bseeds\//g))
    out.push(`${file}: cites "${m[0]}", a document outside the repo`)
  return out
}

function headings(markdown: string): Set<string> {
  const out = new Set<string>()
  let fenced = false
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced
    const h = fenced ? null : /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line)
    if (h?.[1] !== undefined) out.add(h[1])
  }
  return out
}

/**
 * Every Markdown file cited must exist (beside the citing file or from the repo root), and every
 * quoted section after it (`docs/WECHAT.md "Scan events" and "Receiving pushes"`) must be one of
 * its headings.
 */
function citationErrors(root: string, file: string, text: string): string[] {
  const out: string[] = []
  const citation = /(?<![\w/.:@-])((?:[\w.-]+\/)*[\w-]+\.md)\b/g
  for (const m of text.matchAll(citation)) {
    const cited = m[1] ?? ''
    const target = [resolve(dirname(join(root, file)), cited), resolve(root, cited)].find(
      (p) => inside(root, p) && existsSync(p) && statSync(p).isFile(),
    )
    if (target === undefined) {
      out.push(`${file}: cites ${cited}, which is not in the repo`)
      continue
    }
    const sections = citedSections(text.slice((m.index ?? 0) + cited.length))
    if (sections.length === 0) continue
    const have = headings(readFileSync(target, 'utf8'))
    for (const s of sections)
      if (!have.has(s)) out.push(`${file}: cites ${cited} "${s}", which has no such heading`)
  }
  return out
}

function citedSections(after: string): string[] {
  const out: string[] = []
  let rest = after
  let m = /^`?,?[ \t]*"([^"\n]{1,80})"/.exec(rest)
  while (m !== null) {
    out.push(m[1] ?? '')
    rest = rest.slice(m[0].length)
    m = /^\s*(?:,|and|or)\s*"([^"\n]{1,80})"/.exec(rest)
  }
  return out
}

function scan(check: (file: string, text: string) => string[]): string[] {
  return projectFiles(ROOT).flatMap((file) => {
    const text = readText(ROOT, file)
    return text === null ? [] : check(file, text)
  })
}

describe('the repo stands alone', () => {
  it('lists the project files (git or the file tree)', () => {
    const files = projectFiles(ROOT)
    expect(files).toContain('package.json')
    expect(files).toContain('test/fixtures/wechat-vectors.json')
    expect(files.some((f) => f.startsWith('node_modules/'))).toBe(false)
  })

  it('no project file reads or cites a path outside the repo', () => {
    expect(scan((file, text) => escapes(ROOT, file, text))).toEqual([])
  })

  it('every cited document exists in the repo, with the sections cited', () => {
    expect(scan((file, text) => citationErrors(ROOT, file, text))).toEqual([])
  })
})

describe('the checks catch what they are for', () => {
  // Built at run time so this file does not itself hold what it refuses.
  const up = (n: number) => '../'.repeat(n)
  const md = (name: string) => `${name}.md`

  it('paths that leave the repo or point at an outside shared folder', () => {
    const vectorsUrl = `new URL('${up(3)}shared/wechat-vectors.json', import.meta.url)`
    expect(escapes(ROOT, 'test/wechat/vectors.ts', vectorsUrl)).toHaveLength(1)
    const joined = `join(import.meta.dirname, ${"'..', ".repeat(3)}'shared')`
    expect(escapes(ROOT, 'test/wechat/x.ts', joined)).toHaveLength(1)
    const readme = `rules in \`${up(1)}shared/${md('WECHAT')}\``
    expect(escapes(ROOT, 'sandbox/README.md', readme)).toHaveLength(1)
    const prose = `// read at run time from ${up(1)}shared beside the checkout`
    expect(escapes(ROOT, 'test/wechat/vectors.ts', prose)).toHaveLength(1)
    expect(escapes(ROOT, 'sandbox/qr-validate.ts', `// Rules (seeds ${'000'}–004)`)).toHaveLength(1)
    expect(escapes(ROOT, 'sandbox/qr-validate.ts', `// per seed ${'004'}`)).toHaveLength(1)
  })

  it('leaves the repo’s own shared/ and in-repo paths alone', () => {
    const imports = `import { x } from '${up(2)}shared/wechat/crypto'\nimport('${up(1)}helpers')`
    expect(escapes(ROOT, 'test/sandbox/x.ts', imports)).toEqual([])
    const root = `const ROOT = resolve(import.meta.dirname, '${up(2).slice(0, -1)}')`
    expect(escapes(ROOT, 'test/e2e/x.ts', root)).toEqual([])
    expect(escapes(ROOT, 'test/e2e/x.ts', `join(import.meta.dirname, '..', '..')`)).toEqual([])
    const traversal = 'f(...args); `${base}/' + up(2) + 'etc/passwd`'
    expect(escapes(ROOT, 'x.ts', traversal)).toEqual([])
  })

  it('citations of documents and sections that are not here', () => {
    const bare = `// Which errcodes mean what (${md('WECHAT')}, "Access token").`
    expect(citationErrors(ROOT, 'shared/wechat/errors.ts', bare)).toHaveLength(1)
    const noSection = `// (docs/${md('WECHAT')} "No such section")`
    expect(citationErrors(ROOT, 'x.ts', noSection)).toHaveLength(1)
    const second = `// (docs/${md('WECHAT')} "Scan events" and "Nope")`
    expect(citationErrors(ROOT, 'x.ts', second)).toEqual([
      `x.ts: cites docs/${md('WECHAT')} "Nope", which has no such heading`,
    ])
  })

  it('accepts citations that resolve, beside the file or from the root', () => {
    const good = `// docs/${md('WECHAT')} "Access token"; docs/${md('DESIGN')}, "Sandbox HTTP"`
    expect(citationErrors(ROOT, 'x.ts', good)).toEqual([])
    const link = `[the rules](${md('WECHAT')}) and https://example.com/${md('NOPE')}`
    expect(citationErrors(ROOT, `docs/${md('x')}`, link)).toEqual([])
  })
})

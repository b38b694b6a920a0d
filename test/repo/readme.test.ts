// The top-level README is a newcomer's first instructions: every `npm run <script>` it names is
// one package.json has, and every file or folder of the repo it names in backticks is there.
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '..', '..')
const README = readFileSync(join(ROOT, 'README.md'), 'utf8')
/** Made by a build or a test run, not kept in the repo. */
const GENERATED = new Set(['out', 'test-artifacts', 'node_modules', 'dist'])

/** The `npm run <name>` scripts the README names (in code spans and code blocks alike). */
function npmScriptsNamed(markdown: string): string[] {
  return [...new Set([...markdown.matchAll(/\bnpm run ([\w:.-]+)/g)].map((m) => m[1] ?? ''))]
}

/**
 * Code spans that are repo paths: the first segment is a top-level folder of the repo (so
 * `127.0.0.0/8`, `./kiosk-data` and `<userData>/kiosk` are not), with no wildcard.
 */
function repoPathsNamed(markdown: string, root: string): string[] {
  const spans = [...markdown.matchAll(/`([^`\s]+)`/g)].map((m) => m[1] ?? '')
  return [
    ...new Set(
      spans.filter((s) => {
        const first = s.split('/')[0] ?? ''
        return (
          s.includes('/') &&
          !/[*<>{}]/.test(s) &&
          first !== '' &&
          first !== '.' &&
          first !== '..' &&
          !GENERATED.has(first) &&
          existsSync(join(root, first))
        )
      }),
    ),
  ]
}

describe('README.md', () => {
  it('names only npm scripts package.json has', () => {
    const scripts = Object.keys(
      (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: object }).scripts,
    )
    const named = npmScriptsNamed(README)
    expect(named).toContain('kiosk:web')
    expect(named.filter((s) => !scripts.includes(s))).toEqual([])
  })

  it('names only repo files and folders that exist', () => {
    const named = repoPathsNamed(README, ROOT)
    expect(named).toContain('shared/errors.ts')
    expect(named.filter((p) => !existsSync(join(ROOT, p)))).toEqual([])
  })

  it('installs every Debian package CI installs (.ci/run) for the tests', () => {
    const packages = (text: string): string[] =>
      (/apt-get install ([^`\n]+)/.exec(text)?.[1] ?? '')
        .split(/\s+/)
        .filter((p) => p !== '' && !p.startsWith('-'))
    const ci = packages(readFileSync(join(ROOT, '.ci', 'run'), 'utf8'))
    expect(ci).toContain('chromium')
    expect(ci.filter((p) => !packages(README).includes(p))).toEqual([])
  })

  it('the checks catch a script or a path that is not there', () => {
    expect(npmScriptsNamed('`npm run kiosk:web -- --port 1` and npm run nope')).toEqual([
      'kiosk:web',
      'nope',
    ])
    const paths = repoPathsNamed(
      '`renderer/src/admin/Gone.vue`, `127.0.0.0/8`, `./kiosk-data`, `out/cli/`, `test-artifacts/x-*.png`',
      ROOT,
    )
    expect(paths).toEqual(['renderer/src/admin/Gone.vue'])
  })
})

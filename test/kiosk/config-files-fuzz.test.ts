// The kiosk's own files (settings.json, campaigns.json, vault.json) edited by hand or cut short
// (property test, fixed seed): a start either runs or stops with an error that names the file
// and the field at fault, zh-CN first then English; a refused start rewrites none of them (so
// the person can repair the one they broke); and with the good files back it starts as before.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigFileError } from '../../electron/core/config/json-file'
import { openFileKeyVault, VaultError } from '../../electron/core/config/vault'
import { startKioskRuntime, StartupError } from '../../electron/core/kiosk-runtime'
import { closedPort } from '../helpers/closed-port'
import { cleanup, provisionDir, tempDir } from './helpers'

afterEach(cleanup)

const FILES = ['settings.json', 'campaigns.json', 'vault.json'] as const

type Edit =
  | { kind: 'field'; file: number; path: number[]; value: unknown; drop: boolean }
  | { kind: 'bytes'; file: number; at: number[]; bytes: number[]; cut: number | null }

/** Every path to a value in `v` (object keys and array indexes), the root included. */
function paths(v: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  const out = [at]
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...at, i])))
  else if (typeof v === 'object' && v !== null)
    for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]))
  return out
}

function edit(text: string, e: Edit): string {
  if (e.kind === 'bytes') {
    const b = Buffer.from(text)
    for (const [i, at] of e.at.entries()) b[at % b.length] = e.bytes[i] ?? 0
    return (e.cut === null ? b : b.subarray(0, e.cut % b.length)).toString('latin1')
  }
  const root: unknown = JSON.parse(text)
  const all = paths(root).filter((p) => p.length > 0)
  const path = all[(e.path[0] ?? 0) % all.length] ?? []
  let parent: unknown = root
  for (const k of path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[k]
  const last = path.at(-1) ?? ''
  const box = parent as Record<string | number, unknown>
  if (e.drop) {
    if (Array.isArray(box) && typeof last === 'number') box.splice(last, 1)
    else delete box[last]
  } else box[last] = e.value
  return JSON.stringify(root, null, 2)
}

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({
    kind: fc.constant('field' as const),
    file: fc.nat(FILES.length - 1),
    path: fc.array(fc.nat(), { minLength: 1, maxLength: 1 }),
    value: fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom(null, -1, 1.5, 2 ** 53, '', 'x'.repeat(5000), '中文', [], {}),
    ),
    drop: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('bytes' as const),
    file: fc.nat(FILES.length - 1),
    at: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
    bytes: fc.array(fc.nat(255), { minLength: 4, maxLength: 4 }),
    cut: fc.option(fc.nat(), { nil: null }),
  }),
)

describe('hand-edited kiosk files', () => {
  it('start, or stop naming the file in zh-CN and English, rewriting nothing', async () => {
    const relay = `http://127.0.0.1:${await closedPort()}`
    const dataDir = tempDir()
    const vault = openFileKeyVault(dataDir)
    provisionDir(dataDir, vault, {
      relayUrl: relay,
      kioskId: 'booth-1',
      token: 'tok-booth-1-xyz0123',
    })
    const start = () =>
      startKioskRuntime({
        dataDir,
        vault: () => openFileKeyVault(dataDir),
        env: { SCANDESK_ADMIN_PIN: '1234' },
        core: { tickMs: 0 },
      })
    await (await start()).close()
    const paths = FILES.map((f) => join(dataDir, f))
    const good = paths.map((p) => readFileSync(p, 'utf8'))
    let refused = 0
    let ran = 0
    await fc.assert(
      fc.asyncProperty(editArb, async (e) => {
        paths.forEach((p, i) => writeFileSync(p, good[i] ?? ''))
        const target = paths[e.file] ?? ''
        writeFileSync(target, edit(good[e.file] ?? '', e), 'latin1')
        const before = paths.map((p) => readFileSync(p))
        let failure: Error | null = null
        try {
          await (await start()).close()
          ran++
        } catch (err) {
          failure = err instanceof Error ? err : new Error(`not an Error: ${typeof err}`)
        }
        if (failure === null) return
        refused++
        expect(
          failure instanceof ConfigFileError ||
            failure instanceof VaultError ||
            failure instanceof StartupError,
          failure.stack,
        ).toBe(true)
        // zh-CN first, then English.
        const [zh, en] = failure.message.split('\n')
        expect(zh, failure.message).toMatch(/[\u4e00-\u9fff]/)
        expect(en, failure.message).toMatch(/[a-z]{3}/)
        expect(paths.map((p) => readFileSync(p))).toEqual(before)
      }),
      { seed: 194, numRuns: 120 },
    )
    expect(refused).toBeGreaterThan(20)
    expect(ran).toBeGreaterThan(5)
    paths.forEach((p, i) => writeFileSync(p, good[i] ?? ''))
    const runtime = await start()
    expect((await runtime.core.handlers.getScreenState(undefined)).configured).toBe(true)
    await runtime.close()
  }, 120_000)
})

// `kiosk web`'s flags and the provisioning secrets from the environment under hostile values
// (property test, fixed seed): the parser refuses with a usage error or hands on what it read;
// a start with what it read either runs or stops with a start-up error; a refused start leaves
// the kiosk's settings and stored secrets exactly as they were, and names no secret; and the
// kiosk starts as before afterwards.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { parseWebArgs } from '../../electron/core/cli/cli-web'
import { UsageError } from '../../electron/core/config/provisioning-args'
import { ConfigFileError } from '../../electron/core/config/json-file'
import { openFileKeyVault, VaultError } from '../../electron/core/config/vault'
import { startKioskRuntime, StartupError } from '../../electron/core/kiosk-runtime'
import { closedPort } from '../helpers/closed-port'
import { cleanup, provisionDir, tempDir } from './helpers'

afterEach(cleanup)

const TOKEN = 'tok-booth-1-xyz0123'
const SECRET_TOKEN = 'SECRET-token-from-env-000000'
const SECRET_APP = 'AppSecretFromEnv0123456789abcdef'

const FLAGS = [
  '--port',
  '--data',
  '--relay',
  '--kiosk-id',
  '--ticket-source',
  '--api-base',
  '--appid',
  '--pairing-code',
  '--bogus',
  '-x',
  '--',
]

function values(relay: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.constantFrom(
      '',
      ' ',
      '-1',
      '65536',
      '0x10',
      'proxy',
      'direct',
      'booth-1',
      'BOOTH_1',
      'x'.repeat(300),
      relay,
      `${relay}/path?q=1`,
      'http://evil.example',
      'https://user:pass@relay.example',
      'ws://10.0.0.1:8787',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'wx5823bf96d3bd56c7',
      'ABCD-EFGH',
      '\u0000',
      '\u202E',
      '中文',
    ),
  )
}

describe('kiosk web flags and provisioning under hostile values', () => {
  it('refused cleanly, nothing stored changes, and a good start still works', async () => {
    const relay = `http://127.0.0.1:${await closedPort()}`
    const dataDir = tempDir()
    const vault = openFileKeyVault(dataDir)
    provisionDir(dataDir, vault, { relayUrl: relay, kioskId: 'booth-1', token: TOKEN })
    const files = ['settings.json', 'vault.json', 'campaigns.json'].map((f) => join(dataDir, f))
    const read = () => files.map((f) => (existsSync(f) ? readFileSync(f, 'utf8') : null))
    // What a refused start must leave; a start that ran may change it (a PIN made, new flags).
    let held = read()
    const random = fc.array(
      fc.oneof(
        fc.tuple(fc.constantFrom(...FLAGS), values(relay)).map(([f, v]) => [f, v]),
        fc.tuple(fc.constantFrom(...FLAGS), values(relay)).map(([f, v]) => [`${f}=${v}`]),
        fc.constantFrom(...FLAGS).map((f) => [f]),
      ),
      { maxLength: 5 },
    )
    // A good provisioning command line with one value swapped for a hostile one.
    const base = ['--relay', relay, '--kiosk-id', 'booth-1', '--ticket-source', 'proxy']
    const swapped = fc
      .tuple(fc.nat(base.length / 2 - 1), values(relay), fc.boolean())
      .map(([i, v, withAppid]) => {
        const argv = [...base]
        argv[i * 2 + 1] = v
        return [withAppid ? [...argv, '--appid', 'wx5823bf96d3bd56c7'] : argv]
      })
    const args = fc.oneof(random, swapped, swapped)
    const env = fc.record(
      {
        SCANDESK_KIOSK_TOKEN: fc.constantFrom('', 'short', SECRET_TOKEN, `${SECRET_TOKEN}\n`),
        SCANDESK_APP_SECRET: fc.constantFrom('', 'short', SECRET_APP, `${SECRET_APP}!`),
        SCANDESK_PAIRING_CODE: fc.constantFrom('', 'ABCD-EFGH', 'nope'),
        SCANDESK_ADMIN_PIN: fc.constantFrom('', '1234', '12', 'abcd'),
      },
      { requiredKeys: [] },
    )
    let started = 0
    let refused = 0
    let usage = 0
    await fc.assert(
      fc.asyncProperty(args, env, async (groups, e) => {
        // Always this data folder: the flag's own handling is the parser's property.
        const argv = [...groups.flat().filter((a) => !a.startsWith('--data')), '--data', dataDir]
        let parsed
        try {
          parsed = parseWebArgs(argv, e)
        } catch (err) {
          usage++
          // node:util's own refusals (unknown or valueless flags) are usage errors too.
          const known =
            err instanceof UsageError ||
            (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE'))
          expect(known, String(err)).toBe(true)
          return
        }
        let failure: Error | null = null
        try {
          const runtime = await startKioskRuntime({
            dataDir,
            vault: () => openFileKeyVault(dataDir),
            provisioning: parsed.provisioning,
            env: e,
            core: { tickMs: 0 },
          })
          started++
          await runtime.close()
          held = read()
        } catch (err) {
          failure = err instanceof Error ? err : new Error(`not an Error: ${typeof err}`)
        }
        if (failure === null) return
        refused++
        expect(
          failure instanceof StartupError ||
            failure instanceof ConfigFileError ||
            failure instanceof VaultError,
          failure.stack,
        ).toBe(true)
        const said = `${failure.name}: ${failure.message}`
        expect(said).not.toContain(SECRET_TOKEN)
        expect(said).not.toContain(SECRET_APP)
        expect(read()).toEqual(held)
      }),
      { seed: 194, numRuns: 200 },
    )
    expect(usage).toBeGreaterThan(20)
    expect(refused).toBeGreaterThan(20)
    expect(started).toBeGreaterThan(3)
    // The kiosk still starts on its folder, as provisioned.
    const runtime = await startKioskRuntime({
      dataDir,
      vault: () => openFileKeyVault(dataDir),
      env: {},
      core: { tickMs: 0 },
    })
    expect((await runtime.core.handlers.getScreenState(undefined)).configured).toBe(true)
    await runtime.close()
  }, 120_000)
})

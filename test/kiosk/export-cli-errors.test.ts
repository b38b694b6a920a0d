// `kiosk export` refusing what it cannot do: a usage error (unknown flag, a flag without its
// value, a bad --format) exits 2 like the other kiosk commands, says what is wrong on stderr,
// and writes no file.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openKioskDb } from '../../electron/core/db/db'
import { cleanup, tempDir } from './helpers'

afterEach(cleanup)

const ROOT = join(import.meta.dirname, '..', '..')

/** A kiosk data folder holding one check-in of campaign expo. */
function seededDataDir(): string {
  const dir = tempDir()
  const db = openKioskDb(join(dir, 'kiosk.db'))
  db.prepare(
    `INSERT INTO attendance (event_id, campaign_id, kiosk_id, openid, scene, ticket, kind, create_time,
       received_at, first_visit, check_in_number, roster_entry_id, unknown_ticket)
     VALUES ('e1', 'expo', 'k1', 'o_1', 'k1:abc', 'T', 'scan', 1700000000, 1700000000000, 1, 1, NULL, 0)`,
  ).run()
  db.close()
  return dir
}

/** `kiosk export ...args` from the sources, in `cwd`. */
function exportCli(args: string[], cwd = ROOT) {
  return spawnSync(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      join(ROOT, 'electron/core/cli/cli.ts'),
      'export',
      ...args,
    ],
    { cwd, encoding: 'utf8' },
  )
}

describe('kiosk export usage errors', () => {
  // Each case: the arguments after --data DIR (OUT stands for the --out file) and what stderr names.
  const cases: Array<{ what: string; args: string[]; says: RegExp }> = [
    { what: 'an unknown flag', args: ['--out', 'OUT', '--bogus'], says: /--bogus/ },
    { what: 'a stray argument', args: ['--out', 'OUT', 'extra'], says: /extra/ },
    {
      what: '--campaign without its value',
      args: ['--out', 'OUT', '--campaign'],
      says: /--campaign/,
    },
    { what: '--format without its value', args: ['--format', '--out', 'OUT'], says: /--format/ },
    { what: '--out without its value', args: ['--out'], says: /--out/ },
    {
      what: 'a bad --format',
      args: ['--out', 'OUT', '--format', 'pdf'],
      says: /--format must be csv or xlsx, not "pdf"/,
    },
  ]
  for (const c of cases) {
    it(`${c.what}: exit 2, says why with the usage, writes nothing`, () => {
      const data = seededDataDir()
      const outDir = tempDir()
      const out = join(outDir, 'att.csv')
      const run = exportCli(['--data', data, ...c.args.map((a) => (a === 'OUT' ? out : a))])
      expect(run.status).toBe(2)
      expect(run.stderr).toMatch(c.says)
      expect(run.stderr).toMatch(/usage: kiosk export --data DIR/)
      expect(run.stdout).toBe('')
      expect(readdirSync(outDir)).toEqual([])
    })
  }

  it('the same folder and --out export when the command is right', () => {
    const data = seededDataDir()
    const outDir = tempDir()
    const run = exportCli(['--data', data, '--campaign', 'expo', '--out', join(outDir, 'att.csv')])
    expect(run.status).toBe(0)
    expect(readdirSync(outDir)).toEqual(['att.csv'])
  })
})

// `kiosk export` refusing what it cannot do: a usage error (unknown flag, a flag without its
// value, a bad --format) exits 2 like the other kiosk commands, says what is wrong on stderr,
// and writes no file; an --out it cannot write is named as typed, with what is wrong.
import { spawnSync } from 'node:child_process'
import {
  chmodSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createKioskCore } from '../../electron/core/kiosk-core'
import { MemoryVault } from '../../electron/core/config/vault'
import { silentLogger } from '../../shared/server/log'
import { cleanup, seededExportDir, tempDir } from './helpers'

afterEach(cleanup)

const ROOT = join(import.meta.dirname, '..', '..')

/**
 * `kiosk export ...args` from the sources, in `cwd`. As root, without the capabilities that let
 * root write any file, so a folder's permissions apply as they do to staff.
 */
function exportCli(args: string[], cwd = ROOT, env: Record<string, string> = {}) {
  const noOverride = '-dac_override,-dac_read_search'
  const asUser =
    process.getuid?.() === 0
      ? ['setpriv', `--inh-caps=${noOverride}`, `--bounding-set=${noOverride}`]
      : []
  const [cmd = process.execPath, ...pre] = [...asUser, process.execPath]
  return spawnSync(
    cmd,
    [
      ...pre,
      join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      join(ROOT, 'electron/core/cli/cli.ts'),
      'export',
      ...args,
    ],
    { cwd, encoding: 'utf8', env: { ...process.env, ...env } },
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
    { what: 'an empty --out', args: ['--out', ''], says: /--out needs a file name/ },
    // Was exit 1 `no campaign ""`: a data problem, when the command line was what was wrong.
    {
      what: 'an empty --campaign',
      args: ['--out', 'OUT', '--campaign='],
      says: /--campaign needs a campaign id/,
    },
    {
      what: 'an empty --format',
      args: ['--out', 'OUT', '--format', ''],
      says: /--format must be csv or xlsx, not ""/,
    },
    // Made a file named "-" in the folder it ran in, where stdout was meant.
    {
      what: '--out -',
      args: ['--out', '-'],
      says: /--out - is no file name: for stdout, leave out --out/,
    },
    {
      what: 'a bad --format',
      args: ['--out', 'OUT', '--format', 'pdf'],
      says: /--format must be csv or xlsx, not "pdf"/,
    },
    // Not the last one silently: the sheet of another campaign, or a file elsewhere.
    {
      what: '--campaign given twice',
      args: ['--out', 'OUT', '--campaign', 'expo', '--campaign', 'expo2'],
      says: /--campaign is given twice; give it once/,
    },
    {
      what: '--out given twice',
      args: ['--out', 'OUT', '--out=OUT'],
      says: /--out is given twice/,
    },
    // A file whose name says one format and holds the other: Excel refuses to open it.
    {
      what: '--format xlsx with an --out named .csv',
      args: ['--out', 'OUT', '--format', 'xlsx'],
      says: /--format xlsx does not match --out .*att\.csv/,
    },
  ]
  for (const c of cases) {
    it(`${c.what}: exit 2, says why with the usage, writes nothing`, () => {
      const data = seededExportDir()
      const outDir = tempDir()
      const out = join(outDir, 'att.csv')
      const run = exportCli(['--data', data, ...c.args.map((a) => a.replace(/OUT$/, out))])
      expect(run.status).toBe(2)
      expect(run.stderr).toMatch(c.says)
      expect(run.stderr).toMatch(/usage: kiosk export --data DIR/)
      expect(run.stdout).toBe('')
      expect(readdirSync(outDir)).toEqual([])
    })
  }

  it('an empty --data: exit 2 naming --data, not the default folder nor SCANDESK_DATA', () => {
    const outDir = tempDir()
    const out = join(outDir, 'att.csv')
    const run = exportCli(['--data', '', '--out', out], ROOT, { SCANDESK_DATA: seededExportDir() })
    expect(run.status).toBe(2)
    expect(run.stderr).toMatch(/--data needs a folder/)
    expect(run.stderr).toMatch(/usage: kiosk export --data DIR/)
    expect(readdirSync(outDir)).toEqual([])
  })

  it('a kiosk.db that is not a database: exit 1 naming it and what to do, file untouched', () => {
    const dir = tempDir()
    const outDir = tempDir()
    const db = join(dir, 'kiosk.db')
    const garbage = Buffer.alloc(20_000, 7)
    writeFileSync(db, garbage)
    const run = exportCli(['--data', dir, '--out', join(outDir, 'att.csv')])
    expect(run.status).toBe(1)
    expect(run.stderr).toContain(`kiosk database ${db} is damaged (file is not a database)`)
    expect(run.stderr).toMatch(/Restore it from a backup/)
    expect(readFileSync(db).equals(garbage)).toBe(true)
    expect(readdirSync(outDir)).toEqual([])
  })

  // A clear cut short (its secrets gone, the database not yet): what staff chose to erase is
  // not exported from it as though the booth still held a live event.
  it('a clear cut short: exit 1 saying so in zh-CN and English, nothing written or read out', () => {
    const data = seededExportDir()
    writeFileSync(join(data, 'clearing.json'), '{"version":1,"since":1}\n')
    const before = readFileSync(join(data, 'kiosk.db'))
    const outDir = tempDir()
    const run = exportCli(['--data', data, '--campaign', 'expo', '--out', join(outDir, 'att.csv')])
    expect(run.status).toBe(1)
    expect(run.stderr).toContain('清除时被中断')
    expect(run.stderr).toContain('(or was cut short)')
    expect(run.stderr).toContain(`npm run kiosk -- clear --data ${data}`)
    expect(run.stdout).toBe('')
    expect(readdirSync(outDir)).toEqual([])
    expect(readFileSync(join(data, 'kiosk.db')).equals(before)).toBe(true)
  })

  it('the same folder and --out export when the command is right', () => {
    const data = seededExportDir()
    const outDir = tempDir()
    const run = exportCli(['--data', data, '--campaign', 'expo', '--out', join(outDir, 'att.csv')])
    expect(run.status).toBe(0)
    expect(readdirSync(outDir)).toEqual(['att.csv'])
    // One check-in: one row, in the singular.
    expect(run.stderr).toBe(`exported 1 row of campaign expo to ${join(outDir, 'att.csv')}\n`)
  })

  it('an --out named .xlsx, with no --format, is an XLSX workbook; --format csv with it is refused', () => {
    const data = seededExportDir()
    const outDir = tempDir()
    const out = join(outDir, 'Att.XLSX')
    const run = exportCli(['--data', data, '--campaign', 'expo', '--out', out])
    expect(run.status).toBe(0)
    // A zip (PK), as Excel opens it: not CSV text (the BOM) under an .xlsx name.
    expect(readFileSync(out).subarray(0, 2).toString('latin1')).toBe('PK')
    const refused = exportCli(['--data', data, '--format', 'csv', '--out', join(outDir, 'b.xlsx')])
    expect(refused.status).toBe(2)
    expect(refused.stderr).toMatch(/--format csv does not match --out .*b\.xlsx/)
    expect(readdirSync(outDir)).toEqual(['Att.XLSX'])
  })
})

describe('kiosk export --out it cannot write', () => {
  /** Runs the export in a fresh folder with --out `out` as typed; its result and the folder. */
  function exportTo(out: string, prepare: (cwd: string) => void = () => {}) {
    const data = seededExportDir()
    const cwd = tempDir()
    prepare(cwd)
    const run = exportCli(['--data', data, '--campaign', 'expo', '--out', out], cwd)
    return { run, cwd }
  }

  /** Every file under `dir`, a temporary included. */
  function filesUnder(dir: string): string[] {
    return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()
  }

  function expectRefused(run: ReturnType<typeof exportCli>, cwd: string, says: RegExp) {
    expect(run.status).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(says)
    // Named as typed: not the absolute path, not the hidden temporary beside it.
    expect(run.stderr).not.toContain(cwd)
    expect(run.stderr).not.toMatch(/partial|ENOENT|EISDIR|EACCES|ELOOP|ENAMETOOLONG/)
  }

  it('a folder that does not exist', () => {
    const { run, cwd } = exportTo('nofolder/att.csv')
    expectRefused(run, cwd, /cannot write nofolder\/att\.csv: the folder nofolder does not exist/)
    expect(filesUnder(cwd)).toEqual([])
  })

  it('a path through a file', () => {
    const { run, cwd } = exportTo('notes.txt/att.csv', (dir) =>
      writeFileSync(join(dir, 'notes.txt'), 'x'),
    )
    expectRefused(run, cwd, /cannot write notes\.txt\/att\.csv: notes\.txt is not a folder/)
    expect(filesUnder(cwd)).toEqual(['notes.txt'])
  })

  it('a folder, with or without a trailing slash', () => {
    for (const out of ['reports', 'reports/']) {
      const { run, cwd } = exportTo(out, (dir) => mkdirSync(join(dir, 'reports')))
      expectRefused(
        run,
        cwd,
        new RegExp(
          `cannot write ${out}: it is a folder; name a file in it, such as ${out.replace(/\/$/, '')}/attendance\\.csv`,
        ),
      )
      expect(filesUnder(cwd)).toEqual(['reports'])
    }
  })

  it('a folder it may not write in', () => {
    const { run, cwd } = exportTo('locked/att.csv', (dir) => {
      mkdirSync(join(dir, 'locked'))
      chmodSync(join(dir, 'locked'), 0o555)
    })
    expectRefused(
      run,
      cwd,
      /cannot write locked\/att\.csv: no permission to write in the folder locked/,
    )
    expect(filesUnder(cwd)).toEqual(['locked'])
  })

  // The path cannot even be looked at (stat fails with something other than "not there"): said
  // like the cases above, not Node's "EACCES: permission denied, stat '<absolute path>'".
  it('a folder on the way it may not open', () => {
    const { run, cwd } = exportTo('closed/reports/att.csv', (dir) => {
      mkdirSync(join(dir, 'closed', 'reports'), { recursive: true })
      chmodSync(join(dir, 'closed'), 0o000)
    })
    chmodSync(join(cwd, 'closed'), 0o755)
    expectRefused(
      run,
      cwd,
      /^error: cannot write closed\/reports\/att\.csv: no permission to open the folder closed\/reports or a folder it is in\n$/,
    )
    expect(filesUnder(cwd)).toEqual(['closed', 'closed/reports'])

    // The folder itself readable and writable, but not to be opened (no x).
    const dark = exportTo('dark/att.csv', (dir) => {
      mkdirSync(join(dir, 'dark'))
      chmodSync(join(dir, 'dark'), 0o600)
    })
    chmodSync(join(dark.cwd, 'dark'), 0o755)
    expectRefused(
      dark.run,
      dark.cwd,
      /^error: cannot write dark\/att\.csv: no permission to open the folder dark\n$/,
    )
    expect(filesUnder(dark.cwd)).toEqual(['dark'])
  })

  it('a symbolic link on the way that leads round in a loop', () => {
    const { run, cwd } = exportTo('loop/att.csv', (dir) => {
      symlinkSync('loop-back', join(dir, 'loop'))
      symlinkSync('loop', join(dir, 'loop-back'))
    })
    expectRefused(
      run,
      cwd,
      /^error: cannot write loop\/att\.csv: the symbolic links on the way to the folder loop lead round in a loop\n$/,
    )
    expect(filesUnder(cwd)).toEqual(['loop', 'loop-back'])

    // The file itself such a link: replaced by the export, as a dangling link would be.
    const self = exportTo('self.csv', (dir) => symlinkSync('self.csv', join(dir, 'self.csv')))
    expect(self.run.stderr).toBe('exported 1 row of campaign expo to self.csv\n')
    expect(self.run.status).toBe(0)
    expect(readFileSync(join(self.cwd, 'self.csv'), 'utf8')).toContain('o_1')
  })

  it('a name longer than the file system takes', () => {
    const long = 'n'.repeat(300)
    // A folder's name, or the file's own.
    for (const out of [`${long}/att.csv`, `${long}.csv`]) {
      const { run, cwd } = exportTo(out)
      expectRefused(
        run,
        cwd,
        new RegExp(`^error: cannot write ${out}: a name in it is too long\n$`),
      )
      expect(filesUnder(cwd)).toEqual([])
    }
  })
})

// A kiosk.db of 0 bytes (a backup copy that failed, a disk that lost it) opened as a new empty
// database without a word: the kiosk started with no check-ins and nobody knew why.
describe('a kiosk.db of 0 bytes', () => {
  const EMPTY =
    'was empty: starting a new database; if you meant to restore a backup, stop and restore it'

  it('kiosk export warns naming it, and not for a folder that had a database', () => {
    const dir = tempDir()
    const db = join(dir, 'kiosk.db')
    writeFileSync(db, '')
    const run = exportCli(['--data', dir, '--campaign', 'expo', '--out', join(tempDir(), 'a.csv')])
    expect(run.stderr).toContain(`warning: kiosk database ${db} ${EMPTY}\n`)
    // A data folder that had a database: no such warning.
    const seeded = seededExportDir()
    const again = exportCli([
      '--data',
      seeded,
      '--campaign',
      'expo',
      '--out',
      join(tempDir(), 'b.csv'),
    ])
    expect(again.stderr).not.toContain('was empty')
  })

  it('the kiosk logs a warning naming it; a first start does not', async () => {
    const warned = async (dir: string): Promise<string[]> => {
      const lines: string[] = []
      const core = createKioskCore({
        dataDir: dir,
        vault: new MemoryVault(),
        tickMs: 0,
        log: { ...silentLogger, warn: (msg) => lines.push(msg) },
      })
      await core.stop()
      return lines.filter((l) => l.includes('kiosk.db'))
    }
    expect(await warned(tempDir())).toEqual([])
    const dir = tempDir()
    writeFileSync(join(dir, 'kiosk.db'), '')
    expect(await warned(dir)).toEqual([`kiosk database ${join(dir, 'kiosk.db')} ${EMPTY}`])
  })
})

// The relay's time zone comes from TZ (compose.yaml, deploy/env.example): "scans today", the
// live timeline and every time in the sheets follow it. Node takes a TZ it does not know (a
// typo such as Asia/Shangai) as UTC without a word, so the relay checks it before serving.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { jsonLogger } from '../../relay/log'
import { browserZone, timeZoneProblem } from '../../relay/time-zone'
import { startTestRelay } from './harness'

const ROOT = resolve(import.meta.dirname, '../..')
const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** Runs the relay program with `TZ` and no other setting but a scratch data folder. */
function runRelay(tz: string): Promise<{ code: number | null; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'scandesk-tz-'))
  dirs.push(dir)
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'relay/cli.ts', '--port', '0', '--data', dir],
      { cwd: ROOT, env: { ...process.env, TZ: tz }, timeout: 20_000 },
      (_err, _stdout, stderr) => done({ code: child.exitCode, stderr }),
    )
  })
}

describe('TZ', () => {
  it('accepts IANA names, with or without a leading colon, and no TZ at all', () => {
    for (const tz of [
      'Asia/Shanghai',
      'Asia/Hong_Kong',
      'Europe/Berlin',
      'UTC',
      ':Asia/Shanghai',
    ]) {
      expect(timeZoneProblem(tz), tz).toBeNull()
    }
    expect(timeZoneProblem(undefined)).toBeNull()
  })

  it('accepts a POSIX rule Node follows though Intl names no zone (CST-8), not one it ignored', () => {
    expect(timeZoneProblem('CST-8', 'Etc/Unknown', [-480, -480])).toBeNull()
    expect(timeZoneProblem('EST5EDT', 'Etc/Unknown', [300, 240])).toBeNull()
    // The same unnamed zone left on UTC all year: Node did not understand it.
    expect(timeZoneProblem('Asia/Shangai', 'Etc/Unknown', [0, 0])).toContain('Asia/Shanghai')
    expect(timeZoneProblem('', 'Etc/Unknown', [0, 0])).toContain('Asia/Shanghai')
  })

  it('names what is wrong with a zone Node would silently take as UTC', () => {
    for (const tz of ['Asia/Shangai', 'Beijing', 'asia/shanghai ', '', '+08:00']) {
      expect(timeZoneProblem(tz), tz).toContain('Asia/Shanghai')
    }
    expect(timeZoneProblem('Asia/Shangai')).toContain('"Asia/Shangai"')
  })

  it('refuses a name Intl would take in any case but Node read as no zone (asia/shanghai)', () => {
    const before = process.env.TZ
    process.env.TZ = 'asia/shanghai'
    try {
      expect(timeZoneProblem(process.env.TZ)).toContain('Asia/Shanghai')
      process.env.TZ = 'Asia/Shanghai'
      expect(timeZoneProblem(process.env.TZ)).toBeNull()
    } finally {
      if (before === undefined) delete process.env.TZ
      else process.env.TZ = before
    }
  })

  it('says at start which zone it counts days and writes times in (a host left on UTC)', async () => {
    // No TZ on a UTC server is taken as UTC, which in China starts "today" at 08:00: the start
    // line is where whoever deploys looks, so it names the zone and its offset from UTC.
    const before = process.env.TZ
    try {
      for (const [tz, offset] of [
        ['UTC', '+00:00'],
        ['Asia/Shanghai', '+08:00'],
        // Summer time on the relay's clock: the offset of now, not of January.
        ['America/Los_Angeles', '-07:00'],
      ] as const) {
        process.env.TZ = tz
        const lines: string[] = []
        const relay = await startTestRelay(
          'sqlite',
          null,
          {},
          { log: jsonLogger((l) => lines.push(l)), now: () => Date.UTC(2026, 6, 1, 12) },
        )
        await relay.close()
        const start = lines
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .find((l) => l.msg === 'relay listening')
        expect(start, tz).toMatchObject({ timeZone: tz, utcOffset: offset })
      }
    } finally {
      if (before === undefined) delete process.env.TZ
      else process.env.TZ = before
    }
  })

  it('the relay refuses to start on a misspelt TZ, saying so, instead of serving UTC days', async () => {
    const r = await runRelay('Asia/Shangai')
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^relay: relay config: TZ "Asia\/Shangai" is not a time zone/m)
  })

  it('sends the console a zone a browser can use, also for a POSIX rule Intl names no zone for', () => {
    expect(browserZone('Asia/Shanghai', 480)).toBe('Asia/Shanghai')
    // CST-8: Node runs at +08:00 without a name; Etc/GMT-8 is +08:00 (the Etc names count west).
    const cst = browserZone(undefined, 480)
    expect(cst).toBe('Etc/GMT-8')
    expect(browserZone('Etc/Unknown', -300)).toBe('Etc/GMT+5')
    expect(browserZone(undefined, 0)).toBe('UTC')
    // Whole hours: a zone Intl knows, at the offset Node runs at.
    const at = Date.UTC(2026, 4, 1, 16, 5, 9)
    const hour = new Intl.DateTimeFormat('en-US', {
      timeZone: cst,
      hour: 'numeric',
      hourCycle: 'h23',
    })
    expect(hour.format(at)).toBe('00')
    // No Etc name for half hours: the offset itself.
    expect(browserZone(undefined, 330)).toBe('+05:30')
    expect(browserZone(undefined, -570)).toBe('-09:30')
  })
})

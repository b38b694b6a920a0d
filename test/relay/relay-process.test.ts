// The spawner other tests start a child relay with: a line on its stdout that is not a JSON log
// line (a Node warning, ioredis's "Skipping the ready check") is kept, not thrown on (a throw in
// the reader is an uncaught exception that fails the whole vitest run).
import { afterEach, describe, expect, it } from 'vitest'
import { ROOT, spawnRelay, type RelayProcess } from './relay-process'

const started: RelayProcess[] = []
afterEach(async () => {
  for (const r of started.splice(0)) {
    r.child.kill('SIGKILL')
    await r.exited
  }
})

/** A stand-in relay: prints `lines`, then, unless `exit`, waits to be killed. */
function fakeRelay(lines: string[], exit = false): Promise<RelayProcess> {
  const script = `${lines.map((l) => `console.log(${JSON.stringify(l)})`).join(';')};${
    exit ? 'process.exit(3)' : 'setInterval(() => undefined, 1000)'
  }`
  return spawnRelay(process.execPath, ['-e', script], { cwd: ROOT, env: process.env })
}

const listening = JSON.stringify({ msg: 'relay listening', url: 'http://127.0.0.1:1' })

describe('spawnRelay', () => {
  it('keeps stdout lines that are not JSON log lines and still sees the relay listening', async () => {
    const relay = await fakeRelay([
      'Skipping the ready check',
      '[1, 2]',
      JSON.stringify({ msg: 'starting' }),
      listening,
    ])
    started.push(relay)
    expect(relay.url).toBe('http://127.0.0.1:1')
    expect(relay.log.map((l) => l.msg)).toEqual(['starting', 'relay listening'])
    expect(relay.other).toEqual(['Skipping the ready check', '[1, 2]'])
  })

  it('names those lines when the relay exits before listening', async () => {
    await expect(fakeRelay(['(node:1) Warning: something went wrong'], true)).rejects.toThrow(
      /relay exited early \(3\)[^]*stdout: \(node:1\) Warning: something went wrong/,
    )
  })
})

/**
 * A child that saves kiosk files in a loop, SIGKILLed at a random instant once it prints
 * `saving`: the plug pulled, or the app ended from the task manager, mid-save.
 */
import { spawn } from 'node:child_process'
import { randomInt } from 'node:crypto'
import { resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { expect } from 'vitest'
import { onCleanup, waitFor } from '../kiosk/helpers'

const ROOT = resolve(import.meta.dirname, '../..')

/** Runs `tsx <script> ...args` (a path from the repository's root) and kills it mid-save. */
export async function killWhileSaving(script: string, args: readonly string[]): Promise<void> {
  const child = spawn(
    process.execPath, // `--import tsx`: one process, so SIGKILL ends the writer itself
    ['--import', 'tsx', script, ...args],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  )
  onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s))
  await waitFor(() => out.includes('saving\n'), 'the saves under way', 30_000)
  // The instant of the power cut, not a wait for a state: any instant must do.
  await sleep(randomInt(0, 40))
  child.kill('SIGKILL')
  await exited
  expect(child.signalCode).toBe('SIGKILL')
}

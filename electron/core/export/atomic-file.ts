/**
 * Files that appear under their final name only when complete: written under a hidden
 * temporary name in the same folder (so the rename stays on one file system), flushed, then
 * renamed. A process killed mid-write leaves only a temporary, removed on the next start.
 */
import { randomBytes } from 'node:crypto'
import { closeSync, createWriteStream, fsyncSync, openSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { removeIfPossible, removeLeftovers, renameOrWait, syncFolder } from '../config/json-file'
import type { Writable } from 'node:stream'

const PARTIAL = /^\.(.+)\.[0-9a-f]{12}\.partial$/

function partialPath(finalPath: string): string {
  return join(
    dirname(finalPath),
    `.${basename(finalPath)}.${randomBytes(6).toString('hex')}.partial`,
  )
}

/**
 * Resolves once `out` has closed, whatever it emits first: `once(out, 'close')` rejects on an
 * 'error' (a full disk's ENOSPC, emitted after the stream is already destroyed), which skipped
 * removing the temporary.
 */
function closedOf(out: Writable): Promise<void> {
  if (out.closed) return Promise.resolve()
  return new Promise((resolve) => out.once('close', () => resolve()))
}

/**
 * Runs `write` on a stream to a temporary file (mode 0600); when it resolves and the stream
 * has finished, flushes and renames the file to `finalPath`. On failure the temporary is
 * removed and `finalPath` is untouched.
 */
export async function writeAtomically<T>(
  finalPath: string,
  write: (out: Writable) => Promise<T>,
): Promise<T> {
  const tmp = partialPath(finalPath)
  const out = createWriteStream(tmp, { flags: 'wx', mode: 0o600 })
  // A failed open or write (a full disk) is kept in out.errored, which the sheet's end reads:
  // without a listener from the start, one coming between two awaits would be thrown uncaught.
  out.on('error', () => undefined)
  try {
    const result = await write(out)
    await closedOf(out)
    // A write or close the disk refused after `write` resolved: not a whole file.
    if (out.errored) throw out.errored
    // fsync flushes the file whatever descriptor asks: the data is on disk before the name is.
    const fd = openSync(tmp, 'r+')
    try {
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    // A file held for a moment (a scanner reading it) is waited out without blocking other work.
    let attempt = 0
    let wait: number | null
    while ((wait = renameOrWait(tmp, finalPath, attempt++)) !== null) await sleep(wait)
    // The name too: a power cut after "export done" must not take the file back.
    syncFolder(dirname(finalPath))
    return result
  } catch (err) {
    // Let a write in flight settle and the descriptor close before removing the file.
    const closed = closedOf(out)
    out.destroy()
    await closed
    // One held open (a scanner reading it) stays, removed on a later start.
    removeIfPossible(tmp)
    throw err
  }
}

/**
 * Removes the temporaries a killed writer left in `dir` (only those for `finalName` when
 * given: a folder the user chose may hold other files). Returns how many were removed.
 */
export function removeStalePartials(dir: string, finalName?: string): number {
  return removeLeftovers(dir, (name) => {
    const m = PARTIAL.exec(name)
    return m !== null && (finalName === undefined || m[1] === finalName)
  })
}

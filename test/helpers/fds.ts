import { readdirSync, readlinkSync, realpathSync } from 'node:fs'

/** This process's open descriptors on `file` (Linux's /proc/self/fd). */
export function openFds(file: string): number {
  const real = realpathSync(file)
  let n = 0
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === real) n++
    } catch {
      // closed while we looked
    }
  }
  return n
}

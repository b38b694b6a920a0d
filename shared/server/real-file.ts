// Where a file a static server was asked for really is: the kiosk's web mode (out/renderer) and
// the relay's console (out/console) both serve a built folder and must not hand out what a
// symbolic link placed in it points to outside it.
import { realpath, stat } from 'node:fs/promises'
import { sep } from 'node:path'

/** `path` is `root` or lies under it (both absolute and normalized). */
export function isWithin(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep)
}

export type FileIn =
  | { kind: 'file'; real: string; size: number; mtimeMs: number; ino: number; ctimeMs: number }
  | { kind: 'missing' | 'outside' }

/**
 * What `file` (a path inside `root` by its name) really is. A symbolic link on the way (the file
 * or a folder the path goes through) is followed; when that leads out of the root's real folder
 * the file is `outside`: nothing of it is to be served, not even its size. The root itself may
 * be reached through a link. `real` is what to open, so a link changed after this check is not
 * followed again.
 */
export async function fileIn(root: string, file: string): Promise<FileIn> {
  let real: string
  let realRoot: string
  try {
    ;[real, realRoot] = await Promise.all([realpath(file), realpath(root)])
  } catch {
    return { kind: 'missing' }
  }
  if (!isWithin(realRoot, real)) return { kind: 'outside' }
  try {
    const stats = await stat(real)
    return stats.isFile()
      ? {
          kind: 'file',
          real,
          size: stats.size,
          mtimeMs: stats.mtimeMs,
          ino: stats.ino,
          ctimeMs: stats.ctimeMs,
        }
      : { kind: 'missing' }
  } catch {
    return { kind: 'missing' }
  }
}

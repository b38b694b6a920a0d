/**
 * Scripts run by SHA (`EVALSHA`): a push sends the script's 40-character digest, not its text
 * (the push script is ~2 KB), and Redis skips hashing it. A server that has not seen the script
 * yet (restarted, failed over, a new Cluster node) answers NOSCRIPT before running anything, so
 * the same call is repeated once with `EVAL`, which also caches it there.
 */
import { hash } from 'node:crypto'
import type { RedisClient } from './connect'

const shas = new Map<string, string>()

/** The script's SHA-1, as Redis names it. */
export function shaOf(script: string): string {
  let sha = shas.get(script)
  if (sha === undefined) shas.set(script, (sha = hash('sha1', script, 'hex')))
  return sha
}

/** Whether a reply error means only "this server has no such script" (nothing ran). */
export function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOSCRIPT')
}

export async function runScript(
  client: RedisClient,
  script: string,
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
): Promise<unknown> {
  try {
    return await client.evalsha(shaOf(script), keys.length, ...keys, ...args)
  } catch (err) {
    if (!isNoScript(err)) throw err
    return client.eval(script, keys.length, ...keys, ...args)
  }
}

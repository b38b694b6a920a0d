/**
 * The `code` a thrown error carries, when it is a string: Node's system codes (ENOENT,
 * EADDRINUSE…), SQLite's (SQLITE_BUSY…), undici's socket causes, a worker's
 * ERR_WORKER_OUT_OF_MEMORY, the kiosk bridge's stable codes. Null for anything else. The one
 * reader of `err.code` across the kiosk, relay, sandbox and pages: each site had its own, some
 * taking any object, some only an Error, some turning any value into text.
 */
export function errorCode(err: unknown): string | null {
  if (typeof err !== 'object' || err === null || !('code' in err)) return null
  return typeof err.code === 'string' ? err.code : null
}

/**
 * `err` (when it is an Error) and the errors it was caused by, outermost first: `depth` at most
 * (fetch's "fetch failed" → undici's socket error → the TLS or proxy error under it), stopping
 * at a cause that is not an Error or one already seen (a chain that loops back). The one walk
 * down `cause` across the kiosk and relay.
 */
export function* causes(err: unknown, depth = 4): Generator<Error, void, undefined> {
  const seen = new Set<Error>()
  for (let e = err; e instanceof Error && !seen.has(e) && seen.size < depth; e = e.cause) {
    seen.add(e)
    yield e
  }
}

/**
 * Lines to stdout while someone reads it. When the reader goes away (`… | head -1`, a log
 * shipper restarting) a write meets EPIPE, an 'error' event that would end the process: the
 * program says so once on stderr and goes on without its stdout lines. stderr's own errors
 * (closed too) are ignored for the same reason. `program` and `goesOn` word the note, e.g.
 * 'relay' and 'logs are dropped from now on, the relay keeps serving'.
 */
export interface StdoutSink {
  (text: string): void
  /** Whether stdout's reader has gone (a write met an error, or stdout was destroyed). */
  readonly closed: boolean
  /**
   * Writes `text` (unless closed) and resolves whether stdout took it: false when it was closed
   * before or the write failed. Taken is not read: a reader may still leave without it.
   */
  written(text: string | Uint8Array): Promise<boolean>
}

export function stdoutSink(program: string, goesOn: string): StdoutSink {
  let open = true
  process.stderr.on('error', () => {})
  const close = (err: NodeJS.ErrnoException): void => {
    if (!open) return
    open = false
    process.stderr.write(`${program}: stdout is closed (${err.code ?? err.message}); ${goesOn}\n`)
  }
  process.stdout.on('error', close)
  const isOpen = (): boolean => open && !process.stdout.destroyed
  const sink = (text: string): void => {
    if (isOpen()) process.stdout.write(text)
  }
  // defineProperties, not Object.assign: assign would copy `closed`'s value at creation (false
  // for good), not the getter.
  return Object.defineProperties(sink, {
    closed: { get: () => !isOpen() },
    written: { value: written },
  }) as StdoutSink

  function written(text: string | Uint8Array): Promise<boolean> {
    if (!isOpen()) return Promise.resolve(false)
    return new Promise<boolean>((resolve) => {
      process.stdout.write(text, (err) => {
        // Closed from now on, before the 'error' event (a tick later) says so.
        if (err != null) close(err)
        resolve(err == null)
      })
    })
  }
}

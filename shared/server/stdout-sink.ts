/**
 * Lines to stdout while someone reads it. When the reader goes away (`… | head -1`, a log
 * shipper restarting) a write meets EPIPE, an 'error' event that would end the process: the
 * program says so once on stderr and goes on serving without its stdout lines. stderr's own
 * errors (closed too) are ignored for the same reason. `program` and `goesOn` word the note,
 * e.g. 'relay' and 'logs are dropped from now on, the relay keeps serving'.
 */
export function stdoutSink(program: string, goesOn: string): (text: string) => void {
  let open = true
  process.stderr.on('error', () => {})
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (!open) return
    open = false
    process.stderr.write(`${program}: stdout is closed (${err.code ?? err.message}); ${goesOn}\n`)
  })
  return (text) => {
    if (open && !process.stdout.destroyed) process.stdout.write(text)
  }
}

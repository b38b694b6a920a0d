/** A store's attendance reader that counts the rows it hands out (the export's reads). */
import type { AttendanceReader } from '../../relay/store/attendance'

export function countingReader(a: AttendanceReader): {
  reader: AttendanceReader
  handedOut: () => number
} {
  let handedOut = 0
  const reader: AttendanceReader = {
    stats: (...args) => a.stats(...args),
    scansToday: (...args) => a.scansToday(...args),
    page: (...args) => a.page(...args),
    seed: (...args) => a.seed(...args),
    settled: () => a.settled(),
    backlog: () => a.backlog(),
    async *rows(scope, pageSize) {
      for await (const page of a.rows(scope, pageSize)) {
        handedOut += page.length
        yield page
      }
    },
  }
  return { reader, handedOut: () => handedOut }
}

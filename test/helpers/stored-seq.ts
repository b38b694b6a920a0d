import type { AppendResult } from '../../relay/store/types'

/** The seq of a stored (or retried) push; a push refused as `taken` fails the test. */
export function seqOf(r: AppendResult): number {
  if (r.status === 'taken') throw new Error(`push not stored: scene taken at ${r.kioskId}`)
  return r.seq
}

/**
 * Every promise settled, then their values in order, or the first failure in the list thrown:
 * never an answer while another step is still on its way (the erasure's per-kiosk steps, whose
 * retry must not run beside one; the two connects, one of which must not be closed mid-handshake).
 */
export async function settleAll<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const values: T[] = []
  for (const r of await Promise.allSettled(promises)) {
    if (r.status === 'rejected') throw r.reason
    values.push(r.value)
  }
  return values
}

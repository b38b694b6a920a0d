/** Holds the worker's thread for `ms`, as a stalled process (a CI worker, a relay) would. */
export function stall(ms: number): void {
  const end = Date.now() + ms
  while (Date.now() < end) {
    // busy
  }
}

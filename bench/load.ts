/**
 * Milliseconds on CLOCK_MONOTONIC, which every process on the machine shares (performance.now()
 * starts at each process's own origin): a push sent here and committed in the kiosk child are
 * timed on one clock.
 */
export function monoMs(): number {
  return Number(process.hrtime.bigint()) / 1e6
}

/**
 * Open-loop load: fires `count` calls at `rate`/s on schedule, whether or not earlier ones
 * returned. `sentAt`/`answeredAt` are `monoMs()`.
 */
export async function openLoop(
  rate: number,
  count: number,
  fire: (i: number) => Promise<unknown>,
): Promise<{ sentAt: Float64Array; answeredAt: Float64Array; statuses: number[] }> {
  const sentAt = new Float64Array(count)
  const answeredAt = new Float64Array(count)
  const pending: Array<Promise<unknown>> = []
  const statuses: number[] = []
  const start = performance.now()
  let sent = 0
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(count, Math.floor(((performance.now() - start) * rate) / 1000) + 1)
      while (sent < due) {
        const i = sent++
        sentAt[i] = monoMs()
        pending.push(
          fire(i).then((s) => {
            answeredAt[i] = monoMs()
            statuses.push(typeof s === 'number' ? s : 0)
          }),
        )
      }
      if (sent >= count) resolve()
      else setTimeout(tick, 1)
    }
    tick()
  })
  await Promise.all(pending)
  return { sentAt, answeredAt, statuses }
}

export async function waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > deadline) return false
    await new Promise((r) => setTimeout(r, 5))
  }
  return true
}

/** Open-loop load: fires `count` calls at `rate`/s on schedule, whether or not earlier ones returned. */
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
        sentAt[i] = performance.now()
        pending.push(
          fire(i).then((s) => {
            answeredAt[i] = performance.now()
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

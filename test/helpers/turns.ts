/**
 * How many turns the event loop took while `work` ran: a setImmediate chain beside it counts
 * one per turn. Work that never yields to the loop (one long task, sockets unread) counts 0.
 */
export async function turnsDuring<T>(
  work: () => Promise<T>,
): Promise<{ result: T; turns: number }> {
  let turns = 0
  let running = true
  const turn = (): void => {
    turns++
    if (running) setImmediate(turn)
  }
  setImmediate(turn)
  try {
    return { result: await work(), turns }
  } finally {
    running = false
  }
}

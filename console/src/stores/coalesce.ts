/**
 * One fetch at a time for live updates: a trigger while a fetch runs asks for exactly one more
 * afterwards, so a burst of `stats` events costs two fetches and the last one sees every scan.
 */
export function coalesce(run: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null
  let again = false
  const loop = async (): Promise<void> => {
    try {
      do {
        again = false
        await run()
      } while (again)
    } finally {
      running = null
    }
  }
  return () => {
    if (running) {
      again = true
      return running
    }
    running = loop()
    return running
  }
}

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

/**
 * At most one run per `ms`: `trigger()` runs `run` at once when it last ran that long ago, else
 * once that much has passed since (every trigger meanwhile folded into it, so the last change
 * is always seen, at most `ms` late). `cancel()` drops a run that is waiting.
 */
export function throttle(run: () => void, ms: number): { trigger: () => void; cancel: () => void } {
  let last = -Infinity
  let timer: ReturnType<typeof setTimeout> | null = null
  const fire = (): void => {
    timer = null
    last = Date.now()
    run()
  }
  return {
    trigger() {
      if (timer !== null) return
      const wait = last + ms - Date.now()
      if (wait <= 0) fire()
      else timer = setTimeout(fire, wait)
    },
    cancel() {
      if (timer !== null) clearTimeout(timer)
      timer = null
    },
  }
}

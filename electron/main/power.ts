/**
 * Keeps the display awake while the kiosk screen is up: a booth screen that dims after ten
 * minutes shows visitors a black rectangle instead of a QR code.
 */
import type { PowerSaveBlocker } from 'electron'

export interface DisplayAwake {
  start(): void
  stop(): void
  readonly active: boolean
}

export function createDisplayAwake(
  blocker: Pick<PowerSaveBlocker, 'start' | 'stop' | 'isStarted'>,
): DisplayAwake {
  let id: number | null = null
  const active = (): boolean => id !== null && blocker.isStarted(id)
  return {
    start() {
      if (active()) return
      id = blocker.start('prevent-display-sleep')
    },
    stop() {
      if (id === null) return
      if (blocker.isStarted(id)) blocker.stop(id)
      id = null
    },
    get active() {
      return active()
    },
  }
}

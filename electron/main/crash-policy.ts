/**
 * What to do when the kiosk screen's renderer dies or hangs. Pure logic over timestamps, so the
 * escalation is testable with an injected clock:
 *   a few crashes in a short window  → reload the page;
 *   more than that                   → relaunch the whole app (a fresh GPU/renderer stack);
 *   relaunches keep failing          → stop and show a plain error screen, instead of flapping
 *                                      forever in front of visitors.
 * Relaunch times survive the relaunch through `load`/`save` (a small file in userData).
 */

export type CrashAction = 'reload' | 'relaunch' | 'stop'

export interface CrashPolicyOptions {
  now: () => number
  /** Reloads allowed within `crashWindowMs` before escalating to a relaunch. */
  maxReloads?: number
  crashWindowMs?: number
  /** Relaunches allowed within `relaunchWindowMs` before giving up. */
  maxRelaunches?: number
  relaunchWindowMs?: number
  /** Relaunch timestamps from before this process started. */
  load?: () => number[]
  save?: (relaunches: number[]) => void
}

export interface CrashPolicy {
  /** Records a crash (or hang) and says what to do about it. */
  onCrash(): CrashAction
  /** True once the policy has given up; later crashes keep answering 'stop'. */
  readonly stopped: boolean
}

export function createCrashPolicy(options: CrashPolicyOptions): CrashPolicy {
  const maxReloads = options.maxReloads ?? 3
  const crashWindowMs = options.crashWindowMs ?? 2 * 60_000
  const maxRelaunches = options.maxRelaunches ?? 2
  const relaunchWindowMs = options.relaunchWindowMs ?? 15 * 60_000
  let crashes: number[] = []
  let relaunches = sanitize(options.load?.() ?? [])
  let stopped = false

  return {
    get stopped() {
      return stopped
    },
    onCrash() {
      if (stopped) return 'stop'
      const at = options.now()
      crashes = [...crashes.filter((t) => at - t < crashWindowMs), at]
      if (crashes.length <= maxReloads) return 'reload'

      relaunches = relaunches.filter((t) => at - t < relaunchWindowMs)
      if (relaunches.length >= maxRelaunches) {
        stopped = true
        return 'stop'
      }
      relaunches = [...relaunches, at]
      options.save?.(relaunches)
      crashes = []
      return 'relaunch'
    },
  }
}

function sanitize(values: unknown): number[] {
  if (!Array.isArray(values)) return []
  return values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).slice(-20)
}

/** Types of scripts/electron-fetch.mjs for the tests that import it. */
export declare const FETCH_NOTICE: string

export declare function fetchElectron(o: {
  command: string
  args: readonly string[]
  cwd?: string
  timeoutMs?: number
  noticeAfterMs?: number
  out: { write(text: string): unknown }
  signal?: AbortSignal
  onPid?: (pid: number) => void
}): Promise<{ code: number; stopped: boolean }>

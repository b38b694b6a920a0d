/** Types of scripts/kiosk-start.mjs for the tests that import it. */
export declare const NO_DISPLAY_ERROR: RegExp
export declare const START_WINDOW_MS: number

export declare function noDisplayReason(
  platform: string,
  env: Record<string, string | undefined>,
): string | null

export declare function runElectron(o: {
  command: string
  args: readonly string[]
  cwd?: string
  env?: Record<string, string | undefined>
  err: { write(text: string | Uint8Array): unknown }
  startWindowMs?: number
}): Promise<{ code: number; noDisplay: boolean }>

export declare function browserLine(why: string): string

export declare function startKiosk(o: {
  args: readonly string[]
  platform: string
  env: Record<string, string | undefined>
  out: { write(text: string): unknown }
  err: { write(text: string): unknown }
  findElectron: () => string | null
  fetchElectron: () => Promise<{ code: number; stopped: boolean }>
  build: () => Promise<number>
  buildConsole: () => Promise<number>
  buildNative: () => Promise<number>
  buildCli: () => Promise<number>
  electron: (
    command: string,
    args: readonly string[],
  ) => Promise<{ code: number; noDisplay: boolean }>
  web: (args: readonly string[]) => Promise<number>
}): Promise<number>

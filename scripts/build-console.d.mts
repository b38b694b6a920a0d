/** Types of scripts/build-console.mjs for the tests that import it. */
export declare const CONSOLE_OUT: string

export declare function compressAssets(dir: string): void

export declare function buildConsole(o?: { ifStale?: boolean }): Promise<string>

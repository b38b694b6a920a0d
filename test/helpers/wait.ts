/**
 * Deadline for `vi.waitFor` polls. Its 1 s default is a Redis round trip plus a relay write on
 * an idle machine, not on a two-core CI running every test file at once; this matches the
 * repo's own `waitFor` helpers (10–60 s). The interval is vitest's default, so tests on fake
 * timers advance them as before.
 */
export const UNDER_LOAD = { timeout: 20_000, interval: 50 } as const

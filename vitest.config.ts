import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

export default defineConfig({
  plugins: [vue()],
  test: {
    include: ['test/**/*.test.ts'],
    // A socket 'error' nobody listens for fails the whole run: its message says which socket.
    setupFiles: ['test/helpers/unheard-errors.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // expect.poll's own 1 s default passes on an idle machine and fails on a two-core CI running
    // every file at once: the deadline of UNDER_LOAD (test/helpers/wait.ts) unless a call names one.
    expect: { poll: { timeout: 20_000, interval: 50 } },
    // Two cores on CI: keep server-heavy test files from starving each other.
    maxWorkers: 2,
  },
})

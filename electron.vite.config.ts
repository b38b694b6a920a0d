import { resolve } from 'node:path'
import { defineConfig, externalizeDepsPlugin } from 'electron-vite'
import vue from '@vitejs/plugin-vue'

export default defineConfig({
  main: {
    plugins: [externalizeDepsPlugin()],
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: resolve('electron/main/index.ts'),
          // The XLSX roster reader's worker thread, beside index.js (shared/roster/xlsx-thread.ts).
          'roster-xlsx-worker': resolve('shared/roster/xlsx-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve('electron/preload/index.ts') },
        // Sandboxed preloads cannot be ES modules.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'renderer',
    plugins: [vue()],
    build: {
      outDir: 'out/renderer',
      // electron-vite leaves the renderer unminified; minified it is 46 % of the bytes and its
      // first code paints sooner on a slow booth PC (docs/BENCHMARKS.md "Kiosk renderer minified").
      minify: true,
      rollupOptions: {
        input: { index: resolve('renderer/index.html') },
        // Rolldown's "[PLUGIN_TIMINGS] JavaScript callbacks ran for 2.9s of this 3.9s build" note
        // (the Vue plugin's share, printed when the machine is busy) is for bundler authors: a
        // newcomer's `npm start` printed it in yellow, as if something were wrong.
        checks: { bundlerTimings: false },
      },
    },
  },
})

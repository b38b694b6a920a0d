// The organizer's console (console/): a Vue 3 + Pinia app the relay serves at /console/ from
// out/console, and the big screens' page (screen.html, console/src/screen/) it serves at /screen/. `vite build --config console/vite.config.ts`; scripts/build-relay.mjs builds it
// beside the relay bundle. The relay's CSP allows no inline script or style: index.html has none,
// and assets are never inlined as data: URLs into scripts.
import { fileURLToPath } from 'node:url'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  root: here('.'),
  base: '/console/',
  plugins: [vue()],
  // No public/ folder: everything the page loads is in the build's assets.
  publicDir: false,
  build: {
    outDir: here('../out/console'),
    emptyOutDir: true,
    // The CSP's img-src allows data:, but fonts and scripts must come from 'self'.
    assetsInlineLimit: 0,
    // The modulepreload polyfill is a script in the entry chunk, never inline.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1024,
    // The oldest browsers the pages support (docs/DEPLOY.md "11. Browsers for the console and the
    // big screens"): a projector laptop's Chrome 84, an old iPad's Safari 14.1 (iOS 14.5), a smart
    // TV. Vite's default (Chrome 111, Safari 16.4) left `??=` and static class fields in the
    // bundles, a SyntaxError there and a black screen. CSS is lowered to the same target. Not
    // lower: the pages lay out their rows with flex `gap` (Chrome 84, Safari 14.1).
    target: ['chrome84', 'edge84', 'firefox78', 'safari14.1', 'ios14.5'],
    // Two pages: the console, and the big screens (screen.html) the relay serves at /screen/.
    rollupOptions: {
      input: { index: here('index.html'), screen: here('screen.html') },
      // No "[PLUGIN_TIMINGS]" note on a busy machine (see electron.vite.config.ts).
      checks: { bundlerTimings: false },
    },
  },
})

import type { KioskApi } from '../../shared/ipc'

declare global {
  interface Window {
    /** Exposed by the Electron preload; absent when the UI is served to a browser. */
    kiosk?: KioskApi
  }
}

export {}

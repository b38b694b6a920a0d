/**
 * The one event stream of a signed-in console (`GET /console/api/events`): `stats` refreshes
 * the stats and the booths (scans today, queued), `kiosks` the booths — each only while a
 * page on screen follows it (stores/follow.ts). After a reconnect the followed stores are
 * fetched again (events may have been missed). When the relay closes the stream for good, the
 * session is checked (a 401 means sign in again) and the stream is opened again after a pause.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { ConsoleEvent } from '../../../shared/console-api'
import { useConsoleApi } from '../api/api-key'
import type { StreamState } from '../api/client'
import { useKiosksStore } from './kiosks'
import { useSessionStore } from './session'
import { useStatsStore } from './stats'

const REOPEN_MS = 3000

export const useLiveStore = defineStore('console-live', () => {
  const api = useConsoleApi()
  const session = useSessionStore()
  const kiosks = useKiosksStore()
  const stats = useStatsStore()
  const connected = ref(false)
  /** Started and not stopped: `connected` false then means the relay cannot be reached. */
  const running = ref(false)
  let close: (() => void) | null = null
  let reopen: ReturnType<typeof setTimeout> | null = null

  /** What the pages on screen show: `stats` moves both the stats and the booths' counts. */
  function onEvent(event: ConsoleEvent): void {
    connected.value = true
    if (event.type === 'stats' && stats.followed) void stats.refresh()
    if (kiosks.followed) void kiosks.refresh()
  }

  /** Whatever happened while the stream was down is fetched now. */
  function catchUp(): void {
    if (stats.followed) void stats.refresh()
    if (kiosks.followed) void kiosks.refresh()
  }

  function onState(state: StreamState): void {
    if (state === 'open') {
      if (!connected.value) catchUp()
      connected.value = true
    } else if (state === 'reconnecting') {
      connected.value = false
    } else {
      connected.value = false
      close?.()
      close = null
      void session.check().then(() => {
        if (session.state === 'signed-in') reopen = setTimeout(start, REOPEN_MS)
      })
    }
  }

  function start(): void {
    stop()
    close = api.events(onEvent, onState)
    running.value = true
    connected.value = true
    catchUp()
  }

  function stop(): void {
    if (reopen) clearTimeout(reopen)
    reopen = null
    close?.()
    close = null
    connected.value = false
    running.value = false
  }

  return { connected, running, start, stop }
})

/**
 * The one event stream of a signed-in console (`GET /console/api/events`): `stats` refreshes
 * the stats and the booths (scans today, queued), `kiosks` the booths — each only while a
 * page on screen follows it (stores/follow.ts). After a reconnect the followed stores are
 * fetched again (events may have been missed). When the relay closes the stream for good, the
 * session is checked (a 401 means sign in again) and the stream is opened again after a pause;
 * the console says live again only once that stream opens (behind a proxy a restarting relay's
 * 502 closes every stream tried), and a sign-out meanwhile cancels it.
 *
 * A stream can also die without a word (a proxy's idle cut, a laptop asleep, a Wi-Fi switch: no
 * TCP reset, so EventSource never errors and would say live for good). A relay that sends the
 * named `heartbeat` says how often it does (`everyMs`); a stream that brings nothing for two
 * intervals and a bit is shown as reconnecting, replaced by a new one, and what the pages
 * follow is read again when that one opens. Until the first heartbeat says otherwise the
 * interval is the relay's documented 15 s (docs/DESIGN.md "Consolidated attendance"): the relay
 * serving this console sends it, and a stream cut before its first one (a Wi-Fi switch right
 * after sign-in) would otherwise be trusted for good while the numbers stay frozen.
 *
 * Scans move only the booths' counts, and the booth list is read whole (hundreds of KB for a
 * national campaign's booths): at 100 scans/s, `stats` refreshes the booths at most once per
 * BOOTH_COUNTS_MS, the last change always shown. A `kiosks` event (a booth online, offline,
 * paired, revoked) and the organizer's own actions refresh them at once.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { STREAM_HEARTBEAT_MS, type ConsoleEvent } from '../../../shared/console-api'
import { useConsoleApi } from '../api/api-key'
import type { StreamState } from '../api/client'
import { throttle } from './coalesce'
import { useKiosksStore } from './kiosks'
import { useSessionStore } from './session'
import { useStatsStore } from './stats'

const REOPEN_MS = 3000
/** Silence past two heartbeat intervals and this much (a slow network, a busy tab) is death. */
const SILENCE_SLACK_MS = 2000
/** How often the silence is looked at. */
const WATCH_MS = 1000
/** Scan-driven refreshes of the booth list: at most one per this long. */
const BOOTH_COUNTS_MS = 1000

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
  /** Counts stop() calls: a session check that outlived its run schedules nothing. */
  let runs = 0
  /** The relay's heartbeat interval, as its last heartbeat said (kept across streams). */
  let heartbeatEveryMs = STREAM_HEARTBEAT_MS
  /** When the stream last brought anything (a message or a heartbeat). */
  let heardAt = 0
  let watch: ReturnType<typeof setInterval> | null = null
  const boothCounts = throttle(() => {
    if (kiosks.followed) void kiosks.refresh()
  }, BOOTH_COUNTS_MS)

  /** What the pages on screen show: `stats` moves both the stats and the booths' counts. */
  function onEvent(event: ConsoleEvent): void {
    heardAt = Date.now()
    if (event.type === 'heartbeat') {
      heartbeatEveryMs = event.everyMs ?? heartbeatEveryMs
      if (!connected.value) catchUp()
      connected.value = true
      return
    }
    connected.value = true
    if (event.type === 'stats') {
      if (stats.followed) void stats.refresh()
      if (kiosks.followed) boothCounts.trigger()
    } else if (kiosks.followed) void kiosks.refresh()
  }

  /** Whatever happened while the stream was down is fetched now. */
  function catchUp(): void {
    if (stats.followed) void stats.refresh()
    if (kiosks.followed) void kiosks.refresh()
  }

  /** A stream silent past two heartbeats is dead: say so, and open a new one. */
  function checkSilence(): void {
    if (close === null) return
    if (Date.now() - heardAt <= 2 * heartbeatEveryMs + SILENCE_SLACK_MS) return
    open()
    connected.value = false
  }

  function onState(state: StreamState): void {
    heardAt = Date.now()
    if (state === 'open') {
      if (!connected.value) catchUp()
      connected.value = true
    } else if (state === 'reconnecting') {
      connected.value = false
    } else {
      connected.value = false
      close?.()
      close = null
      const run = runs
      void session.check().then(() => {
        // Stopped meanwhile (signed out, or started afresh): that run's reopening is not wanted.
        if (run !== runs || session.state !== 'signed-in') return
        if (reopen) clearTimeout(reopen)
        reopen = setTimeout(resume, REOPEN_MS)
      })
    }
  }

  /**
   * A new stream in place of the current one; its 'open' or heartbeat says it lives. The
   * heartbeat interval already heard is kept: a replacement that stays silent too is replaced.
   */
  function open(): void {
    close?.()
    heardAt = Date.now()
    close = api.events(onEvent, onState)
  }

  /** The stream of a console just signed in: shown live at once, what the pages follow read. */
  function start(): void {
    begin()
    connected.value = true
    catchUp()
  }

  /**
   * A new stream after the relay closed the last one (a proxy's 502 or a draining relay's 503
   * while it restarts, each again every few seconds until it is back): not live, and nothing
   * read, until that stream opens (its 'open' reads what the pages follow). Shown live at once,
   * the header flashed 实时 every few seconds all through the outage.
   */
  function resume(): void {
    begin()
    connected.value = false
  }

  function begin(): void {
    stop()
    open()
    watch = setInterval(checkSilence, WATCH_MS)
    running.value = true
  }

  function stop(): void {
    runs++
    if (reopen) clearTimeout(reopen)
    reopen = null
    if (watch) clearInterval(watch)
    watch = null
    boothCounts.cancel()
    close?.()
    close = null
    connected.value = false
    running.value = false
  }

  return { connected, running, start, stop }
})

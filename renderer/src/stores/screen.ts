import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { Campaign, KioskStatus, ScreenTicket } from '../../../shared/domain'
import type { ScreenState } from '../../../shared/ipc'
import { useKioskApi } from '../bridge/api-key'
import { kioskStreamSignals } from '../bridge/web-client'
import type { ErrorBody } from '../../../shared/errors'
import { toErrorBody } from '../bridge/errors'
import { isOffline, linkProblem, type LinkProblem } from '../kiosk/status-view'
import { useLocaleStore } from './locale'

/**
 * A code is taken off the screen this long before WeChat's expiry: a visitor needs a moment
 * between seeing a code and scanning it, and a scan of an expired code is silently dropped
 * by WeChat (no push), which would leave the visitor waiting for a greeting that never comes.
 */
export const EXPIRY_MARGIN_MS = 5_000

/** Whether a code may still be on show at `now`: up to EXPIRY_MARGIN_MS before its expiry. */
export function codeShowable(ticket: Pick<ScreenTicket, 'expiresAt'>, now: number): boolean {
  return now < ticket.expiresAt - EXPIRY_MARGIN_MS
}
const TICK_MS = 250
/** Safety net for missed events (a dropped event stream): re-read the whole screen state. */
const RESYNC_MS = 30_000

/** What the kiosk screen shows: ticket, campaign, status, and a ticking clock for them. */
export const useScreenStore = defineStore('screen', () => {
  const api = useKioskApi()
  const locale = useLocaleStore()

  const loaded = ref(false)
  const loadError = ref<ErrorBody | null>(null)
  const configured = ref(false)
  const demo = ref(false)
  const campaign = ref<Campaign | null>(null)
  const ticket = ref<ScreenTicket | null>(null)
  /** When this screen started showing the current ticket: the ring counts from here. */
  const ticketShownAt = ref(0)
  const status = ref<KioskStatus | null>(null)
  /** The relay's sign-in wall or draw, shown instead of the code; null: the code. */
  const bigScreen = ref<ScreenState['bigScreen']>(null)
  /** The linked relay serves campaigns: its event console can assign this booth one. */
  const campaignsFromRelay = ref(false)
  /**
   * The kiosk core's time zone (ScreenState.timeZone): the booth's calendar, which a browser on
   * a laptop in another zone (kiosk web) judges the campaign's days and writes times by.
   */
  const timeZone = ref<string | null>(null)
  const now = ref(Date.now())
  /**
   * When the relay link was lost. Cleared only once it is connected again, so the offline
   * banner does not blink off for every reconnect attempt (state 'connecting') in between.
   */
  const linkLostAt = ref<number | null>(null)
  /**
   * When this screen first saw the relay link connecting with no answer yet (linkUndecided),
   * null once it answered. Kept over the link's own `since`, which starts again at every try:
   * a relay that closes each hello without a reason (its store down: 1011) would otherwise keep
   * the booth on 正在连接 for the first 3 s of every try.
   */
  const linkUnansweredSince = ref<number | null>(null)

  const visibleTicket = computed(() => {
    const t = ticket.value
    return t && codeShowable(t, now.value) ? t : null
  })

  /** Seconds until the code rotates (rounded up), or null with no code (or the fallback) up. */
  const secondsToRotate = computed(() => {
    const t = visibleTicket.value
    return t && !t.fallback ? Math.max(0, Math.ceil((t.rotateAt - now.value) / 1000)) : null
  })

  /** 1 when the code has just appeared, 0 when it is about to rotate. */
  const rotationRemaining = computed(() => {
    const t = visibleTicket.value
    if (!t) return 0
    const start = Math.min(Math.max(ticketShownAt.value, t.issuedAt), t.rotateAt)
    const span = t.rotateAt - start
    if (span <= 0) return 0
    return Math.min(1, Math.max(0, (t.rotateAt - now.value) / span))
  })

  /** Scans are still collected at the relay while this is true: the banner says so. */
  const offline = computed(() => {
    if (!status.value) return false
    return linkLostAt.value !== null || isOffline(status.value, now.value)
  })

  /** A link failure waiting does not cure (full disk, revoked token, cloned identity): named. */
  const problem = computed<LinkProblem | null>(() =>
    status.value ? (linkProblem(status.value)?.code ?? null) : null,
  )

  function setStatus(next: KioskStatus): void {
    const state = next.relay.state
    if (state === 'connected' || state === 'disabled') linkLostAt.value = null
    else if (state === 'reconnecting') linkLostAt.value ??= Date.now()
    if (state === 'connecting' && next.relay.lastError === null)
      linkUnansweredSince.value ??= Date.now()
    else linkUnansweredSince.value = null
    status.value = next
  }

  function setTicket(next: ScreenTicket | null): void {
    if (next?.id !== ticket.value?.id) ticketShownAt.value = Date.now()
    ticket.value = next
  }

  function apply(state: ScreenState): void {
    configured.value = state.configured
    demo.value = state.demo
    campaign.value = state.campaign
    bigScreen.value = state.bigScreen
    campaignsFromRelay.value = state.campaignsFromRelay
    timeZone.value = state.timeZone
    setStatus(state.status)
    setTicket(state.ticket)
    locale.apply(state.locale)
    loaded.value = true
    loadError.value = null
  }

  async function load(): Promise<void> {
    try {
      apply(await api.getScreenState())
    } catch (error) {
      loadError.value = toErrorBody(error)
    }
  }

  function tick(): void {
    now.value = Date.now()
  }

  /** Subscribes to the core's events and starts the clock; returns the stop function. */
  function start(): () => void {
    const stops = [
      api.on('ticket', setTicket),
      api.on('status', setStatus),
      api.on('campaign', (c) => (campaign.value = c)),
      api.on('locale', (l) => locale.apply(l)),
      // Setup changed (e.g. demo mode left): demo badge, banner and campaign follow at once.
      api.on('screen', apply),
    ]
    // Web mode: a kiosk restarted under the page refuses its stream (a new key). Re-reading now
    // puts up the page-key notice, and the admin area's pad (admin-session.ts), at once.
    const refused = kioskStreamSignals(api)?.onRefused(() => void load())
    if (refused) stops.push(refused)
    const clock = setInterval(tick, TICK_MS)
    const resync = setInterval(() => void load(), RESYNC_MS)
    void load()
    return () => {
      stops.forEach((stop) => stop())
      clearInterval(clock)
      clearInterval(resync)
    }
  }

  return {
    loaded,
    loadError,
    configured,
    demo,
    campaign,
    ticket,
    ticketShownAt,
    status,
    bigScreen,
    campaignsFromRelay,
    timeZone,
    now,
    linkUnansweredSince,
    visibleTicket,
    secondsToRotate,
    rotationRemaining,
    offline,
    problem,
    setTicket,
    load,
    tick,
    start,
  }
})

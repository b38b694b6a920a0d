import type { KioskStatus } from '../../../shared/domain'
import type { ErrorBody } from '../../../shared/errors'

export type Level = 'ok' | 'warn' | 'bad' | 'off'

/** A pool this far below its target is worth a warning before it runs dry. */
const LOW_POOL_SHARE = 0.25
/** A first connection taking longer than this counts as offline for the banner. */
const SLOW_CONNECT_MS = 10_000

/**
 * Relay link failures that waiting does not cure: staff must act (free the kiosk's disk, fix the
 * address, sign in to the venue Wi-Fi's captive portal or leave a network that inspects TLS, get
 * a new token, stop the other kiosk). A network failure is not one of them: the corner keeps
 * counting down to the next attempt.
 */
export const LINK_PROBLEMS = [
  'store_failed',
  'link_refused',
  'network_sign_in',
  'tls_untrusted',
  'proxy_refused',
  'proxy_invalid',
  'unauthorized',
  'forbidden',
  'revoked',
  'identity_conflict',
] as const
export type LinkProblem = (typeof LINK_PROBLEMS)[number]

/** The relay link's failure to show instead of its state, if it is one staff must act on. */
export function linkProblem(status: KioskStatus): (ErrorBody & { code: LinkProblem }) | null {
  const e = status.relay.lastError
  if (!e || status.relay.state === 'disabled') return null
  return (LINK_PROBLEMS as readonly string[]).includes(e.code)
    ? (e as ErrorBody & { code: LinkProblem })
    : null
}

export function relayLevel(status: KioskStatus): Level {
  if (linkProblem(status)) return 'bad'
  switch (status.relay.state) {
    case 'connected':
      // Still storing the scans kept while away (a scan made now waits behind them), or a new
      // roster still arriving (the desk finds guests in the previous one until it is in).
      return status.relay.backlog || status.relay.roster ? 'warn' : 'ok'
    case 'connecting':
      return 'warn'
    case 'reconnecting':
      return 'bad'
    case 'disabled':
      return 'off'
  }
}

/**
 * The ticket API's state as the corner shows it. The relay proxy is the relay: while its link
 * is reconnecting, an "ok" from the last code request is stale (the corner read "relay
 * reconnecting" beside a green "relay proxy reachable"), so it shows as unknown until the next
 * request says. A worse state, and the direct WeChat API, are shown as they are.
 */
export function apiState(status: KioskStatus): KioskStatus['api']['state'] {
  const { state, source } = status.api
  if (source === 'proxy' && state === 'ok' && status.relay.state === 'reconnecting') {
    return 'unknown'
  }
  return state
}

/**
 * The ticket API's state in words, as the status corner and Diagnostics show it. Reachable but
 * switched off (the relay has no AppID/AppSecret, or makes no codes for this booth), or WeChat
 * refusing the AppSecret (reset in the WeChat admin mid-event) or the caller's IP (40164, off the
 * account's IP allow-list): not "cannot be reached", which sends staff to the Wi-Fi. Who fixes it
 * differs: staff here (or the organizer in the WeChat admin), the relay's admin there. Unknown
 * with no campaign (`idle`) is no fault: no code is asked for until one is assigned.
 */
export function apiStateText(
  status: KioskStatus,
  t: (key: string, params?: Record<string, unknown>) => string,
  idle = false,
): string {
  const { source, lastError } = status.api
  const state = apiState(status)
  const failed = state !== 'ok' ? lastError?.code : undefined
  if (failed === 'proxy_disabled') return t('status.proxyDisabled')
  if (failed === 'proxy_not_allowed') return t('status.proxyNotAllowed')
  if (failed === 'bad_credentials') return t(`status.badCredentials.${source}`)
  if (failed === 'ip_not_allowed') return t(`status.ipNotAllowed.${source}`)
  return t(`status.api.${state === 'unknown' && idle ? 'idle' : state}`, {
    source: t(`status.source.${source}`),
  })
}

export function apiLevel(status: KioskStatus): Level {
  switch (apiState(status)) {
    case 'ok':
      return 'ok'
    case 'degraded':
      return 'warn'
    case 'down':
      return 'bad'
    case 'unknown':
      return 'off'
  }
}

export function poolLevel(status: KioskStatus): Level {
  const { available, target, quotaExhausted } = status.pool
  if (quotaExhausted || available === 0) return 'bad'
  if (available < target * LOW_POOL_SHARE) return 'warn'
  return 'ok'
}

/** How much of a new roster arriving from the relay is in, in whole percent; null: none is. */
export function rosterPercent(status: KioskStatus): number | null {
  const r = status.relay.roster
  return r ? Math.floor((r.received * 100) / r.total) : null
}

/**
 * The relay link's state in words: how many stored scans are left while it catches up after an
 * outage, else how much of a new roster is in, else its state (`status.relay.*`). Problems and
 * the reconnect countdown are the caller's.
 */
export function relayStateText(
  status: KioskStatus,
  t: (key: string, params: Record<string, unknown>) => string,
  formatNumber: (n: number) => string,
): string {
  const { state, backlog } = status.relay
  const percent = rosterPercent(status)
  if (state !== 'connected') return t(`status.relay.${state}`, {})
  if (backlog) return t('status.relay.catchingUp', { n: formatNumber(backlog) })
  if (percent !== null) return t('status.relay.rosterArriving', { percent })
  return t('status.relay.connected', {})
}

/**
 * How far this booth's clock is off the relay's, for the corner (`status.clock.*`): slow (behind)
 * or fast, in minutes under 2 h, hours under 2 days, else days; null when the status says
 * nothing (in step, or the relay's time not known).
 */
export function clockOff(
  status: KioskStatus,
): { way: 'slow' | 'fast'; unit: 'min' | 'h' | 'd'; n: number } | null {
  const ahead = status.relay.relayAheadMinutes
  if (ahead === undefined || ahead === 0) return null
  const way = ahead > 0 ? 'slow' : 'fast'
  const minutes = Math.abs(ahead)
  if (minutes < 120) return { way, unit: 'min', n: minutes }
  // Rounded first: 47 h 30 min is "2 days", not "48 h".
  const hours = Math.round(minutes / 60)
  if (hours < 48) return { way, unit: 'h', n: hours }
  return { way, unit: 'd', n: Math.round(minutes / (24 * 60)) }
}

/** Seconds until the next reconnect attempt, when one is scheduled. */
export function retryInSeconds(status: KioskStatus, now: number): number | null {
  const { state, retryAt } = status.relay
  if (state !== 'reconnecting' || retryAt === null) return null
  return Math.max(0, Math.ceil((retryAt - now) / 1000))
}

/**
 * How long a booth's first connection may go unanswered before its screen shows a code anyway:
 * a relay that is slow to answer (or that the venue's network drops silently) must not keep a
 * booth without a code, whose scans the relay keeps for it.
 */
export const LINK_ANSWER_WAIT_MS = 3_000

/**
 * The relay link has not yet said whether it takes this booth: its first connection is under
 * way, with no answer (welcomed, refused, failed) yet, for less than LINK_ANSWER_WAIT_MS. A code
 * shown meanwhile would stand for up to a second on a booth whose token was revoked before the
 * screen learnt it and paused. `seenSince`: when the screen first saw it so (the link's `since`
 * starts again at each try, so it alone does not bound the wait).
 */
export function linkUndecided(status: KioskStatus, now: number, seenSince: number | null): boolean {
  const { state, lastError, since } = status.relay
  return (
    state === 'connecting' &&
    lastError === null &&
    now - since < LINK_ANSWER_WAIT_MS &&
    (seenSince === null || now - seenSince < LINK_ANSWER_WAIT_MS)
  )
}

/** Scans are queued at the relay while the kiosk cannot reach it: tell staff so. */
export function isOffline(status: KioskStatus, now: number): boolean {
  const { state, since } = status.relay
  if (state === 'reconnecting') return true
  return state === 'connecting' && now - since > SLOW_CONNECT_MS
}

/** Ticket source through the relay: `POST /api/tickets` with this kiosk's bearer token. */
import {
  kioskIdOfScene,
  MAX_TICKETS_PER_REQUEST,
  relayApiErrorSchema,
  ticketProxyResponseSchema,
} from '../../../shared/relay-protocol'
import { wechatFailureKindOfCode } from '../../../shared/wechat/failure'
import {
  networkSourceError,
  sourceCodeOfFailure,
  TicketSourceError,
  type CreatedTicket,
  type TicketSource,
  type TicketSourceErrorCode,
} from './ticket-source'
import { relayHttpUrl } from '../config/relay-url'
import { RELAY_TOKEN_CHARS } from '../../../shared/ipc'
import { netFetch } from '../net/proxy'

export interface ProxyTicketSourceOptions {
  relayUrl: string
  kioskId: string
  token: string
  timeoutMs?: number
}

export function createProxyTicketSource(o: ProxyTicketSourceOptions): TicketSource {
  const endpoint = relayHttpUrl(o.relayUrl, '/api/tickets')
  return {
    kind: 'proxy',
    maxBatch: MAX_TICKETS_PER_REQUEST,
    async create(count, expireSeconds) {
      // A stored token that cannot go into a header (a build that took a line break) fails in
      // fetch as 'fetch failed', which would read as the relay unreachable and send staff to the
      // Wi-Fi: the relay can never accept it, as the link says too (relay-socket.ts).
      if (!RELAY_TOKEN_CHARS.test(o.token)) {
        throw new TicketSourceError('unauthorized', 'the stored relay token cannot be sent')
      }
      let res: Response
      try {
        res = await netFetch(endpoint, {
          method: 'POST',
          headers: { authorization: `Bearer ${o.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ count, expireSeconds }),
          signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
        })
      } catch (err) {
        throw relayUnanswered(err)
      }
      const body = await relayBody(res)
      if (!res.ok) throw errorFromRelay(res.status, body, res.headers.get('retry-after'))
      const parsed = ticketProxyResponseSchema.safeParse(body)
      if (!parsed.success)
        throw new TicketSourceError('bad_response', 'relay sent an unexpected ticket response')
      const tickets: CreatedTicket[] = []
      for (const t of parsed.data.tickets) {
        // A code whose scans the relay would route elsewhere must never reach our screen.
        if (kioskIdOfScene(t.scene) !== o.kioskId) {
          throw new TicketSourceError('bad_response', 'relay returned a ticket for another kiosk')
        }
        tickets.push({
          ticket: t.ticket,
          url: t.url,
          scene: t.scene,
          // Kept no longer than asked, whatever the relay says (it cuts WeChat's answer so too).
          expireSeconds: Math.min(t.expireSeconds, expireSeconds),
        })
      }
      return tickets
    },
  }
}

/**
 * A relay answer's body as JSON (null when it is not JSON). Read under the request's timeout:
 * a body that stalls or is cut off (the venue Wi-Fi dropping mid-answer) is the relay being
 * unreachable, as the direct path says, not an unexpected answer.
 */
export async function relayBody(res: Response): Promise<unknown> {
  let text: string
  try {
    text = await res.text()
  } catch (err) {
    throw new TicketSourceError('unreachable', 'relay answer cut off', { cause: err })
  }
  try {
    return JSON.parse(text) as unknown
  } catch {
    return null
  }
}

/** Without a usable Retry-After, wait this long after a 429 (or a 503 that sent an unusable one). */
const DEFAULT_RETRY_AFTER_MS = 5_000
/** A relay asking for more than this is wrong or hostile: never stall the pool for longer. */
const MAX_RETRY_AFTER_MS = 3_600_000

/** `Retry-After` as delay-seconds (what the relay sends) or an HTTP date, clamped. */
export function retryAfterMs(header: string | null, now = Date.now()): number {
  let ms = Number.NaN
  if (header !== null && /^\s*\d+\s*$/.test(header)) ms = Number(header) * 1000
  else if (header !== null) ms = Date.parse(header) - now
  if (!Number.isFinite(ms)) return DEFAULT_RETRY_AFTER_MS
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(1000, ms))
}

/**
 * Whether a 429 is the relay's daily ticket budget (relay/ticket-proxy.ts overBudget) rather than
 * its rate limit: both are `rate_limited`; the budget's message says so, and only it asks for a
 * wait of more than an hour (to midnight Beijing time; the rate limit's waits are seconds).
 */
export function isBudgetRefusal(message: string, retryAfter: string | null): boolean {
  if (/daily ticket budget/i.test(message)) return true
  return retryAfter !== null && /^\s*\d+\s*$/.test(retryAfter) && Number(retryAfter) > 3600
}

const MESSAGES: Partial<Record<TicketSourceErrorCode, string>> = {
  quota: 'WeChat daily quota reached (45009)',
  ip_not_allowed: "the relay's IP is not on the account's allow-list",
  bad_credentials: 'the relay has a wrong AppID or AppSecret',
  busy: 'WeChat is busy',
  unreachable: 'the relay cannot reach WeChat',
}

/**
 * A request to the relay that got no answer: the venue's network stopping it (its proxy, or a page
 * in the relay's place), else the relay unreachable. The ticket proxy's and the fallback code's.
 */
export function relayUnanswered(err: unknown): TicketSourceError {
  return (
    networkSourceError(err) ??
    new TicketSourceError('unreachable', 'relay unreachable', { cause: err })
  )
}

/** A relay API refusal (ticket proxy or fallback code) as the kiosk's ticket source error. */
export function errorFromRelay(
  status: number,
  body: unknown,
  retryAfter: string | null,
): TicketSourceError {
  const parsed = relayApiErrorSchema.safeParse(body)
  const code = parsed.success ? parsed.data.error.code : ''
  const errcode = parsed.success ? parsed.data.error.errcode : undefined
  // The token is good but this kiosk may not have codes made (relay/ticket-proxy.ts, added with
  // --no-ticket-proxy): not "pair again", which keeps the refusal; the relay's admin allows it.
  if (status === 403 && code === 'forbidden') {
    const message = 'the relay does not let this kiosk use its ticket proxy'
    return new TicketSourceError('proxy_not_allowed', message)
  }
  if (status === 401 || status === 403) {
    return new TicketSourceError('unauthorized', 'relay refused the kiosk token')
  }
  if (status === 429) {
    const wait = retryAfterMs(retryAfter)
    if (isBudgetRefusal(parsed.success ? parsed.data.error.message : '', retryAfter)) {
      const message = `relay: this kiosk's daily ticket budget is spent (until midnight Beijing time)`
      return new TicketSourceError('ticket_budget', message, { retryAfterMs: wait })
    }
    return new TicketSourceError('rate_limited', `relay rate limit (${code || 'HTTP 429'})`, {
      retryAfterMs: wait,
    })
  }
  // A 503 that says how long (`fallback_busy` while another instance creates the fallback code,
  // a reverse proxy's maintenance page) is a fault all the same, but asking before then is
  // answered the same: the next try waits at least that long. One without it keeps the backoff.
  const wait = status === 503 && retryAfter !== null ? retryAfterMs(retryAfter) : undefined
  const waitOption = wait === undefined ? {} : { retryAfterMs: wait }
  if (code === 'ticket_proxy_disabled') {
    const message = 'the relay has no WeChat AppID/AppSecret'
    return new TicketSourceError('proxy_disabled', message, waitOption)
  }
  // Classified by the relay, by the endpoint that answered (a bare 45009 may be a token limit).
  const kind = wechatFailureKindOfCode(code)
  const failed = `relay request failed (HTTP ${status}${code ? `, ${code}` : ''})`
  if (kind === null) {
    // Not WeChat's: the relay restarting (503 shutting_down), failing (500), a reverse proxy's
    // page while the relay behind it is down, a code a newer relay sends. Its status, never
    // "WeChat API error" (staff would look at the account, not the relay).
    return new TicketSourceError('unhealthy', failed, { status, ...waitOption })
  }
  const sourceCode = sourceCodeOfFailure(kind)
  const message = MESSAGES[sourceCode] ?? failed
  return new TicketSourceError(sourceCode, message, { errcode, ...waitOption })
}

/** Ticket source through the relay: `POST /api/tickets` with this kiosk's bearer token. */
import {
  kioskIdOfScene,
  MAX_TICKETS_PER_REQUEST,
  relayApiErrorSchema,
  ticketProxyResponseSchema,
} from '../../shared/relay-protocol'
import { TicketSourceError, type CreatedTicket, type TicketSource } from './ticket-source'
import { relayHttpUrl } from './relay-url'

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
      let res: Response
      try {
        res = await fetch(endpoint, {
          method: 'POST',
          headers: { authorization: `Bearer ${o.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ count, expireSeconds }),
          signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
        })
      } catch (err) {
        throw new TicketSourceError('unreachable', 'relay unreachable', { cause: err })
      }
      const body: unknown = await res.json().catch(() => null)
      if (!res.ok) throw errorFromRelay(res.status, body)
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
          expireSeconds: t.expireSeconds,
        })
      }
      return tickets
    },
  }
}

function errorFromRelay(status: number, body: unknown): TicketSourceError {
  const parsed = relayApiErrorSchema.safeParse(body)
  const code = parsed.success ? parsed.data.error.code : ''
  const errcode = parsed.success ? parsed.data.error.errcode : undefined
  if (status === 401 || status === 403) {
    return new TicketSourceError(
      'unauthorized',
      'relay refused the kiosk token for ticket creation',
    )
  }
  if (errcode === 45009 || code === 'wechat_quota') {
    return new TicketSourceError('quota', 'WeChat daily quota reached (45009)', { errcode })
  }
  if (errcode === 40164 || code === 'wechat_ip') {
    return new TicketSourceError(
      'ip_not_allowed',
      "the relay's IP is not on the account's allow-list",
      { errcode },
    )
  }
  if (code === 'wechat_config') {
    return new TicketSourceError('bad_credentials', 'the relay has a wrong AppID or AppSecret')
  }
  if (errcode === -1 || code === 'wechat_busy' || status === 429) {
    return new TicketSourceError('busy', 'WeChat is busy', { errcode })
  }
  if (/^wechat_(timeout|network|http)$/.test(code)) {
    return new TicketSourceError('unreachable', 'the relay cannot reach WeChat')
  }
  return new TicketSourceError(
    'other',
    `relay ticket request failed (HTTP ${status}${code ? `, ${code}` : ''})`,
    { errcode },
  )
}

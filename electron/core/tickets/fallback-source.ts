/**
 * Where the booth's permanent fallback code comes from: the relay (`POST /api/fallback-code`,
 * which creates it once per kiosk) or WeChat directly with this machine's AppSecret. Either way
 * the scene is `<kioskId>:fallback`, so its scans are routed to this kiosk like any other.
 */
import {
  fallbackCodeResponseSchema,
  fallbackScene,
  type FallbackCodeResponse,
} from '../../../shared/relay-protocol'
import { buildQrCreateBody, WechatClient } from '../../../shared/wechat'
import { relayTarget, type RelayTarget } from './ticket-sources'
import { relayHttpUrl } from '../config/relay-url'
import type { Settings } from '../config/settings'
import { TicketSourceError } from './ticket-source'
import { toSourceError } from './ticket-source-direct'
import { errorFromRelay, relayBody, relayUnanswered } from './ticket-source-proxy'
import type { SecretVault } from '../config/vault'
import { netFetch } from '../net/proxy'

export interface FallbackSource {
  readonly kind: 'direct' | 'proxy'
  /** The kiosk's permanent code; asking again gives the same code. */
  create(): Promise<FallbackCodeResponse>
}

export function makeFallbackSource(s: Settings, vault: SecretVault): FallbackSource | null {
  if (s.kioskId === null) return null
  if (s.ticketSource === 'proxy') {
    const relay = relayTarget(s, vault)
    return relay ? proxyFallbackSource(relay) : null
  }
  const appSecret = vault.get('appSecret')
  if (s.appId === null || appSecret === null) return null
  const client = new WechatClient({
    appId: s.appId,
    appSecret,
    apiBase: s.apiBase,
    timeoutMs: 10_000,
    busyRetries: 1,
    // Through the venue's proxy, as the booth's other WeChat calls: direct, it met a network
    // that lets nothing else out ("unreachable"), and the booth had no fallback code.
    fetch: netFetch,
  })
  const scene = fallbackScene(s.kioskId)
  return {
    kind: 'direct',
    async create() {
      try {
        const body = buildQrCreateBody({ action: 'QR_LIMIT_STR_SCENE', sceneStr: scene })
        const t = await client.createQrCode(body)
        return { ticket: t.ticket, url: t.url, scene }
      } catch (err) {
        throw toSourceError(err)
      }
    },
  }
}

/**
 * How long the kiosk waits for the relay's answer. The relay's own wait for another instance's
 * creation (`FALLBACK_WAIT_MS` in relay/fallback-code.ts, 8 s) is kept well inside it, so its
 * 503 `fallback_busy` with Retry-After arrives rather than this timeout.
 */
export const FALLBACK_REQUEST_TIMEOUT_MS = 15_000

function proxyFallbackSource(
  o: RelayTarget,
  timeoutMs = FALLBACK_REQUEST_TIMEOUT_MS,
): FallbackSource {
  const endpoint = relayHttpUrl(o.relayUrl, '/api/fallback-code')
  const scene = fallbackScene(o.kioskId)
  return {
    kind: 'proxy',
    async create() {
      let res: Response
      try {
        res = await netFetch(endpoint, {
          method: 'POST',
          headers: { authorization: `Bearer ${o.token}` },
          signal: AbortSignal.timeout(timeoutMs),
        })
      } catch (err) {
        // The venue's proxy stopping it is the proxy's fault, as for the ticket proxy's codes.
        throw relayUnanswered(err)
      }
      const body = await relayBody(res)
      if (!res.ok) throw errorFromRelay(res.status, body, res.headers.get('retry-after'))
      const parsed = fallbackCodeResponseSchema.safeParse(body)
      // A code whose scans the relay would route elsewhere must never reach our screen.
      if (!parsed.success || parsed.data.scene !== scene) {
        throw new TicketSourceError('bad_response', 'relay sent an unexpected fallback code')
      }
      return parsed.data
    },
  }
}

/**
 * The kiosk's `/kiosk` upgrade request to the relay, with its token: the link's (relay-link.ts)
 * and the setup page's connection test's (form-connection-check.ts).
 */
import type { IncomingMessage } from 'node:http'
import WebSocket from 'ws'
import { errorBody, type ErrorBody } from '../../../shared/errors'
import { relayWsUrl } from '../config/relay-url'
import { errorCode } from '../../../shared/error-code'

/** The request under way, or why it could not even be made (never a throw). */
export type RelaySocketOpening =
  | {
      ws: WebSocket
      /**
       * Why the upgrade failed when something answered it with HTTP instead of switching to a
       * websocket (read once ws has emitted its 'error'); null when nothing answered (refused,
       * timed out, a TLS failure): the caller words those.
       */
      answered: () => ErrorBody | null
      refused?: undefined
      message?: undefined
    }
  | { ws?: undefined; answered?: undefined; refused: ErrorBody; message: string }

/**
 * Opens the relay's `/kiosk` websocket with `Authorization: Bearer <token>`. `ws` throws, before
 * sending anything, for a token that cannot go into a header (a line break or a non-ASCII
 * character, stored by a build that took it: see relayTokenSchema): one the relay can never
 * accept, said as `unauthorized` so the setup page points at the token. Anything else that stops
 * the request being made is `unreachable`.
 */
export function openRelaySocket(
  relayUrl: string,
  token: string,
  options: Omit<WebSocket.ClientOptions, 'headers'>,
): RelaySocketOpening {
  let ws: WebSocket
  try {
    ws = new WebSocket(relayWsUrl(relayUrl), {
      ...options,
      headers: { authorization: `Bearer ${token}` },
    })
  } catch (err) {
    return {
      refused:
        errorCode(err) === 'ERR_INVALID_CHAR'
          ? errorBody('unauthorized')
          : errorBody('unreachable'),
      message: err instanceof Error ? err.message : String(err),
    }
  }
  let answer: ErrorBody | null = null
  // With a listener here ws leaves the request to us: the answer is read for its status and
  // headers, then the handshake is ended, which emits ws's 'error' and 'close' as before.
  ws.on('unexpected-response', (_req, res) => {
    answer = upgradeAnswer(res, relayUrl)
    res.resume()
    ws.terminate()
  })
  return { ws, answered: () => answer }
}

/**
 * What an HTTP answer to the `/kiosk` upgrade says. The relay answers it 101, or 401 for a token
 * it refuses; a proxy in front of it 5xx while it is down, which waiting may cure. A captive
 * portal (the venue Wi-Fi's sign-in lapsed) answers every request itself: its login page as a
 * 200 (never the relay's answer to an upgrade), a redirect to its own host, or 511 Network
 * Authentication Required (RFC 6585): `network_sign_in`, as the address is right and a sign-in
 * in a browser cures it. Anything else (a 404, a redirect on the relay's own host) means the
 * address is not the relay's.
 */
function upgradeAnswer(res: IncomingMessage, relayUrl: string): ErrorBody {
  const status = res.statusCode ?? 0
  if (status === 401) return errorBody('unauthorized')
  if (status === 200 || status === 511 || redirectsAway(res, relayUrl))
    return errorBody('network_sign_in', { status })
  if (status >= 500) return errorBody('unhealthy', { status })
  return errorBody('link_refused', { status })
}

/** A 3xx whose Location is on another host than the relay's (a relative one is the relay's). */
function redirectsAway(res: IncomingMessage, relayUrl: string): boolean {
  const status = res.statusCode ?? 0
  const location = res.headers.location
  if (status < 300 || status > 399 || location === undefined) return false
  try {
    const base = new URL(relayUrl)
    return new URL(location, base).hostname !== base.hostname
  } catch {
    return false
  }
}

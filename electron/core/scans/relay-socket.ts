/**
 * The kiosk's `/kiosk` upgrade request to the relay, with its token: the link's (relay-link.ts)
 * and the setup page's connection test's (form-connection-check.ts).
 */
import WebSocket from 'ws'
import { errorBody, type ErrorBody } from '../../../shared/errors'
import { relayWsUrl } from '../config/relay-url'
import { errorCode } from '../../../shared/error-code'

/** The request under way, or why it could not even be made (never a throw). */
export type RelaySocketOpening =
  | { ws: WebSocket; refused?: undefined; message?: undefined }
  | { ws?: undefined; refused: ErrorBody; message: string }

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
  try {
    return {
      ws: new WebSocket(relayWsUrl(relayUrl), {
        ...options,
        headers: { authorization: `Bearer ${token}` },
      }),
    }
  } catch (err) {
    return {
      refused:
        errorCode(err) === 'ERR_INVALID_CHAR'
          ? errorBody('unauthorized')
          : errorBody('unreachable'),
      message: err instanceof Error ? err.message : String(err),
    }
  }
}

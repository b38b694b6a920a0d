/**
 * The kiosk's `/kiosk` upgrade request to the relay, with its token: the link's (relay-link.ts)
 * and the setup page's connection test's (form-connection-check.ts).
 */
import type { IncomingMessage } from 'node:http'
import WebSocket from 'ws'
import { errorBody, type ErrorBody } from '../../../shared/errors'
import { relayWsUrl } from '../config/relay-url'
import { causes, errorCode } from '../../../shared/error-code'
import { proxyFault, websocketAgent } from '../net/proxy'

/** The request under way, or why it could not even be made (never a throw). */
export type RelaySocketOpening =
  | {
      ws: WebSocket
      /**
       * Why the upgrade failed, given ws's 'error': what an HTTP answer in place of the websocket
       * says, or a certificate not trusted for the relay (`tls_untrusted`); null when nothing
       * answered (refused, reset, timed out): the caller words those.
       */
      failure: (err: Error) => ErrorBody | null
      refused?: undefined
      message?: undefined
    }
  | { ws?: undefined; failure?: undefined; refused: ErrorBody; message: string }

/**
 * Opens the relay's `/kiosk` websocket with `Authorization: Bearer <token>`. `ws` throws, before
 * sending anything, for a token that cannot go into a header (a line break or a non-ASCII
 * character, stored by a build that took it: see relayTokenSchema): one the relay can never
 * accept, said as `unauthorized` so the setup page points at the token. A proxy setting that is
 * not a proxy's address is `proxy_invalid`; anything else that stops the request being made is
 * `unreachable`.
 */
export function openRelaySocket(
  relayUrl: string,
  token: string,
  options: Omit<WebSocket.ClientOptions, 'headers'>,
): RelaySocketOpening {
  let ws: WebSocket
  /** The proxy's answer to CONNECT, when the socket goes through one (net/proxy.ts). */
  let tunnel: number | null = null
  try {
    const wsUrl = relayWsUrl(relayUrl)
    const agent = websocketAgent(wsUrl)
    agent?.on('proxyConnect', ({ statusCode }: { statusCode: number }) => (tunnel = statusCode))
    ws = new WebSocket(wsUrl, {
      ...options,
      ...(agent === undefined ? {} : { agent }),
      headers: { authorization: `Bearer ${token}` },
    })
  } catch (err) {
    // Only the setting can be at fault here: nothing has been sent to a proxy yet.
    const fault = proxyFault(err)
    return {
      refused:
        errorCode(err) === 'ERR_INVALID_CHAR'
          ? errorBody('unauthorized')
          : fault?.code === 'proxy_invalid'
            ? errorBody('proxy_invalid', fault.params)
            : errorBody('unreachable'),
      message: err instanceof Error ? err.message : String(err),
    }
  }
  let answer: ErrorBody | null = null
  // With a listener here ws leaves the request to us: the answer is read for its status and
  // headers, then the handshake is ended, which emits ws's 'error' and 'close' as before.
  ws.on('unexpected-response', (_req, res) => {
    // A proxy refusing the tunnel: its answer stands in for the relay's (https-proxy-agent).
    answer =
      tunnel !== null && tunnel !== 200
        ? errorBody('proxy_refused', { status: tunnel })
        : upgradeAnswer(res, relayUrl)
    res.resume()
    ws.terminate()
  })
  return {
    ws,
    failure: (err) => answer ?? (untrustedCertificate(err) ? errorBody('tls_untrusted') : null),
  }
}

/**
 * Node's codes for a certificate the handshake refused: self-signed or from an issuer this
 * computer does not trust (what a captive portal or a TLS-inspecting proxy presents), issued
 * for another name (the portal's own), or outside its dates (an expired relay certificate, or
 * this computer's clock far off).
 */
const UNTRUSTED_CERTIFICATE = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
])

/**
 * OpenSSL's codes for a handshake answered with something that is not TLS at all: a captive
 * portal's or a filtering proxy's own page (after its "200 Connection Established"), sent where
 * the relay's certificate should be (fetch's code; a socket's write says EPROTO with OpenSSL's
 * reason). Said as the untrusted certificate is: the network answered in the relay's place.
 */
const NOT_TLS = new Set([
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_RECORD_LAYER_FAILURE',
  'ERR_SSL_HTTP_REQUEST',
])
const NOT_TLS_REASON =
  /\b(wrong version number|packet length too long|record layer failure|http request)\b/

/**
 * A TLS handshake (ws's, or fetch's in a `cause`) refused the certificate it was shown, or was
 * answered with something that is not TLS: either way, most often the network in the relay's
 * place.
 */
export function untrustedCertificate(err: unknown): boolean {
  for (const e of causes(err)) {
    const code = errorCode(e) ?? ''
    if (UNTRUSTED_CERTIFICATE.has(code) || NOT_TLS.has(code)) return true
    if (code === 'EPROTO' && NOT_TLS_REASON.test(e.message)) return true
  }
  return false
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
  if (status === 200 || portalAnswer(status, res.headers.location, relayUrl))
    return errorBody('network_sign_in', { status })
  if (status >= 500) return errorBody('unhealthy', { status })
  return errorBody('link_refused', { status })
}

/**
 * An answer only a captive portal gives in the relay's place, whatever the request: 511 Network
 * Authentication Required (RFC 6585), or a 3xx whose Location is on another host than the
 * relay's (a relative one is the relay's own). A portal's login page as a 200 is the caller's to
 * tell from the relay's own 200.
 */
export function portalAnswer(
  status: number,
  location: string | null | undefined,
  relayUrl: string,
): boolean {
  if (status === 511) return true
  if (status < 300 || status > 399 || location === undefined || location === null) return false
  try {
    const base = new URL(relayUrl)
    return new URL(location, base).hostname !== base.hostname
  } catch {
    return false
  }
}

/**
 * Whether a plain HTTP answer (fetch's, to a JSON endpoint of the relay) came from a captive
 * portal in the relay's place: `portalAnswer`'s 511 or redirect to another host, or its login
 * page, a 200 in HTML where the relay answers JSON.
 */
export function signInAnswer(res: Response, relayUrl: string): boolean {
  return (
    portalAnswer(res.status, res.headers.get('location'), relayUrl) ||
    (res.status === 200 && /^text\/html\b/i.test(res.headers.get('content-type') ?? ''))
  )
}

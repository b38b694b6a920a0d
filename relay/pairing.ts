/**
 * `POST /api/pair {"code"}` → `{"kioskId","token"}`: a kiosk trades a pairing code for its
 * credentials, once (then 410 `gone`); an unknown, expired or replaced code is 404. The kiosk
 * gets a fresh token (as `kiosk add --rotate` would give it: a live socket on the old one
 * closes), written atomically with marking the code used. No credential: the code is the
 * credential, so each client address may try 10 codes a minute (burst 10, per relay process);
 * guessing one of the 25^8 codes within its 15 minutes is then hopeless.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  normalizePairingCode,
  pairingCodeSchema,
  pairRequestSchema,
  type PairResponse,
} from '../shared/console-api'
import type { RelayConfig } from './config'
import { clientLimitKeys } from './console/request-origin'
import {
  answerBodyError,
  BodyError,
  closeAfterResponse,
  readJson,
  sendApiError,
  sendJson,
} from './http-util'
import { issueKioskToken } from './kiosk-tokens'
import type { Logger } from './log'
import { hashPairingCode } from './pairing-codes'
import { ADDRESS_GROUP_SHARE, AddressLimiter } from './rate-limit'
import type { RelayMetrics } from './metrics'
import type { RelayStore } from './store/types'

const MAX_REQUEST_BYTES = 1024
export const PAIR_RATE_PER_MINUTE = 10
export const PAIR_BURST = 10
/**
 * Client addresses (IPv6 by /64) the limit holds at once, and /48s (each also counted as one,
 * with 8 times the room): more than a /48's 65,536 /64s. Past it a new address is refused
 * until old buckets refill (relay/rate-limit.ts).
 */
export const PAIR_MAX_ADDRESSES = 100_000
/**
 * An unknown code's 404. Asking a booth's code again (two organizers at once, or twice by
 * mistake) replaces the one shown before, so staff typing a code a console has just shown
 * are told that too, not only that it does not exist.
 */
const NO_SUCH_CODE =
  'no such pairing code: it has expired, or a newer code was made for its booth since (only the latest one works)'

export interface PairEndpointOptions {
  config: Pick<RelayConfig, 'trustProxyHops'>
  store: RelayStore
  log: Logger
  now: () => number
  metrics?: Pick<RelayMetrics, 'countLimitHit'>
}

export function createPairEndpoint(opts: PairEndpointOptions) {
  const { store, log, now } = opts
  const limiter = new AddressLimiter(
    { ratePerMinute: PAIR_RATE_PER_MINUTE, burst: PAIR_BURST, concurrency: 4 },
    now,
    {
      maxKeys: PAIR_MAX_ADDRESSES,
      groupShare: ADDRESS_GROUP_SHARE,
      onRefused: (by) =>
        opts.metrics?.countLimitHit(by === 'block' ? 'pair_block' : 'pair_address'),
    },
  )

  return async function handlePair(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST')
      sendApiError(res, 405, 'method_not_allowed', 'use POST')
      return
    }
    const admission = limiter.admit(clientLimitKeys(req, opts.config.trustProxyHops))
    if (!admission.granted) {
      closeAfterResponse(res)
      res.setHeader('Retry-After', String(admission.retryAfterSeconds))
      sendApiError(res, 429, 'rate_limited', 'too many pairing attempts; wait and try again')
      return
    }
    try {
      let body: unknown
      try {
        body = await readJson(req, MAX_REQUEST_BYTES)
      } catch (err) {
        if (!(err instanceof BodyError)) throw err
        // A body that stalled is 408 as on every endpoint (sendBodyError), not "not JSON".
        answerBodyError(res, err, (status, message) =>
          status === 413
            ? sendApiError(res, 413, 'too_large', message)
            : status === 408
              ? sendApiError(res, 408, 'bad_request', message)
              : sendApiError(res, 400, 'bad_request', 'body must be JSON {"code"}'),
        )
        return
      }
      const request = pairRequestSchema.safeParse(body)
      if (!request.success) {
        sendApiError(res, 400, 'bad_request', 'body must be JSON {"code"}')
        return
      }
      const code = pairingCodeSchema.safeParse(normalizePairingCode(request.data.code))
      // Not a code at all is answered like an unknown one: nothing to learn from the difference.
      const codeHash = code.success ? hashPairingCode(code.data) : null
      const kioskId = codeHash === null ? null : await store.console.pairingCodeKiosk(codeHash)
      if (codeHash === null || kioskId === null) {
        sendApiError(res, 404, 'not_found', NO_SUCH_CODE)
        return
      }
      const { token, tokenHash } = issueKioskToken(kioskId)
      const result = await store.console.redeemPairingCode(codeHash, kioskId, tokenHash, now())
      if (result.status === 'used') {
        sendApiError(res, 410, 'gone', 'this pairing code was used already')
        return
      }
      if (result.status === 'unknown') {
        sendApiError(res, 404, 'not_found', NO_SUCH_CODE)
        return
      }
      log.info('kiosk paired', { kioskId })
      const answer: PairResponse = { kioskId, token }
      sendJson(res, 200, answer)
    } finally {
      admission.release()
    }
  }
}

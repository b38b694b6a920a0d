/**
 * The booths in the console: `GET /console/api/kiosks` (live state, never a token or its hash),
 * `POST /console/api/kiosks {"id"}` (a new kiosk, no usable token yet, and its pairing code),
 * `POST /console/api/kiosks/<id>/pairing` (a new code for an existing kiosk: re-pairing is this
 * explicit call, never a side effect of adding), `DELETE /console/api/kiosks/<id>` (revokes:
 * its live socket closes with 4410, its unused code stops working) and
 * `GET|PUT /console/api/kiosks/<id>` (`{"campaignId"}`: the booth's campaign; the answers'
 * `ETag` is the assignment's version, and a PUT with `If-Match` saves only while it holds) and
 * `POST /console/api/kiosks/<id>/admin-unlock` (additive: clears the booth's admin PIN lockout
 * through its live link; 409 when it is offline or revoked, nothing queued; 429 past
 * `ADMIN_UNLOCK_LIMITS` for one booth).
 */
import {
  addKioskRequestSchema,
  updateKioskRequestSchema,
  type AddKioskResponse,
  type AdminUnlockResponse,
  type ConsoleKiosk,
} from '../../shared/console-api'
import { kioskIdSchema } from '../../shared/relay-protocol'
import { sendJson } from '../http-util'
import { TicketLimiter } from '../rate-limit'
import { addKiosk, revokeKiosk } from '../kiosk-admin'
import { CONFLICT_REPLACEMENTS, CONFLICT_WINDOW_MS } from '../kiosk-hub'
import { issuePairingCode } from '../pairing-codes'
import { KioskExistsError, type KioskRecord } from '../store/types'
import { readIfMatch, versionEtag } from './if-match'
import {
  readJson,
  readNoFields,
  sendConsoleError,
  type ConsoleDeps,
  type ConsoleRoute,
} from './console-router'

type Res = Parameters<ConsoleRoute['handler']>[0]['res']

/**
 * A kiosk another instance holds counts as online while that instance says it is connected and
 * wrote its last seen (every 30 s while connected) this recently: an instance that died
 * without saying so stops vouching for it after this long. A link gone half-open is ended by
 * the holding instance's ping/pong (15–30 s), which writes it disconnected at once.
 */
export const ONLINE_STALE_MS = 90_000

/**
 * Clears of one booth's admin PIN lockout: 3 at once, then one every 20 minutes. Each clear
 * gives whoever stands at the booth the lockout's free guesses again (5), so without a bound a
 * signed-in session could turn the lockout into 5 guesses a click. Per relay instance, like the
 * fallback-code limit.
 */
export const ADMIN_UNLOCK_LIMITS = { ratePerMinute: 1 / 20, burst: 3, concurrency: 1 } as const

export function kioskRoutes(deps: ConsoleDeps): ConsoleRoute[] {
  const { store, hub, log } = deps
  const unlocks = new TicketLimiter(ADMIN_UNLOCK_LIMITS, deps.now)

  async function describe(kiosks: KioskRecord[], now: number): Promise<ConsoleKiosk[]> {
    const ids = kiosks.map((k) => k.kioskId)
    const [meta, scans, replaced] = await Promise.all([
      store.console.kioskMeta(ids, now),
      deps.scansToday(ids, now),
      // Kept in the store, so every instance shows the flag, one started since included.
      store.console.kioskReplacements(ids, now, CONFLICT_WINDOW_MS),
    ])
    return kiosks.map((k) => {
      const m = meta.get(k.kioskId)
      const revoked = k.revokedAt !== null
      const vouched =
        m?.connectedAt != null && m.lastSeenAt !== null && now - m.lastSeenAt < ONLINE_STALE_MS
      return {
        id: k.kioskId,
        online: !revoked && (hub.isOnline(k.kioskId) || vouched),
        lastSeenAt: m?.lastSeenAt ?? null,
        queued: Math.max(0, k.headSeq - k.ackedSeq),
        scansToday: scans.get(k.kioskId) ?? 0,
        campaignId: m?.campaignId ?? null,
        version: m?.version ?? null,
        pairingPending: m?.pairingExpiresAt != null,
        revoked,
        identityConflict:
          !revoked &&
          (hub.identityConflict(k.kioskId) ||
            (replaced.get(k.kioskId) ?? 0) >= CONFLICT_REPLACEMENTS),
      }
    })
  }

  function sendKiosk(res: Res, described: ConsoleKiosk | undefined, version: number): void {
    res.setHeader('ETag', versionEtag(version))
    sendJson(res, 200, described)
  }

  /** The kiosk named by `:id`, or null once 404 is sent. */
  async function existing(
    id: string | undefined,
    res: Parameters<ConsoleRoute['handler']>[0]['res'],
  ): Promise<KioskRecord | null> {
    const parsed = kioskIdSchema.safeParse(id)
    const kiosk = parsed.success ? await store.getKiosk(parsed.data) : null
    if (kiosk === null) sendConsoleError(res, 404, 'not_found', 'no such kiosk')
    return kiosk
  }

  async function sendCode(
    res: Parameters<ConsoleRoute['handler']>[0]['res'],
    kioskId: string,
    now: number,
  ): Promise<void> {
    const { code, expiresAt } = await issuePairingCode(store.console, kioskId, now)
    const answer: AddKioskResponse = { id: kioskId, pairingCode: code, expiresAt }
    sendJson(res, 201, answer)
  }

  return [
    {
      method: 'GET',
      path: '/kiosks',
      async handler(ctx) {
        sendJson(ctx.res, 200, await describe(await store.listKiosks(), ctx.now))
      },
    },
    {
      method: 'POST',
      path: '/kiosks',
      async handler(ctx) {
        const body = await readJson(ctx, addKioskRequestSchema)
        if (body === null) return
        // A token nobody is told: the kiosk can only get in by redeeming its pairing code.
        // Create-only, decided in the store: an existing id, or the loser of two concurrent
        // adds of one id (a double click, two organizers, two instances), is 409, never a
        // dead code.
        try {
          await addKiosk(store, body.id, { onlyIfNew: true }, ctx.now)
        } catch (err) {
          if (!(err instanceof KioskExistsError)) throw err
          sendConsoleError(
            ctx.res,
            409,
            'conflict',
            `kiosk ${body.id} exists; POST /console/api/kiosks/${body.id}/pairing re-pairs it`,
          )
          return
        }
        log.info('kiosk added from the console', { kioskId: body.id, by: ctx.session?.name })
        await sendCode(ctx.res, body.id, ctx.now)
      },
    },
    {
      method: 'POST',
      path: '/kiosks/:id/pairing',
      async handler(ctx) {
        if (!(await readNoFields(ctx))) return
        const kiosk = await existing(ctx.params.id, ctx.res)
        if (kiosk === null) return
        log.info('kiosk pairing code issued', { kioskId: kiosk.kioskId, by: ctx.session?.name })
        await sendCode(ctx.res, kiosk.kioskId, ctx.now)
      },
    },
    {
      method: 'POST',
      path: '/kiosks/:id/admin-unlock',
      async handler(ctx) {
        if (!(await readNoFields(ctx))) return
        const kiosk = await existing(ctx.params.id, ctx.res)
        if (kiosk === null) return
        // Only the live link delivers it: queued, it would clear a lockout hours later, when
        // whoever caused it may be the one at the booth. The organizer asks again once online.
        const [described] = await describe([kiosk], ctx.now)
        if (described?.revoked !== false || !described.online) {
          const why = described?.revoked === false ? 'offline' : 'revoked'
          sendConsoleError(
            ctx.res,
            409,
            'conflict',
            `kiosk ${kiosk.kioskId} is ${why}: the PIN lockout is cleared only over its live link`,
          )
          return
        }
        const admitted = unlocks.admit(kiosk.kioskId, 1)
        if (!admitted.granted) {
          ctx.res.setHeader('Retry-After', String(admitted.retryAfterSeconds))
          sendConsoleError(
            ctx.res,
            429,
            'rate_limited',
            `kiosk ${kiosk.kioskId}'s PIN lockout was cleared ${ADMIN_UNLOCK_LIMITS.burst} times ` +
              'lately; try again later',
          )
          return
        }
        admitted.release()
        log.info('kiosk admin lockout cleared from the console', {
          kioskId: kiosk.kioskId,
          by: ctx.session?.name,
        })
        // The instance holding the kiosk's link (this one or another) sends the frame.
        await store.announce({ type: 'admin-unlock', kioskId: kiosk.kioskId })
        const answer: AdminUnlockResponse = { id: kiosk.kioskId, sentAt: ctx.now }
        sendJson(ctx.res, 202, answer)
      },
    },
    {
      method: 'GET',
      path: '/kiosks/:id',
      async handler(ctx) {
        const kiosk = await existing(ctx.params.id, ctx.res)
        if (kiosk === null) return
        // The version first: a change after it is read shows up as a stale If-Match, never
        // as a tag newer than the campaign the body names.
        const version = await store.campaigns.assignmentVersion(kiosk.kioskId)
        const [described] = await describe([kiosk], ctx.now)
        sendKiosk(ctx.res, described, version)
      },
    },
    {
      method: 'PUT',
      path: '/kiosks/:id',
      async handler(ctx) {
        const kiosk = await existing(ctx.params.id, ctx.res)
        if (kiosk === null) return
        // Optional: without it the last assignment wins, as programs written before it expect.
        const ifVersions = readIfMatch(ctx.req, ctx.res, 'kiosk')
        if (ifVersions === null) return
        const body = await readJson(ctx, updateKioskRequestSchema)
        if (body === null) return
        const { campaignId } = body
        if (campaignId !== null && (await store.campaigns.getCampaign(campaignId)) === null) {
          sendConsoleError(ctx.res, 404, 'not_found', 'no such campaign')
          return
        }
        const version = await store.campaigns.assignKiosk(kiosk.kioskId, campaignId, ifVersions)
        if (version === 'stale') {
          sendConsoleError(
            ctx.res,
            412,
            'precondition_failed',
            'the booth was assigned since it was read (If-Match): nothing was saved; read it again',
          )
          return
        }
        log.info('kiosk assigned', {
          kioskId: kiosk.kioskId,
          campaignId,
          version,
          by: ctx.session?.name,
        })
        deps.campaignCache?.forget({ type: 'campaign', campaignId, kioskId: kiosk.kioskId })
        // Every instance's cache drops the kiosk's entry and its live socket gets the frame.
        await store.announce({ type: 'campaign', campaignId, kioskId: kiosk.kioskId })
        const [described] = await describe([kiosk], ctx.now)
        sendKiosk(ctx.res, described, version)
      },
    },
    {
      method: 'DELETE',
      path: '/kiosks/:id',
      async handler(ctx) {
        if (!(await readNoFields(ctx))) return
        const kiosk = await existing(ctx.params.id, ctx.res)
        if (kiosk === null) return
        await revokeKiosk(store, kiosk.kioskId, ctx.now)
        log.info('kiosk revoked from the console', {
          kioskId: kiosk.kioskId,
          by: ctx.session?.name,
        })
        ctx.res.writeHead(204, { 'Cache-Control': 'no-store' }).end()
      },
    },
  ]
}

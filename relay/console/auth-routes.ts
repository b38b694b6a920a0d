/**
 * Sign-in, sign-out and "who am I" for the console: `POST /console/api/login`,
 * `POST /console/api/logout`, `GET /console/api/session`. Each login attempt is counted against
 * the client address and the name before the password is checked (relay/console/lockout.ts),
 * unless it comes from the organizer's known browser (a valid device cookie for that name,
 * relay/console/device-cookies.ts), which counts against its own small limit instead; an
 * unknown name costs the same scrypt as a known one.
 */
import type { IncomingMessage } from 'node:http'
import {
  loginRequestSchema,
  normalizeOrganizerName,
  organizerNameSchema,
  type SessionInfo,
} from '../../shared/console-api'
import { sendJson } from '../http-util'
import { relayBrowserZone } from '../time-zone'
import type { LoginAttempt } from '../store/console-types'
import {
  jsonObjectSchema,
  readJson,
  readNoFields,
  sendConsoleError,
  type ConsoleDeps,
  type ConsoleRoute,
} from './console-router'
import { DeviceCookies, deviceCookie } from './device-cookies'
import {
  ADDRESS_LOCKOUT,
  DEVICE_LOCKOUT,
  NAME_LOCKOUT,
  addressLockoutKey,
  deviceLockoutKey,
  nameLockoutKey,
} from './lockout'
import { KdfGate, verifyPassword } from './passwords'
import { cameOverHttps, clientLimitKey } from './request-origin'
import {
  clearedSessionCookie,
  clearedSessionCookies,
  hashSessionId,
  sessionCookie,
  sessionIdsOf,
  startSession,
} from './sessions'

export function authRoutes(deps: ConsoleDeps): ConsoleRoute[] {
  const { store, log, config } = deps
  const organizers = store.console
  const kdf = new KdfGate(deps.kdfGate)
  const devices = new DeviceCookies(organizers)

  /**
   * Ends every session the request's cookies name (a planted one too: whoever planted it gave
   * it away) and what those sessions hold open (their event streams); returns how many named.
   */
  async function endSessionsOf(req: IncomingMessage): Promise<number> {
    const ids = sessionIdsOf(req)
    for (const id of ids) {
      const idHash = hashSessionId(id)
      await organizers.deleteSession(idHash)
      deps.sessionEnded(idHash)
    }
    return ids.length
  }

  return [
    {
      method: 'POST',
      path: '/login',
      public: true,
      async handler(ctx) {
        // Any JSON object is a sign-in attempt: one without a usable name and password is a
        // failed one (401, counted against the address), as the contract's "401 otherwise".
        const sent = await readJson(ctx, jsonObjectSchema)
        if (sent === null) return
        const addressKey = addressLockoutKey(clientLimitKey(ctx.req, config.trustProxyHops))
        const refused = (a: LoginAttempt): boolean => {
          if (a.allowed) return false
          deps.metrics?.countLimitHit('console_sign_in_locked')
          ctx.res.setHeader('Retry-After', String(Math.max(1, Math.ceil(a.retryAfterMs / 1000))))
          sendConsoleError(ctx.res, 429, 'locked_out', 'too many failed sign-ins; wait and retry')
          return true
        }
        const parsed = loginRequestSchema.safeParse(sent)
        // "Alice" and "alice" are one name, to the lockout too.
        const typedName = parsed.success ? normalizeOrganizerName(parsed.data.name) : null
        const name = organizerNameSchema.safeParse(typedName)
        const organizer = name.success ? await organizers.getOrganizer(name.data) : null
        // The organizer's known browser: its own limit instead of the name's and the address's,
        // so that someone who knows only the name cannot keep the organizer out.
        // (Issued to this account: an earlier one of the name signed another generation.)
        const device = organizer === null ? null : await devices.verify(ctx.req, organizer, ctx.now)
        const known =
          device !== null &&
          (
            await organizers.takeLoginAttempt(
              deviceLockoutKey(device.deviceId),
              ctx.now,
              DEVICE_LOCKOUT,
            )
          ).allowed
        const nameKey = nameLockoutKey(typedName ?? '')
        if (!known) {
          if (refused(await organizers.takeLoginAttempt(addressKey, ctx.now, ADDRESS_LOCKOUT))) {
            return
          }
          if (!parsed.success || typedName === null) {
            log.info('console sign-in failed: no name and password', {
              address: addressKey.slice(5),
            })
            sendConsoleError(ctx.res, 401, 'unauthorized', 'send a name and a password')
            return
          }
          if (refused(await organizers.takeLoginAttempt(nameKey, ctx.now, NAME_LOCKOUT))) {
            // No password was checked: the address's attempt is taken back, or an organizer
            // pressing sign-in while their own name is locked would lock out every other
            // organizer behind the same office NAT (a guess sprayed over many names still
            // counts: each name's free attempts check a password).
            await organizers.settleLoginAttempt(addressKey, false, ctx.now)
            return
          }
        }
        const password = parsed.success ? parsed.data.password : ''
        // A known browser waits in its own queue, served first; others hold a few places at most
        // per address (an IPv6 /64), so a flood from many addresses leaves the organizer room.
        const ok = await kdf.run(() => verifyPassword(password, organizer?.passwordHash ?? null), {
          client: addressKey,
          priority: known,
        })
        if (ok === null) {
          // Turned away before any check: the attempt counted above is taken back (not the
          // counter cleared), or load alone (a flood from many addresses keeping the gate full)
          // would lock out the name, and the venue's address, without a password being tried.
          if (known) {
            await organizers.settleLoginAttempt(deviceLockoutKey(device.deviceId), false, ctx.now)
          } else {
            await organizers.settleLoginAttempt(addressKey, false, ctx.now)
            await organizers.settleLoginAttempt(nameKey, false, ctx.now)
          }
          ctx.res.setHeader('Retry-After', '1')
          sendConsoleError(ctx.res, 429, 'rate_limited', 'too many sign-ins at once; retry')
          return
        }
        if (!ok || organizer === null) {
          log.info('console sign-in failed', {
            address: addressKey.slice(5),
            ...(known && { knownDevice: true }),
          })
          sendConsoleError(ctx.res, 401, 'unauthorized', 'wrong name or password')
          return
        }
        await organizers.settleLoginAttempt(nameKey, true, ctx.now)
        if (known)
          await organizers.settleLoginAttempt(deviceLockoutKey(device.deviceId), true, ctx.now)
        else await organizers.settleLoginAttempt(addressKey, false, ctx.now)
        // The session this browser held ends: its id is replaced here, and left live it would
        // keep its organizer's event streams open on a shared laptop after another signed in.
        await endSessionsOf(ctx.req)
        const { id, session } = await startSession(organizers, organizer, ctx.now)
        log.info('organizer signed in', { name: organizer.name })
        const secure = cameOverHttps(ctx.req, config.trustProxyHops)
        // A fresh device cookie at every sign-in: this browser is known for 90 days from now.
        ctx.res.setHeader('Set-Cookie', [
          sessionCookie(id, secure),
          deviceCookie(await devices.issue(organizer, ctx.now), secure),
        ])
        const info: SessionInfo = {
          name: session.name,
          expiresAt: session.expiresAt,
          timeZone: relayBrowserZone(ctx.now),
        }
        sendJson(ctx.res, 200, info)
      },
    },
    {
      method: 'POST',
      path: '/logout',
      // Signing out needs no live session: a second sign-out, or one after the organizer was
      // removed, still clears the cookie (204). Still same-origin only, as every POST.
      public: true,
      async handler(ctx) {
        // No fields, as every route that takes none: a body asking for something (`{"all":
        // true}`) is told it is not understood rather than taken as a plain sign-out.
        if (!(await readNoFields(ctx))) return
        // Every session the request names ends; with more than one, every copy the relay can
        // name is cleared.
        const named = await endSessionsOf(ctx.req)
        const secure = cameOverHttps(ctx.req, config.trustProxyHops)
        ctx.res.setHeader(
          'Set-Cookie',
          named > 1
            ? clearedSessionCookies(ctx.req, ctx.url.pathname, secure)
            : clearedSessionCookie(secure),
        )
        ctx.res.writeHead(204, { 'Cache-Control': 'no-store' }).end()
      },
    },
    {
      method: 'GET',
      path: '/session',
      handler(ctx) {
        const s = ctx.session
        if (s === null) throw new Error('guarded route without a session')
        const info: SessionInfo = {
          name: s.name,
          expiresAt: s.expiresAt,
          timeZone: relayBrowserZone(ctx.now),
        }
        sendJson(ctx.res, 200, info)
        return Promise.resolve()
      },
    },
  ]
}

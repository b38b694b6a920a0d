/**
 * Sign-in, sign-out and "who am I" for the console: `POST /console/api/login`,
 * `POST /console/api/logout`, `GET /console/api/session`. Each login attempt is counted against
 * the client address and the name before the password is checked (relay/console/lockout.ts);
 * an unknown name costs the same scrypt as a known one.
 */
import {
  loginRequestSchema,
  normalizeOrganizerName,
  organizerNameSchema,
  type SessionInfo,
} from '../../shared/console-api'
import { sendJson } from '../http-util'
import type { LoginAttempt } from '../store/console-types'
import {
  jsonObjectSchema,
  readJson,
  sendConsoleError,
  type ConsoleDeps,
  type ConsoleRoute,
} from './console-router'
import { ADDRESS_LOCKOUT, NAME_LOCKOUT } from './lockout'
import { KdfGate, verifyPassword } from './passwords'
import { cameOverHttps, clientLimitKey } from './request-origin'
import {
  clearedSessionCookie,
  hashSessionId,
  sessionCookie,
  sessionIdOf,
  startSession,
} from './sessions'

export function authRoutes(deps: ConsoleDeps): ConsoleRoute[] {
  const { store, log, config } = deps
  const organizers = store.console
  const kdf = new KdfGate()

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
        const addressKey = `addr:${clientLimitKey(ctx.req, config.trustProxyHops)}`
        const refused = (a: LoginAttempt): boolean => {
          if (a.allowed) return false
          ctx.res.setHeader('Retry-After', String(Math.max(1, Math.ceil(a.retryAfterMs / 1000))))
          sendConsoleError(ctx.res, 429, 'locked_out', 'too many failed sign-ins; wait and retry')
          return true
        }
        if (refused(await organizers.takeLoginAttempt(addressKey, ctx.now, ADDRESS_LOCKOUT))) return
        const parsed = loginRequestSchema.safeParse(sent)
        if (!parsed.success) {
          log.info('console sign-in failed: no name and password', {
            address: addressKey.slice(5),
          })
          sendConsoleError(ctx.res, 401, 'unauthorized', 'send a name and a password')
          return
        }
        const body = parsed.data
        // "Alice" and "alice" are one name, to the lockout too.
        const typedName = normalizeOrganizerName(body.name)
        const nameKey = `name:${typedName}`
        if (refused(await organizers.takeLoginAttempt(nameKey, ctx.now, NAME_LOCKOUT))) return
        const name = organizerNameSchema.safeParse(typedName)
        const organizer = name.success ? await organizers.getOrganizer(name.data) : null
        const ok = await kdf.run(() =>
          verifyPassword(body.password, organizer?.passwordHash ?? null),
        )
        if (ok === null) {
          ctx.res.setHeader('Retry-After', '1')
          sendConsoleError(ctx.res, 429, 'rate_limited', 'too many sign-ins at once; retry')
          return
        }
        if (!ok || organizer === null) {
          log.info('console sign-in failed', { address: addressKey.slice(5) })
          sendConsoleError(ctx.res, 401, 'unauthorized', 'wrong name or password')
          return
        }
        await organizers.settleLoginAttempt(nameKey, true, ctx.now)
        await organizers.settleLoginAttempt(addressKey, false, ctx.now)
        const { id, session } = await startSession(organizers, organizer.name, ctx.now)
        log.info('organizer signed in', { name: organizer.name })
        ctx.res.setHeader(
          'Set-Cookie',
          sessionCookie(id, cameOverHttps(ctx.req, config.trustProxyHops)),
        )
        const info: SessionInfo = { name: session.name, expiresAt: session.expiresAt }
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
        const id = sessionIdOf(ctx.req)
        if (id !== null) {
          const idHash = hashSessionId(id)
          await organizers.deleteSession(idHash)
          deps.sessionEnded(idHash)
        }
        ctx.res.setHeader(
          'Set-Cookie',
          clearedSessionCookie(cameOverHttps(ctx.req, config.trustProxyHops)),
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
        const info: SessionInfo = { name: s.name, expiresAt: s.expiresAt }
        sendJson(ctx.res, 200, info)
        return Promise.resolve()
      },
    },
  ]
}

/**
 * Organizer sessions: a random 256-bit id in an HttpOnly, SameSite=Strict cookie scoped to
 * /console (Secure when the request came over https), only its SHA-256 in the store, so a
 * second instance on the same Redis accepts it and a restart keeps it. A session ends after
 * 30 minutes without a request (sliding), 12 hours after sign-in whatever the activity, at
 * logout, and when its organizer is removed (or removed and added again).
 *
 * A session belongs to one account: it keeps the organizer's generation (a random value made
 * when the organizer was added) and holds only while the organizer of its name has that same
 * one. Creation times are not compared: instances' clocks differ, and a remove and an add may
 * fall in one millisecond, either of which let a newer account of the name look older than a
 * session of the removed one.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { SESSION_IDLE_MS } from '../../shared/console-api'
import type { ConsoleStore, OrganizerRecord, SessionRecord } from '../store/console-types'

export { SESSION_IDLE_MS }
export const SESSION_MAX_MS = 12 * 3_600_000
/** Requests within this of the last recorded one do not write (one write a minute at most). */
const TOUCH_EVERY_MS = 60_000
export const SESSION_COOKIE = 'scandesk_session'
const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/

export function hashSessionId(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex')
}

/**
 * Creates and stores a session of `organizer` (the account as read at sign-in); returns the id
 * for the cookie (never stored) and the record.
 */
export async function startSession(
  store: ConsoleStore,
  organizer: Pick<OrganizerRecord, 'name' | 'generation'>,
  now: number,
): Promise<{ id: string; session: SessionRecord }> {
  const id = randomBytes(32).toString('base64url')
  const session: SessionRecord = {
    idHash: hashSessionId(id),
    name: organizer.name,
    generation: organizer.generation,
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + SESSION_MAX_MS,
  }
  await store.putSession(session)
  return { id, session }
}

export function sessionCookie(id: string, secure: boolean): string {
  const maxAge = Math.floor(SESSION_MAX_MS / 1000)
  return (
    `${SESSION_COOKIE}=${id}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=${maxAge}` +
    (secure ? '; Secure' : '')
  )
}

/** A Set-Cookie line that expires a session cookie set on `path` (and `domain`, if any). */
function expiredSessionCookie(path: string, domain: string | null, secure: boolean): string {
  return (
    `${SESSION_COOKIE}=; Path=${path}` +
    (domain === null ? '' : `; Domain=${domain}`) +
    '; HttpOnly; SameSite=Strict; Max-Age=0' +
    (secure ? '; Secure' : '')
  )
}

export function clearedSessionCookie(secure: boolean): string {
  return expiredSessionCookie('/console', null, secure)
}

/** Session cookies a request may carry that are looked at: a browser sends one. */
const MAX_SESSION_COOKIES = 4

/**
 * The distinct well-formed session ids in the request's Cookie header, in order (a few at
 * most). A malformed value names no session and is skipped; the same id twice counts once.
 *
 * The session is the one id when there is exactly one. Two different ones are refused, not
 * chosen between: the relay only ever sets one, host-only on Path=/console, so a second one was
 * planted (a sibling subdomain's Domain cookie, or one an http page set with a longer Path such
 * as /console/api, which the browser sends first). It may be the planter's own live session,
 * and taking either one could have the organizer act in the planter's account (a roster
 * uploaded into the planter's campaign). Which one the relay set cannot be told from the
 * header, so neither is taken and clearedSessionCookies lets the browser drop them. Planting
 * costs the organizer a sign-in, no more than a planted oversized cookie (a header over 8 KiB
 * reads as no session) does.
 */
export function sessionIdsOf(req: IncomingMessage): string[] {
  const header = req.headers.cookie
  const ids: string[] = []
  if (header === undefined || header.length > 8192) return ids
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq === -1 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue
    const value = part.slice(eq + 1).trim()
    if (!ID_PATTERN.test(value) || ids.includes(value)) continue
    ids.push(value)
    if (ids.length === MAX_SESSION_COOKIES) break
  }
  return ids
}

/** At most this many of a request path's leading segments get a clearing cookie each. */
const MAX_CLEARED_SEGMENTS = 6
/** At most this many of the host's names (itself, its parent, …) get a clearing Domain. */
const MAX_CLEARED_DOMAINS = 3
const DNS_NAME =
  /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/

/**
 * Set-Cookie lines that expire every session cookie the browser could have sent with this
 * request that the relay can name: each Path that path-matches the request's path (`/`,
 * `/console`, `/console/`, `/console/api`, …, up to a few segments), host-only and with each
 * Domain from the request's host up to its last two labels (a sibling subdomain's cookie is
 * set on a parent). A browser ignores a Domain it would not have accepted; a cookie set on a
 * public suffix, or on a path deeper than we name, stays, and the console tells the organizer
 * to clear the site's cookies.
 */
export function clearedSessionCookies(
  req: IncomingMessage,
  pathname: string,
  secure: boolean,
): string[] {
  const paths = ['/']
  let at = ''
  for (const segment of pathname.split('/').slice(1, 1 + MAX_CLEARED_SEGMENTS)) {
    // Only plain segments: a Path attribute is written as the request spelt it.
    if (!/^[A-Za-z0-9._~-]+$/.test(segment)) break
    at += `/${segment}`
    paths.push(at, `${at}/`)
  }
  const domains: Array<string | null> = [null]
  const host = (req.headers.host ?? '').toLowerCase().replace(/:\d{1,5}$/, '')
  if (DNS_NAME.test(host) && !/^[\d.]+$/.test(host)) {
    const labels = host.split('.')
    for (let i = 0; i + 2 <= labels.length && domains.length <= MAX_CLEARED_DOMAINS; i++) {
      domains.push(labels.slice(i).join('.'))
    }
  }
  return domains.flatMap((domain) =>
    paths.map((path) => expiredSessionCookie(path, domain, secure)),
  )
}

/** The live session of `id`, its idle expiry slid forward; null (and forgotten) when over. */
export async function resumeSession(
  store: ConsoleStore,
  id: string | null,
  now: number,
): Promise<SessionRecord | null> {
  if (id === null) return null
  const session = await store.getSession(hashSessionId(id))
  if (session === null) return null
  if (!(await holds(store, session, now))) {
    await store.deleteSession(session.idHash)
    return null
  }
  if (now - session.lastSeenAt >= TOUCH_EVERY_MS) {
    await store.touchSession(session.idHash, now)
    session.lastSeenAt = now
  }
  return session
}

/**
 * Whether the stored session `idHash` is still live, by resumeSession's rules but without sliding
 * it: for what a request left open (the console's event stream), which is no request itself.
 */
export async function sessionIsLive(
  store: Pick<ConsoleStore, 'getSession' | 'getOrganizer'>,
  idHash: string,
  now: number,
): Promise<boolean> {
  const session = await store.getSession(idHash)
  return session !== null && (await holds(store, session, now))
}

/**
 * Neither expiry has passed, and the organizer exists with the session's generation. A session
 * without one (Redis, signed in before generations; gone by SESSION_MAX_MS after the upgrade)
 * keeps the rule it was made under: the organizer is not newer than it.
 */
async function holds(
  store: Pick<ConsoleStore, 'getOrganizer'>,
  session: SessionRecord,
  now: number,
): Promise<boolean> {
  if (now >= session.expiresAt || now - session.lastSeenAt >= SESSION_IDLE_MS) return false
  const organizer = await store.getOrganizer(session.name)
  if (organizer === null) return false
  if (session.generation === null) return organizer.createdAt <= session.createdAt
  return organizer.generation === session.generation
}

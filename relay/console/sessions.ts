/**
 * Organizer sessions: a random 256-bit id in an HttpOnly, SameSite=Strict cookie scoped to
 * /console (Secure when the request came over https), only its SHA-256 in the store, so a
 * second instance on the same Redis accepts it and a restart keeps it. A session ends after
 * 30 minutes without a request (sliding), 12 hours after sign-in whatever the activity, at
 * logout, and when its organizer is removed (or removed and added again).
 */
import { createHash, randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { ConsoleStore, SessionRecord } from '../store/console-types'

export const SESSION_IDLE_MS = 30 * 60_000
export const SESSION_MAX_MS = 12 * 3_600_000
/** Requests within this of the last recorded one do not write (one write a minute at most). */
const TOUCH_EVERY_MS = 60_000
export const SESSION_COOKIE = 'scandesk_session'
const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/

export function hashSessionId(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex')
}

/** Creates and stores a session; returns the id for the cookie (never stored) and the record. */
export async function startSession(
  store: ConsoleStore,
  name: string,
  now: number,
): Promise<{ id: string; session: SessionRecord }> {
  const id = randomBytes(32).toString('base64url')
  const session: SessionRecord = {
    idHash: hashSessionId(id),
    name,
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

export function clearedSessionCookie(secure: boolean): string {
  return (
    `${SESSION_COOKIE}=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0` +
    (secure ? '; Secure' : '')
  )
}

/** The session id a request's Cookie header carries, if it is well formed. */
export function sessionIdOf(req: IncomingMessage): string | null {
  const header = req.headers.cookie
  if (header === undefined || header.length > 8192) return null
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq === -1 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue
    const value = part.slice(eq + 1).trim()
    if (ID_PATTERN.test(value)) return value
  }
  return null
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

/** Neither expiry has passed, and the organizer exists and is not newer than the session. */
async function holds(
  store: Pick<ConsoleStore, 'getOrganizer'>,
  session: SessionRecord,
  now: number,
): Promise<boolean> {
  if (now >= session.expiresAt || now - session.lastSeenAt >= SESSION_IDLE_MS) return false
  const organizer = await store.getOrganizer(session.name)
  return organizer !== null && organizer.createdAt <= session.createdAt
}

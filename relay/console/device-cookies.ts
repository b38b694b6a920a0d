/**
 * Device cookies (OWASP's defence against lockout abuse): a successful sign-in gives the browser
 * a long-lived cookie naming the organizer, signed with the relay's own key (HMAC-SHA256, kept in
 * the store: every instance and a restart sign alike). A sign-in that shows a valid one for the
 * name it tries is the organizer's known browser: it is not held to the name's or the address's
 * lockout but to its own small limit (relay/console/lockout.ts DEVICE_LOCKOUT), so someone who
 * only knows the name cannot keep the organizer out. Forged, altered, expired, another
 * organizer's, an earlier account's of the same name, or from another relay: no exemption.
 * HttpOnly, SameSite=Strict, Path=/console, Secure over https: the session cookie's attributes.
 *
 * The signature covers the organizer's generation (OrganizerRecord.generation), which the
 * cookie does not carry: removing the name and adding it again makes every earlier cookie's
 * signature wrong, whatever the clocks said at either step. Cookies signed before the
 * generation was signed (`scandesk-device-v1`) no longer verify; the next sign-in from that
 * browser issues a new one.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { ConsoleStore, OrganizerRecord } from '../store/console-types'

export const DEVICE_COOKIE = 'scandesk_device'
/** 90 days: a browser that signed in for one season's events is still known at the next. */
export const DEVICE_COOKIE_MAX_MS = 90 * 86_400_000
/** The store's name for the key that signs device cookies (ConsoleStore.relaySecret). */
export const DEVICE_COOKIE_SECRET_PURPOSE = 'console-device-cookie'
/** `<name>.<device id>.<issued at ms>.<HMAC>`: the name may hold dots, the rest cannot. */
const VALUE = /^([a-z0-9][a-z0-9._-]{0,31})\.([A-Za-z0-9_-]{22})\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/

/** The organizer a cookie is issued to or checked for: its name and generation. */
type Account = Pick<OrganizerRecord, 'name' | 'generation'>

export interface KnownDevice {
  name: string
  deviceId: string
  issuedAt: number
}

export class DeviceCookies {
  private key: Promise<Buffer> | null = null

  constructor(private readonly store: Pick<ConsoleStore, 'relaySecret'>) {}

  private secret(): Promise<Buffer> {
    if (this.key === null) {
      const key = this.store
        .relaySecret(DEVICE_COOKIE_SECRET_PURPOSE, randomBytes(32).toString('base64url'))
        .then((s) => Buffer.from(s, 'base64url'))
      // A store error is not remembered: the next sign-in asks again.
      key.catch(() => {
        if (this.key === key) this.key = null
      })
      this.key = key
    }
    return this.key
  }

  private async mac(account: Account, deviceId: string, issuedAt: number): Promise<Buffer> {
    return createHmac('sha256', await this.secret())
      .update(
        `scandesk-device-v2\n${account.name}\n${account.generation}\n${deviceId}\n${issuedAt}`,
        'utf8',
      )
      .digest()
  }

  /** A fresh device cookie's value for the organizer `account`, issued `now`. */
  async issue(account: Account, now: number): Promise<string> {
    const deviceId = randomBytes(16).toString('base64url')
    const mac = await this.mac(account, deviceId, now)
    return `${account.name}.${deviceId}.${now}.${mac.toString('base64url')}`
  }

  /**
   * The known device the request's cookies prove for the organizer `account` at `now`, or
   * null: a cookie issued to an earlier account of the name (another generation) is not known.
   * Every `scandesk_device` the request carries is tried (a few at most): one planted ahead of
   * the real one (a sibling host's Domain cookie, or one set over plain http with a longer
   * Path, which the browser sends first) must not hide it.
   */
  async verify(req: IncomingMessage, account: Account, now: number): Promise<KnownDevice | null> {
    for (const value of deviceCookiesOf(req)) {
      const known = await this.verifyOne(value, account, now)
      if (known !== null) return known
    }
    return null
  }

  private async verifyOne(
    value: string,
    account: Account,
    now: number,
  ): Promise<KnownDevice | null> {
    const m = VALUE.exec(value)
    if (m === null) return null
    const [, cookieName = '', deviceId = '', issued = '', sent = ''] = m
    const issuedAt = Number(issued)
    // Only the spelling issue() makes: no leading zeros on the time, and the signature compared
    // as its text (a lenient base64url decode drops the last character's two padding bits).
    if (cookieName !== account.name || String(issuedAt) !== issued) return null
    if (issuedAt > now || now - issuedAt >= DEVICE_COOKIE_MAX_MS) return null
    const expected = Buffer.from(
      (await this.mac(account, deviceId, issuedAt)).toString('base64url'),
    )
    const given = Buffer.from(sent)
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null
    return { name: cookieName, deviceId, issuedAt }
  }
}

export function deviceCookie(value: string, secure: boolean): string {
  const maxAge = Math.floor(DEVICE_COOKIE_MAX_MS / 1000)
  return (
    `${DEVICE_COOKIE}=${value}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=${maxAge}` +
    (secure ? '; Secure' : '')
  )
}

/** Device cookies a request may carry that are looked at: a browser sends one, or two. */
const MAX_DEVICE_COOKIES = 4

/** The device cookies' raw values in the request's Cookie header, in order (a few at most). */
export function deviceCookiesOf(req: IncomingMessage): string[] {
  const header = req.headers.cookie
  const values: string[] = []
  if (header === undefined || header.length > 8192) return values
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq === -1 || part.slice(0, eq).trim() !== DEVICE_COOKIE) continue
    values.push(part.slice(eq + 1).trim())
    if (values.length === MAX_DEVICE_COOKIES) break
  }
  return values
}

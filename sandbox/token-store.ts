// Access tokens with WeChat's lifetimes (docs/WECHAT.md "Access token"):
// - cgi-bin/token issues a new 7200 s token on every call; the previous one keeps working for
//   5 more minutes, then answers 40001 ("not latest").
// - stable_token is a separate token line: normal mode returns the current token until it is
//   within 5 minutes of expiry, then a new one (the old one runs out its own lifetime);
//   force_refresh makes the previous stable token invalid at once, at most 20 times a day.
import { randomBytes } from 'node:crypto'
import { DailyCounter } from './daily-counter'

export const TOKEN_LIFETIME_MS = 7_200_000
export const REPLACED_GRACE_MS = 300_000
export const STABLE_RENEW_BEFORE_MS = 300_000
export const FORCE_REFRESH_PER_DAY = 20
export const FORCE_REFRESH_MIN_GAP_MS = 30_000
/** Records this long past their end are forgotten (they then answer 40001, like any unknown). */
const FORGET_AFTER_MS = 86_400_000

interface TokenRecord {
  expiresAt: number
  /** When a newer token cut this one short (cgi-bin/token grace or stable force refresh). */
  cutAt: number | null
}

export type TokenCheck = 'valid' | 'expired' | 'invalid'
export interface IssuedToken {
  accessToken: string
  expiresIn: number
}

export class TokenStore {
  readonly #now: () => number
  readonly #records = new Map<string, TokenRecord>()
  #latestBasic: string | null = null
  #stable: string | null = null
  #lastForceAt: number | null = null
  readonly #forceCount: DailyCounter
  #issued = 0

  constructor(now: () => number) {
    this.#now = now
    this.#forceCount = new DailyCounter(now)
  }

  /** cgi-bin/token: always a new token; the previous one gets 5 more minutes at most. */
  issueBasic(): IssuedToken {
    const now = this.#now()
    const previous = this.#latestBasic === null ? undefined : this.#records.get(this.#latestBasic)
    if (previous) previous.cutAt = Math.min(previous.cutAt ?? Infinity, now + REPLACED_GRACE_MS)
    this.#latestBasic = this.#mint(now)
    return { accessToken: this.#latestBasic, expiresIn: TOKEN_LIFETIME_MS / 1000 }
  }

  /**
   * stable_token. Returns 'daily_limit' when a 21st forced refresh is asked for today.
   * A forced refresh less than 30 s after the previous one does not refresh: the official doc
   * says "连续使用该模式时，请保证调用时间隔至少为30s，否则不会刷新", i.e. it answers like normal
   * mode rather than with an error, so that is what the sandbox does.
   */
  stable(forceRefresh: boolean): IssuedToken | 'daily_limit' {
    const now = this.#now()
    const tooSoon = this.#lastForceAt !== null && now - this.#lastForceAt < FORCE_REFRESH_MIN_GAP_MS
    const current = this.#stable === null ? undefined : this.#records.get(this.#stable)
    let token = this.#stable
    if (forceRefresh && !tooSoon) {
      if (this.#forceCount.used() >= FORCE_REFRESH_PER_DAY) return 'daily_limit'
      this.#forceCount.increment()
      this.#lastForceAt = now
      if (current) current.cutAt = Math.min(current.cutAt ?? Infinity, now)
      token = this.#mint(now)
    } else if (token === null || !current || this.#endOf(current) - now <= STABLE_RENEW_BEFORE_MS) {
      token = this.#mint(now)
    }
    this.#stable = token
    const record = this.#records.get(token)
    const remaining = record ? this.#endOf(record) - now : TOKEN_LIFETIME_MS
    return { accessToken: token, expiresIn: Math.floor(remaining / 1000) }
  }

  /** 42001 when a token ran out its lifetime, 40001 when unknown or replaced. */
  check(token: string): TokenCheck {
    const record = this.#records.get(token)
    if (!record) return 'invalid'
    const now = this.#now()
    if (now < this.#endOf(record)) return 'valid'
    return record.cutAt !== null && record.cutAt < record.expiresAt ? 'invalid' : 'expired'
  }

  #endOf(record: TokenRecord): number {
    return Math.min(record.expiresAt, record.cutAt ?? Infinity)
  }

  #mint(now: number): string {
    // Real tokens are ~150 characters of [A-Za-z0-9_-] with a numeric prefix; callers must
    // reserve 512.
    const token = `${90 + (this.#issued % 10)}_${randomBytes(108).toString('base64url')}`
    this.#issued += 1
    this.#records.set(token, { expiresAt: now + TOKEN_LIFETIME_MS, cutAt: null })
    if (this.#issued % 64 === 0) this.#forget(now)
    return token
  }

  #forget(now: number): void {
    for (const [token, record] of this.#records) {
      if (this.#endOf(record) + FORGET_AFTER_MS < now) this.#records.delete(token)
    }
  }
}

// Where the access token lives. WeChat's tokens are per AppID, so processes sharing an AppID
// should share one store (Redis, a file) rather than each refreshing its own.

export interface CachedToken {
  token: string
  /** Epoch milliseconds. */
  expiresAt: number
}

export interface TokenStore {
  get(): Promise<CachedToken | null>
  set(t: CachedToken): Promise<void>
  /**
   * Compare-and-delete: drop the cached token only if it is still `token`. A request that failed
   * with an old token must not throw away the fresh one another caller already fetched.
   */
  clearIf(token: string): Promise<void>
}

export class MemoryTokenStore implements TokenStore {
  #current: CachedToken | null = null

  get(): Promise<CachedToken | null> {
    return Promise.resolve(this.#current === null ? null : { ...this.#current })
  }

  set(t: CachedToken): Promise<void> {
    this.#current = { ...t }
    return Promise.resolve()
  }

  clearIf(token: string): Promise<void> {
    if (this.#current?.token === token) this.#current = null
    return Promise.resolve()
  }
}

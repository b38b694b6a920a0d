// WeChat API client: access token (stable_token by default) and QR ticket creation, with the
// token rules of docs/WECHAT.md "Access token": cache with a margin, one refresh at a time,
// retry once on a bad token.
import { z } from 'zod'
import { WechatApiError, WechatHttpError } from './errors'
import { parseResponse, requestJson, type AddressFetch } from './http'
import {
  qrCodeLifetime,
  qrCreateResponseSchema,
  validateQrCreateBody,
  type QrCreateBody,
} from './qrcode'
import { MemoryTokenStore, type TokenStore } from './token-store'

export interface WechatClientOptions {
  appId: string
  appSecret: string
  /** Default https://api.weixin.qq.com; the sandbox stands in here. */
  apiBase?: string
  /** `stable` (default) lets several kiosks share an AppID without invalidating each other. */
  tokenEndpoint?: 'stable' | 'classic'
  tokenStore?: TokenStore
  timeoutMs?: number
  /**
   * Refresh this long before expiry. Default 120: below the 300 s that stable_token guarantees,
   * so a token just fetched is never already due.
   */
  refreshMarginSeconds?: number
  /** Retries after errcode -1 (system busy). Default 3. */
  busyRetries?: number
  /** First backoff delay after -1; doubles each retry. Default 500 ms. */
  busyBackoffMs?: number
  fetch?: AddressFetch
  now?: () => number
  sleep?: (ms: number) => Promise<void>
}

export interface CreatedQrCode {
  ticket: string
  /** Seconds; 0 for permanent codes. */
  expireSeconds: number
  /** The QR code's content. */
  url: string
}

const optionsSchema = z.object({
  appId: z.string().min(1).max(64),
  appSecret: z.string().min(1).max(256),
  apiBase: z.url({ protocol: /^https?$/ }).optional(),
  tokenEndpoint: z.enum(['stable', 'classic']).optional(),
  timeoutMs: z.number().int().positive().optional(),
  refreshMarginSeconds: z.number().nonnegative().optional(),
  busyRetries: z.number().int().min(0).max(10).optional(),
  busyBackoffMs: z.number().nonnegative().optional(),
})

// WeChat reserves 512 characters for a token.
const tokenResponseSchema = z.object({
  access_token: z.string().min(1).max(512),
  expires_in: z.number().int().positive(),
})
type TokenResponse = z.output<typeof tokenResponseSchema>

/** stable_token's forced refreshes must be at least this far apart, or they do not refresh. */
const FORCE_REFRESH_GAP_MS = 30_000

function isTokenLimit(err: unknown): boolean {
  return err instanceof WechatApiError && err.kind === 'token_limit'
}

export class WechatClient {
  readonly #appId: string
  readonly #appSecret: string
  readonly #apiBase: string
  readonly #endpoint: 'stable' | 'classic'
  readonly #store: TokenStore
  readonly #timeoutMs: number
  readonly #marginMs: number
  readonly #busyRetries: number
  readonly #busyBackoffMs: number
  readonly #fetch: AddressFetch
  readonly #now: () => number
  readonly #sleep: (ms: number) => Promise<void>
  /** The refresh in progress, shared by every caller that needs a token meanwhile. */
  #refreshing: Promise<string> | null = null
  /** The rejected token the refresh in progress was started for (null: none). */
  #refreshingFor: string | null = null
  /** When this client last asked stable_token for a forced refresh. */
  #lastForcedAt: number | null = null

  constructor(opts: WechatClientOptions) {
    const o = optionsSchema.safeParse(opts)
    if (!o.success) {
      const field = String(o.error.issues[0]?.path[0] ?? 'options')
      throw new TypeError(`WechatClient: option ${field} is not valid`) // never echo the value
    }
    this.#appId = o.data.appId
    this.#appSecret = o.data.appSecret
    this.#apiBase = (o.data.apiBase ?? 'https://api.weixin.qq.com').replace(/\/+$/, '')
    this.#endpoint = o.data.tokenEndpoint ?? 'stable'
    this.#store = opts.tokenStore ?? new MemoryTokenStore()
    this.#timeoutMs = o.data.timeoutMs ?? 10_000
    this.#marginMs = (o.data.refreshMarginSeconds ?? 120) * 1000
    this.#busyRetries = o.data.busyRetries ?? 3
    this.#busyBackoffMs = o.data.busyBackoffMs ?? 500
    this.#fetch = opts.fetch ?? fetch
    this.#now = opts.now ?? Date.now
    this.#sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)))
  }

  async getAccessToken(): Promise<string> {
    const cached = await this.#fresh()
    if (cached !== null) return cached
    return this.#refresh(null)
  }

  async createQrCode(body: QrCreateBody): Promise<CreatedQrCode> {
    const valid = validateQrCreateBody(body)
    const json = await this.#withToken((token) =>
      this.#call({
        method: 'POST',
        url: `${this.#apiBase}/cgi-bin/qrcode/create?access_token=${encodeURIComponent(token)}`,
        label: 'cgi-bin/qrcode/create',
        body: valid,
        token,
      }),
    )
    const res = parseResponse(qrCreateResponseSchema, json, 'cgi-bin/qrcode/create')
    const requested = 'expire_seconds' in valid ? valid.expire_seconds : 0
    const expireSeconds = qrCodeLifetime(res.expire_seconds, requested)
    if (expireSeconds === null) {
      throw new WechatHttpError(
        'bad_response',
        'cgi-bin/qrcode/create answered with a lifetime of no time',
        { endpoint: 'cgi-bin/qrcode/create' },
      )
    }
    return { ticket: res.ticket, expireSeconds, url: res.url }
  }

  /**
   * Any JSON API call of the account (`path` like `cgi-bin/tags/get`), with the token rules
   * above; the answer's errcode is checked (WechatApiError), its shape is the caller's to check.
   */
  async callApi(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    return this.#withToken((token) =>
      this.#call({
        method,
        url: `${this.#apiBase}/${path}?access_token=${encodeURIComponent(token)}`,
        label: path,
        body,
        token,
      }),
    )
  }

  /** The cached token if it is not within the refresh margin of expiry. */
  async #fresh(): Promise<string | null> {
    const cached = await this.#store.get()
    if (cached === null) return null
    return cached.expiresAt - this.#marginMs > this.#now() ? cached.token : null
  }

  /**
   * Single flight: concurrent callers share one token request. A caller whose token WeChat
   * rejected (`failed`) that joins a refresh started without knowing of it (a caller that only
   * found the cache empty) may be handed that same token back, as stable_token does until it is
   * forced: it then asks once more, for `failed`, rather than retry its call with it.
   */
  async #refresh(failed: string | null, mayRejoin = true): Promise<string> {
    const joined = this.#refreshing !== null && this.#refreshingFor !== failed
    if (this.#refreshing === null) {
      this.#refreshingFor = failed
      this.#refreshing = this.#fetchToken(failed).finally(() => {
        this.#refreshing = null
        this.#refreshingFor = null
      })
    }
    const token = await this.#refreshing
    if (joined && mayRejoin && failed !== null && token === failed) {
      return this.#refresh(failed, false)
    }
    return token
  }

  async #fetchToken(failed: string | null): Promise<string> {
    // Another process sharing the store may have refreshed already.
    const shared = await this.#fresh()
    if (shared !== null && shared !== failed) return shared
    let got: TokenResponse
    try {
      got = await this.#requestToken(false)
    } catch (err) {
      // The token endpoint's own limit: a cached token that has not expired still works.
      const cached = isTokenLimit(err) ? await this.#store.get() : null
      if (cached === null || cached.token === failed || cached.expiresAt <= this.#now()) throw err
      return cached.token
    }
    // stable_token hands back the same token until near its expiry; if WeChat has just rejected
    // that very token, only a forced refresh (20 a day) gets a new one. Within 30 s of the last
    // one a forced refresh "does not refresh" (WeChat's doc): asking again would only spend one.
    if (got.access_token === failed && this.#endpoint === 'stable' && !this.#forcedRecently()) {
      this.#lastForcedAt = this.#now()
      try {
        got = await this.#requestToken(true)
      } catch (err) {
        // The forced refreshes are spent: keep the token stable_token calls current.
        if (!isTokenLimit(err)) throw err
      }
    }
    await this.#store.set({
      token: got.access_token,
      expiresAt: this.#now() + got.expires_in * 1000,
    })
    return got.access_token
  }

  #forcedRecently(): boolean {
    return this.#lastForcedAt !== null && this.#now() - this.#lastForcedAt < FORCE_REFRESH_GAP_MS
  }

  async #requestToken(forceRefresh: boolean): Promise<TokenResponse> {
    const label = this.#endpoint === 'stable' ? 'cgi-bin/stable_token' : 'cgi-bin/token'
    const json =
      this.#endpoint === 'stable'
        ? await this.#call({
            method: 'POST',
            url: `${this.#apiBase}/cgi-bin/stable_token`,
            label,
            body: {
              grant_type: 'client_credential',
              appid: this.#appId,
              secret: this.#appSecret,
              force_refresh: forceRefresh,
            },
          })
        : await this.#call({
            method: 'GET',
            url:
              `${this.#apiBase}/cgi-bin/token?grant_type=client_credential` +
              `&appid=${encodeURIComponent(this.#appId)}&secret=${encodeURIComponent(this.#appSecret)}`,
            label,
          })
    return parseResponse(tokenResponseSchema, json, label)
  }

  /**
   * Runs `call` with a token; on a token error drops that token (if still cached) and retries
   * once, with at most one token refresh (one normal and, for stable_token, one forced call).
   */
  async #withToken(call: (token: string) => Promise<unknown>): Promise<unknown> {
    const token = await this.getAccessToken()
    try {
      return await call(token)
    } catch (err) {
      if (!(err instanceof WechatApiError) || err.kind !== 'token') throw err
      await this.#store.clearIf(token)
      const shared = await this.#fresh()
      // A refresh that hands back the same token (a forced refresh within 30 s of the last, or
      // one over its daily limit) is retried as it is: refreshing again would get it again.
      return call(shared !== null && shared !== token ? shared : await this.#refresh(token))
    }
  }

  /**
   * One API request, retried with exponential backoff while WeChat answers -1 (busy). WeChat's
   * errmsg is masked of the AppSecret and of `token`, the access token the call carries.
   */
  async #call(req: {
    method: 'GET' | 'POST'
    url: string
    label: string
    body?: unknown
    token?: string
  }) {
    const { token, ...rest } = req
    const secrets = token === undefined ? [this.#appSecret] : [this.#appSecret, token]
    for (let attempt = 0; ; attempt++) {
      try {
        return await requestJson({
          ...rest,
          secrets,
          timeoutMs: this.#timeoutMs,
          fetch: this.#fetch,
        })
      } catch (err) {
        const busy = err instanceof WechatApiError && err.kind === 'busy'
        if (!busy || attempt >= this.#busyRetries) throw err
        await this.#sleep(this.#busyBackoffMs * 2 ** attempt)
      }
    }
  }
}

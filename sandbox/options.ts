// The sandbox's configuration: what a developer passes, and the demo defaults that fill the rest.
// Secrets left out are generated per start so no fixed credential ever ships in the repo.
import { randomBytes, randomInt } from 'node:crypto'
import { z } from 'zod'
import { WechatCipher } from '../shared/wechat/crypto'
import { WechatCryptoError } from '../shared/wechat/errors'

export type PushMode = 'plain' | 'compat' | 'safe'

export interface SandboxOptions {
  /** 0 picks a free port; the CLI defaults to 8788. */
  port?: number
  host?: string
  appId?: string
  appSecret?: string
  /** The push Token configured on the account (server settings), used to sign pushes. */
  token?: string
  encodingAESKey?: string
  mode?: PushMode
  /** Where scans are pushed (the developer's server URL). Without it nothing is pushed. */
  pushUrl?: string
  /** When set, token endpoints answer 40164 to callers whose socket address is not listed. */
  ipAllowList?: string[]
  /** qrcode/create calls allowed per day (WeChat: 100,000) before 45009. */
  dailyQrQuota?: number
  /** Permanent codes allowed per account (WeChat: 100,000); an option so tests can reach it. */
  permanentQrCap?: number
  /** stable_token calls allowed per minute (WeChat: 10,000) before 45009. */
  stableTokenPerMinute?: number
  /** stable_token calls allowed per day (WeChat: 500,000) before 45009. */
  stableTokenPerDay?: number
  /** The account's original id, sent as ToUserName in every push. */
  originalId?: string
  /** Milliseconds since the epoch; injected so tests can move time. */
  now?: () => number
  /** How long one push attempt may take (WeChat: 5 s). */
  pushTimeoutMs?: number
  /**
   * From the start of one push try to the start of the next, whatever ended the first (refused,
   * error status, timeout). WeChat tries again when it gives up on a try, so this defaults to
   * `pushTimeoutMs` (5 s); tests shorten one or both.
   */
  pushRetryIntervalMs?: number
  /** Base URL to report instead of http://host:port (e.g. behind a proxy). */
  publicBase?: string
}

export interface ResolvedSandboxOptions {
  port: number
  host: string
  appId: string
  appSecret: string
  token: string
  encodingAESKey: string
  mode: PushMode
  pushUrl: string | null
  ipAllowList: string[] | null
  dailyQrQuota: number
  permanentQrCap: number
  stableTokenPerMinute: number
  stableTokenPerDay: number
  originalId: string
  now: () => number
  pushTimeoutMs: number
  pushRetryIntervalMs: number
  publicBase: string | null
}

/**
 * Shaped as WeChat makes them ("wx" and 16 letters or digits), so the kiosk's setup, which
 * checks that shape, takes it for direct codes at the sandbox.
 */
export const DEFAULT_APP_ID = 'wxd3m0sandbox00001'
export const DEFAULT_ORIGINAL_ID = 'gh_5a4db0c0de01'
export const WECHAT_PUSH_TIMEOUT_MS = 5000
/** WeChat's documented daily limit for qrcode/create. */
export const WECHAT_DAILY_QR_QUOTA = 100_000
export const WECHAT_PERMANENT_QR_CAP = 100_000
/** stable_token's documented call limits (docs/WECHAT.md "Access token"). */
export const WECHAT_STABLE_TOKEN_PER_MINUTE = 10_000
export const WECHAT_STABLE_TOKEN_PER_DAY = 500_000

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

export function randomAlnum(length: number): string {
  let out = ''
  for (let i = 0; i < length; i++) out += ALNUM[randomInt(ALNUM.length)]
  return out
}

const httpUrl = z
  .string()
  .max(2048)
  .refine((s) => {
    try {
      const u = new URL(s)
      return u.protocol === 'http:' || u.protocol === 'https:'
    } catch {
      return false
    }
  }, 'must be an http(s) URL')

export const pushUrlSchema = httpUrl

const AES_KEY_RULE = 'must be 43 characters (letters and digits, as WeChat makes them)'

/** An option WeChat would not accept: which one (its SandboxOptions name) and what it must be. */
export class SandboxOptionsError extends Error {
  override name = 'SandboxOptionsError'
  constructor(
    readonly option: string,
    readonly reason: string,
  ) {
    super(`sandbox options: ${option}: ${reason}`)
  }
}

const optionsSchema = z.object({
  port: z.number().int().min(0).max(65535),
  host: z
    .string()
    .min(1, 'must be a host name or address')
    .max(255, 'must be a host name or address'),
  // WeChat AppIDs are "wx" + 16 hex; the demo id is only "like" one, so accept any sane id.
  appId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, _ or -'),
  appSecret: z.string().min(1, 'must be 1–128 characters').max(128, 'must be 1–128 characters'),
  // The server-settings Token: WeChat allows 3–32 letters and digits.
  token: z.string().regex(/^[A-Za-z0-9]{3,32}$/, 'must be 3–32 letters or digits'),
  encodingAESKey: z.string().length(43, AES_KEY_RULE),
  mode: z.enum(['plain', 'compat', 'safe']),
  pushUrl: httpUrl.nullable(),
  ipAllowList: z.array(z.string().min(1).max(64)).nullable(),
  dailyQrQuota: z.number().int().min(0),
  permanentQrCap: z.number().int().min(0),
  stableTokenPerMinute: z.number().int().min(0),
  stableTokenPerDay: z.number().int().min(0),
  originalId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  pushTimeoutMs: z.number().int().min(1).max(120_000),
  pushRetryIntervalMs: z.number().int().min(0).max(120_000),
  publicBase: httpUrl.nullable(),
})

/** Fills defaults, generates missing secrets and rejects anything WeChat would not accept. */
export function resolveOptions(opts: SandboxOptions = {}): ResolvedSandboxOptions {
  const candidate = {
    port: opts.port ?? 0,
    host: opts.host ?? '127.0.0.1',
    appId: opts.appId ?? DEFAULT_APP_ID,
    appSecret: opts.appSecret ?? randomBytes(16).toString('hex'),
    token: opts.token ?? randomAlnum(32),
    // WeChat's console generates 43 letters and digits.
    encodingAESKey: opts.encodingAESKey ?? randomAlnum(43),
    mode: opts.mode ?? 'plain',
    pushUrl: opts.pushUrl ?? null,
    ipAllowList: opts.ipAllowList && opts.ipAllowList.length > 0 ? opts.ipAllowList : null,
    dailyQrQuota: opts.dailyQrQuota ?? WECHAT_DAILY_QR_QUOTA,
    permanentQrCap: opts.permanentQrCap ?? WECHAT_PERMANENT_QR_CAP,
    stableTokenPerMinute: opts.stableTokenPerMinute ?? WECHAT_STABLE_TOKEN_PER_MINUTE,
    stableTokenPerDay: opts.stableTokenPerDay ?? WECHAT_STABLE_TOKEN_PER_DAY,
    originalId: opts.originalId ?? DEFAULT_ORIGINAL_ID,
    pushTimeoutMs: opts.pushTimeoutMs ?? WECHAT_PUSH_TIMEOUT_MS,
    pushRetryIntervalMs: opts.pushRetryIntervalMs ?? opts.pushTimeoutMs ?? WECHAT_PUSH_TIMEOUT_MS,
    publicBase: opts.publicBase?.replace(/\/+$/, '') ?? null,
  }
  const parsed = optionsSchema.safeParse(candidate)
  if (!parsed.success) {
    const first = parsed.error.issues[0]
    throw new SandboxOptionsError(first?.path.join('.') ?? '', first?.message ?? 'is not valid')
  }
  // Fails early on a key WeChat's console would refuse (wrong alphabet or length).
  try {
    new WechatCipher({ encodingAESKey: parsed.data.encodingAESKey, appId: parsed.data.appId })
  } catch (err) {
    if (!(err instanceof WechatCryptoError)) throw err
    throw new SandboxOptionsError('encodingAESKey', AES_KEY_RULE)
  }
  return { ...parsed.data, now: opts.now ?? Date.now }
}

/**
 * The WeChat access token shared by every relay instance of one AppID, so instances do not
 * each fetch (and, with cgi-bin/token, invalidate) their own. Expires with the token.
 */
import type { RedisClient } from './connect'
import { z } from 'zod'
import type { CachedToken, TokenStore } from '../../../shared/wechat'

const cachedTokenSchema = z.object({ token: z.string().min(1), expiresAt: z.number() })

/** Compare-and-delete on the token inside the JSON value (the client's `clearIf`). */
const CLEAR_IF = `
local v = redis.call('GET', KEYS[1])
if v and cjson.decode(v).token == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`

export class RedisTokenStore implements TokenStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
    private readonly now: () => number = Date.now,
  ) {}

  async get(): Promise<CachedToken | null> {
    const raw = await this.redis.get(this.key)
    if (raw === null) return null
    try {
      const parsed = cachedTokenSchema.safeParse(JSON.parse(raw))
      return parsed.success ? parsed.data : null
    } catch {
      return null
    }
  }

  async set(t: CachedToken): Promise<void> {
    const ttl = Math.max(1, t.expiresAt - this.now())
    await this.redis.set(this.key, JSON.stringify(t), 'PX', ttl)
  }

  async clearIf(token: string): Promise<void> {
    await this.redis.eval(CLEAR_IF, 1, this.key, token)
  }
}

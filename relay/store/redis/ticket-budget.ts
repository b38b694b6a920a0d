/**
 * The ticket-budget half of the Redis store: per kiosk and quota day, one counter in the
 * kiosk's slot (`…:ticket-budget:<day>`) that every instance takes from in one script, so two
 * instances never both take the last ticket. It lapses two days after it was last touched,
 * long after its quota day ended.
 */
import { z } from 'zod'
import type { RedisClient } from './connect'
import type { RedisKeys } from './keys'
import { runScript } from './run-script'

/** Longer than a quota day from any moment in it: the counter outlives its day, then goes. */
const KEEP_MS = 2 * 24 * 3_600_000

/**
 * KEYS: 1 the counter. ARGV: 1 wanted, 2 budget, 3 keep (ms). Takes what is left, up to the
 * wanted number; returns how many it took.
 */
const TAKE = `
local spent = tonumber(redis.call('GET', KEYS[1]) or '0')
local take = math.min(tonumber(ARGV[1]), tonumber(ARGV[2]) - spent)
if take <= 0 then return 0 end
redis.call('INCRBY', KEYS[1], take)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return take
`

/** KEYS: 1 the counter. ARGV: 1 count. Gives back what was taken and not spent, never below 0. */
const GIVE_BACK = `
local spent = tonumber(redis.call('GET', KEYS[1]) or '0')
if spent <= 0 then return 0 end
redis.call('DECRBY', KEYS[1], math.min(spent, tonumber(ARGV[1])))
return 0
`

export class RedisTicketBudget {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  async take(kioskId: string, day: string, want: number, budget: number): Promise<number> {
    const key = this.keys.ticketBudget(kioskId, day)
    const taken = await runScript(this.redis, TAKE, [key], [want, budget, KEEP_MS])
    return z.number().int().nonnegative().parse(taken)
  }

  async giveBack(kioskId: string, day: string, count: number): Promise<void> {
    await runScript(this.redis, GIVE_BACK, [this.keys.ticketBudget(kioskId, day)], [count])
  }
}

/**
 * Lua scripts that make each multi-key step atomic across relay instances: Redis runs a
 * script as one unit, so two instances receiving the same push (or two pushes for one kiosk)
 * can never interleave between the de-dup check, the seq bump and the XADD.
 */

/**
 * KEYS: 1 de-dup key, 2 kiosk hash, 3 kiosk stream.
 * ARGV: 1 de-dup TTL seconds, 2 kioskId, 3 change channel, 4 to 6 the change message in the
 * pieces around its seq (it carries the event, so live sessions need not read it back),
 * 7.. stream field/value pairs.
 * Returns {1, seq} when stored, {0, "kioskId seq"} for a retry, {-1, ""} for an unknown kiosk.
 */
export const APPEND_EVENT = `
local prev = redis.call('GET', KEYS[1])
if prev then return {0, prev} end
if redis.call('EXISTS', KEYS[2]) == 0 then return {-1, ''} end
local seq = redis.call('HINCRBY', KEYS[2], 'headSeq', 1)
local fields = {}
for i = 7, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('XADD', KEYS[3], seq .. '-0', unpack(fields))
redis.call('SET', KEYS[1], ARGV[2] .. ' ' .. seq, 'EX', ARGV[1])
redis.call('PUBLISH', ARGV[3], ARGV[4] .. seq .. ARGV[5] .. seq .. ARGV[6])
return {1, tostring(seq)}
`

/**
 * KEYS: 1 de-dup key, 2 unrouted stream. ARGV: 1 TTL seconds, 2.. field/value pairs.
 * Returns 1 when stored, 0 for a retry.
 */
export const APPEND_UNROUTED = `
if redis.call('SET', KEYS[1], 'unrouted', 'NX', 'EX', ARGV[1]) == false then return 0 end
local fields = {}
for i = 2, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('XADD', KEYS[2], '*', unpack(fields))
return 1
`

/**
 * KEYS: 1 signed-query key. ARGV: 1 body hash, 2 TTL ms.
 * Returns 1 when the query is new (now remembered) or was seen with this body, 0 otherwise.
 * A script, not `SET NX GET`: that combination needs Redis 7.
 */
export const CLAIM_SIGNED_QUERY = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end
return 0
`

/**
 * Cumulative ack: moves ackedSeq forward only, never past headSeq, and records when, so
 * retention can keep acknowledged events for a fixed time after their ack.
 * KEYS: 1 kiosk hash, 2 ack-history sorted set. ARGV: 1 seq, 2 now (ms).
 */
export const ACK = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local head = tonumber(redis.call('HGET', KEYS[1], 'headSeq') or '0')
local acked = tonumber(redis.call('HGET', KEYS[1], 'ackedSeq') or '0')
local seq = math.min(tonumber(ARGV[1]), head)
if seq <= acked then return 0 end
redis.call('HSET', KEYS[1], 'ackedSeq', seq)
redis.call('ZADD', KEYS[2], ARGV[2], seq)
return 1
`

/**
 * A visitor's check-in number in one campaign (every key in the campaign's slot).
 * KEYS: 1 campaign hash, 2 visitors hash (openid → number), 3 firsts hash (openid → event id).
 * ARGV: 1 openid, 2 event id. Returns {number, 1 when this event took it else 0}, or {0, 0}
 * when the campaign is gone. Idempotent per openid: a retry (same event id) answers the same.
 */
export const ASSIGN_NUMBER = `
local n = redis.call('HGET', KEYS[2], ARGV[1])
if n then
  if redis.call('HGET', KEYS[3], ARGV[1]) == ARGV[2] then return {tonumber(n), 1} end
  return {tonumber(n), 0}
end
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0} end
local next = redis.call('HINCRBY', KEYS[1], 'lastNumber', 1)
redis.call('HSET', KEYS[2], ARGV[1], next)
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
return {next, 1}
`

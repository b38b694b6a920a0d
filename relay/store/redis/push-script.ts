/**
 * The whole Redis write of a push on a single Redis, as one script (one round trip): the replay
 * claim of its signed query, the de-dup by event id, the kiosk check, the campaign number, the
 * queue append, the attendance row and counters, the visitors and the cross-kiosk slot count,
 * and the change message. A single Redis runs a script's keys together whatever their Cluster
 * slots; a Cluster cannot, so there the store runs the same steps as one script per slot, in
 * turn (store.ts). Every write comes after the checks that can refuse the push, except the
 * claim, which is kept whatever follows (as when it was its own step).
 */
import { FALLBACK_NONCE } from '../../../shared/relay-protocol'
import { SCENE_CLAIM_TTL_SECONDS } from '../types'
import { ATTEND, SCENE_CHECK, VISITOR } from './scripts'

/**
 * KEYS: 1 the signed query's claim key (unused without a claim), 2 de-dup key, 3 kiosk hash,
 * 4 kiosk stream, 5 the scene's claim (scripts.ts SCENE_CHECK; with one visitor per code only,
 * else the kiosk's fallback code key, unused), 6 to 11 its attendance keys (scripts.ts ATTEND),
 * 12 people hash, 13 totals hash, and with a campaign 14 its hash, 15 its visitors (openid →
 * number), 16 its firsts (openid → event id of the push that took the number), 17 its
 * returning visitors (openid → event id of the second scan; scripts.ts ASSIGN_NUMBER).
 * ARGV: 1 body hash ('' for no claim), 2 claim TTL ms, 3 de-dup TTL s, 4 kioskId, 5 change
 * channel, 6 to 8 the change message around its seq (twice) and its number (8 without the
 * closing braces), 9 slot field, 10 openid, 11 scene, 12 event kind, 13 event id,
 * 14 the campaign's id ('' without one), 15.. the event's stream field/value pairs (without
 * number). The queue's entry and the attendance row also keep the campaign's id when the push
 * took or found a number (the kiosk is sent it in a `scan-campaign` frame).
 * The de-dup key keeps "kioskId seq campaignId" (campaignId '' when the push took no number).
 * Returns {1, seq} stored, {0, "kioskId seq campaignId"} a retry, {-1, ''} no such kiosk, {-2, ''} the
 * claim refused (the signed query came before with another body), {-3, ''} a photo of another
 * openid's code (PUSH_EVENT_CLAIMING_SCENES only; nothing written but the signed query's claim).
 */
export const PUSH_EVENT = pushScript(true)
/** PUSH_EVENT with one visitor per code (config `oneVisitorPerCode`): SCENE_CHECK's claim. */
export const PUSH_EVENT_CLAIMING_SCENES = pushScript(true, true)
/** PUSH_EVENT without the attendance (the benchmark's "without" side only). */
export const PUSH_EVENT_WITHOUT_ATTENDANCE = pushScript(false)

/**
 * `sceneClaims`: check and record the scene's claim (KEYS[5]); without, KEYS[5] is not touched
 * and the script is the one from before the rule, command for command.
 */
function pushScript(attendance: boolean, sceneClaims = false): string {
  const check = sceneClaims
    ? `${SCENE_CHECK}
local createTime = argField(15, 'createTime')
local claims, taken = sceneCheck(5, 3, ARGV[4], ARGV[11], ARGV[10], createTime)
if taken then return {-3, ''} end
`
    : ''
  const claim = sceneClaims
    ? `if claims then
  redis.call('SET', KEYS[5], claimOf(seq, createTime, ARGV[10], argField(15, 'receivedAt')), 'NX', 'EX', ${SCENE_CLAIM_TTL_SECONDS})
end
`
    : ''
  return `${ATTEND}${VISITOR}
if ARGV[1] ~= '' then
  if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
    if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {-2, ''} end
  end
end
local prev = redis.call('GET', KEYS[2])
if prev then return {0, prev} end
if redis.call('EXISTS', KEYS[3]) == 0 then return {-1, ''} end
${check}local n, first = nil, false
if #KEYS >= 17 then
  local openid, id = ARGV[10], ARGV[13]
  local have = redis.call('HGET', KEYS[15], openid)
  if have then
    n = tonumber(have)
    first = redis.call('HGET', KEYS[16], openid) == id
    if not first then redis.call('HSETNX', KEYS[17], openid, id) end
  elseif redis.call('EXISTS', KEYS[14]) == 1 then
    n = redis.call('HINCRBY', KEYS[14], 'lastNumber', 1)
    first = true
    redis.call('HSET', KEYS[15], openid, n)
    redis.call('HSET', KEYS[16], openid, id)
  end
end
local fallback = '0'
if ARGV[11] == ARGV[4] .. ':${FALLBACK_NONCE}' then fallback = '1' end
local seq = redis.call('HINCRBY', KEYS[3], 'headSeq', 1)
${claim}local fields = {}
for i = 15, #ARGV do fields[#fields + 1] = ARGV[i] end
local tail = '}}'
if n then
  fields[#fields + 1] = 'number'
  fields[#fields + 1] = tostring(n)
  fields[#fields + 1] = 'firstInCampaign'
  fields[#fields + 1] = first and '1' or '0'
  tail = ',"number":' .. n .. ',"firstInCampaign":' .. (first and 'true' or 'false') .. '}}'
  fields[#fields + 1] = 'campaignId'
  fields[#fields + 1] = ARGV[14]
end
redis.call('XADD', KEYS[4], seq .. '-0', unpack(fields))
fields[#fields + 1] = 'fallback'
fields[#fields + 1] = fallback
${
  attendance
    ? `attend(6, seq, ARGV[9], ARGV[10], ARGV[11], ARGV[12], fields)
visitor(KEYS[12], KEYS[13], ARGV[10], ARGV[13])
redis.call('HINCRBY', KEYS[13], ARGV[9], 1)`
    : ''
}
redis.call('SET', KEYS[2], ARGV[4] .. ' ' .. seq .. ' ' .. (n and ARGV[14] or ''), 'EX', ARGV[3])
redis.call('PUBLISH', ARGV[5], ARGV[6] .. seq .. ARGV[7] .. seq .. ARGV[8] .. tail)
return {1, tostring(seq)}
`
}

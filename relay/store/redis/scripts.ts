/**
 * Lua scripts that make each multi-key step atomic across relay instances: Redis runs a
 * script as one unit, so two instances receiving the same push (or two pushes for one kiosk)
 * can never interleave between the de-dup check, the seq bump and the XADD.
 */
import { SLOT_MS } from '../attendance'
import { FALLBACK_NONCE } from '../../../shared/relay-protocol'
import { SCENE_CLAIM_TTL_SECONDS, SCENE_SHARED_SECONDS } from '../types'

/**
 * An attendance row's stream entry: one field (`PACKED_ROW_FIELD`) holding the values of
 * these columns in this order, joined by U+001F ('' for an absent number, first-in-campaign or
 * campaign). A million rows read back as a million strings, not twenty-two million (the
 * export's reading was most of its time). A row with a value holding U+001F (which no XML push
 * can carry) or a field not listed here is written field by field, as every row was before;
 * the readers take both.
 */
export const PACKED_ROW_FIELD = 'r'
export const PACKED_ROW_SEPARATOR = '\u001f'
export const PACKED_ROW_COLUMNS = [
  'id',
  'event',
  'openid',
  'scene',
  'ticket',
  'createTime',
  'receivedAt',
  'number',
  'firstInCampaign',
  'fallback',
  'campaignId',
] as const

/** The kiosk stats hash's field: the first seq whose campaign counters the push kept. */
export const CAMPAIGN_COUNTERS_FROM = 'c-from'
/** The kiosk stats hash's field: the last seq BACKFILL_CAMPAIGN_COUNTERS counted. */
export const CAMPAIGN_COUNTERS_BACKFILLED = 'c-backfilled'

/** 1-based Lua index of a packed row's column. */
const col = (name: (typeof PACKED_ROW_COLUMNS)[number]): number =>
  PACKED_ROW_COLUMNS.indexOf(name) + 1

/**
 * Lua `packedValues(f)`: an attendance entry's fields as XRANGE gives them, split into its
 * packed values (PACKED_ROW_COLUMNS order), or nil for a row written field by field.
 */
export const PACKED_VALUES = `
local function packedValues(f)
  if #f ~= 2 or f[1] ~= '${PACKED_ROW_FIELD}' then return nil end
  local v, i = {}, 1
  while true do
    local j = string.find(f[2], '\\31', i, true)
    if not j then v[#v + 1] = string.sub(f[2], i) break end
    v[#v + 1] = string.sub(f[2], i, j - 1)
    i = j + 1
  end
  return v
end
`

/**
 * The campaign counters (ATTEND's `c:<campaign>:` fields and campaign visitors hash) of rows a
 * relay stored before it kept them, one kiosk a call, up to ARGV[1] rows a call, atomically with
 * its progress mark (so a relay stopped halfway, or two relays at once, count each row once).
 * Rows from the first seq the push counted (`c-from`; none yet: every row up to headSeq, or, when
 * the stats hash holds `c:` counters a relay of 095ea5f kept at the push without the mark, the
 * newest campaign rows they add up to) are the push's. KEYS: 1 rows stream, 2 stats hash, 3 campaign visitors hash, 4 kiosk hash.
 * Returns {rows counted now, 1 when the kiosk is done}.
 */
export const BACKFILL_CAMPAIGN_COUNTERS = `${PACKED_VALUES}
local stats = KEYS[2]
local function fieldsOf(f)
  local v = packedValues(f)
  if v then
    return v[${col('campaignId')}], v[${col('openid')}], v[${col('event')}], v[${col('receivedAt')}]
  end
  local campaign, openid, kind, received
  for i = 1, #f, 2 do
    local name = f[i]
    if name == 'campaignId' then campaign = f[i + 1]
    elseif name == 'openid' then openid = f[i + 1]
    elseif name == 'event' then kind = f[i + 1]
    elseif name == 'receivedAt' then received = f[i + 1] end
  end
  return campaign, openid, kind, received
end
local from = redis.call('HGET', stats, '${CAMPAIGN_COUNTERS_FROM}')
if not from then
  from = tonumber(redis.call('HGET', KEYS[4], 'headSeq') or '0') + 1
  -- A relay that kept these counters at the push but set no mark (095ea5f): the rows it
  -- counted are the newest rows of a campaign, as many as its c:<campaign>:scans add up to.
  local kept = 0
  local all = redis.call('HGETALL', stats)
  for i = 1, #all, 2 do
    if string.match(all[i], '^c:[%w_%-]+:scans$') then kept = kept + tonumber(all[i + 1]) end
  end
  local top = '+'
  while kept > 0 do
    local page = redis.call('XREVRANGE', KEYS[1], top, '-', 'COUNT', 1000)
    for _, e in ipairs(page) do
      from = tonumber(string.match(e[1], '^(%d+)'))
      local campaign = fieldsOf(e[2])
      if campaign and campaign ~= '' then kept = kept - 1 end
      if kept == 0 then break end
      top = '(' .. e[1]
    end
    -- Fewer rows than it counted (the oldest pruned since): every row left is counted.
    if kept > 0 and #page < 1000 then from = 1 break end
  end
  redis.call('HSET', stats, '${CAMPAIGN_COUNTERS_FROM}', from)
end
local upto = tonumber(from) - 1
local done = tonumber(redis.call('HGET', stats, '${CAMPAIGN_COUNTERS_BACKFILLED}') or '0')
if done >= upto then return {0, 1} end
local entries = redis.call('XRANGE', KEYS[1], '(' .. done .. '-0', upto .. '-0', 'COUNT', ARGV[1])
local last = done
for _, e in ipairs(entries) do
  last = tonumber(string.match(e[1], '^(%d+)'))
  local campaign, openid, kind, received = fieldsOf(e[2])
  if campaign and campaign ~= '' and openid then
    local c = 'c:' .. campaign .. ':'
    if redis.call('HINCRBY', KEYS[3], campaign .. '\\0' .. openid, 1) == 1 then
      redis.call('HINCRBY', stats, c .. 'visitors', 1)
    end
    redis.call('HINCRBY', stats, c .. 'scans', 1)
    if kind == 'subscribe' then redis.call('HINCRBY', stats, c .. 'newFollowers', 1) end
    local at = math.floor(tonumber(received or '0') / ${SLOT_MS}) * ${SLOT_MS}
    redis.call('HINCRBY', stats, c .. 's:' .. string.format('%.0f', at), 1)
  end
end
if #entries < tonumber(ARGV[1]) then last = upto end
redis.call('HSET', stats, '${CAMPAIGN_COUNTERS_BACKFILLED}', last)
return {#entries, last >= upto and 1 or 0}
`

/**
 * The attendance half of a stored event (relay/store/redis/attendance.ts), as a Lua function
 * both APPEND_EVENT and SEED_ATTENDANCE define. `k` is the KEYS index of the kiosk's attendance
 * keys: rows stream, stats hash, visitors hash, openid and scene search sets, campaign visitors
 * hash, in that order. A row of a campaign (its `campaignId` field) is also counted in the
 * stats hash's `c:<campaignId>:` fields (scans, visitors, newFollowers, slots).
 */
export const ATTEND = `
local ROW_COLUMNS = {${PACKED_ROW_COLUMNS.map((c) => `'${c}'`).join(', ')}}
local function packRow(fields)
  local by, n = {}, 0
  for i = 1, #fields, 2 do
    if by[fields[i]] == nil then n = n + 1 end
    by[fields[i]] = fields[i + 1]
  end
  local campaign = by['campaignId']
  local out, known = {}, 0
  for i, name in ipairs(ROW_COLUMNS) do
    local v = by[name]
    if v == nil then v = '' else known = known + 1 end
    if string.find(v, '\\31', 1, true) then return nil, campaign end
    out[i] = v
  end
  if known ~= n then return nil, campaign end
  return table.concat(out, '\\31'), campaign
end
local function attend(k, seq, slot, openid, scene, kind, fields)
  -- The first row this layout counts per campaign: rows before it are BACKFILL_CAMPAIGN_COUNTERS's.
  redis.call('HSETNX', KEYS[k + 1], '${CAMPAIGN_COUNTERS_FROM}', seq)
  local packed, campaign = packRow(fields)
  if packed then
    redis.call('XADD', KEYS[k], seq .. '-0', '${PACKED_ROW_FIELD}', packed)
  else
    redis.call('XADD', KEYS[k], seq .. '-0', unpack(fields))
  end
  if redis.call('HINCRBY', KEYS[k + 2], openid, 1) == 1 then
    redis.call('HINCRBY', KEYS[k + 1], 'visitors', 1)
  end
  redis.call('HINCRBY', KEYS[k + 1], 'scans', 1)
  if kind == 'subscribe' then redis.call('HINCRBY', KEYS[k + 1], 'newFollowers', 1) end
  redis.call('HINCRBY', KEYS[k + 1], slot, 1)
  redis.call('ZADD', KEYS[k + 3], 0, openid .. '\\0' .. seq)
  redis.call('ZADD', KEYS[k + 4], 0, scene .. '\\0' .. seq)
  if campaign and campaign ~= '' then
    local c = 'c:' .. campaign .. ':'
    if redis.call('HINCRBY', KEYS[k + 5], campaign .. '\\0' .. openid, 1) == 1 then
      redis.call('HINCRBY', KEYS[k + 1], c .. 'visitors', 1)
    end
    redis.call('HINCRBY', KEYS[k + 1], c .. 'scans', 1)
    if kind == 'subscribe' then redis.call('HINCRBY', KEYS[k + 1], c .. 'newFollowers', 1) end
    redis.call('HINCRBY', KEYS[k + 1], c .. slot, 1)
  end
end
`

/**
 * A per-visitor scene's claim (store-util.ts `claimsScene`: a string scene of the kiosk other
 * than `<kioskId>:fallback`), as Lua functions the push scripts define. The claim key holds
 * "<seq> <at> <openid>" of the first push stored for the scene, written by the script that
 * stores it with `claimOf(seq, createTime, openid, receivedAt)`: `at` is the later of that
 * push's CreateTime and the relay's receipt, in whole seconds (a photo must be more than
 * SCENE_SHARED_SECONDS after both, sqlite/scene-claims.ts `sceneTaken`, and for a whole
 * CreateTime that is the same as after the later one, floored). Three fields, as every relay
 * since the rule wrote and reads them: an older relay still running beside this one on the same
 * Redis (a rolling upgrade) reads the owner and the time right. Relays of 2026-12-06 wrote
 * "<seq> <createTime> <openid> <receivedAt>", which is still read. `sceneCheck(c, k, kioskId,
 * scene, openid, createTime)`, `c` and `k` the KEYS indexes of the claim and the kiosk hash:
 * returns whether the scene claims at all, and whether this push is a photo: another openid's
 * scan of a code whose first push the kiosk has acknowledged (so rotated off its screen), more
 * than SCENE_SHARED_SECONDS after `at` (and the receipt of a four-field claim).
 * `argField(from, name)`: the value of field `name` among ARGV's field/value pairs from `from`.
 */
export const SCENE_CHECK = `
local function argField(from, name)
  for i = from, #ARGV - 1, 2 do
    if ARGV[i] == name then return ARGV[i + 1] end
  end
  return nil
end
local function sceneCheck(c, k, kioskId, scene, openid, createTime)
  local own = kioskId .. ':'
  if string.sub(scene, 1, #own) ~= own or scene == own .. '${FALLBACK_NONCE}' then
    return false, false
  end
  local claim = redis.call('GET', KEYS[c])
  if not claim then return true, false end
  local a = string.find(claim, ' ', 1, true)
  local b = string.find(claim, ' ', a + 1, true)
  local first, at = tonumber(string.sub(claim, 1, a - 1)), tonumber(string.sub(claim, a + 1, b - 1))
  local d = string.find(claim, ' ', b + 1, true)
  local owner = string.sub(claim, b + 1, (d or 0) - 1)
  if owner == openid then return true, false end
  if tonumber(createTime) - at <= ${SCENE_SHARED_SECONDS} then return true, false end
  if d and tonumber(createTime) * 1000 - tonumber(string.sub(claim, d + 1)) <= ${SCENE_SHARED_SECONDS * 1000} then
    return true, false
  end
  local acked = tonumber(redis.call('HGET', KEYS[k], 'ackedSeq') or '0')
  return true, first <= acked
end
local function claimOf(seq, createTime, openid, receivedAt)
  local at = math.max(tonumber(createTime), math.floor(tonumber(receivedAt) / 1000))
  return seq .. ' ' .. string.format('%d', at) .. ' ' .. openid
end
`

/**
 * The Cluster's first step of a push for a per-visitor scene, before the campaign's number, so
 * a photo takes none (APPEND_EVENT checks again). KEYS: 1 the scene's claim, 2 kiosk hash.
 * ARGV: 1 kioskId, 2 scene, 3 openid, 4 createTime. Returns 1 for a photo of another openid's
 * code, else 0.
 */
export const CHECK_SCENE = `${SCENE_CHECK}
local _, taken = sceneCheck(1, 2, ARGV[1], ARGV[2], ARGV[3], ARGV[4])
if taken then return 1 end
return 0
`

/**
 * KEYS: 1 de-dup key, 2 kiosk hash, 3 kiosk stream, 4 the scene's claim (SCENE_CHECK; with one
 * visitor per code only, else the kiosk's fallback code key, unused), 5 to 10
 * its attendance keys (see ATTEND). All but the de-dup key are the kiosk's own.
 * ARGV: 1 de-dup TTL seconds, 2 kioskId, 3 change channel, 4 to 6 the change message in the
 * pieces around its seq (it carries the event, so live sessions need not read it back),
 * 7 the stats slot field, 8 openid, 9 scene, 10 event kind, 11.. stream field/value pairs
 * (with `campaignId` when the push took a number there). The de-dup key keeps
 * "kioskId seq campaignId" (campaignId '' for none).
 * Returns {1, seq} when stored, {0, "kioskId seq campaignId"} for a retry, {-1, ""} for an unknown
 * kiosk, {-3, ""} for a photo of another openid's code (APPEND_EVENT_CLAIMING_SCENES only;
 * nothing written).
 * Every write comes after the checks: a script that fails halfway is not rolled back.
 */
export const APPEND_EVENT = appendEventScript(true)
/** APPEND_EVENT with one visitor per code (config `oneVisitorPerCode`): SCENE_CHECK's claim. */
export const APPEND_EVENT_CLAIMING_SCENES = appendEventScript(true, true)
/** APPEND_EVENT without the attendance (the benchmark's "without" side only). */
export const APPEND_EVENT_WITHOUT_ATTENDANCE = appendEventScript(false)

/**
 * `sceneClaims`: check and record the scene's claim (KEYS[4]); without, KEYS[4] is not touched
 * and the script is the one from before the rule, command for command.
 */
function appendEventScript(attendance: boolean, sceneClaims = false): string {
  const check = sceneClaims
    ? `local createTime = argField(11, 'createTime')
local claims, taken = sceneCheck(4, 2, ARGV[2], ARGV[9], ARGV[8], createTime)
if taken then return {-3, ''} end
`
    : ''
  const claim = sceneClaims
    ? `if claims then
  redis.call('SET', KEYS[4], claimOf(seq, createTime, ARGV[8], argField(11, 'receivedAt')), 'NX', 'EX', ${SCENE_CLAIM_TTL_SECONDS})
end
`
    : ''
  return `${ATTEND}${sceneClaims ? SCENE_CHECK : ''}
local prev = redis.call('GET', KEYS[1])
if prev then return {0, prev} end
if redis.call('EXISTS', KEYS[2]) == 0 then return {-1, ''} end
${check}local fallback = '0'
if ARGV[9] == ARGV[2] .. ':${FALLBACK_NONCE}' then fallback = '1' end
local seq = redis.call('HINCRBY', KEYS[2], 'headSeq', 1)
${claim}local fields = {}
for i = 11, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('XADD', KEYS[3], seq .. '-0', unpack(fields))
fields[#fields + 1] = 'fallback'
fields[#fields + 1] = fallback
${attendance ? 'attend(5, seq, ARGV[7], ARGV[8], ARGV[9], ARGV[10], fields)' : ''}
local campaign = ''
for i = 11, #ARGV - 1, 2 do
  if ARGV[i] == 'campaignId' then campaign = ARGV[i + 1] end
end
redis.call('SET', KEYS[1], ARGV[2] .. ' ' .. seq .. ' ' .. campaign, 'EX', ARGV[1])
redis.call('PUBLISH', ARGV[3], ARGV[4] .. seq .. ARGV[5] .. seq .. ARGV[6])
return {1, tostring(seq)}
`
}

/**
 * Rows written directly (the benchmark's seed), one kiosk per call.
 * KEYS: 1 to 6 the kiosk's attendance keys, 7 its hash (headSeq moves past the rows).
 * ARGV: per row seq, slot field, openid, scene, kind, n, then n stream field/value strings.
 */
export const SEED_ATTENDANCE = `${ATTEND}
local i = 1
local top = 0
while i <= #ARGV do
  local n = tonumber(ARGV[i + 5])
  local fields = {}
  for j = 1, n do fields[j] = ARGV[i + 5 + j] end
  local seq = tonumber(ARGV[i])
  attend(1, seq, ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], fields)
  if seq > top then top = seq end
  i = i + 6 + n
end
if redis.call('EXISTS', KEYS[7]) == 1 then
  local head = tonumber(redis.call('HGET', KEYS[7], 'headSeq') or '0')
  if top > head then redis.call('HSET', KEYS[7], 'headSeq', top) end
end
return 1
`

/**
 * Distinct visitors across kiosks (KEYS `people` hash: openid → first event id, or '+' once
 * returning; `totals` hash: visitors, returning, and the scans of every 10-minute slot across
 * kiosks, so the console's stats read one hash rather than one per kiosk). Idempotent per
 * event id for the visitor counts.
 */
export const VISITOR = `
local function visitor(people, totals, openid, id)
  local first = redis.call('HGET', people, openid)
  if not first then
    redis.call('HSET', people, openid, id)
    redis.call('HINCRBY', totals, 'visitors', 1)
  elseif first ~= id and first ~= '+' then
    redis.call('HSET', people, openid, '+')
    redis.call('HINCRBY', totals, 'returning', 1)
  end
end
`

/**
 * The cross-kiosk step of a push on a Cluster (its keys are in another slot than the
 * kiosk's), run after the kiosk's append, again on a retry.
 * KEYS: 1 people hash, 2 totals hash, 3 this event's counted marker.
 * ARGV: 1 openid, 2 event id, 3 slot field, 4 marker TTL seconds. The slot is counted once per
 * event (the marker), as a retry after a crash between the two steps runs this again.
 */
export const ATTEND_VISITORS = `${VISITOR}
visitor(KEYS[1], KEYS[2], ARGV[1], ARGV[2])
if redis.call('SET', KEYS[3], '1', 'NX', 'EX', ARGV[4]) then
  redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
end
return 1
`

/**
 * Rows written directly (the benchmark's seed): visitors, and slot counts already summed.
 * KEYS: 1 people hash, 2 totals hash. ARGV: n, then n openid/event id pairs, then slot
 * field/count pairs.
 */
export const SEED_VISITORS = `${VISITOR}
local n = tonumber(ARGV[1])
for i = 2, 2 * n, 2 do visitor(KEYS[1], KEYS[2], ARGV[i], ARGV[i + 1]) end
for i = 2 * n + 2, #ARGV, 2 do redis.call('HINCRBY', KEYS[2], ARGV[i], ARGV[i + 1]) end
return 1
`

/**
 * Rows of one campaign written directly (the benchmark's seed): the campaign's visitors as the
 * push's number step would count them (ASSIGN_NUMBER), numbered in the order given.
 * KEYS: 1 visitors hash, 2 firsts hash, 3 returning hash. ARGV: openid/event id pairs.
 */
export const SEED_CAMPAIGN_VISITORS = `
for i = 1, #ARGV, 2 do
  local openid, id = ARGV[i], ARGV[i + 1]
  if redis.call('HEXISTS', KEYS[1], openid) == 1 then
    if redis.call('HGET', KEYS[2], openid) ~= id then redis.call('HSETNX', KEYS[3], openid, id) end
  else
    redis.call('HSET', KEYS[1], openid, redis.call('HLEN', KEYS[1]) + 1)
    redis.call('HSET', KEYS[2], openid, id)
  end
end
return 1
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
 * KEYS: 1 campaign hash, 2 visitors hash (openid → number), 3 firsts hash (openid → event id),
 * 4 returning hash (openid → event id of the visitor's second scan: the campaign's returning
 * visitors, as its visitors hash is its visitors).
 * ARGV: 1 openid, 2 event id. Returns {number, 1 when this event took it else 0}, or {0, 0}
 * when the campaign is gone. Idempotent per openid: a retry (same event id) answers the same.
 */
export const ASSIGN_NUMBER = `
local n = redis.call('HGET', KEYS[2], ARGV[1])
if n then
  if redis.call('HGET', KEYS[3], ARGV[1]) == ARGV[2] then return {tonumber(n), 1} end
  redis.call('HSETNX', KEYS[4], ARGV[1], ARGV[2])
  return {tonumber(n), 0}
end
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0} end
local next = redis.call('HINCRBY', KEYS[1], 'lastNumber', 1)
redis.call('HSET', KEYS[2], ARGV[1], next)
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
return {next, 1}
`

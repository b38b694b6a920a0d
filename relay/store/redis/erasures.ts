/**
 * Visitor erasure on Redis (relay/store/erasure-types.ts), in steps each of one slot:
 *
 * 1. the campaign's (ERASE): what the campaign keeps of the visitor, every key in its slot
 *    (keys.ts), one script. The follow-up state and the draws are read first (their counters
 *    and redactions are worked out here) and the script writes only while they are still what
 *    was read (compare and set), else they are read again. It also records the erasure's
 *    pseudonym under the hash of the campaign and openid (`campaignErasing`), so a call made
 *    again after a failure goes on with the same pseudonym;
 * 2. per kiosk holding the visitor's scans in the campaign (its campaign visitors hash has the
 *    field `<campaignId>\0<openid>`), one script in the kiosk's slot (ERASE_AT_KIOSK): the
 *    seqs of those scans (the openid search index, filtered to the campaign's rows) go to the
 *    kiosk's `erasedSeqs` hash (seq → pseudonym), which the queue's replay, the console's pages
 *    and the export apply to the entries they read (a Stream entry cannot be rewritten in
 *    place: XADD cannot put an id back); the search index, the campaign visitors field and
 *    this campaign's share of the kiosk's visitor counts move to the pseudonym. A store that
 *    keeps no attendance finds the seqs in the kiosks' queues (by the entries' own campaign);
 * 3. the cross-kiosk visitors (`{attendance}:people`, its slot): the openid leaves when none
 *    of its scans are left at any kiosk (PEOPLE; the pseudonym is no visitor);
 * 4. the campaign's again (FINISH): the pending record goes and the audit line is written,
 *    and the visitor's tombstone → latest erasure time (`erasedAt`'s hash); by the call that
 *    removes the record only, so two erasures of the visitor at once write one audit line.
 *
 * Each step is idempotent (a second run finds nothing more to move), so the erasure called
 * again after a failure halfway finishes it, and the audit line says it is whole.
 */
import { z } from 'zod'
import { epochMs, visitorTombstoneSchema } from '../../../shared/relay-protocol'
import { drawRecordSchema } from '../../../shared/screen-api'
import {
  redactDraw,
  type ErasureAudit,
  type ErasureInput,
  type ErasureResult,
  type ErasureStore,
  type Tombstone,
} from '../erasure-types'
import { visitorTombstone } from '../../../shared/server/visitor-tombstone'
import { followUpCountFields } from '../follow-up-types'
import type { StoreChange } from '../types'
import { perKioskReads, type Command } from './attendance'
import { fieldsToObject, streamEntrySchema } from './codec'
import type { RedisClient } from './connect'
import { parseStored } from './follow-up'
import type { RedisKeys } from './keys'
import { runScript } from './run-script'
import { PACKED_ROW_COLUMNS, PACKED_VALUES } from './scripts'
import { settleAll } from './settle-all'

/**
 * KEYS: 1 campaign, 2 visitors (numbers), 3 firsts, 4 returning, 5 bindings, 6 binding openids,
 * 7 the visitor's stamps, 8 stamp completions, 9 follow-up visitors, 10 tags due, 11 messages
 * due, 12 messages being sent, 13 the report's counters, 14 its failures, 15 writes before the
 * counters were built, 16 draws, 17 draw version, 18 erasures under way (`campaignErasing`),
 * 19 what finishing them takes (`campaignErasingWho`).
 * ARGV: 1 openid, 2 the follow-up state JSON read ('' none), 3 the counters it adds to (names
 * separated by spaces), 4 the hash of campaign and openid, 5 the pseudonym (kept only when no
 * erasure of them is under way), 6 the erasure as `resumeUnfinished` reads it (kept likewise),
 * 7 '1' for a resumed erasure (only while that pending record, with that pseudonym, is still
 * there), then draw id, record JSON read, redacted JSON for each draw the visitor is in.
 * Returns -1 (no such campaign), -2 (the follow-up state or a draw changed since it was read:
 * read again), -3 (resumed, but finished meanwhile) or {number (0: none), bindings, stamps,
 * follow-up (0/1), draws, the pseudonym}.
 */
const ERASE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local openid = ARGV[1]
if (redis.call('HGET', KEYS[9], openid) or '') ~= ARGV[2] then return -2 end
for i = 8, #ARGV, 3 do
  if (redis.call('HGET', KEYS[16], ARGV[i]) or '') ~= ARGV[i + 1] then return -2 end
end
if ARGV[7] == '1' and redis.call('HGET', KEYS[18], ARGV[4]) ~= ARGV[5] then return -3 end
redis.call('HSETNX', KEYS[18], ARGV[4], ARGV[5])
redis.call('HSETNX', KEYS[19], ARGV[4], ARGV[6])
local number = tonumber(redis.call('HGET', KEYS[2], openid) or '0')
redis.call('HDEL', KEYS[2], openid)
redis.call('HDEL', KEYS[3], openid)
redis.call('HDEL', KEYS[4], openid)
local bindings = 0
local reg = redis.call('HGET', KEYS[6], openid)
if reg then
  redis.call('HDEL', KEYS[6], openid)
  local b = redis.call('HGET', KEYS[5], reg)
  if b and cjson.decode(b).openid == openid then bindings = redis.call('HDEL', KEYS[5], reg) end
end
local stamps = redis.call('SCARD', KEYS[7]) + redis.call('HDEL', KEYS[8], openid)
redis.call('DEL', KEYS[7])
local followUp = 0
if ARGV[2] ~= '' then
  followUp = 1
  redis.call('HDEL', KEYS[9], openid)
  redis.call('ZREM', KEYS[10], openid)
  redis.call('ZREM', KEYS[11], openid)
  redis.call('SREM', KEYS[12], openid)
  if redis.call('HEXISTS', KEYS[13], 'built') == 1 then
    for f in string.gmatch(ARGV[3], '%S+') do redis.call('HINCRBY', KEYS[13], f, -1) end
    redis.call('ZREM', KEYS[14], openid)
  else
    redis.call('INCR', KEYS[15])
  end
end
local draws = 0
for i = 8, #ARGV, 3 do
  redis.call('HSET', KEYS[16], ARGV[i], ARGV[i + 2])
  draws = draws + 1
end
redis.call('INCR', KEYS[17])
return {number, bindings, stamps, followUp, draws, redis.call('HGET', KEYS[18], ARGV[4])}
`

/**
 * The campaign's rows of the visitor at one kiosk, moved to the pseudonym (every key the
 * kiosk's). KEYS: 1 attendance rows, 2 stats, 3 visitors (openid → scans), 4 openid search
 * index, 5 campaign visitors (`<campaign>\0<openid>` → scans), 6 erased seqs.
 * ARGV: 1 campaign id, 2 openid, 3 pseudonym.
 * Returns the rows moved. Run again, it finds none: the index no longer has them.
 */
const ERASE_AT_KIOSK = `${PACKED_VALUES}
local c, openid, p = ARGV[1], ARGV[2], ARGV[3]
local function campaignOf(f)
  local v = packedValues(f)
  if v then return v[${PACKED_ROW_COLUMNS.indexOf('campaignId') + 1}] end
  for i = 1, #f, 2 do
    if f[i] == 'campaignId' then return f[i + 1] end
  end
  return nil
end
local prefix = openid .. '\\0'
local members = redis.call('ZRANGEBYLEX', KEYS[4], '[' .. prefix, '[' .. prefix .. '\\255')
local moved = 0
for _, m in ipairs(members) do
  local seq = string.sub(m, #prefix + 1)
  local e = redis.call('XRANGE', KEYS[1], seq .. '-0', seq .. '-0')[1]
  if e and campaignOf(e[2]) == c then
    redis.call('HSET', KEYS[6], seq, p)
    redis.call('ZREM', KEYS[4], m)
    redis.call('ZADD', KEYS[4], 0, p .. '\\0' .. seq)
    moved = moved + 1
  end
end
local field = c .. '\\0' .. openid
local scans = tonumber(redis.call('HGET', KEYS[5], field) or '0')
if scans > 0 then
  redis.call('HDEL', KEYS[5], field)
  -- Already there (scans of theirs moved by an earlier run of this erasure): one visitor.
  if redis.call('HINCRBY', KEYS[5], c .. '\\0' .. p, scans) > scans then
    redis.call('HINCRBY', KEYS[2], 'c:' .. c .. ':visitors', -1)
  end
end
if moved > 0 then
  local left = redis.call('HINCRBY', KEYS[3], openid, -moved)
  if left <= 0 then
    redis.call('HDEL', KEYS[3], openid)
    redis.call('HINCRBY', KEYS[2], 'visitors', -1)
  end
  if redis.call('HINCRBY', KEYS[3], p, moved) == moved then
    redis.call('HINCRBY', KEYS[2], 'visitors', 1)
  end
end
return moved
`

/**
 * The cross-kiosk visitors (`{attendance}` slot). KEYS: 1 people (openid → first event id, or
 * '+' returning), 2 totals. ARGV: 1 openid, 2 its scans left at every kiosk. The openid leaves
 * once none of its scans are left (returning no more with one: its value becomes '-', which no
 * event id equals, so its next scan is a return; never the pseudonym, which would tie the
 * openid to its erased rows for good). The pseudonym is no visitor: as in the campaign, the
 * erased rows count as scans only. Idempotent.
 */
const PEOPLE = `
local openid, left = ARGV[1], tonumber(ARGV[2])
local was = redis.call('HGET', KEYS[1], openid)
if was and left == 0 then
  redis.call('HDEL', KEYS[1], openid)
  redis.call('HINCRBY', KEYS[2], 'visitors', -1)
  if was == '+' then redis.call('HINCRBY', KEYS[2], 'returning', -1) end
elseif was == '+' and left == 1 then
  redis.call('HSET', KEYS[1], openid, '-')
  redis.call('HINCRBY', KEYS[2], 'returning', -1)
end
return 1
`

/**
 * KEYS: 1 erasures under way, 2 audit, 3 tombstones (tombstone → latest erasure time), 4 what
 * finishing them takes. ARGV: 1 hash of campaign and openid, 2 audit line, 3 its time (ms).
 * Only the call that removes the pending record writes: a second erasure of the visitor run
 * at the same time (the same pending record, the same pseudonym) finds it gone and writes no
 * second audit line. Returns 1 (written) or 0.
 */
const FINISH = `
redis.call('HDEL', KEYS[4], ARGV[1])
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('LPUSH', KEYS[2], ARGV[2])
local had = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '')
if not had or tonumber(ARGV[3]) > had then redis.call('HSET', KEYS[3], ARGV[1], ARGV[3]) end
return 1
`

/**
 * KEYS: 1 erasures under way, 2 what finishing them takes. Removes every entry of 2 with none
 * in 1: left by a relay from before 2 was kept, whose step 4 removes the pending record only
 * (it finished an erasure an upgraded one began), each holding an erased visitor's openid.
 * Step 1 writes both and step 4 removes both in one script, so no erasure under way has one.
 * Returns how many went.
 */
const PRUNE_WHO = `
local gone = 0
for _, h in ipairs(redis.call('HKEYS', KEYS[2])) do
  if redis.call('HEXISTS', KEYS[1], h) == 0 then gone = gone + redis.call('HDEL', KEYS[2], h) end
end
return gone
`

/**
 * One visitor's latest erasure time. KEYS: 1 tombstones hash, 2 audit. ARGV: 1 tombstone.
 * A hash not built yet (the campaign's erasures were all made before it) is built first from
 * the audit lines, once: lines without a tombstone, or with one that is not 64 lowercase hex,
 * are left out. Returns the time as a string, or nil.
 */
const ERASED_AT = `
if redis.call('HEXISTS', KEYS[1], '-built') == 0 then
  -- No audit line (no erasure yet, or a campaign id a kiosk made up): nothing to build, and no
  -- key written for it; the first erasure's own write, then this read, builds the hash.
  if redis.call('LLEN', KEYS[2]) == 0 then return false end
  for _, line in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
    local ok, l = pcall(cjson.decode, line)
    if ok and type(l) == 'table' and type(l.visitor) == 'string' and type(l.at) == 'number'
      and string.len(l.visitor) == 64 and string.find(l.visitor, '^[0-9a-f]+$') then
      local had = tonumber(redis.call('HGET', KEYS[1], l.visitor) or '')
      if not had or l.at > had then
        redis.call('HSET', KEYS[1], l.visitor, string.format('%.0f', l.at))
      end
    end
  end
  redis.call('HSET', KEYS[1], '-built', '1')
end
return redis.call('HGET', KEYS[1], ARGV[1])
`

/** Compare-and-set rounds before giving up (a round loses only to a write of this visitor). */
const CAS_ROUNDS = 5
/** Queue entries read per page when a store without attendance looks for the visitor's. */
const QUEUE_PAGE = 1000

const reply = z.union([
  z.literal(-1),
  z.literal(-2),
  z.literal(-3),
  z.tuple([z.number(), z.number(), z.number(), z.number(), z.number(), z.string()]),
])
const finishReply = z.union([z.literal(0), z.literal(1)])
const auditLine = z.object({ by: z.string(), at: z.number() })
const counts = z.array(z.string().nullable())
const erasedAtReply = z
  .string()
  .regex(/^\d+(\.\d+)?$/)
  .nullable()

/**
 * An audit line with its tombstone (lines written before it have none). A tombstone that is not
 * 64 lowercase hex would make a kiosk refuse the whole `erasure` frame it is in (up to
 * MAX_TOMBSTONES_PER_FRAME): such a line is skipped.
 */
const tombstoneLine = z.object({ at: epochMs, visitor: visitorTombstoneSchema.optional() })

/** What `resumeUnfinished` needs of a pending erasure (`campaignErasingWho`). */
const resumable = z.object({ openid: z.string().min(1), by: z.string(), at: epochMs })

function parseResumable(raw: string): z.infer<typeof resumable> | null {
  let json: unknown
  try {
    json = JSON.parse(raw)
  } catch {
    return null
  }
  const parsed = resumable.safeParse(json)
  return parsed.success ? parsed.data : null
}

function parseTombstoneLine(line: string): z.infer<typeof tombstoneLine> | null {
  let json: unknown
  try {
    json = JSON.parse(line)
  } catch {
    return null
  }
  const parsed = tombstoneLine.safeParse(json)
  return parsed.success ? parsed.data : null
}

export class RedisErasures implements ErasureStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    /** Published to every instance (their name books and screens read the campaign again). */
    private readonly announce: (change: StoreChange) => Promise<void>,
    /** Whether the store keeps attendance rows (without, the queues are searched). */
    private readonly keepAttendance: boolean,
    /** Told once per campaign of audit lines skipped for a bad tombstone. */
    private readonly warn?: (message: string, fields: Record<string, string | number>) => void,
  ) {}

  /** Campaigns whose bad audit lines were logged (once each; bounded by the campaigns). */
  private readonly warnedBadLines = new Set<string>()

  async erase(input: ErasureInput): Promise<ErasureResult | null> {
    return (await this.run(input, false))?.result ?? null
  }

  /**
   * `resumed`: an erasure `resumeUnfinished` read as pending, done only while its pending record
   * is still there. Read a moment before, it may have been finished since (by the call still
   * running it, on this relay or another): run anew, it would be a second erasure, with a
   * second audit line, of whatever the visitor has done since (a new scan, number, draw).
   * `finished`: whether this call's step 4 removed the pending record and wrote the audit line
   * (not so when another call running the same erasure got there first).
   */
  private async run(
    input: ErasureInput,
    resumed: boolean,
  ): Promise<{ result: ErasureResult; finished: boolean } | null> {
    const { campaignId: c, openid } = input
    // The erasure under way is recorded by the visitor's tombstone (never the openid itself).
    const hash = visitorTombstone(c, openid)
    const k = this.keys
    // An erasure of them under way (a call that failed halfway) goes on with its pseudonym.
    const pseudonym = (await this.redis.hget(k.campaignErasing(c), hash)) ?? input.pseudonym
    const erased = await this.eraseInCampaign(input, hash, pseudonym, resumed)
    if (erased === null) return null
    const [number, bindings, stamps, followUp, drawCount, kept] = erased
    if (this.keepAttendance) await this.eraseAtKiosks(c, openid, kept)
    else await this.eraseInQueues(c, openid, kept)
    const audit = JSON.stringify({ by: input.by, at: input.at, visitor: hash })
    const wrote = await runScript(
      this.redis,
      FINISH,
      [
        k.campaignErasing(c),
        k.campaignErasures(c),
        k.campaignTombstones(c),
        k.campaignErasingWho(c),
      ],
      [hash, audit, String(input.at)],
    )
    await this.announce({ type: 'erasure', campaignId: c, visitor: hash, at: input.at })
    const result = {
      number: number > 0 ? number : null,
      bindings,
      stamps,
      followUp: followUp === 1,
      draws: drawCount,
    }
    return { result, finished: finishReply.parse(wrote) === 1 }
  }

  /** Step 1: the campaign's own keys (ERASE), read again while the visitor's state moves. */
  private async eraseInCampaign(
    input: ErasureInput,
    hash: string,
    pseudonym: string,
    resumed: boolean,
  ): Promise<[number, number, number, number, number, string] | null> {
    const { campaignId: c, openid } = input
    const k = this.keys
    const fu = k.followUp(c)
    const keys = [
      k.campaign(c),
      k.campaignVisitors(c),
      k.campaignFirsts(c),
      k.campaignReturning(c),
      k.campaignBindings(c),
      k.campaignBindingOpenids(c),
      k.campaignStamps(c, openid),
      k.campaignStampCompletions(c),
      fu.visitors,
      fu.tagDue,
      fu.messageDue,
      fu.sending,
      fu.counts,
      fu.failed,
      fu.countsGen,
      k.campaignDraws(c),
      k.campaignDrawVersion(c),
      k.campaignErasing(c),
      k.campaignErasingWho(c),
    ]
    const who = JSON.stringify({ openid, by: input.by, at: input.at })
    for (let round = 0; round < CAS_ROUNDS; round++) {
      const [state, draws] = await Promise.all([
        this.redis.hget(fu.visitors, openid),
        this.redis.hgetall(k.campaignDraws(c)),
      ])
      const counted = state === null ? [] : followUpCountFields(parseStored(state))
      const args = [
        openid,
        state ?? '',
        counted.join(' '),
        hash,
        pseudonym,
        who,
        resumed ? '1' : '0',
      ]
      for (const [id, json] of Object.entries(draws)) {
        const redacted = redactDraw(drawRecordSchema.parse(JSON.parse(json)), openid, pseudonym)
        if (redacted !== null) args.push(id, json, JSON.stringify(redacted))
      }
      const r = reply.parse(await runScript(this.redis, ERASE, keys, args))
      if (r === -1 || r === -3) return null
      if (r === -2) continue
      return r
    }
    throw new Error('erasure: the visitor’s follow-up state or the draws kept changing')
  }

  /**
   * Steps 2 and 3: each kiosk holding the visitor's scans in the campaign (its campaign
   * visitors field), then the cross-kiosk visitors from what every kiosk has left of them.
   */
  private async eraseAtKiosks(c: string, openid: string, pseudonym: string): Promise<void> {
    const ids = (await this.redis.smembers(this.keys.kiosks)).sort()
    const field = `${c}\0${openid}`
    const held = await perKioskReads(
      this.redis,
      ids.map((id) => ['hexists', this.keys.attendance(id).campaignVisitors, field]),
    )
    const at = ids.filter((_, i) => held[i] === 1)
    // Marked before their first erased seq is written (attendance.ts pseudonymsOf).
    if (at.length > 0) await this.markErased(at)
    // Every kiosk's step settles before the call answers, a failed one included: a 500 while
    // another kiosk's step is still on its way would let the organizer's retry (or the next
    // relay's resume) run beside it, and what the call says it left undone would not be so.
    await settleAll(
      at.map((id) => {
        const a = this.keys.attendance(id)
        const keys = [
          a.rows,
          a.stats,
          a.visitors,
          a.openids,
          a.campaignVisitors,
          this.keys.erasedSeqs(id),
        ]
        return runScript(this.redis, ERASE_AT_KIOSK, keys, [c, openid, pseudonym])
      }),
    )
    const scans = await perKioskReads(
      this.redis,
      ids.map((id) => ['hmget', this.keys.attendance(id).visitors, openid]),
    )
    let left = 0
    for (const r of scans) left += Number(counts.parse(r)[0] ?? 0)
    const v = this.keys.attendanceVisitors
    await runScript(this.redis, PEOPLE, [v.people, v.totals], [openid, String(left)])
  }

  /**
   * Step 2 without attendance rows: each kiosk's queue, read in pages, its entries of the
   * visitor in the campaign (by their own campaign) recorded to be read with the pseudonym.
   * Entries acknowledged and pruned are gone already.
   */
  private async eraseInQueues(c: string, openid: string, pseudonym: string): Promise<void> {
    for (const id of await this.redis.smembers(this.keys.kiosks)) {
      const key = this.keys.stream(id)
      const seqs: string[] = []
      let start = '-'
      for (;;) {
        const page = streamEntrySchema
          .array()
          .parse(await this.redis.xrange(key, start, '+', 'COUNT', QUEUE_PAGE))
        for (const [entryId, fields] of page) {
          const f = fieldsToObject(fields)
          if (f.openid === openid && f.campaignId === c) seqs.push(entryId.split('-')[0] ?? '')
        }
        const last = page[page.length - 1]
        if (last === undefined || page.length < QUEUE_PAGE) break
        start = `(${last[0]}`
      }
      if (seqs.length > 0) {
        await this.markErased([id])
        await this.redis.hset(
          this.keys.erasedSeqs(id),
          Object.fromEntries(seqs.map((s) => [s, pseudonym])),
        )
      }
    }
  }

  /**
   * Finishes every erasure left unfinished (a call that failed halfway and was not made again,
   * or a relay that stopped mid-erasure): each is erased again with its recorded pseudonym,
   * organizer and time, as the console's same call would (the steps are idempotent, and one
   * audit line is written: FINISH). `startedBefore`: only erasures whose time is before it (an
   * erasure still running on another relay is left to it; one resumed anyway goes on with the
   * same pseudonym, and one finished after it was read here is left alone: `run`).
   * Two HLENs per campaign find them, no SCAN (the second for what an older relay left of
   * finished ones: PRUNE_WHO). Returns how many this call finished (its step 4 wrote the audit
   * line), each logged once.
   */
  async resumeUnfinished(startedBefore: number): Promise<number> {
    const k = this.keys
    const ids = (await this.redis.smembers(k.campaigns)).sort()
    const lens = await perKioskReads(
      this.redis,
      ids.flatMap((id): Command[] => [
        ['hlen', k.campaignErasing(id)],
        ['hlen', k.campaignErasingWho(id)],
      ]),
    )
    let finished = 0
    for (const [i, c] of ids.entries()) {
      if (z.number().parse(lens[2 * i + 1]) > 0) {
        await runScript(this.redis, PRUNE_WHO, [k.campaignErasing(c), k.campaignErasingWho(c)], [])
      }
      if (z.number().parse(lens[2 * i]) === 0) continue
      const [pending, who] = await Promise.all([
        this.redis.hgetall(k.campaignErasing(c)),
        this.redis.hgetall(k.campaignErasingWho(c)),
      ])
      let unknown = 0
      for (const [hash, pseudonym] of Object.entries(pending)) {
        const raw = who[hash]
        const parsed = raw === undefined ? null : parseResumable(raw)
        if (parsed === null) {
          // Recorded by a relay from before the openid was kept with it: only the console's
          // call, which names the visitor, can finish it.
          unknown++
          continue
        }
        if (parsed.at >= startedBefore) continue
        const done = await this.run({ campaignId: c, ...parsed, pseudonym }, true)
        // Finished meanwhile by the call running it (before step 1 here, or after: that call
        // wrote the audit line): nothing to count or log.
        if (done === null || !done.finished) continue
        finished++
        this.warn?.('unfinished visitor erasure finished', {
          campaignId: c,
          by: parsed.by,
          at: parsed.at,
        })
      }
      if (unknown > 0 && !this.warnedUnresumable.has(c)) {
        this.warnedUnresumable.add(c)
        this.warn?.(
          'unfinished visitor erasures recorded by an older relay: erase the visitors again from the console to finish them',
          { campaignId: c, erasures: unknown },
        )
      }
    }
    return finished
  }

  /** Campaigns whose erasures that cannot be resumed were logged (once each). */
  private readonly warnedUnresumable = new Set<string>()

  /** The kiosks' erased seqs may hold a seq from now on (keys.ts `erasedKiosks`). */
  private async markErased(kioskIds: readonly string[]): Promise<void> {
    await this.redis.hset(
      this.keys.erasedKiosks,
      Object.fromEntries(kioskIds.map((id) => [id, '1'])),
    )
  }

  async audit(campaignId: string, limit: number): Promise<ErasureAudit[]> {
    if (limit <= 0) return []
    const lines = await this.redis.lrange(this.keys.campaignErasures(campaignId), 0, limit - 1)
    return lines.map((json) => ({ campaignId, ...auditLine.parse(JSON.parse(json)) }))
  }

  async tombstones(campaignId: string): Promise<Tombstone[]> {
    const lines = await this.redis.lrange(this.keys.campaignErasures(campaignId), 0, -1)
    const seen = new Set<string>()
    const out: Tombstone[] = []
    // Newest first: each visitor's first line is their latest erasure.
    let bad = 0
    for (const line of lines) {
      const parsed = parseTombstoneLine(line)
      if (parsed === null) {
        bad++
        continue
      }
      const { at, visitor } = parsed
      if (visitor === undefined || seen.has(visitor)) continue
      seen.add(visitor)
      out.push({ visitor, at })
    }
    if (bad > 0 && !this.warnedBadLines.has(campaignId)) {
      this.warnedBadLines.add(campaignId)
      this.warn?.(
        'erasure audit lines with a bad tombstone skipped (kiosks are not told of them)',
        {
          campaignId,
          lines: bad,
        },
      )
    }
    out.reverse()
    return out
  }

  async erasedAt(campaignId: string, visitor: string): Promise<number | null> {
    const k = this.keys
    const at = erasedAtReply.parse(
      await runScript(
        this.redis,
        ERASED_AT,
        [k.campaignTombstones(campaignId), k.campaignErasures(campaignId)],
        [visitor],
      ),
    )
    return at === null ? null : Number(at)
  }
}

/**
 * The Redis store's consolidated attendance. Per kiosk, in the kiosk's own keys (one cluster
 * slot with its queue, written by the push's APPEND_EVENT script): a Stream of rows (entry id
 * `<seq>-0`, never trimmed), a hash of counters and 10-minute slots, a hash openid → scans, and
 * two lexicographic sorted sets (`openid\0seq`, `scene\0seq`) for the console's prefix search.
 * Across kiosks, distinct visitors need one place every push reaches: a second, idempotent
 * script on two keys of one slot (`{attendance}`), run before the push is answered (so a
 * WeChat retry re-runs it should the relay die between the two).
 * Per campaign (the row's own): the kiosk's stats hash has `c:<id>:` counters and slots, and
 * a hash `<id>\0openid` → scans; the campaign's visitors and returning ones are the campaign
 * slot's hashes its number step keeps (scripts.ts ASSIGN_NUMBER), so no read spans kiosks'
 * visitors.
 */
import { Cluster, type Redis } from 'ioredis'
import type { RedisClient } from './connect'
import { z } from 'zod'
import { isErasedOpenid, type ConsoleStats } from '../../../shared/console-api'
import {
  dayTimeline,
  filteredPage,
  SLOT_MS,
  slotOf,
  type AttendancePage,
  type AttendanceQuery,
  type AttendanceReader,
  type AttendanceRow,
  type AttendanceScope,
  type DaySoFar,
  type DayWindow,
} from '../attendance'
import { eventFields, streamEntrySchema } from './codec'
import { DEDUP_TTL_SECONDS } from '../types'
import { runScript } from './run-script'
import {
  ATTEND_VISITORS,
  BACKFILL_CAMPAIGN_COUNTERS,
  PACKED_ROW_COLUMNS,
  PACKED_ROW_FIELD,
  PACKED_ROW_SEPARATOR,
  SEED_ATTENDANCE,
  SEED_CAMPAIGN_VISITORS,
  SEED_VISITORS,
} from './scripts'

/** A kiosk's attendance keys: all in the kiosk's slot (they are written by its push script). */
export interface KioskAttendanceKeys {
  rows: string
  stats: string
  visitors: string
  openids: string
  scenes: string
  campaignVisitors: string
}

/** A campaign's visitor hashes (its slot): visitors (openid → number), firsts, returning. */
export interface CampaignVisitorKeys {
  visitors: string
  firsts: string
  returning: string
}

/** A kiosk's scans, and those of them that counted in the campaign in scope. */
interface KioskInCampaign {
  id: string
  scans: number
  inCampaign: number
}

/** Cross-kiosk visitor keys: one slot (hash tag), written by ATTEND_VISITORS. */
export interface AttendanceVisitorKeys {
  people: string
  totals: string
  counted(eventId: string): string
}

const entriesSchema = streamEntrySchema.array()
const countsSchema = z.array(z.string().nullable())

/** The stream fields of an attendance row: the queue's fields and the fallback flag. */
export function attendanceFields(r: Omit<AttendanceRow, 'kioskId' | 'seq'>): string[] {
  const n =
    r.number === undefined
      ? null
      : { number: r.number, firstInCampaign: r.firstInCampaign ?? false }
  const fields = [...eventFields(r, n), 'fallback', r.fallback ? '1' : '0']
  if (r.campaignId !== undefined) fields.push('campaignId', r.campaignId)
  return fields
}

/** Slot field of the stats hash. */
export const slotField = (receivedAt: number): string => `s:${slotOf(receivedAt)}`

/**
 * A stream entry as a row, packed or field by field. Decoded by hand (a large export reads a
 * million): the same checks the schema would make, without an object and a parse per field.
 */
function toRow(kioskId: string, entry: unknown): AttendanceRow {
  if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !Array.isArray(entry[1])) {
    throw new Error('attendance entry malformed')
  }
  const f = entry[1] as unknown[]
  return rowOf(kioskId, Number(entry[0].split('-')[0]), packedValues(f) ?? fieldValues(f))
}

/** A packed entry's values (scripts.ts PACKED_ROW_COLUMNS), or null for a field-by-field one. */
function packedValues(f: readonly unknown[]): string[] | null {
  if (f.length !== 2 || f[0] !== PACKED_ROW_FIELD || typeof f[1] !== 'string') return null
  const v = f[1].split(PACKED_ROW_SEPARATOR)
  if (v.length !== PACKED_ROW_COLUMNS.length) throw new Error('attendance entry: bad packed row')
  return v
}

type Column = (typeof PACKED_ROW_COLUMNS)[number]
/** Positions in a packed row. */
const P = Object.fromEntries(PACKED_ROW_COLUMNS.map((c, i) => [c, i])) as Record<Column, number>
/** The columns every row has; the others (number, first-in-campaign, campaign) may be absent. */
const REQUIRED: readonly Column[] = [
  'id',
  'openid',
  'scene',
  'ticket',
  'fallback',
  'createTime',
  'receivedAt',
]

/** A field-by-field entry's values in the packed places ('' for an absent optional one). */
function fieldValues(f: readonly unknown[]): string[] {
  const v = new Array<string | undefined>(PACKED_ROW_COLUMNS.length)
  for (let i = 0; i + 1 < f.length; i += 2) {
    const name = f[i]
    const value = f[i + 1]
    if (typeof name === 'string' && typeof value === 'string' && Object.hasOwn(P, name)) {
      v[P[name as Column]] = value
    }
  }
  for (const name of REQUIRED) present(name, v[P[name]])
  return Array.from(v, (x) => x ?? '')
}

function rowOf(kioskId: string, seq: number, v: readonly string[]): AttendanceRow {
  const at = (name: Column): string => v[P[name]] ?? ''
  const event = at('event')
  if (event !== 'scan' && event !== 'subscribe') throw new Error('attendance entry: bad event')
  const row: AttendanceRow = {
    kioskId,
    seq,
    id: at('id'),
    event,
    openid: at('openid'),
    scene: at('scene'),
    ticket: at('ticket'),
    fallback: at('fallback') === '1',
    createTime: int('createTime', at('createTime')),
    receivedAt: int('receivedAt', at('receivedAt')),
  }
  if (at('number') !== '') row.number = int('number', at('number'))
  if (at('firstInCampaign') !== '') row.firstInCampaign = at('firstInCampaign') === '1'
  if (at('campaignId') !== '') row.campaignId = at('campaignId')
  return row
}

/** A row's stream fields as name/value pairs, packed or not (readers of a few fields). */
export function attendanceEntryFields(f: readonly string[]): string[] {
  const v = packedValues(f)
  if (v === null) return [...f]
  return PACKED_ROW_COLUMNS.flatMap((name, i) => (v[i] === '' ? [] : [name, v[i] ?? '']))
}

function present(name: string, v: string | undefined): string {
  if (v === undefined) throw new Error(`attendance entry without ${name}`)
  return v
}

function int(name: string, v: string | undefined): number {
  const n = Number(present(name, v))
  if (!Number.isSafeInteger(n)) throw new Error(`attendance entry: bad ${name}`)
  return n
}

const num = (v: string | null | undefined): number => (v ? Number(v) : 0)

/** Up to this many rows of a search are listed per kiosk and kind before paging. */
const SEARCH_BATCH = 10_000
/** Rows a backfill script counts per call (a few ms of Redis's time each). */
const BACKFILL_CHUNK = 1000
const backfillReply = z.tuple([z.number(), z.number()])
/** A string matched literally by a Redis glob (MATCH). */
const globEscape = (s: string): string => s.replace(/[*?[\]\\]/g, '\\$&')
/** Rows read per page when a campaign's rows are picked out of a kiosk's. */
const SCAN_PAGE = 1000
/** Every row of the kiosk is in scope. */
const wholeKiosk = (id: string): KioskInCampaign => ({ id, scans: 0, inCampaign: 0 })

export class RedisAttendance implements AttendanceReader {
  /**
   * Per kiosk, the sum of its slots of one local day (`day`, its first slot) before `upTo`,
   * closed for good when read (scansToday): one entry a kiosk, replaced on another day.
   */
  private readonly closedSlots = new Map<string, { day: number; upTo: number; sum: number }>()
  /** Moved by every forgetting (scansToday notes it when it starts). */
  private forgets = 0
  /** `forgets` when every kiosk was last forgotten: a read out meanwhile remembers nothing. */
  private allForgottenAt = 0
  /** Per kiosk, `forgets` when it was last forgotten: a read out meanwhile does not remember it. */
  private readonly forgottenAt = new Map<string, number>()

  constructor(
    private readonly redis: RedisClient,
    private readonly keysOf: (kioskId: string) => KioskAttendanceKeys,
    private readonly visitorKeys: AttendanceVisitorKeys,
    /** Every kiosk id the store knows (attendance rows only exist for those). */
    private readonly kioskIds: () => Promise<string[]>,
    /** The kiosk hash, whose headSeq `seed` moves past the seeded rows. */
    private readonly kioskKey: (kioskId: string) => string,
    private readonly campaignKeys: (campaignId: string) => CampaignVisitorKeys,
    /**
     * The kiosks' erased seqs (seq → pseudonym, erasures.ts) and the marker of the kiosks that
     * may have some (keys.ts `erasedKiosks`): rows read are given the pseudonym in place of the
     * openid. Absent: nothing is ever erased here.
     */
    private readonly erased?: { key: (kioskId: string) => string; marker: string },
  ) {}

  /**
   * The rows with the pseudonym of an erased visitor in place of their openid (pseudonymsOf),
   * asked of the kiosks the marker names only, after the rows were read: with nobody erased
   * there, one command for the page whatever its kiosks.
   */
  private async unerased(rows: AttendanceRow[]): Promise<AttendanceRow[]> {
    const erased = this.erased
    if (erased === undefined || rows.length === 0) return rows
    const byKiosk = new Map<string, AttendanceRow[]>()
    for (const r of rows) {
      let list = byKiosk.get(r.kioskId)
      if (list === undefined) byKiosk.set(r.kioskId, (list = []))
      list.push(r)
    }
    const marked = await kiosksWithErasures(this.redis, erased.marker, [...byKiosk.keys()])
    const pseudonyms = await pseudonymsOf(this.redis, erased.key, [...byKiosk], (id) =>
      marked.has(id),
    )
    if (pseudonyms.size === 0) return rows
    return rows.map((r) => pseudonyms.get(r) ?? r)
  }

  /**
   * A Cluster push's last step: distinct visitors and returning ones, and the scan in its slot
   * across kiosks (once per event id, however often a retry runs this).
   */
  async countVisitor(openid: string, eventId: string, receivedAt: number): Promise<void> {
    const k = this.visitorKeys
    await runScript(
      this.redis,
      ATTEND_VISITORS,
      [k.people, k.totals, k.counted(eventId)],
      [openid, eventId, slotField(receivedAt), String(DEDUP_TTL_SECONDS)],
    )
  }

  /** Kiosk ids in scope, sorted; a campaign's are `inCampaign`'s. */
  private async scopeIds(scope: AttendanceScope): Promise<string[]> {
    if (scope.campaignId !== undefined) {
      return (await this.inCampaign(scope.campaignId)).map((k) => k.id)
    }
    const ids = scope.kioskIds === null ? await this.kioskIds() : [...new Set(scope.kioskIds)]
    return ids.sort()
  }

  /** The kiosks with a row that counted in the campaign, by id, and their counts. */
  private async inCampaign(campaignId: string): Promise<KioskInCampaign[]> {
    const all = (await this.kioskIds()).sort()
    const replies = await perKioskReads(
      this.redis,
      all.map((id): Command => ['hmget', this.keysOf(id).stats, 'scans', `c:${campaignId}:scans`]),
    )
    const out: KioskInCampaign[] = []
    all.forEach((id, i) => {
      const [scans, inCampaign] = countsSchema.parse(replies[i])
      if (num(inCampaign) > 0) out.push({ id, scans: num(scans), inCampaign: num(inCampaign) })
    })
    return out
  }

  /**
   * Builds the campaign counters of rows a relay stored before it kept them (once per store;
   * `marker` says it is done): each kiosk's, in chunks that each count their rows and move the
   * kiosk's progress mark in one script, then each campaign's returning visitors, from the
   * kiosks' campaign visitor hashes (a set-if-absent: a second run, or a push meanwhile, adds
   * nothing twice). Returns the rows counted.
   */
  async backfillCampaignCounters(
    marker: string,
    campaignIds: () => Promise<string[]>,
  ): Promise<number> {
    if ((await this.redis.get(marker)) === 'done') return 0
    const kiosks = await this.kioskIds()
    let counted = 0
    for (const id of kiosks) {
      const k = this.keysOf(id)
      for (;;) {
        const reply = await runScript(
          this.redis,
          BACKFILL_CAMPAIGN_COUNTERS,
          [k.rows, k.stats, k.campaignVisitors, this.kioskKey(id)],
          [String(BACKFILL_CHUNK)],
        )
        const [n, done] = backfillReply.parse(reply)
        counted += n
        if (done === 1) break
      }
    }
    for (const campaignId of await campaignIds()) {
      const prefix = `${campaignId}\0`
      const scans = new Map<string, number>()
      for (const id of kiosks) {
        let cursor = '0'
        do {
          const [next, flat] = await this.redis.hscan(
            this.keysOf(id).campaignVisitors,
            cursor,
            'MATCH',
            `${globEscape(prefix)}*`,
            'COUNT',
            1000,
          )
          cursor = next
          for (let i = 0; i + 1 < flat.length; i += 2) {
            const openid = (flat[i] as string).slice(prefix.length)
            scans.set(openid, (scans.get(openid) ?? 0) + Number(flat[i + 1]))
          }
        } while (cursor !== '0')
      }
      const returning = [...scans].filter(([, n]) => n >= 2).map(([openid]) => openid)
      const key = this.campaignKeys(campaignId).returning
      for (let i = 0; i < returning.length; i += 1000) {
        const p = this.redis.pipeline()
        for (const openid of returning.slice(i, i + 1000)) p.hsetnx(key, openid, 'backfill')
        await execPipeline(p)
      }
    }
    await this.redis.set(marker, 'done')
    return counted
  }

  async stats(scope: AttendanceScope, today: DayWindow): Promise<ConsoleStats> {
    if (scope.campaignId !== undefined) {
      return this.campaignStats(scope.campaignId, scope.booths, today)
    }
    const all = await this.kioskIds()
    const ids = await this.scopeIds(scope)
    const slots: string[] = []
    for (let at = slotOf(today.start); at < today.end; at += SLOT_MS) slots.push(`s:${at}`)
    const outside = all.filter((id) => !ids.includes(id))
    // Every kiosk: the day's slots are read from the cross-kiosk totals the push keeps (one
    // hash), not from each kiosk's (200 kiosks × 144 slots was most of this call's cost).
    const whole = outside.length === 0
    const kioskFields = ['scans', 'visitors', 'newFollowers', ...(whole ? [] : slots)]
    const replies = await perKioskReads(this.redis, [
      ...ids.map((id): Command => ['hmget', this.keysOf(id).stats, ...kioskFields]),
      ...outside.map((id): Command => ['hget', this.keysOf(id).stats, 'scans']),
      ['hmget', this.visitorKeys.totals, 'visitors', 'returning', ...(whole ? slots : [])],
    ])
    const counts = replies.slice(0, ids.length)
    const outsideScans = replies
      .slice(ids.length, ids.length + outside.length)
      .map((v) => z.string().nullable().parse(v))
    const totals = countsSchema.parse(replies[replies.length - 1])
    const perKiosk: ConsoleStats['perKiosk'] = []
    const bySlot = new Map<number, number>()
    const addSlots = (v: (string | null)[], from: number) => addSlotCounts(bySlot, slots, v, from)
    let newFollowers = 0
    ids.forEach((id, i) => {
      const v = countsSchema.parse(counts[i])
      // Every scan's stats list the kiosks with scans (as SQLite's); kiosks named, each one.
      if (scope.kioskIds !== null || num(v[0]) > 0) {
        perKiosk.push({ id, scans: num(v[0]), visitors: num(v[1]) })
      }
      newFollowers += num(v[2])
      if (!whole) addSlots(v, 3)
    })
    if (whole) addSlots(totals, 2)
    const elsewhere = outsideScans.some((v) => num(v) > 0)
    let visitors: number
    let returning: number
    if (!elsewhere) {
      visitors = num(totals[0])
      returning = num(totals[1])
    } else {
      ;({ visitors, returning } = await this.unionVisitors(ids))
    }
    return statsOf(perKiosk, { visitors, returning, newFollowers }, today, bySlot)
  }

  /**
   * The rows that counted in one campaign: each kiosk's `c:<id>:` counters and slots, and the
   * campaign's visitors and returning visitors from its own slot.
   */
  private async campaignStats(
    campaignId: string,
    booths: readonly string[],
    today: DayWindow,
  ): Promise<ConsoleStats> {
    const c = `c:${campaignId}:`
    const slots: string[] = []
    for (let at = slotOf(today.start); at < today.end; at += SLOT_MS) slots.push(`s:${at}`)
    // The kiosks with a scan in it (two fields each), then their counters and slots.
    const withScans = (await this.inCampaign(campaignId)).map((k) => k.id)
    const all = [...new Set([...withScans, ...booths])].sort()
    const fields = ['scans', 'visitors', 'newFollowers', ...slots].map((f) => c + f)
    const keys = this.campaignKeys(campaignId)
    const [replies, visitors, returning] = await Promise.all([
      perKioskReads(
        this.redis,
        all.map((id): Command => ['hmget', this.keysOf(id).stats, ...fields]),
      ),
      this.redis.hlen(keys.visitors),
      this.redis.hlen(keys.returning),
    ])
    const perKiosk: ConsoleStats['perKiosk'] = []
    const bySlot = new Map<number, number>()
    let newFollowers = 0
    all.forEach((id, i) => {
      const v = countsSchema.parse(replies[i])
      perKiosk.push({ id, scans: num(v[0]), visitors: num(v[1]) })
      newFollowers += num(v[2])
      addSlotCounts(bySlot, slots, v, 3)
    })
    return statsOf(perKiosk, { visitors, returning, newFollowers }, today, bySlot)
  }

  /** Some kiosks only: their visitor hashes merged (cost grows with the scope's visitors). */
  private async unionVisitors(ids: string[]): Promise<{ visitors: number; returning: number }> {
    const scans = new Map<string, number>()
    for (const id of ids) {
      let cursor = '0'
      do {
        const [next, flat] = await this.redis.hscan(this.keysOf(id).visitors, cursor, 'COUNT', 5000)
        cursor = next
        for (let i = 0; i + 1 < flat.length; i += 2) {
          const openid = flat[i] as string
          // An erased visitor's pseudonym is no visitor (their scans count as scans only).
          if (isErasedOpenid(openid)) continue
          scans.set(openid, (scans.get(openid) ?? 0) + Number(flat[i + 1]))
        }
      } while (cursor !== '0')
    }
    let returning = 0
    for (const n of scans.values()) if (n >= 2) returning++
    return { visitors: scans.size, returning }
  }

  /**
   * Each kiosk's slots in `today`. With `today.closedBefore`, the sum of a kiosk's slots before
   * it (closed for good) is remembered, per kiosk and day, and later calls read only the slots
   * from where that sum ends: on the booths page (refreshed about once a second while scans
   * flow), a few fields a booth rather than the whole day so far (2,000 booths × up to 144
   * slots was most of Redis's time). The answers are those of the full read.
   */
  async scansToday(kioskIds: readonly string[], today: DaySoFar): Promise<Map<string, number>> {
    const day = slotOf(today.start)
    // Clamped to the window: just after midnight, nothing of the new day is closed yet.
    const closed =
      today.closedBefore === undefined
        ? day
        : Math.max(day, Math.min(slotOf(today.closedBefore), today.end))
    const started = this.forgets
    const from = kioskIds.map((id) => {
      const known = this.closedSlots.get(id)
      // Another day, or a clock that went back: the day is read again from its start.
      return known !== undefined && known.day === day && known.upTo <= closed ? known : null
    })
    const replies = await perKioskReads(
      this.redis,
      kioskIds.map((id, i): Command => {
        const fields: string[] = []
        for (let at = from[i]?.upTo ?? day; at < today.end; at += SLOT_MS) fields.push(`s:${at}`)
        return ['hmget', this.keysOf(id).stats, ...fields]
      }),
    )
    const out = new Map<string, number>()
    kioskIds.forEach((id, i) => {
      const start = from[i]?.upTo ?? day
      let sum = from[i]?.sum ?? 0
      let open = 0
      countsSchema.parse(replies[i]).forEach((v, j) => {
        if (start + j * SLOT_MS < closed) sum += num(v)
        else open += num(v)
      })
      out.set(id, sum + open)
      // Not after a resync (or a seed), or the kiosk forgotten, while this read was out.
      if (today.closedBefore !== undefined && !this.forgottenSince(started, id)) {
        this.closedSlots.set(id, { day, upTo: closed, sum })
      }
    })
    return out
  }

  /**
   * Forgets the remembered sums of closed slots: a kiosk's (its token changed or it was
   * revoked), or every kiosk's (a resync: the store may have changed unheard).
   */
  forgetClosedSlots(kioskId?: string): void {
    this.forgets++
    if (kioskId !== undefined) {
      this.closedSlots.delete(kioskId)
      this.forgottenAt.set(kioskId, this.forgets)
      return
    }
    this.closedSlots.clear()
    // Every kiosk's mark is older now: one number says it.
    this.forgottenAt.clear()
    this.allForgottenAt = this.forgets
  }

  /** Whether the kiosk was forgotten (alone or with every kiosk) after `forgets` was `started`. */
  private forgottenSince(started: number, kioskId: string): boolean {
    return this.allForgottenAt > started || (this.forgottenAt.get(kioskId) ?? 0) > started
  }

  async page(q: AttendanceQuery): Promise<AttendancePage> {
    // One day's rows: the Streams are by seq, not by time; read in scope and filtered (rows
    // gives erased visitors' rows their pseudonym).
    if (q.window !== undefined) return filteredPage(this.rows(q, SCAN_PAGE), q)
    const page = await this.pageOf(q)
    return { ...page, rows: await this.unerased(page.rows) }
  }

  private async pageOf(q: AttendanceQuery): Promise<AttendancePage> {
    if (q.campaignId !== undefined) {
      const kiosks = await this.inCampaign(q.campaignId)
      return q.search === ''
        ? this.plainPage(kiosks, q)
        : this.searchPage(kiosks, { ...q, campaignId: q.campaignId })
    }
    const ids = await this.scopeIds(q)
    if (q.search !== '') return this.searchPage(ids.map(wholeKiosk), q)
    const lens = (
      await perKioskReads(
        this.redis,
        ids.map((id): Command => ['xlen', this.keysOf(id).rows]),
      )
    ).map((n) => z.number().parse(n))
    return this.plainPage(
      ids.map((id, i) => ({ id, scans: lens[i] ?? 0, inCampaign: lens[i] ?? 0 })),
      q,
    )
  }

  /**
   * One field of the kiosk's campaign visitors hash (`<campaign>\0<openid>` → the visitor's
   * scans there in that campaign; a campaign id has no NUL, so the field names one pair),
   * which the push's script writes with the row.
   */
  async hasScan(kioskId: string, openid: string, campaignId: string): Promise<boolean> {
    const scans = await this.redis.hget(
      this.keysOf(kioskId).campaignVisitors,
      `${campaignId}\0${openid}`,
    )
    return num(scans) > 0
  }

  /** A page of the kiosks' rows (of the campaign in scope, `inCampaign` of each). */
  private async plainPage(
    kiosks: readonly KioskInCampaign[],
    q: AttendanceQuery,
  ): Promise<AttendancePage> {
    const total = kiosks.reduce((a, k) => a + k.inCampaign, 0)
    const rows: AttendanceRow[] = []
    let skip = q.offset
    for (const k of kiosks) {
      if (rows.length >= q.limit) break
      if (skip >= k.inCampaign) {
        skip -= k.inCampaign
        continue
      }
      const want = q.limit - rows.length
      rows.push(
        ...(q.campaignId === undefined || k.inCampaign === k.scans
          ? await this.rowsAt(k.id, skip, want)
          : await this.campaignRowsAt(k.id, q.campaignId, skip, want)),
      )
      skip = 0
    }
    return { total, rows }
  }

  /**
   * `count` rows of the campaign at a kiosk whose rows count in several, from the campaign's
   * row `skip`: read in order and filtered (the cost grows with the kiosk's rows before them).
   */
  private async campaignRowsAt(
    kioskId: string,
    campaignId: string,
    skip: number,
    count: number,
  ): Promise<AttendanceRow[]> {
    const out: AttendanceRow[] = []
    for await (const page of this.kioskRows(kioskId, SCAN_PAGE)) {
      for (const r of page) {
        if (r.campaignId !== campaignId) continue
        if (skip > 0) skip--
        else out.push(r)
        if (out.length === count) return out
      }
    }
    return out
  }

  /** A kiosk's rows in pages, in seq order. */
  private async *kioskRows(kioskId: string, pageSize: number): AsyncIterable<AttendanceRow[]> {
    const key = this.keysOf(kioskId).rows
    let start = '-'
    for (;;) {
      const got = entriesSchema.parse(await this.redis.xrange(key, start, '+', 'COUNT', pageSize))
      const rows = got.map((e) => toRow(kioskId, e))
      const last = rows[rows.length - 1]
      if (last === undefined) return
      yield rows
      if (rows.length < pageSize) return
      start = `(${last.seq}-0`
    }
  }

  /**
   * `count` rows of the kiosk from position `skip`. Seqs are consecutive (each stored event
   * takes the next), so the position is an entry id; checked, with a scan as the fallback.
   */
  private async rowsAt(kioskId: string, skip: number, count: number): Promise<AttendanceRow[]> {
    const key = this.keysOf(kioskId).rows
    const first = entriesSchema.parse(await this.redis.xrange(key, '-', '+', 'COUNT', 1))[0]
    if (first === undefined) return []
    const at = Number(first[0].split('-')[0]) + skip
    const got = entriesSchema.parse(await this.redis.xrange(key, `${at}-0`, '+', 'COUNT', count))
    if (got[0]?.[0] === `${at}-0`) return got.map((e) => toRow(kioskId, e))
    const scanned = entriesSchema.parse(
      await this.redis.xrange(key, '-', '+', 'COUNT', skip + count),
    )
    return scanned.slice(skip).map((e) => toRow(kioskId, e))
  }

  /**
   * Seqs matching the search in each kiosk, from its openid and scene indexes (and the seqs of
   * `q.visitors` there: visitorSeqs); at a kiosk whose rows count in several campaigns, the
   * matching rows are read to keep the campaign's.
   */
  private async searchPage(
    kiosks: readonly KioskInCampaign[],
    q: AttendanceQuery,
  ): Promise<AttendancePage> {
    const ids = kiosks.map((k) => k.id)
    const [lo, hi] = lexPrefix(q.search)
    const [replies, visitorSeqs] = await Promise.all([
      perKioskReads(
        this.redis,
        ids.flatMap((id): Command[] => {
          const k = this.keysOf(id)
          return [
            ['xlen', k.rows],
            ['zrangebylex', k.openids, lo, hi, 'LIMIT', '0', String(SEARCH_BATCH)],
            ['zrangebylex', k.scenes, lo, hi, 'LIMIT', '0', String(SEARCH_BATCH)],
          ]
        }),
      ),
      this.visitorSeqs(ids, q.visitors ?? []),
    ])
    /** A kiosk's matches: all its rows in scope (`seqs` null), some seqs, or rows read. */
    interface Match {
      kiosk: KioskInCampaign
      seqs: number[] | null
      rows?: AttendanceRow[]
      n: number
    }
    const matches: Match[] = []
    const campaignId = q.campaignId
    for (const [i, kiosk] of kiosks.entries()) {
      if (kiosk.id === q.search) {
        const n = campaignId === undefined ? z.number().parse(replies[3 * i]) : kiosk.inCampaign
        matches.push({ kiosk, seqs: null, n })
        continue
      }
      const found = new Set<number>(visitorSeqs[i])
      for (const j of [1, 2]) {
        for (const m of z.array(z.string()).parse(replies[3 * i + j])) {
          found.add(Number(m.slice(m.lastIndexOf('\0') + 1)))
        }
      }
      if (found.size === 0) continue
      const seqs = [...found].sort((a, b) => a - b)
      if (campaignId === undefined || kiosk.inCampaign === kiosk.scans) {
        matches.push({ kiosk, seqs, n: seqs.length })
        continue
      }
      const rows = (await this.rowsOfSeqs(kiosk.id, seqs)).filter(
        (r) => r.campaignId === campaignId,
      )
      if (rows.length > 0) matches.push({ kiosk, seqs, rows, n: rows.length })
    }
    const total = matches.reduce((n, m) => n + m.n, 0)
    const rows: AttendanceRow[] = []
    let skip = q.offset
    for (const m of matches) {
      if (rows.length >= q.limit) break
      if (skip >= m.n) {
        skip -= m.n
        continue
      }
      const want = q.limit - rows.length
      const k = m.kiosk
      if (m.rows !== undefined) rows.push(...m.rows.slice(skip, skip + want))
      else if (m.seqs !== null)
        rows.push(...(await this.rowsOfSeqs(k.id, m.seqs.slice(skip, skip + want))))
      else if (campaignId !== undefined && k.inCampaign !== k.scans) {
        rows.push(...(await this.campaignRowsAt(k.id, campaignId, skip, want)))
      } else rows.push(...(await this.rowsAt(k.id, skip, want)))
      skip = 0
    }
    return { total, rows }
  }

  /**
   * The seqs of the rows of `openids` at each kiosk: which of them scanned there (the kiosk's
   * visitors hash, one read a kiosk), then the openid index's entries of each who did (at most
   * SEARCH_BATCH each), so the reads follow the rows found, not kiosks × openids.
   */
  private async visitorSeqs(
    ids: readonly string[],
    openids: readonly string[],
  ): Promise<number[][]> {
    const seqs = ids.map((): number[] => [])
    if (openids.length === 0) return seqs
    const counts = await perKioskReads(
      this.redis,
      ids.map((id): Command => ['hmget', this.keysOf(id).visitors, ...openids]),
    )
    const present: { at: number; openid: string }[] = []
    ids.forEach((_, i) => {
      countsSchema.parse(counts[i]).forEach((n, j) => {
        if (num(n) > 0) present.push({ at: i, openid: openids[j] as string })
      })
    })
    const entries = await perKioskReads(
      this.redis,
      present.map(({ at, openid }): Command => {
        const [lo, hi] = lexPrefix(`${openid}\0`)
        const key = this.keysOf(ids[at] as string).openids
        return ['zrangebylex', key, lo, hi, 'LIMIT', '0', String(SEARCH_BATCH)]
      }),
    )
    present.forEach(({ at }, i) => {
      for (const m of z.array(z.string()).parse(entries[i])) {
        seqs[at]?.push(Number(m.slice(m.lastIndexOf('\0') + 1)))
      }
    })
    return seqs
  }

  /** The kiosk's rows of these seqs (one key: a pipeline even on a Cluster). */
  private async rowsOfSeqs(kioskId: string, seqs: readonly number[]): Promise<AttendanceRow[]> {
    const key = this.keysOf(kioskId).rows
    const p = this.redis.pipeline()
    for (const seq of seqs) p.xrange(key, `${seq}-0`, `${seq}-0`)
    const rows: AttendanceRow[] = []
    for (const r of await execPipeline(p)) {
      const e = entriesSchema.parse(r)[0]
      if (e !== undefined) rows.push(toRow(kioskId, e))
    }
    return rows
  }

  /**
   * Each kiosk's Stream in pages of `pageSize`, with the next page (or the next kiosk's first)
   * already asked for while the caller formats this one: the export then waits on Redis only
   * when it formats faster than Redis answers. One key per command: Cluster-safe.
   */
  async *rows(scope: AttendanceScope, pageSize: number): AsyncIterable<AttendanceRow[]> {
    const ids = await this.scopeIds(scope)
    // A campaign's rows: its kiosks' rows, those that counted in another campaign left out.
    const campaignId = scope.campaignId
    const keep = (rows: AttendanceRow[]): AttendanceRow[] =>
      campaignId === undefined ? rows : rows.filter((r) => r.campaignId === campaignId)
    // Each page is asked for before the one before it is handed over, and waits unawaited while
    // the consumer writes that one (to a slow browser: seconds). Its failure then (Redis gone)
    // reaches the consumer when it asks for the page, or goes with the page unread when the
    // consumer stops early; handled from the start, or it would be an unhandled rejection
    // meanwhile, which ends the relay.
    const fetch = (k: number, start: string): Promise<unknown[]> => {
      const read = this.redis.xrange(
        this.keysOf(ids[k] as string).rows,
        start,
        '+',
        'COUNT',
        pageSize,
      )
      read.catch(() => {})
      return read
    }
    let k = 0
    let pending: Promise<unknown[]> | null = ids.length > 0 ? fetch(0, '-') : null
    while (pending !== null) {
      const got = await pending
      pending = null
      const id = ids[k] as string
      const rows = got.map((e) => toRow(id, e))
      if (got.length === pageSize) {
        pending = fetch(k, `(${(rows[rows.length - 1] as AttendanceRow).seq}-0`)
      } else if (++k < ids.length) {
        pending = fetch(k, '-')
      }
      const kept = keep(rows)
      // Erased visitors' rows given their pseudonyms, asked after the page was read (asked
      // before, an erasure finishing meanwhile would leave its openid in the page).
      if (kept.length > 0) yield await this.unerased(kept)
    }
  }

  /** The rows are written with the push's own script: nothing is ever behind. */
  settled(): Promise<void> {
    return Promise.resolve()
  }

  backlog(): Promise<number> {
    return Promise.resolve(0)
  }

  async seed(rows: readonly AttendanceRow[]): Promise<void> {
    try {
      await this.seedRows(rows)
    } finally {
      // Rows in any slot, closed ones included: what a read remembered meanwhile is forgotten.
      this.forgetClosedSlots()
    }
  }

  private async seedRows(rows: readonly AttendanceRow[]): Promise<void> {
    const byKiosk = new Map<string, AttendanceRow[]>()
    for (const r of rows) {
      let list = byKiosk.get(r.kioskId)
      if (list === undefined) byKiosk.set(r.kioskId, (list = []))
      list.push(r)
    }
    // One script per kiosk (its keys share a slot) and one for the visitors' slot, run
    // side by side rather than in one pipeline, which a cluster refuses across slots.
    const writes: Promise<unknown>[] = []
    for (const [kioskId, list] of byKiosk) {
      const k = this.keysOf(kioskId)
      const args: string[] = []
      for (const r of list) {
        const fields = attendanceFields(r)
        args.push(String(r.seq), slotField(r.receivedAt), r.openid, r.scene, r.event)
        args.push(String(fields.length), ...fields)
      }
      const keys = [
        k.rows,
        k.stats,
        k.visitors,
        k.openids,
        k.scenes,
        k.campaignVisitors,
        this.kioskKey(kioskId),
      ]
      writes.push(this.redis.eval(SEED_ATTENDANCE, keys.length, ...keys, ...args))
    }
    const v = this.visitorKeys
    const slots = new Map<string, number>()
    for (const r of rows)
      slots.set(slotField(r.receivedAt), (slots.get(slotField(r.receivedAt)) ?? 0) + 1)
    const args = [String(rows.length), ...rows.flatMap((r) => [r.openid, r.id])]
    for (const [slot, n] of slots) args.push(slot, String(n))
    writes.push(this.redis.eval(SEED_VISITORS, 2, v.people, v.totals, ...args))
    const byCampaign = new Map<string, string[]>()
    for (const r of rows) {
      if (r.campaignId === undefined) continue
      let pairs = byCampaign.get(r.campaignId)
      if (pairs === undefined) byCampaign.set(r.campaignId, (pairs = []))
      pairs.push(r.openid, r.id)
    }
    for (const [campaignId, pairs] of byCampaign) {
      const c = this.campaignKeys(campaignId)
      writes.push(
        this.redis.eval(SEED_CAMPAIGN_VISITORS, 3, c.visitors, c.firsts, c.returning, ...pairs),
      )
    }
    await Promise.all(writes)
  }
}

export type Command = [name: string, ...args: (string | Buffer)[]]

/** The field of `erasedKiosks` saying every kiosk with erased seqs is in it (no kiosk id). */
export const ERASED_KIOSKS_BUILT = '\0built'

/**
 * The kiosk replay's and the console's one way to hide erased visitors (erasures.ts): per
 * kiosk, the rows (queue entries or attendance rows) read there, each given the pseudonym its
 * seq has in the kiosk's erased seqs. One HMGET per kiosk, in one pipeline (a Cluster: one
 * command each), and only for kiosks `mayHold` says may hold one: the caller asks that after
 * its rows were read (the replay: HLEN in its XRANGE's pipeline; the console: the
 * `erasedKiosks` marker, `kiosksWithErasures`), and an erasure marks a kiosk before it writes
 * the first seq there, so a kiosk said to hold none held none when its rows were read: an
 * erasure finishing later is one the read came before (as if the read had come a moment
 * earlier), never one whose seqs it missed. Returns the rows, those of erased visitors copied
 * with the pseudonym.
 */
export async function pseudonymsOf<R extends { seq: number; openid: string }>(
  redis: RedisClient,
  erasedKey: (kioskId: string) => string,
  byKiosk: ReadonlyArray<readonly [kioskId: string, rows: readonly R[]]>,
  mayHold: (kioskId: string) => boolean,
): Promise<Map<R, R>> {
  const asked = byKiosk.filter(([id, rows]) => rows.length > 0 && mayHold(id))
  const out = new Map<R, R>()
  if (asked.length === 0) return out
  const replies = await perKioskReads(
    redis,
    asked.map(([id, rows]): Command => ['hmget', erasedKey(id), ...rows.map((r) => String(r.seq))]),
  )
  asked.forEach(([, rows], i) => {
    countsSchema.parse(replies[i]).forEach((p, j) => {
      const r = rows[j]
      if (p !== null && r !== undefined) out.set(r, { ...r, openid: p })
    })
  })
  return out
}

/**
 * Which of these kiosks may hold erased seqs (one HMGET of the `erasedKiosks` marker); every
 * one of them while the marker is not built yet (a store from before it: `buildErasedKiosks`).
 */
export async function kiosksWithErasures(
  redis: RedisClient,
  markerKey: string,
  kioskIds: readonly string[],
): Promise<Set<string>> {
  if (kioskIds.length === 0) return new Set()
  const [built, ...marks] = countsSchema.parse(
    await redis.hmget(markerKey, ERASED_KIOSKS_BUILT, ...kioskIds),
  )
  if (built === null) return new Set(kioskIds)
  return new Set(kioskIds.filter((_, i) => marks[i] !== null))
}

/**
 * Fills the `erasedKiosks` marker from the kiosks' erased seqs, once per store (erasures made
 * before it was kept): one HLEN per kiosk. Erasures meanwhile mark their kiosks themselves,
 * except those of a relay from before the marker still running beside this one (instances
 * upgraded one at a time): `again` looks once more at a marker already built (the store's slow
 * round), so such a kiosk's erased rows are shown with their pseudonyms within that round.
 */
export async function buildErasedKiosks(
  redis: RedisClient,
  markerKey: string,
  kioskIds: readonly string[],
  erasedKey: (kioskId: string) => string,
  again = false,
): Promise<void> {
  if (!again && (await redis.hexists(markerKey, ERASED_KIOSKS_BUILT)) === 1) return
  const lens = await perKioskReads(
    redis,
    kioskIds.map((id): Command => ['hlen', erasedKey(id)]),
  )
  const held = kioskIds.filter((_, i) => z.number().parse(lens[i]) > 0)
  await redis.hset(markerKey, {
    ...Object.fromEntries(held.map((id) => [id, '1'])),
    [ERASED_KIOSKS_BUILT]: '1',
  })
}

/** ZRANGEBYLEX's bounds of the members that start with `prefix` (0xff sorts after any UTF-8). */
function lexPrefix(prefix: string): [Buffer, Buffer] {
  const lo = Buffer.from(`[${prefix}`)
  return [lo, Buffer.concat([lo, Buffer.from([0xff])])]
}

/** Adds the counts of slot fields `slots` (`s:<ms>`), read at `values[from…]`, into `bySlot`. */
function addSlotCounts(
  bySlot: Map<number, number>,
  slots: readonly string[],
  values: readonly (string | null | undefined)[],
  from: number,
): void {
  slots.forEach((s, j) => {
    const n = num(values[from + j])
    const at = Number(s.slice(2))
    if (n > 0) bySlot.set(at, (bySlot.get(at) ?? 0) + n)
  })
}

function statsOf(
  perKiosk: ConsoleStats['perKiosk'],
  t: { visitors: number; returning: number; newFollowers: number },
  today: DayWindow,
  bySlot: ReadonlyMap<number, number>,
): ConsoleStats {
  return {
    scans: perKiosk.reduce((n, k) => n + k.scans, 0),
    visitors: t.visitors,
    newFollowers: t.newFollowers,
    returning: t.returning,
    perKiosk,
    timeline: dayTimeline(today, bySlot),
  }
}

/**
 * Reads over many kiosks' keys. A single Redis: one pipeline (one write, one round trip). A
 * Cluster refuses a pipeline spanning slots served by different nodes, and kiosks' keys are
 * spread over them: the commands go side by side, each to its slot's node.
 */
export async function perKioskReads(redis: RedisClient, commands: Command[]): Promise<unknown[]> {
  if (redis instanceof Cluster) {
    return Promise.all(commands.map(([name, ...args]) => redis.call(name, ...args)))
  }
  return execPipeline(redis.pipeline(commands))
}

/** A pipeline's replies, failing on the first command that failed. */
async function execPipeline(pipe: ReturnType<Redis['pipeline']>): Promise<unknown[]> {
  const results = (await pipe.exec()) ?? []
  return results.map(([err, value]) => {
    if (err) throw err
    return value
  })
}

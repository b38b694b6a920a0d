/**
 * A stand-in for the relay's console side, for browser tests of the BUILT console (out/console):
 * the files with the relay's CSP and headers, and the console API's contract shapes
 * (shared/console-api.ts) from memory — one organizer, a few booths, a 100,000-row attendance
 * table made up on demand, and a server-sent event stream the test drives with `scan()`.
 * Campaigns (issue 19): one to start with, created and saved through the contract's schema,
 * booths assigned with `PUT /kiosks/<id>`, and rosters parsed by the kiosk's own importer.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { extname, resolve, sep } from 'node:path'
import type { Page } from 'playwright-core'
import { z } from 'zod'
import {
  CAMPAIGN_DEFAULTS,
  campaignInputSchema,
  ROSTER_CONTENT_TYPES,
  type ConsoleCampaign,
  type ConsoleRosterEntry,
  type ConsoleRosterUpload,
} from '../../console/src/api/campaign-contract'
import { parseRosterFile } from '../../shared/roster/roster-import'
import { rosterMatchKey } from '../../shared/roster/roster-input'
import {
  addKioskRequestSchema,
  loginRequestSchema,
  updateKioskRequestSchema,
  PAIRING_ALPHABET,
  PAIRING_CODE_TTL_MS,
  type ConsoleAttendanceRow,
  type ConsoleKiosk,
  type ConsoleStats,
} from '../../shared/console-api'
import { noFollowUpCounts } from '../../shared/follow-up-api'

export const CONSOLE_DIR = resolve(import.meta.dirname, '../../out/console')
/** What the relay sends with every console page (org18's relay/console static handler). */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

export const ORGANIZER = { name: 'alice', password: 'correct horse battery' }
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
}

export function assertConsoleBuilt(): void {
  if (!existsSync(resolve(CONSOLE_DIR, 'index.html'))) {
    throw new Error(
      'out/console is missing: run `npx vite build --config console/vite.config.ts` (npm test does)',
    )
  }
}

/** A pairing code as the relay makes them (no look-alike characters). */
function newCode(): string {
  return Array.from(randomBytes(8), (b) => PAIRING_ALPHABET[b % PAIRING_ALPHABET.length]).join('')
}

/** The roster names the made-up rows' visitors have (a long one to be cut off). */
export const ROSTER_NAMES = ['王小明', '李雷', 'Alexandra Montgomery-Whitfield', '韩梅梅'] as const

/**
 * Row `i` of the made-up attendance: three booths, a subscribe every seventh scan; a row with a
 * number has a roster name unless `i` is a multiple of 3 (a visitor no desk matched).
 */
export function attendanceRow(
  i: number,
  boothIds: readonly string[] = ['hall-a', 'hall-b', 'gate-east'],
): ConsoleAttendanceRow {
  const kioskId = boothIds[i % boothIds.length] ?? 'hall-a'
  const at = Date.UTC(2026, 11, 2, 1, 0) + i * 1500
  return {
    kioskId,
    eventId: `evt-${i}`,
    openid: `oUpF8uMuAJO_M2pxb1Q9zNjW${String(i).padStart(6, '0')}`,
    event: i % 7 === 0 ? 'subscribe' : 'scan',
    scene: `${kioskId}:${(i * 7919).toString(36)}`,
    ticket: `gQH47joAAAAAAAAAASxodHRwOi8v${i}`,
    fallback: i % 97 === 0,
    scannedAt: at,
    receivedAt: at + 40,
    number: i % 5 === 0 ? null : Math.floor(i / 2) + 1,
    name: i % 5 === 0 || i % 3 === 0 ? null : (ROSTER_NAMES[i % ROSTER_NAMES.length] ?? null),
  }
}

/** The campaign the booths start on. */
export const EXPO: ConsoleCampaign = {
  id: 'expo-2026',
  name: '2026 春季博览会',
  startsAt: '2026-12-01',
  endsAt: '2026-12-03',
  rotationSeconds: 60,
  ticketTtlSeconds: 600,
  mode: 'booth',
  greetings: {
    'zh-CN': { ...CAMPAIGN_DEFAULTS.greetings['zh-CN'] },
    en: { ...CAMPAIGN_DEFAULTS.greetings.en },
  },
  reply: { subscribe: '感谢关注！', scan: '签到成功' },
  tag: null,
  followUp: null,
  stamps: [],
  screenKey: 'wK3pZ8sQ1vR5tY7uI9oP2aS4dF6gH8jK',
}

export interface FakeConsoleRelay {
  origin: string
  /** The campaigns as stored (what the console sent, checked). */
  campaigns: Map<string, ConsoleCampaign>
  /** How many times each campaign was saved (created counts as 1). */
  versions: Map<string, number>
  /** Booth id → campaign id, as stored. */
  kioskCampaign(id: string): string | null
  /** Content types the roster uploads came with. */
  rosterUploads: string[]
  /** The If-Match each storing roster upload (not a `dryRun` check) came with (null: none). */
  rosterIfMatch: Array<string | null>
  /** Another organizer replaces campaign `id`'s roster with these names (its version moves). */
  replaceRosterElsewhere(id: string, names: readonly string[]): void
  /**
   * Whether a `dryRun` check answers `replacing` (what of the current roster the file keeps,
   * matched by code, else name + phone), as a relay since it was added does; off (an older
   * relay) until a test turns it on.
   */
  answerReplacing: boolean
  /** One scan stored at `kioskId`: counters move and every event stream hears `stats`. */
  scan(kioskId: string): void
  /** When each `stats` event went out, by scan number (1-based), for latency figures. */
  sentAt: Map<number, number>
  requests: string[]
  /** Ends every open event stream (a relay restart, a proxy timeout): browsers reconnect. */
  dropEvents(): void
  /**
   * The open event streams go silent without ending (a proxy's idle cut, a laptop asleep: no
   * TCP reset reaches the browser): no heartbeat or message on them any more. New ones talk.
   */
  silenceEvents(opts?: { holdNew?: boolean }): void
  /** Answers the event streams held since silenceEvents({ holdNew: true }), and new ones again. */
  releaseEvents(): void
  /** Event streams open now. */
  eventStreams(): number
  /** Heartbeats written so far to a stream still talking (none while every one is silent). */
  heartbeatsSent(): number
  /**
   * When each of those was written (`Date.now()`, in order): a gap far longer than the interval
   * is this process stalled (a loaded machine), which a page may rightly take for a dead stream.
   */
  heartbeatTimes(): readonly number[]
  close(): Promise<void>
}

/** Opens the console on `relay` and signs in as ORGANIZER: the booths page is up. */
export async function signInToFakeRelay(page: Page, relay: FakeConsoleRelay): Promise<void> {
  await page.goto(`${relay.origin}/console/`)
  await page.fill('#sign-in-name', ORGANIZER.name)
  await page.fill('#sign-in-password', ORGANIZER.password)
  await page.click('[data-testid="sign-in-submit"]')
  await page.locator('[data-testid="page-booths"]').waitFor()
}

export async function startFakeConsoleRelay(
  /** `boothIds`: the booths the attendance rows take turns at (default hall-a, hall-b, gate-east). */
  /** `heartbeatMs`: send the named heartbeat this often, none at open as the relay (default: none, an old relay). */
  options: { attendanceRows?: number; boothIds?: readonly string[]; heartbeatMs?: number } = {},
): Promise<FakeConsoleRelay> {
  const rowCount = options.attendanceRows ?? 100_000
  const sessions = new Set<string>()
  let failures = 0
  const now = Date.now()
  const kiosks: ConsoleKiosk[] = [
    {
      id: 'hall-a',
      online: true,
      lastSeenAt: now,
      queued: 0,
      scansToday: 412,
      campaignId: 'expo-2026',
      version: '0.1.0',
    },
    {
      id: 'hall-b',
      online: true,
      lastSeenAt: now,
      queued: 0,
      scansToday: 268,
      campaignId: 'expo-2026',
      version: '0.1.0',
    },
    {
      id: 'gate-east',
      online: false,
      // 42 minutes ago, but never before today's local midnight: the page shows a time of
      // today as 14:05 and an older one with its date, and the tests read the former.
      lastSeenAt: Math.max(now - 42 * 60_000, new Date(now).setHours(0, 0, 0, 0)),
      queued: 17,
      scansToday: 95,
      campaignId: 'expo-2026',
      version: '0.0.9',
    },
  ]
  const slot = 10 * 60_000
  const dayStart = new Date(now).setHours(0, 0, 0, 0)
  const firstSlot = Math.max(dayStart, Math.floor((now - 4 * 3600_000) / slot) * slot)
  const timeline = new Map<number, number>()
  for (let at = firstSlot, i = 0; at <= now; at += slot, i++) {
    timeline.set(at, Math.round(18 + 14 * Math.sin(i / 3) + (i % 5) * 3))
  }
  const stats: Omit<ConsoleStats, 'perKiosk' | 'timeline'> = {
    scans: 775,
    visitors: 604,
    newFollowers: 231,
    returning: 88,
  }
  const events = new Set<ServerResponse>()
  const campaigns = new Map<string, ConsoleCampaign>([[EXPO.id, structuredClone(EXPO)]])
  const rosters = new Map<string, ConsoleRosterEntry[]>()
  const rosterUploads: string[] = []
  const rosterIfMatch: Array<string | null> = []
  let campaignCount = 0
  let rosterVersion = 0
  const versions = new Map<string, number>([[EXPO.id, 1]])
  /** Each booth's assignment version (none: never assigned). */
  const assignments = new Map<string, number>()
  const screenKey = () => randomBytes(24).toString('base64url')
  const sentAt = new Map<number, number>()
  const requests: string[] = []
  let scans = 0

  function json(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    res.writeHead(status, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      ...headers,
    })
    res.end(body === undefined ? undefined : JSON.stringify(body))
  }
  const fail = (
    res: ServerResponse,
    status: number,
    code: string,
    headers: Record<string, string> = {},
  ) => json(res, status, { error: { code, message: code } }, headers)

  async function readBytes(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks)
  }

  async function readJson(req: IncomingMessage): Promise<unknown> {
    const data = await readBytes(req)
    try {
      return JSON.parse(data.toString('utf8')) as unknown
    } catch {
      return undefined
    }
  }

  function sessionOf(req: IncomingMessage): string | null {
    const sid = /(?:^|;\s*)sd_session=([a-f0-9]{64})/.exec(req.headers.cookie ?? '')?.[1]
    return sid && sessions.has(sid) ? sid : null
  }

  /** Streams that went silent (silenceEvents): open, but nothing is written to them. */
  const silent = new Set<ServerResponse>()
  /** While not null, new event streams wait here for releaseEvents(). */
  let heldStreams: Array<() => void> | null = null
  function broadcast(text: string): void {
    for (const res of events) if (!silent.has(res)) res.write(text)
  }
  const heartbeatMs = options.heartbeatMs
  const heartbeat = (): string =>
    `event: heartbeat\ndata: ${JSON.stringify({ type: 'heartbeat', at: Date.now(), everyMs: heartbeatMs })}\n\n`
  let heartbeats = 0
  const heartbeatTimes: number[] = []
  const beating =
    heartbeatMs === undefined
      ? null
      : setInterval(() => {
          if ([...events].some((res) => !silent.has(res))) {
            heartbeats++
            heartbeatTimes.push(Date.now())
          }
          broadcast(heartbeat())
        }, heartbeatMs)

  function statsBody(): ConsoleStats {
    return {
      ...stats,
      perKiosk: kiosks
        .filter((k) => !k.revoked)
        .map((k) => ({ id: k.id, scans: k.scansToday, visitors: Math.round(k.scansToday * 0.78) })),
      timeline: [...timeline].map(([at, n]) => ({ at, scans: n })),
    }
  }

  function serveFile(res: ServerResponse, path: string): void {
    const rel = path.replace(/^\/console\/?/, '')
    const file = resolve(CONSOLE_DIR, rel || 'index.html')
    const inside = file.startsWith(CONSOLE_DIR + sep)
    const target =
      inside && existsSync(file) && extname(file) ? file : resolve(CONSOLE_DIR, 'index.html')
    res.writeHead(200, {
      'content-type': TYPES[extname(target)] ?? 'application/octet-stream',
      'content-security-policy': CONSOLE_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    })
    res.end(readFileSync(target))
  }

  async function api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    // A GET answers HEAD too, as the relay's does (Node drops the body it writes).
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET')
    const route = `${method} ${url.pathname.replace('/console/api', '')}`
    // Same-origin rule for state-changing calls, as the relay has it.
    if (method !== 'GET' && req.headers.origin !== `http://${req.headers.host}`) {
      return fail(res, 403, 'forbidden')
    }
    if (route === 'POST /login') {
      const body = loginRequestSchema.safeParse(await readJson(req))
      if (!body.success) return fail(res, 400, 'bad_request')
      if (failures >= 2) return fail(res, 429, 'locked_out', { 'retry-after': '1' })
      if (body.data.name !== ORGANIZER.name || body.data.password !== ORGANIZER.password) {
        failures++
        return fail(res, 401, 'unauthorized')
      }
      failures = 0
      const sid = randomBytes(32).toString('hex')
      sessions.add(sid)
      return json(
        res,
        200,
        { name: ORGANIZER.name, expiresAt: Date.now() + 12 * 3600_000 },
        {
          'set-cookie': `sd_session=${sid}; Path=/console; HttpOnly; SameSite=Strict`,
        },
      )
    }
    const sid = sessionOf(req)
    if (!sid) return fail(res, 401, 'unauthorized')
    if (route === 'GET /session')
      return json(res, 200, { name: ORGANIZER.name, expiresAt: Date.now() + 3600_000 })
    if (route === 'POST /logout') {
      sessions.delete(sid)
      return json(res, 204, undefined)
    }
    if (route === 'GET /kiosks') return json(res, 200, kiosks)
    if (route === 'POST /kiosks') {
      const body = addKioskRequestSchema.safeParse(await readJson(req))
      if (!body.success) return fail(res, 400, 'bad_request')
      if (kiosks.some((k) => k.id === body.data.id)) return fail(res, 409, 'conflict')
      const code = newCode()
      kiosks.push({
        id: body.data.id,
        online: false,
        lastSeenAt: null,
        queued: 0,
        scansToday: 0,
        campaignId: null,
        version: null,
        pairingPending: true,
      })
      // Unnamed events with their type inside, as relay/attendance/live-events.ts sends them.
      broadcast(`data: ${JSON.stringify({ type: 'kiosks', at: Date.now() })}\n\n`)
      return json(res, 201, {
        id: body.data.id,
        pairingCode: code,
        expiresAt: Date.now() + PAIRING_CODE_TTL_MS,
      })
    }
    const repair = /^POST \/kiosks\/([a-z0-9-]{1,24})\/pairing$/.exec(route)
    if (repair) {
      const kiosk = kiosks.find((k) => k.id === repair[1])
      if (!kiosk) return fail(res, 404, 'not_found')
      kiosk.pairingPending = true
      return json(res, 201, {
        id: kiosk.id,
        pairingCode: newCode(),
        expiresAt: Date.now() + PAIRING_CODE_TTL_MS,
      })
    }
    const revoke = /^DELETE \/kiosks\/([a-z0-9-]{1,24})$/.exec(route)
    if (revoke) {
      const kiosk = kiosks.find((k) => k.id === revoke[1])
      if (!kiosk) return fail(res, 404, 'not_found')
      Object.assign(kiosk, { revoked: true, online: false })
      return json(res, 204, undefined)
    }
    // A booth's ETag is its assignment's version, as the relay has it; If-Match as the relay.
    const assignmentTag = (id: string): string => `"${assignments.get(id) ?? 0}"`
    const kioskGet = /^GET \/kiosks\/([a-z0-9-]{1,24})$/.exec(route)
    if (kioskGet) {
      const kiosk = kiosks.find((k) => k.id === kioskGet[1])
      if (!kiosk) return fail(res, 404, 'not_found')
      return json(res, 200, kiosk, { etag: assignmentTag(kiosk.id) })
    }
    const kioskPut = /^PUT \/kiosks\/([a-z0-9-]{1,24})$/.exec(route)
    if (kioskPut) {
      const kiosk = kiosks.find((k) => k.id === kioskPut[1])
      if (!kiosk) return fail(res, 404, 'not_found')
      const body = updateKioskRequestSchema.safeParse(await readJson(req))
      if (!body.success) return fail(res, 400, 'bad_request')
      if (body.data.campaignId !== null && !campaigns.has(body.data.campaignId))
        return fail(res, 404, 'not_found')
      const ifMatch = req.headers['if-match']
      if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== assignmentTag(kiosk.id))
        return fail(res, 412, 'precondition_failed')
      kiosk.campaignId = body.data.campaignId
      assignments.set(kiosk.id, (assignments.get(kiosk.id) ?? 0) + 1)
      broadcast(`event: kiosks\ndata: ${JSON.stringify({ at: Date.now() })}\n\n`)
      return json(res, 200, kiosk, { etag: assignmentTag(kiosk.id) })
    }
    if (route === 'GET /campaigns') return json(res, 200, [...campaigns.values()])
    if (route === 'POST /campaigns') {
      const body = campaignInputSchema.safeParse(await readJson(req))
      if (!body.success) return fail(res, 400, 'bad_request')
      const campaign = {
        ...body.data,
        id: `c${++campaignCount}`,
        screenKey: screenKey(),
      }
      campaigns.set(campaign.id, campaign)
      versions.set(campaign.id, 1)
      return json(res, 201, campaign)
    }
    const one = /^(GET|PUT) \/campaigns\/([A-Za-z0-9_-]{1,64})$/.exec(route)
    if (one) {
      const stored = campaigns.get(one[2] ?? '')
      if (!stored) return fail(res, 404, 'not_found')
      if (one[1] === 'GET') return json(res, 200, stored)
      const body = campaignInputSchema.safeParse(await readJson(req))
      if (!body.success) return fail(res, 400, 'bad_request')
      const saved = { ...stored, ...body.data }
      campaigns.set(saved.id, saved)
      versions.set(saved.id, (versions.get(saved.id) ?? 0) + 1)
      return json(res, 200, saved)
    }
    const key = /^POST \/campaigns\/([A-Za-z0-9_-]{1,64})\/screen-key$/.exec(route)
    if (key) {
      const stored = campaigns.get(key[1] ?? '')
      if (!stored) return fail(res, 404, 'not_found')
      stored.screenKey = screenKey()
      return json(res, 200, stored)
    }
    // The campaign page's draws and follow-up panels: none drawn, nothing sent yet.
    const draws = /^GET \/campaigns\/([A-Za-z0-9_-]{1,64})\/draws$/.exec(route)
    if (draws)
      return campaigns.has(draws[1] ?? '') ? json(res, 200, []) : fail(res, 404, 'not_found')
    const followUp = /^GET \/campaigns\/([A-Za-z0-9_-]{1,64})\/follow-up$/.exec(route)
    if (followUp) {
      const stored = campaigns.get(followUp[1] ?? '')
      if (!stored) return fail(res, 404, 'not_found')
      const counts = noFollowUpCounts()
      return json(res, 200, {
        campaignId: stored.id,
        tag: stored.tag,
        followUp: stored.followUp !== null,
        counts,
        failures: [],
      })
    }
    const rosterRoute = /^(GET|POST) \/campaigns\/([A-Za-z0-9_-]{1,64})\/roster$/.exec(route)
    if (rosterRoute) {
      const id = rosterRoute[2] ?? ''
      if (!campaigns.has(id)) return fail(res, 404, 'not_found')
      if (rosterRoute[1] === 'GET') {
        const page = z
          .object({
            offset: z.coerce.number().int().nonnegative().default(0),
            limit: z.coerce.number().int().min(1).max(500).default(50),
          })
          .safeParse(Object.fromEntries(url.searchParams))
        if (!page.success) return fail(res, 400, 'bad_request')
        const all = rosters.get(id) ?? []
        const { offset, limit } = page.data
        return json(
          res,
          200,
          {
            version: rosterVersion,
            total: all.length,
            offset,
            entries: all.slice(offset, offset + limit),
          },
          { etag: `"${rosterVersion}"` },
        )
      }
      const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? ''
      rosterUploads.push(type)
      // As the relay: the roster's version is its ETag; another version in If-Match is 412.
      const dryRun = url.searchParams.get('dryRun') === '1'
      const ifMatch = req.headers['if-match'] ?? null
      if (!dryRun) rosterIfMatch.push(ifMatch)
      if (ifMatch !== null && ifMatch.trim() !== '*' && ifMatch.trim() !== `"${rosterVersion}"`) {
        await readBytes(req)
        return fail(res, 412, 'precondition_failed')
      }
      const format =
        type === ROSTER_CONTENT_TYPES.csv
          ? 'csv'
          : type === ROSTER_CONTENT_TYPES.xlsx
            ? 'xlsx'
            : null
      if (!format) return fail(res, 415, 'bad_request')
      const parsed = await parseRosterFile(format, await readBytes(req))
      const errors = parsed.errors.map(({ row, column, code, params }) => ({
        row,
        column,
        code,
        params,
      }))
      // As the relay: a file with problems is refused whole unless the bad rows may be left out.
      if (parsed.fatal || (errors.length > 0 && url.searchParams.get('skipBadRows') !== '1')) {
        return json(res, 400, { error: { code: 'bad_request', message: 'rows' }, errors })
      }
      // As the relay's `?dryRun=1`: what would be stored, nothing stored.
      if (dryRun) {
        const current = rosters.get(id) ?? []
        const inFile = new Set(parsed.rows.map(rosterMatchKey))
        const dropped = current.filter((e) => !inFile.has(rosterMatchKey(e)))
        return json(res, 200, {
          dryRun: true,
          total: parsed.rows.length,
          skipped: parsed.badRows,
          errors,
          ...(fake.answerReplacing && {
            replacing: {
              total: current.length,
              kept: current.length - dropped.length,
              checkedInDropped: dropped.filter((e) => e.openid !== null).length,
            },
          }),
        })
      }
      rosters.set(
        id,
        parsed.rows.map((r, i) => ({
          id: `r${i + 1}`,
          ...r,
          openid: i % 4 === 0 ? `o${i}` : null,
        })),
      )
      const report: ConsoleRosterUpload = {
        version: ++rosterVersion,
        total: parsed.rows.length,
        skipped: parsed.badRows,
        errors,
      }
      return json(res, 200, report, { etag: `"${rosterVersion}"` })
    }
    if (route === 'GET /stats') return json(res, 200, statsBody())
    if (route === 'GET /stats/days') {
      // Every scan today, as a relay whose event started today lists them.
      const s = statsBody()
      const d = new Date()
      const day = [d.getFullYear(), d.getMonth() + 1, d.getDate()]
        .map((n) => String(n).padStart(2, '0'))
        .join('-')
      const days =
        s.scans === 0
          ? []
          : [{ day, scans: s.scans, visitors: s.visitors, newFollowers: s.newFollowers }]
      return json(res, 200, { timeZone: 'UTC', days })
    }
    if (route === 'GET /attendance') {
      const query = z
        .object({
          format: z.enum(['json', 'csv', 'xlsx']),
          q: z.string().max(64).default(''),
          offset: z.coerce.number().int().nonnegative().default(0),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        })
        .safeParse(Object.fromEntries(url.searchParams))
      if (!query.success) return fail(res, 400, 'bad_request')
      const { format, q, offset, limit } = query.data
      if (format === 'csv') {
        res.writeHead(200, {
          'content-type': 'text/csv; charset=utf-8',
          // The relay's name for it (relay/attendance/sheet.ts sheetFileName).
          'content-disposition': 'attachment; filename="scandesk-attendance-20260501-1430.csv"',
        })
        res.write('\uFEFFkioskId,openid,event,scene\n')
        for (let i = 0; i < 50; i++) {
          const r = attendanceRow(i, options.boothIds)
          res.write(`${r.kioskId},${r.openid},${r.event},${r.scene}\n`)
        }
        return void res.end()
      }
      if (format === 'xlsx') return fail(res, 400, 'bad_request')
      const match = (i: number) => {
        const r = attendanceRow(i, options.boothIds)
        return (
          r.openid.includes(q) ||
          r.kioskId === q ||
          r.scene.includes(q) ||
          (r.name?.toLowerCase().includes(q.toLowerCase()) ?? false)
        )
      }
      const indices = q ? Array.from({ length: rowCount }, (_, i) => i).filter(match) : null
      const total = indices ? indices.length : rowCount
      const rows: ConsoleAttendanceRow[] = []
      for (let n = offset; n < Math.min(total, offset + limit); n++)
        rows.push(attendanceRow(indices ? (indices[n] ?? 0) : n, options.boothIds))
      return json(res, 200, { total, rows })
    }
    if (route === 'GET /events') {
      // A stream asked for while new ones are held (silenceEvents({ holdNew: true })) gets its
      // answer only at releaseEvents(): the page stays without a live stream until then.
      if (heldStreams !== null) {
        heldStreams.push(() => answerEvents(req, res))
        return
      }
      return answerEvents(req, res)
    }
    return fail(res, 404, 'not_found')
  }

  function answerEvents(req: IncomingMessage, res: ServerResponse): void {
    {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      })
      res.write('retry: 1000\n: hello\n\n')
      events.add(res)
      req.on('close', () => {
        events.delete(res)
        silent.delete(res)
      })
    }
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake')
    requests.push(`${req.method ?? 'GET'} ${url.pathname}${url.search}`)
    if (url.pathname.startsWith('/console/api/')) {
      api(req, res, url).catch(() => fail(res, 500, 'internal'))
    } else if (url.pathname === '/console' || url.pathname.startsWith('/console/')) {
      serveFile(res, url.pathname)
    } else {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as { port: number }

  const fake: FakeConsoleRelay = {
    origin: `http://127.0.0.1:${port}`,
    answerReplacing: false,
    campaigns,
    versions,
    kioskCampaign: (id) => kiosks.find((k) => k.id === id)?.campaignId ?? null,
    rosterUploads,
    rosterIfMatch,
    replaceRosterElsewhere(id, names) {
      rosters.set(
        id,
        names.map((name, i) => ({
          id: `elsewhere-${i + 1}`,
          name,
          company: '',
          phone: '',
          code: '',
          openid: null,
        })),
      )
      rosterVersion++
    },
    sentAt,
    requests,
    scan(kioskId) {
      const kiosk = kiosks.find((k) => k.id === kioskId)
      if (kiosk) kiosk.scansToday++
      stats.scans++
      const at = Math.floor(Date.now() / slot) * slot
      timeline.set(at, (timeline.get(at) ?? 0) + 1)
      scans++
      sentAt.set(scans, Date.now())
      // Unnamed messages carry the type in their data; the kiosks event above is named.
      broadcast(`data: ${JSON.stringify({ type: 'stats', at: Date.now() })}\n\n`)
    },
    dropEvents() {
      for (const res of events) res.end()
      events.clear()
    },
    silenceEvents(opts = {}) {
      for (const res of events) silent.add(res)
      if (opts.holdNew === true) heldStreams ??= []
    },
    releaseEvents() {
      const held = heldStreams ?? []
      heldStreams = null
      for (const answer of held) answer()
    },
    eventStreams: () => events.size,
    heartbeatsSent: () => heartbeats,
    heartbeatTimes: () => heartbeatTimes,
    async close() {
      if (beating) clearInterval(beating)
      for (const res of events) res.end()
      server.closeAllConnections()
      await new Promise<void>((done) => server.close(() => done()))
    },
  }
  return fake
}

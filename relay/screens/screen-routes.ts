/**
 * The big screens (docs/DESIGN.md "Big screens"): `GET /screen/<campaignId>/wall|draw?key=K`
 * (the screen app's page, from the console build's `screen.html`), `GET
 * /screen/api/<campaignId>/wall?key=K` (the snapshot) and `GET /screen/api/<campaignId>/events
 * ?key=K` (server-sent events). Read-only: GET only. Every answer is `no-store`, `no-referrer`
 * and `noindex`; pages carry a strict CSP. A wrong or missing key and an unknown campaign are
 * the same 403. Requests are rate-limited per client address.
 */
import { readFile } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { join } from 'node:path'
import { campaignIdSchema } from '../../shared/campaign'
import type { CampaignDirectory } from '../campaign-directory'
import { LogLimiter, silentLogger, type Logger } from '../log'
import type { RelayMetrics } from '../metrics'
import type { RelayConfig } from '../config'
import { clientLimitKeys } from '../console/request-origin'
import { sendApiError, sendJson, sendText } from '../http-util'
import { ADDRESS_GROUP_SHARE, AddressLimiter } from '../rate-limit'
import type { CampaignRecord } from '../store/campaign-types'
import type { DrawFeed } from './draw-source'
import { NameBook } from './name-book'
import { ScreenAccess } from './screen-access'
import { ScreenHub, type ScreenHubOptions } from './screen-hub'

/** No inline script or style, nothing from elsewhere; only the relay's own API. */
export const SCREEN_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ')

/**
 * The page itself (answered only with the right key) may be framed, by a kiosk's big screen
 * (docs/DESIGN.md "Big screens"): it is read-only, with nothing to click or type, so a framing
 * site can trick no one into an action. No narrower `frame-ancestors` fits: the kiosk's page is
 * `file://` in Electron (an opaque origin no source expression matches) and any origin in web
 * mode. The API answers and every refusal keep `frame-ancestors 'none'`.
 */
export const SCREEN_PAGE_CSP = SCREEN_CSP.split('; ')
  .filter((d) => !d.startsWith('frame-ancestors'))
  .join('; ')

const COMMON_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Robots-Tag': 'noindex, nofollow',
  'X-Content-Type-Options': 'nosniff',
}

/**
 * What a screen page's address answers with a wrong, old or missing key: a person (or a
 * projector) opened it, so it says what happened in words, the same bytes whatever was asked
 * (no campaign, key or name in it). The page's own script says the same when a key is rotated
 * under an open screen (console/src/screen/screen-text.ts `forbidden`).
 */
export const SCREEN_REFUSED_HTML = Buffer.from(
  `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>ScanDesk 大屏 · Big screen</title>
</head>
<body>
<h1>大屏链接无效或已更换</h1>
<p>请在活动控制台的活动页面“大屏链接”处复制当前的签到墙或抽奖台链接。</p>
<h1 lang="en">This big-screen link is wrong or was replaced</h1>
<p lang="en">Copy the current sign-in wall or draw stage link from the campaign’s “Big-screen links” in the event console.</p>
</body>
</html>
`,
  'utf8',
)

/**
 * Per client address (and per /48, 8 times as much): a wall reconnecting with backoff needs a
 * few a minute.
 */
export const SCREEN_RATE = { ratePerMinute: 120, burst: 60, concurrency: 16 }
/** Client addresses held at once, as for pairing (relay/pairing.ts PAIR_MAX_ADDRESSES). */
export const SCREEN_MAX_ADDRESSES = 100_000

export interface ScreenRoutesOptions {
  config: Pick<RelayConfig, 'trustProxyHops'>
  store: ScreenHubOptions['store']
  directory: Pick<CampaignDirectory, 'assignmentOf'>
  now: () => number
  /** Where the built console (and its `screen.html`) is. */
  consoleDir: string
  /** Counts the screens' 429s by the key that refused (absent in tests that do not look). */
  metrics?: Pick<RelayMetrics, 'countLimitHit'>
  /** Where a refused key is told of (once a minute, naming the campaigns); none when absent. */
  log?: Logger
  draws?: DrawFeed
  /**
   * The relay's one book of roster names, shared with the console's attendance list (closed by
   * whoever made it). Absent: one of the screens' own, closed with them.
   */
  names?: NameBook
  hub?: Partial<
    Omit<ScreenHubOptions, 'store' | 'directory' | 'access' | 'names' | 'draws' | 'now'>
  >
}

/** What to do about a refused screen key (a wall showing "refused" or frozen). */
const SCREEN_KEY_REFUSED_ACTION =
  "a wall whose link holds an old key (rotated in the console: look for 'campaign screen key rotated') stays refused: open the campaign's current screen link on it"

/** How many different `key` parameters of one address are tried (see `handle`). */
const MAX_KEYS_TRIED = 4

const PAGE = /^\/screen\/([^/]+)\/(wall|draw)\/?$/
const API = /^\/screen\/api\/([^/]+)\/(wall|events)$/

export function createScreenRoutes(opts: ScreenRoutesOptions) {
  const access = new ScreenAccess(opts.store, opts.now)
  const names = opts.names ?? new NameBook(opts.store)
  const hub = new ScreenHub({
    ...opts.hub,
    store: opts.store,
    directory: opts.directory,
    access,
    names,
    draws: opts.draws,
    now: opts.now,
  })
  const log = opts.log ?? silentLogger
  /**
   * A wall left on an old key (rotated in the console) asks again every few seconds, as does
   * anyone trying keys: one line a minute, naming the campaign its address names (when it is
   * the shape of one; unverified), and on the next line the others refused in the minute.
   */
  const refusedLines = new LogLimiter(opts.now)
  function keyRefused(id: string): void {
    const claimed = campaignIdSchema.safeParse(id).success ? id : null
    refusedLines.log(
      log,
      'info',
      'big screen refused: wrong or missing key',
      {
        event: 'screen_key_refused',
        ...(claimed !== null && { claimedCampaignId: claimed }),
        action: SCREEN_KEY_REFUSED_ACTION,
      },
      'screen refused',
      { field: 'unloggedClaimedCampaignIds', name: claimed },
    )
  }
  const limiter = new AddressLimiter(SCREEN_RATE, opts.now, {
    maxKeys: SCREEN_MAX_ADDRESSES,
    groupShare: ADDRESS_GROUP_SHARE,
    onRefused: (by) =>
      opts.metrics?.countLimitHit(by === 'block' ? 'screen_block' : 'screen_address'),
  })

  async function page(res: ServerResponse): Promise<void> {
    let html: Buffer
    try {
      html = await readFile(join(opts.consoleDir, 'screen.html'))
    } catch {
      sendText(res, 404, 'The screen app is not built.\n')
      return
    }
    res.writeHead(200, {
      'Content-Security-Policy': SCREEN_PAGE_CSP,
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': html.length,
    })
    res.end(html)
  }

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    for (const [name, value] of Object.entries(COMMON_HEADERS)) res.setHeader(name, value)
    res.setHeader('Content-Security-Policy', SCREEN_CSP)
    // HEAD: the GET's status and headers (Node sends no body for it); no event stream is kept.
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD')
      sendApiError(res, 405, 'method_not_allowed', 'use GET')
      return
    }
    const pageMatch = PAGE.exec(url.pathname)
    const apiMatch = pageMatch === null ? API.exec(url.pathname) : null
    const match = pageMatch ?? apiMatch
    if (match === null) {
      sendApiError(res, 404, 'not_found', 'no such screen')
      return
    }
    const admission = limiter.admit(clientLimitKeys(req, opts.config.trustProxyHops))
    if (!admission.granted) {
      res.setHeader('Retry-After', String(admission.retryAfterSeconds))
      sendApiError(res, 429, 'rate_limited', 'too many requests; wait and try again')
      return
    }
    // Held until the answer is over, not until this function returns: an event stream outlives
    // it and must count against its address's "at once" for as long as it is open. 'close' comes
    // once, whether the answer was sent, the client went (even during a store read below), or
    // the hub ended the stream (key rotated, shutdown).
    res.once('close', admission.release)
    let id: string
    try {
      id = decodeURIComponent(match[1] ?? '')
    } catch {
      id = ''
    }
    // A wrong or missing key is 403 whatever else the address carries (the contract's one
    // answer): an address none of whose keys is right is refused before its shape is judged.
    // Only one holding the right key learns of the rest: one key, never two to choose from;
    // the API takes nothing else (the page ignores the rest of its address, which a browser
    // or a person may have added to). A few keys are tried, not thousands (each may be a
    // store read): past those, an address is refused as one with none right.
    const keys = [...new Set(url.searchParams.getAll('key'))].slice(0, MAX_KEYS_TRIED)
    let record: CampaignRecord | null = null
    let key: string | null = null
    for (const given of keys) {
      const found = await access.check(id, given)
      if (found !== null) {
        record = found
        key = given
        break
      }
    }
    if (record === null || key === null) {
      keyRefused(id)
      if (pageMatch !== null) {
        res.writeHead(403, {
          'Content-Type': 'text/html; charset=utf-8',
          'Content-Length': SCREEN_REFUSED_HTML.length,
        })
        res.end(SCREEN_REFUSED_HTML)
      } else sendApiError(res, 403, 'forbidden', 'wrong or missing screen key')
      return
    }
    const other = [...url.searchParams.keys()].some((k) => k !== 'key')
    if (url.searchParams.getAll('key').length > 1 || (apiMatch !== null && other)) {
      sendApiError(res, 400, 'bad_request', 'give the screen key once, and nothing else')
      return
    }
    if (pageMatch !== null) await page(res)
    else if (match[2] === 'wall') sendJson(res, 200, await hub.snapshot(record))
    else if (req.method === 'HEAD') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' }).end()
    } else hub.handle(req, res, record, key)
  }

  function close(): void {
    hub.close()
    if (names !== opts.names) names.close()
  }

  return { handle, hub, close }
}

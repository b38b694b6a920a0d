/**
 * Every failure that can reach a person, as data: a stable code and its parameters, never a
 * sentence. The core and the bridges produce these; the renderer turns them into words in
 * the UI's language (renderer/src/i18n, `codes.<code>`), and a test checks that both locales
 * have a message for every code here, using only the parameters the code declares.
 *
 * Runs in the renderer too: no Node, DOM or Electron imports.
 */
import { z } from 'zod'

const none = z.object({}).strict()
const errcode = z.object({ errcode: z.number().int().optional() }).strict()
/** The proxy variable at fault, as staff set it (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY). */
const proxySettingParams = z.object({ setting: z.string().max(20) }).strict()

/**
 * Codes a kiosk call can fail with, the HTTP status web mode answers with, and each code's
 * parameters. To add one: an entry here plus `codes.<code>` in zh-CN.ts and en.ts.
 */
export const kioskErrorCodes = {
  /** Input the contract refused; `field` is the first offending field's path (UI: 'input'). */
  bad_input: { status: 400, params: z.object({ field: z.string().max(100).optional() }).strict() },
  admin_locked: { status: 403, params: none },
  unknown_method: { status: 404, params: none },
  not_found: { status: 404, params: none },
  unavailable: { status: 503, params: none },
  internal: { status: 500, params: none },
  wrong_pin: { status: 400, params: none },
  campaign_not_found: { status: 404, params: none },
  /** The campaign is run from the relay's console (contract v2): read-only on the kiosk. */
  campaign_managed: { status: 409, params: none },
  event_not_found: { status: 404, params: none },
  registration_not_found: { status: 404, params: none },
  no_active_campaign: { status: 503, params: none },
  no_ticket_source: { status: 503, params: none },
  no_fresh_code: { status: 503, params: none },
  desktop_only: { status: 503, params: none },
  secure_storage_unavailable: { status: 503, params: none },
  /** Web mode: the page's key is not this run's (the kiosk restarted). */
  web_key_rejected: { status: 401, params: none },
  /** Web mode: a request from another page or site. */
  foreign_origin: { status: 403, params: none },
  body_too_large: { status: 413, params: none },
  /** Web mode: the kiosk process cannot be reached at all (seen only by the page). */
  service_unreachable: { status: 503, params: none },
  /** Pairing: the relay does not know the code, or it expired (its 404). */
  pairing_code_invalid: { status: 404, params: none },
  /** Pairing: the code was already exchanged for a token (the relay's 410). */
  pairing_code_used: { status: 410, params: none },
  /** Pairing: the relay refuses more attempts from this address for now (`seconds`: its Retry-After). */
  pairing_rate_limited: {
    status: 429,
    params: z.object({ seconds: z.number().int().optional() }).strict(),
  },
  /** Pairing: the relay could not be reached (DNS, refused, TLS). */
  relay_unreachable: { status: 502, params: none },
  /** Pairing: no answer in time; the code may or may not have been used. */
  relay_timeout: { status: 504, params: none },
  /** Pairing: a captive portal answered in the relay's place (the venue Wi-Fi wants a sign-in). */
  wifi_sign_in: { status: 502, params: none },
  /**
   * Pairing: the relay's https answered with a certificate this computer does not trust (a
   * captive portal's or a TLS-inspecting proxy's, an expired one, a clock far off): the code
   * was never sent.
   */
  relay_tls_untrusted: { status: 502, params: none },
  /**
   * Pairing: the network's HTTP proxy (HTTPS_PROXY, docs/DEPLOY.md) refused to pass the request
   * on with this HTTP status: 407 wants a user name and password, 403 does not allow the relay.
   */
  relay_proxy_refused: { status: 502, params: z.object({ status: z.number().int() }).strict() },
  /**
   * Pairing: the booth's proxy setting (`setting`: HTTPS_PROXY, HTTP_PROXY or ALL_PROXY) is not
   * an http:// or https:// proxy's address (a socks5:// one, a typo): nothing was sent.
   */
  relay_proxy_invalid: { status: 500, params: proxySettingParams },
  /** Pairing: an answer that is not the contract's (wrong status, redirect, garbage). */
  relay_bad_answer: { status: 502, params: none },
} as const satisfies Record<string, { status: number; params: z.ZodObject }>

/**
 * Codes that are not call failures: connection checks, the ticket source's last error (as
 * the status corner and diagnostics show it), setup field problems, export failures.
 */
export const statusCodes = {
  ok: none,
  not_configured: none,
  connecting: none,
  unreachable: none,
  timeout: none,
  /**
   * The relay answered its health check (or the ticket proxy, the fallback code, failing for a
   * reason not WeChat's: a restart, its store, a reverse proxy that cannot reach it) with this
   * HTTP status.
   */
  unhealthy: z.object({ status: z.number().int() }).strict(),
  unauthorized: none,
  forbidden: none,
  revoked: none,
  /** The relay link: the kiosk could not store what the relay sent (a full disk, most often). */
  store_failed: none,
  /** The relay link: the address answered the websocket upgrade with this HTTP status. */
  link_refused: z.object({ status: z.number().int() }).strict(),
  /**
   * The relay link: the network answered the websocket upgrade in the relay's place with this
   * HTTP status (a captive portal's login: its page, a redirect to another host, or 511), so the
   * venue Wi-Fi wants a sign-in in a browser.
   */
  network_sign_in: z.object({ status: z.number().int() }).strict(),
  /**
   * The relay link: the TLS handshake met a certificate this computer does not trust for the
   * relay (a captive portal or a company's TLS-inspecting proxy answering in its place, the
   * relay's certificate expired, or this computer's date far off).
   */
  tls_untrusted: none,
  /**
   * The relay link: the network's HTTP proxy (HTTPS_PROXY) answered the tunnel to the relay with
   * this HTTP status instead of opening it (407 wants a user name and password; 403 does not
   * allow the relay's address; 502 or 504 could not reach it).
   */
  proxy_refused: z.object({ status: z.number().int() }).strict(),
  /**
   * The relay link: the booth's proxy setting (`setting`: HTTPS_PROXY, HTTP_PROXY or ALL_PROXY)
   * is not an http:// or https:// proxy's address, so nothing was sent (not the network's fault).
   */
  proxy_invalid: proxySettingParams,
  /** The relay link: another kiosk with this kiosk's id and token keeps replacing its link. */
  identity_conflict: none,
  ip_not_allowed: errcode,
  bad_credentials: errcode,
  quota: errcode,
  busy: errcode,
  /**
   * The relay is pacing this kiosk's ticket requests (429); the kiosk waits and asks again.
   * `seconds`: how long the pause still runs, when it is long enough to tell staff.
   */
  rate_limited: z.object({ seconds: z.number().int().optional() }).strict(),
  /** The relay's daily ticket budget for this kiosk is spent: new codes after midnight Beijing time. */
  ticket_budget: none,
  bad_response: none,
  /** The relay has no WeChat AppID/AppSecret, so its ticket proxy makes no codes. */
  proxy_disabled: none,
  /**
   * The relay does not let this kiosk use its ticket proxy (added with --no-ticket-proxy): its
   * token is fine and pairing again keeps the refusal; the relay's admin turns it on.
   */
  proxy_not_allowed: none,
  other: errcode,
  required: none,
  reenter: none,
  invalid: none,
  /** A plain http:// address to another host than this computer (https:// is required). */
  insecure_http: none,
  /** An address with a user name or password in it (never kept, shown or sent). */
  user_info: none,
  too_small: none,
  too_big: none,
  duplicate: none,
  export_failed: none,
  /** An export the disk had no room for (ENOSPC, EDQUOT): nothing was kept. */
  export_disk_full: none,
  /** An export the folder refused (no write permission, a read-only disk): nothing was kept. */
  export_no_access: none,
} as const satisfies Record<string, z.ZodObject>

/**
 * The largest roster file the kiosk's import, the relay's upload and its dry run take (the
 * console refuses a bigger one before sending it). Top-level here: the console reads it too.
 */
export const MAX_ROSTER_FILE_BYTES = 10 * 1024 * 1024

/**
 * Roster import problems (words: `roster.problems.<code>`). Row problems go with the row as
 * the person sees it in their spreadsheet (1-based, the header is row 1) and the column;
 * file problems (nothing imported) with row 1 and no column. The English detail, a parser's
 * own message above all, goes only to the log.
 */
export const rosterProblemCodes = {
  name_empty: none,
  /** The cell has more than `limit` characters. */
  too_long: z.object({ limit: z.number().int() }).strict(),
  /** A character a phone number cannot have, or a "+" past its start. */
  phone_invalid: none,
  /** A control or bidi control character in a name, company (a line break is fine) or code. */
  control_chars: none,
  /** Only allowed characters, but fewer than `min` of them ("1", "-"). */
  phone_too_short: z.object({ min: z.number().int() }).strict(),
  /** Same guest (code, else name and phone) as the earlier row `duplicateOf`. */
  duplicate_row: z.object({ duplicateOf: z.number().int() }).strict(),
  file_empty: none,
  too_many_rows: z.object({ max: z.number().int() }).strict(),
  too_many_cells: z.object({ max: z.number().int() }).strict(),
  no_name_column: none,
  /**
   * `format`: CSV or XLSX, what the file was read as; or what it was found to be and the roster
   * cannot take: `UNREADABLE_XLS`, `UNREADABLE_ENCRYPTED` (worded with what to do about it).
   */
  unreadable: z.object({ format: z.string() }).strict(),
  encoding_big5: z.object({ encoding: z.string().optional() }).strict(),
  encoding_utf16_no_bom: none,
  encoding_invalid: z.object({ encoding: z.string() }).strict(),
  encoding_unsupported: z.object({ encoding: z.string().optional() }).strict(),
  xlsx_too_large: z.object({ mib: z.number().int() }).strict(),
  xlsx_too_many_parts: z.object({ max: z.number().int() }).strict(),
  xlsx_damaged: none,
} as const satisfies Record<string, z.ZodObject>
export type RosterProblemCode = keyof typeof rosterProblemCodes
/** `unreadable`'s format for an Excel 97–2003 workbook (.xls, an OLE2 file). */
export const UNREADABLE_XLS = 'XLS'
/** `unreadable`'s format for a password-protected workbook (encrypted OOXML, an OLE2 file). */
export const UNREADABLE_ENCRYPTED = 'XLSX (encrypted)'

/**
 * Whether leaving out the problem rows could let a refused roster in: a row problem names its
 * column, a problem with the whole file (unreadable, no name column, too many rows) none, and
 * skipping rows does nothing for it.
 */
export function rosterHasRowProblems(problems: ReadonlyArray<{ column: string | null }>): boolean {
  return problems.some((p) => p.column !== null)
}
/** The spreadsheet columns a row problem can point at. */
export const rosterColumns = ['name', 'company', 'phone', 'code'] as const
export type RosterColumn = (typeof rosterColumns)[number]

export type KioskErrorCode = keyof typeof kioskErrorCodes
export type StatusCode = keyof typeof statusCodes
export type MessageCode = KioskErrorCode | StatusCode

type ParamsSchema<C extends MessageCode> = C extends KioskErrorCode
  ? (typeof kioskErrorCodes)[C]['params']
  : C extends StatusCode
    ? (typeof statusCodes)[C]
    : never
export type ErrorParams<C extends MessageCode> = z.infer<ParamsSchema<C>>
/** The params argument: optional when the code declares none that are required. */
export type ParamsArg<C extends MessageCode> =
  Record<string, never> extends ErrorParams<C>
    ? [params?: ErrorParams<C>]
    : [params: ErrorParams<C>]

/** Every code with its params schema, for the renderer's locale check. */
export const messageCodes: ReadonlyMap<MessageCode, z.ZodObject> = new Map<
  MessageCode,
  z.ZodObject
>([
  ...(Object.entries(statusCodes) as [StatusCode, z.ZodObject][]),
  ...(Object.entries(kioskErrorCodes) as [KioskErrorCode, { params: z.ZodObject }][]).map(
    ([code, c]): [MessageCode, z.ZodObject] => [code, c.params],
  ),
])

const paramValue = z.union([z.string().max(200), z.number()])
/**
 * A failure on the wire: codes the renderer does not know still pass (it shows them with a
 * generic sentence), so an older UI never hides a newer core's failure.
 */
export const errorBodySchema = z.object({
  code: z.string().min(1).max(64),
  params: z.record(z.string().max(32), paramValue).default({}),
})
export type ErrorBody = z.infer<typeof errorBodySchema>

export function isKioskErrorCode(code: unknown): code is KioskErrorCode {
  return typeof code === 'string' && Object.hasOwn(kioskErrorCodes, code)
}

/** Builds a typed `{code, params}` (params checked at compile time against the contract). */
export function errorBody<C extends MessageCode>(code: C, ...params: ParamsArg<C>): ErrorBody {
  return { code, params: { ...params[0] } }
}

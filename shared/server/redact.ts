/**
 * Scrubs secrets out of anything headed for a kiosk's log (the Electron app's file,
 * electron/main/log.ts, and `kiosk web`'s stderr, electron/core/cli/cli-web.ts): the AppSecret, access tokens, the relay
 * token, AES keys, screen keys, PINs and visitors' openids and phone numbers (personal data)
 * must never reach disk. What tells a line apart stays: a kiosk token's kiosk id
 * (`booth-1.[redacted]`), campaign ids, event ids (`ev_…`), counts.
 */

import { campaignIdSchema } from '../campaign'
import { readableLine, type LogFields, type LogLevel } from './log'

const REDACTED = '[redacted]'

/** Object keys whose values are always secret or personal. */
const SECRET_KEY =
  /secret|token|password|passwd|pin$|^pin|aes|encodingaeskey|authorization|cookie|openid|signature|apikey|credential|^key$|screenkey|phone|mobile|^tel(?:ephone)?(?:_?(?:no|num|number))?$/i

/** base64url's letters: an openid's, a kiosk token's, a screen key's. */
const B64 = 'A-Za-z0-9_-'

/**
 * After a run: it is a file's name (`overview-of-booth-statistics.csv`, an organizer's
 * `ShanghaiAutumnExpo2026VIPGuestList.xlsx`), not a secret. A phone or an openid (mixed case,
 * as a file name of words starting with "o" is not) in a file's name is masked all the same.
 */
const EXTENSIONS = 'csv xlsx xls json log txt db sqlite png jpg pdf zip'.split(' ')
const FILE_EXTENSION = `(?!\\.(?:${[...EXTENSIONS, ...EXTENSIONS.map((e) => e.toUpperCase())].join('|')})(?![A-Za-z0-9]))`

const TEXT_RULES: ReadonlyArray<[RegExp, string]> = [
  // A user name and password in an address (a proxy's, `http://user:pw@proxy:3128`), or a user
  // name alone (a token as one); up to the last @ before the path, as a password typed without
  // percent-encoding may hold one (`user:p@ss@proxy`).
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/]*@/gi, `$1${REDACTED}@`],
  // key=value and "key": "value" pairs (query strings, JSON, ad-hoc messages).
  // (camelCase too: `"relayToken":…` in a settings object quoted whole; `?key=` a screen's.)
  [
    /\b((?:access_?|refresh_?|relay_?|kiosk_?)?token|secret|app_?secret|appsecret|password|pin|encoding_?aes_?key|aes_?key|(?:screen_?)?key|openid|signature|msg_signature)("?\s*[:=]\s*"?)([^"&\s,;}]+)/gi,
    `$1$2${REDACTED}`,
  ],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, `$1 ${REDACTED}`],
  // WeChat openids: 28 base64url characters starting with "o"; one may end in "-" or follow a
  // "_" or "-" (`visitor_o…`), where `\b` saw no edge. A run with a capital in it is one even
  // before an extension (a file named after a visitor, `<openid>.png`): only a run of words
  // with no capital (`overview-of-booth-statistics.csv`, as no openid in a million is) is kept
  // as a file's name.
  [
    new RegExp(
      `(?<![A-Za-z0-9])o(?:(?=[${B64}]{0,26}[A-Z])[${B64}]{27}(?![${B64}])|[${B64}]{27}(?![${B64}])${FILE_EXTENSION})`,
      'g',
    ),
    'o***',
  ],
  // Chinese mobile numbers (a roster's phones, kept as typed): 11 digits, 13x to 19x, maybe
  // after +86 and in 3-4-4 groups; not a run of digits inside an id (`ev_<hex>`).
  [
    /(?<![A-Za-z0-9])(?<!ev_)(?:\+?86[ -]?)?1[3-9][0-9]([ -]?)[0-9]{4}\1[0-9]{4}(?![0-9])/g,
    '1**********',
  ],
  // AppSecrets are 32 hex characters; a run of hex only of that length, or a SHA-1's or a
  // SHA-256's (40, 64), is no file stem anyone types: masked before an extension too.
  [/\b(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64})\b/gi, REDACTED],
  // EncodingAESKeys are 43: redact long opaque tokens.
  [new RegExp(String.raw`\b[A-Za-z0-9]{32,}\b${FILE_EXTENSION}`, 'g'), REDACTED],
]

/**
 * Random base64url of 32 characters or more (a kiosk token after its `<kioskId>.`, the web
 * bridge's key): upper case, lower case and digits all in it, which no identifier or word of
 * ours (`ev_<hex>`, `scandesk_relay_…`) has.
 */
const LONG_RANDOM = new RegExp(`(?<![${B64}])[${B64}]{32,}(?![${B64}])${FILE_EXTENSION}`, 'g')
const looksRandom = (run: string): boolean =>
  /[A-Z]/.test(run) && /[a-z]/.test(run) && /[0-9]/.test(run)

/**
 * A campaign id under its own name, kept as it is: organizers pick them (campaignIdSchema), and
 * one of 32 or more letters and digits is not a secret.
 */
const CAMPAIGN_ID_FIELD = /^campaignId$/i
const isCampaignId = (key: string, v: unknown): boolean =>
  CAMPAIGN_ID_FIELD.test(key) && campaignIdSchema.safeParse(v).success

export function redactText(text: string): string {
  let out = text
  for (const [pattern, replacement] of TEXT_RULES) out = out.replace(pattern, replacement)
  return out.replace(LONG_RANDOM, (run) => (looksRandom(run) ? REDACTED : run))
}

/** Deep copy with secret-named fields replaced and every string scrubbed. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[…]'
  if (typeof value === 'string') return redactText(value)
  // A phone logged as a JSON number (`{"tel": 13800138000}`) is masked as its digits would be.
  if (typeof value === 'number' || typeof value === 'bigint') {
    const digits = String(value)
    const scrubbed = redactText(digits)
    return scrubbed === digits ? value : scrubbed
  }
  if (value instanceof Error) {
    return { name: value.name, message: redactText(value.message), stack: redactStack(value) }
  }
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redactValue(v, depth + 1))
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [key, v] of Object.entries(value)) {
      out[key] = SECRET_KEY.test(key)
        ? REDACTED
        : isCampaignId(key, v)
          ? v
          : redactValue(v, depth + 1)
    }
    return out
  }
  return value
}

function redactStack(error: Error): string | undefined {
  return error.stack === undefined ? undefined : redactText(error.stack)
}

/** A readable line (shared/server/log.ts) with secrets and openids scrubbed, message and fields alike. */
export function redactedLine(
  at: number,
  level: LogLevel,
  message: string,
  fields: LogFields | undefined,
): string {
  const details = fields === undefined ? undefined : (redactValue(fields) as LogFields)
  return readableLine(at, level, redactText(message), details)
}

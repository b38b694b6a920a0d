/**
 * Scrubs secrets out of anything headed for a log file: the AppSecret, access tokens, the relay
 * token, AES keys, PINs and visitors' openids (personal data) must never reach disk.
 */

const REDACTED = '[redacted]'

/** Object keys whose values are always secret or personal. */
const SECRET_KEY =
  /secret|token|password|passwd|pin$|^pin|aes|encodingaeskey|authorization|cookie|openid|signature|apikey|credential/i

const TEXT_RULES: ReadonlyArray<[RegExp, string]> = [
  // key=value and "key": "value" pairs (query strings, JSON, ad-hoc messages).
  [
    /\b((?:access_|refresh_|relay_|kiosk_)?token|secret|app_?secret|appsecret|password|pin|encoding_?aes_?key|aes_?key|openid|signature|msg_signature)("?\s*[:=]\s*"?)([^"&\s,;}]+)/gi,
    `$1$2${REDACTED}`,
  ],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, `$1 ${REDACTED}`],
  // WeChat openids: 28 characters starting with "o".
  [/\bo[A-Za-z0-9_-]{27}\b/g, 'o***'],
  // AppSecrets are 32 hex-ish characters, EncodingAESKeys 43: redact long opaque tokens.
  [/\b[A-Za-z0-9]{32,}\b/g, REDACTED],
]

export function redactText(text: string): string {
  let out = text
  for (const [pattern, replacement] of TEXT_RULES) out = out.replace(pattern, replacement)
  return out
}

/** Deep copy with secret-named fields replaced and every string scrubbed. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[…]'
  if (typeof value === 'string') return redactText(value)
  if (value instanceof Error) {
    return { name: value.name, message: redactText(value.message), stack: redactStack(value) }
  }
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redactValue(v, depth + 1))
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [key, v] of Object.entries(value)) {
      out[key] = SECRET_KEY.test(key) ? REDACTED : redactValue(v, depth + 1)
    }
    return out
  }
  return value
}

function redactStack(error: Error): string | undefined {
  return error.stack === undefined ? undefined : redactText(error.stack)
}
